import CLAPACKE
import COpenBLAS

/// The result of a rank-revealing least-squares solve.
public struct LeastSquaresSolution: Equatable, Sendable {
    /// The minimum-norm solution β of min ‖Xβ − y‖₂.
    public var coefficients: [Double]
    /// The effective rank: singular values above `rcond` × the largest count.
    public var rank: Int
    /// Singular values of X, largest first.
    public var singularValues: [Double]
}

private let lowerTriangle = CChar(UInt8(ascii: "L"))
private let computeVectors = CChar(UInt8(ascii: "V"))
private let noTranspose = CChar(UInt8(ascii: "N"))

extension Matrix {
    // MARK: BLAS level 3 and 2

    /// α·op(A)·op(B), where op transposes when asked (cblas_dgemm).
    ///
    /// - Throws: `StatMLError.invalidInput` naming both shapes when the inner dimensions differ.
    public static func multiply(
        _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1
    ) throws -> Matrix {
        let (m, k) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
        let (kB, n) = transposeB ? (b.cols, b.rows) : (b.rows, b.cols)
        guard k == kB else {
            throw StatMLError.invalidInput(
                "matrix product: inner dimensions differ: \(transposeA ? "Aᵀ" : "A") is \(m)×\(k) (A is \(a.shape)), "
                    + "\(transposeB ? "Bᵀ" : "B") is \(kB)×\(n) (B is \(b.shape))")
        }
        var result = Matrix(rows: m, cols: n)
        guard m > 0, n > 0, k > 0 else { return result }
        let (m32, n32, k32) = (
            try LinearAlgebra.blasInt(m, "gemm"), try LinearAlgebra.blasInt(n, "gemm"),
            try LinearAlgebra.blasInt(k, "gemm")
        )
        let (lda, ldb) = (Int32(a.cols), Int32(b.cols))
        result.withMutableElements { c in
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                m32, n32, k32, alpha, a.elements, lda, b.elements, ldb, 0, c.baseAddress, n32)
        }
        return result
    }

    /// α·op(A)·x (cblas_dgemv).
    ///
    /// - Throws: `StatMLError.invalidInput` when the length of `x` does not match A.
    public static func multiply(_ a: Matrix, _ x: [Double], transposeA: Bool = false, alpha: Double = 1) throws
        -> [Double]
    {
        let (m, k) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
        guard x.count == k else {
            throw StatMLError.invalidInput(
                "matrix–vector product: \(transposeA ? "Aᵀ" : "A") is \(m)×\(k) (A is \(a.shape)) "
                    + "but the vector has \(x.count) values")
        }
        var y = [Double](repeating: 0, count: m)
        guard m > 0, k > 0 else { return y }
        let rows = try LinearAlgebra.blasInt(a.rows, "gemv")
        let cols = try LinearAlgebra.blasInt(a.cols, "gemv")
        cblas_dgemv(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, rows, cols, alpha, a.elements, cols, x, 1, 0,
            &y, 1)
        return y
    }

    public static func * (a: Matrix, b: Matrix) throws -> Matrix { try multiply(a, b) }

    public static func * (a: Matrix, x: [Double]) throws -> [Double] { try multiply(a, x) }

    // MARK: Factorizations (LAPACKE)

    /// The lower-triangular L with A = L·Lᵀ (LAPACKE_dpotrf).
    ///
    /// - Throws: `StatMLError.invalidInput` when A is not square or not symmetric;
    ///   `StatMLError(.library)` naming the leading minor that is not positive definite.
    public func cholesky() throws -> Matrix {
        try requireSymmetric("Cholesky factorization")
        var factor = self
        try factor.factorCholeskyInPlace()
        for i in 0..<rows {
            for j in (i + 1)..<max(cols, i + 1) { factor.elements[i * cols + j] = 0 }
        }
        return factor
    }

    /// Solves A·x = b by LU with partial pivoting (LAPACKE_dgesv).
    ///
    /// - Throws: `StatMLError.invalidInput` on shape mismatch; `StatMLError(.library)` naming the zero
    ///   pivot when A is exactly singular.
    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(rows: b.count, cols: 1, elements: b)).elements
    }

    /// Solves A·X = B for every column of B (LAPACKE_dgesv).
    public func solve(_ b: Matrix) throws -> Matrix {
        try requireSquare("solve")
        guard b.rows == rows else {
            throw StatMLError.invalidInput("solve: A is \(shape) but the right-hand side is \(b.shape)")
        }
        guard rows > 0, b.cols > 0 else { return Matrix(rows: b.rows, cols: b.cols) }
        let n = try LinearAlgebra.blasInt(rows, "dgesv")
        let nrhs = try LinearAlgebra.blasInt(b.cols, "dgesv")
        var a = elements
        var x = b
        var pivots = [Int32](repeating: 0, count: rows)
        let info = x.withMutableElements { xs in
            LAPACKE_dgesv(LAPACK_ROW_MAJOR, n, nrhs, &a, n, &pivots, xs.baseAddress, nrhs)
        }
        if info > 0 {
            throw StatMLError(
                .library,
                "LAPACKE dgesv: matrix is singular (zero pivot U[\(info),\(info)] in the LU factorization)")
        }
        try Self.check(info, "dgesv")
        return x
    }

    /// Solves A·x = b for a symmetric positive-definite A via its Cholesky factor (LAPACKE_dpotrf and
    /// LAPACKE_dpotrs).
    public func choleskySolve(_ b: [Double]) throws -> [Double] {
        try choleskySolve(Matrix(rows: b.count, cols: 1, elements: b)).elements
    }

    /// Solves A·X = B for a symmetric positive-definite A, every column of B at once.
    public func choleskySolve(_ b: Matrix) throws -> Matrix {
        try requireSymmetric("Cholesky solve")
        guard b.rows == rows else {
            throw StatMLError.invalidInput("Cholesky solve: A is \(shape) but the right-hand side is \(b.shape)")
        }
        guard rows > 0, b.cols > 0 else { return Matrix(rows: b.rows, cols: b.cols) }
        var factor = self
        try factor.factorCholeskyInPlace()
        let n = try LinearAlgebra.blasInt(rows, "dpotrs")
        let nrhs = try LinearAlgebra.blasInt(b.cols, "dpotrs")
        var x = b
        let info = x.withMutableElements { xs in
            LAPACKE_dpotrs(LAPACK_ROW_MAJOR, lowerTriangle, n, nrhs, factor.elements, n, xs.baseAddress, nrhs)
        }
        try Self.check(info, "dpotrs")
        return x
    }

    /// The least-squares solution of min ‖Aβ − y‖₂ by Householder QR (LAPACKE_dgels); for fewer rows
    /// than columns, the minimum-norm solution by LQ.
    ///
    /// - Throws: `StatMLError.invalidInput` when `y` does not have one value per row, or when A is
    ///   (numerically) rank deficient: a diagonal entry of R is below max(m, n)·ε times the norm of
    ///   its column. Use `leastSquaresWithRank` for such designs.
    public func leastSquares(_ y: [Double]) throws -> [Double] {
        guard y.count == rows else {
            throw StatMLError.invalidInput("least squares: A is \(shape) but y has \(y.count) values")
        }
        guard rows > 0, cols > 0 else { return [Double](repeating: 0, count: cols) }
        let m = try LinearAlgebra.blasInt(rows, "dgels")
        let n = try LinearAlgebra.blasInt(cols, "dgels")
        var a = elements
        var b = y + [Double](repeating: 0, count: max(0, cols - rows))
        let info = LAPACKE_dgels(LAPACK_ROW_MAJOR, noTranspose, m, n, 1, &a, n, &b, 1)
        if info > 0 {
            throw rankDeficient(diagonalIndex: Int(info) - 1)
        }
        try Self.check(info, "dgels")
        // dgels stops only on an exactly zero diagonal; a column that is a combination of the others up
        // to rounding leaves a tiny one instead, and the "solution" is noise.
        let tolerance = Double(max(rows, cols)) * Double.ulpOfOne
        for i in 0..<min(rows, cols) {
            let reference = rows >= cols ? LinearAlgebra.norm2(column(i)) : LinearAlgebra.norm2(row(i))
            if abs(a[i * cols + i]) <= tolerance * reference {
                throw rankDeficient(diagonalIndex: i)
            }
        }
        return Array(b[0..<cols])
    }

    private func rankDeficient(diagonalIndex i: Int) -> StatMLError {
        let what = rows >= cols ? "column \(i + 1)" : "row \(i + 1)"
        return StatMLError.invalidInput(
            "least squares: the \(shape) design is rank deficient (\(what) is a linear combination of the "
                + "ones before it); use leastSquaresWithRank for a minimum-norm solution")
    }

    /// The minimum-norm least-squares solution by the SVD (LAPACKE_dgelsd), valid for rank-deficient
    /// designs. Singular values at most `rcond` × the largest are treated as zero; the default
    /// max(m, n)·ε is NumPy's `lstsq` default.
    public func leastSquaresWithRank(_ y: [Double], rcond: Double? = nil) throws -> LeastSquaresSolution {
        guard y.count == rows else {
            throw StatMLError.invalidInput("least squares: A is \(shape) but y has \(y.count) values")
        }
        guard rows > 0, cols > 0 else {
            return LeastSquaresSolution(coefficients: [Double](repeating: 0, count: cols), rank: 0, singularValues: [])
        }
        let m = try LinearAlgebra.blasInt(rows, "dgelsd")
        let n = try LinearAlgebra.blasInt(cols, "dgelsd")
        var a = elements
        var b = y + [Double](repeating: 0, count: max(0, cols - rows))
        var singularValues = [Double](repeating: 0, count: min(rows, cols))
        var rank: Int32 = 0
        let threshold = rcond ?? Double(max(rows, cols)) * Double.ulpOfOne
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, m, n, 1, &a, n, &b, 1, &singularValues, threshold, &rank)
        if info > 0 {
            throw StatMLError(
                .library, "LAPACKE dgelsd: the SVD did not converge (\(info) off-diagonal elements remain)")
        }
        try Self.check(info, "dgelsd")
        return LeastSquaresSolution(
            coefficients: Array(b[0..<cols]), rank: Int(rank), singularValues: singularValues)
    }

    /// Eigenvalues in ascending order and the orthonormal eigenvectors as the columns of `vectors`
    /// (LAPACKE_dsyevd, divide and conquer).
    ///
    /// - Throws: `StatMLError.invalidInput` when A is not square or not symmetric.
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        try requireSymmetric("symmetric eigendecomposition")
        guard rows > 0 else { return ([], self) }
        let n = try LinearAlgebra.blasInt(rows, "dsyevd")
        var vectors = self
        var values = [Double](repeating: 0, count: rows)
        let info = vectors.withMutableElements { a in
            LAPACKE_dsyevd(LAPACK_ROW_MAJOR, computeVectors, lowerTriangle, n, a.baseAddress, n, &values)
        }
        if info > 0 {
            throw StatMLError(.library, "LAPACKE dsyevd: the eigenvalue algorithm did not converge (info \(info))")
        }
        try Self.check(info, "dsyevd")
        return (values, vectors)
    }

    /// A⁻¹ from the LU factorization (LAPACKE_dgetrf and LAPACKE_dgetri).
    ///
    /// - Throws: `StatMLError(.library)` naming the zero pivot when A is exactly singular.
    public func inverse() throws -> Matrix {
        try requireSquare("inverse")
        guard rows > 0 else { return self }
        let n = try LinearAlgebra.blasInt(rows, "dgetrf")
        var lu = self
        var pivots = [Int32](repeating: 0, count: rows)
        let info = lu.withMutableElements { a in LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, a.baseAddress, n, &pivots) }
        if info > 0 {
            throw StatMLError(
                .library,
                "LAPACKE dgetrf: matrix is singular (zero pivot U[\(info),\(info)] in the LU factorization)")
        }
        try Self.check(info, "dgetrf")
        let inverseInfo = lu.withMutableElements { a in
            LAPACKE_dgetri(LAPACK_ROW_MAJOR, n, a.baseAddress, n, pivots)
        }
        try Self.check(inverseInfo, "dgetri")
        return lu
    }

    /// det A as the signed product of the LU pivots (LAPACKE_dgetrf); 0 for an exactly singular A.
    ///
    /// - Throws: `StatMLError.invalidInput` when A is not square.
    public var determinant: Double {
        get throws {
            try requireSquare("determinant")
            guard rows > 0 else { return 1 }
            let n = try LinearAlgebra.blasInt(rows, "dgetrf")
            var lu = elements
            var pivots = [Int32](repeating: 0, count: rows)
            let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, &lu, n, &pivots)
            if info > 0 { return 0 }
            try Self.check(info, "dgetrf")
            var result = 1.0
            for i in 0..<rows {
                result *= lu[i * cols + i]
                if pivots[i] != Int32(i + 1) { result = -result }
            }
            return result
        }
    }

    // MARK: Helpers

    private mutating func factorCholeskyInPlace() throws {
        guard rows > 0 else { return }
        let n = try LinearAlgebra.blasInt(rows, "dpotrf")
        let info = withMutableElements { a in LAPACKE_dpotrf(LAPACK_ROW_MAJOR, lowerTriangle, n, a.baseAddress, n) }
        if info > 0 {
            throw StatMLError(.library, "LAPACKE dpotrf: matrix is not positive definite (leading minor \(info))")
        }
        try Self.check(info, "dpotrf")
    }

    mutating func withMutableElements<R>(_ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R) rethrows
        -> R
    {
        try elements.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    private func requireSquare(_ operation: String) throws {
        guard isSquare else {
            throw StatMLError.invalidInput("\(operation) needs a square matrix, got \(shape)")
        }
    }

    /// LAPACK reads one triangle only; a matrix that is not symmetric would be silently replaced by
    /// the symmetric one built from its lower triangle.
    private func requireSymmetric(_ operation: String) throws {
        try requireSquare(operation)
        var largest = 0.0
        for value in elements { largest = max(largest, abs(value)) }
        let tolerance = 1e-10 * largest
        for i in 0..<rows {
            for j in 0..<i where abs(elements[i * cols + j] - elements[j * cols + i]) > tolerance {
                throw StatMLError.invalidInput(
                    "\(operation) needs a symmetric matrix, but A[\(i + 1),\(j + 1)] = \(elements[i * cols + j]) "
                        + "and A[\(j + 1),\(i + 1)] = \(elements[j * cols + i])")
            }
        }
    }

    /// Turns a negative LAPACKE status into an error; positive statuses are handled by each caller.
    private static func check(_ info: Int32, _ routine: String) throws {
        if info == -1010 {
            throw StatMLError(.library, "LAPACKE \(routine): out of memory for the work array")
        }
        if info < 0 {
            throw StatMLError(.internal, "LAPACKE \(routine): argument \(-info) had an illegal value")
        }
    }
}
