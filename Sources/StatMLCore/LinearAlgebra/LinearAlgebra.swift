import COpenBLAS

/// Vector operations on OpenBLAS and the library's global settings.
public enum LinearAlgebra {
    /// Sets how many threads OpenBLAS may use inside one call. A server that calls BLAS from many
    /// request threads at once should set 1, so that the threads do not oversubscribe the cores.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "LinearAlgebra.setThreads: need at least one thread (got \(count))")
        openblas_set_num_threads(Int32(clamping: count))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// xᵀy (cblas_ddot).
    public static func dot(_ x: [Double], _ y: [Double]) throws -> Double {
        guard x.count == y.count else {
            throw StatMLError.invalidInput("dot: vector lengths differ (\(x.count) and \(y.count))")
        }
        let n = try blasInt(x.count, "dot")
        return cblas_ddot(n, x, 1, y, 1)
    }

    /// y ← αx + y (cblas_daxpy).
    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) throws {
        guard x.count == y.count else {
            throw StatMLError.invalidInput("axpy: vector lengths differ (x has \(x.count), y has \(y.count))")
        }
        let n = try blasInt(x.count, "axpy")
        cblas_daxpy(n, alpha, x, 1, &y, 1)
    }

    /// The Euclidean norm ‖x‖₂ (cblas_dnrm2, which scales to avoid overflow).
    public static func norm2(_ x: [Double]) -> Double {
        guard let n = Int32(exactly: x.count) else {
            preconditionFailure("norm2: \(x.count) values are more than 32-bit BLAS can address")
        }
        return cblas_dnrm2(n, x, 1)
    }

    /// A dimension as the 32-bit integer that OpenBLAS and LAPACKE take.
    static func blasInt(_ value: Int, _ operation: String) throws -> Int32 {
        guard let result = Int32(exactly: value) else {
            throw StatMLError.invalidInput(
                "\(operation): dimension \(value) is larger than 32-bit BLAS/LAPACK can address")
        }
        return result
    }
}
