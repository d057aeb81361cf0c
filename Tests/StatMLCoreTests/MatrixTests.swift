import Foundation
import Testing

@testable import StatMLCore

/// `a` and `b` agree elementwise within an absolute tolerance.
private func isClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

private func isClose(_ a: Matrix, _ b: Matrix, tolerance: Double = 1e-12) -> Bool {
    a.rows == b.rows && a.cols == b.cols && isClose(a.elements, b.elements, tolerance: tolerance)
}

/// The StatMLError a throwing call raised, or nil (recording an issue) when it did not throw one.
private func caughtError<T>(_ body: () throws -> T) -> StatMLError? {
    do {
        _ = try body()
        Issue.record("expected a StatMLError, but the call succeeded")
    } catch let error as StatMLError {
        return error
    } catch {
        Issue.record("expected a StatMLError, got \(error)")
    }
    return nil
}

/// A reproducible matrix of standard normals.
private func randomMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix {
    var generator = SeededGenerator(seed: seed)
    var matrix = Matrix(rows: rows, cols: cols)
    for i in 0..<rows { for j in 0..<cols { matrix[i, j] = generator.normal() } }
    return matrix
}

@Suite("Matrix: storage")
struct MatrixStorageTests {
    @Test func rowsColumnsAndTranspose() throws {
        let a = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.rows == 2 && a.cols == 3)
        #expect(a[1, 2] == 6)
        #expect(a.row(1) == [4, 5, 6])
        #expect(a.column(1) == [2, 5])
        #expect(a.transposed() == (try Matrix([[1, 4], [2, 5], [3, 6]])))
        #expect(a.transposed().transposed() == a)
        var b = Matrix(rows: 2, cols: 2, repeating: 7)
        b[0, 1] = 1
        #expect(b.elements == [7, 1, 7, 7])
        #expect(Matrix.identity(3).elements == [1, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    @Test func raggedRowsAreRejected() {
        let error = caughtError { try Matrix([[1, 2], [3]]) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("row 1 has 1") == true)
        #expect(caughtError { try Matrix(rows: 2, cols: 2, elements: [1, 2, 3]) }?.code == .invalidInput)
    }
}

@Suite("Matrix: BLAS")
struct MatrixBLASTests {
    let a: Matrix
    let b: Matrix

    init() throws {
        a = try Matrix([[1, 2], [3, 4]])
        b = try Matrix([[5, 6], [7, 8]])
    }

    @Test func gemmHandComputed() throws {
        // A·B = [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]]
        #expect(try Matrix.multiply(a, b) == Matrix([[19, 22], [43, 50]]))
        #expect(try a * b == Matrix([[19, 22], [43, 50]]))
        // Aᵀ·B = [[1·5+3·7, 1·6+3·8], [2·5+4·7, 2·6+4·8]]
        #expect(try Matrix.multiply(a, b, transposeA: true) == Matrix([[26, 30], [38, 44]]))
        // 2·A·Bᵀ = 2·[[1·5+2·6, 1·7+2·8], [3·5+4·6, 3·7+4·8]] = 2·[[17, 23], [39, 53]]
        #expect(try Matrix.multiply(a, b, transposeB: true, alpha: 2) == Matrix([[34, 46], [78, 106]]))
        // (2×3)ᵀ·(2×3)ᵀᵀ: Cᵀ·C for C = [[1,2,3],[4,5,6]] is 3×3 with (i,j) = c1i·c1j + c2i·c2j
        let c = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(
            try Matrix.multiply(c, c, transposeA: true)
                == Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
    }

    @Test func gemvHandComputed() throws {
        let c = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(try c * [1, 0, -1] == [-2, -2])  // [1−3, 4−6]
        #expect(try Matrix.multiply(c, [1, 1], transposeA: true) == [5, 7, 9])  // column sums
    }

    @Test func shapeMismatchNamesBothShapes() throws {
        let c = try Matrix([[1, 2, 3], [4, 5, 6]])
        let error = caughtError { try Matrix.multiply(c, a) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("2×3") == true && error?.message.contains("2×2") == true)
        let vectorError = caughtError { try c * [1, 2] }
        #expect(vectorError?.message.contains("2×3") == true && vectorError?.message.contains("2 values") == true)
    }

    @Test func vectorOperations() throws {
        #expect(try LinearAlgebra.dot([1, 2, 3], [4, 5, 6]) == 32)  // 4 + 10 + 18
        var y = [4.0, 5, 6]
        try LinearAlgebra.axpy(2, [1, 2, 3], &y)
        #expect(y == [6, 9, 12])
        #expect(LinearAlgebra.norm2([3, 4]) == 5)
        #expect(caughtError { try LinearAlgebra.dot([1], [1, 2]) }?.code == .invalidInput)
    }

    @Test func threadCountIsSet() {
        let before = LinearAlgebra.threads
        LinearAlgebra.setThreads(1)
        #expect(LinearAlgebra.threads == 1)
        LinearAlgebra.setThreads(before)
        #expect(LinearAlgebra.threads == before)
    }

    @Test func emptyDimensions() throws {
        let tall = Matrix(rows: 3, cols: 0)
        let wide = Matrix(rows: 0, cols: 4)
        #expect(try Matrix.multiply(tall, wide) == Matrix(rows: 3, cols: 4))
        #expect(try tall * [] == [0, 0, 0])
    }
}

@Suite("Matrix: LAPACK")
struct MatrixLAPACKTests {
    // Cholesky by hand: l11 = √4 = 2, l21 = 2/2 = 1, l31 = −2/2 = −1, l22 = √(10 − 1²) = 3,
    // l32 = (2 − (−1)(1))/3 = 1, l33 = √(6 − (−1)² − 1²) = 2.
    let spd: Matrix

    init() throws {
        spd = try Matrix([[4, 2, -2], [2, 10, 2], [-2, 2, 6]])
    }

    @Test func choleskyHandComputed() throws {
        let l = try spd.cholesky()
        #expect(isClose(l, try Matrix([[2, 0, 0], [1, 3, 0], [-1, 1, 2]])))
        #expect(isClose(try Matrix.multiply(l, l, transposeB: true), spd))
    }

    @Test func choleskyNamesTheFailingMinor() throws {
        // det [[1, 2], [2, 1]] = −3: the second leading minor fails.
        let second = caughtError { try Matrix([[1, 2], [2, 1]]).cholesky() }
        #expect(second?.code == .library)
        #expect(second?.message == "LAPACKE dpotrf: matrix is not positive definite (leading minor 2)")
        // As `spd` but a33 = 1: l33² = 1 − 1 − 1 = −1, so the third minor fails.
        let third = caughtError { try Matrix([[4, 2, -2], [2, 10, 2], [-2, 2, 1]]).cholesky() }
        #expect(third?.message.contains("leading minor 3") == true)
        let asymmetric = caughtError { try Matrix([[4, 1], [2, 4]]).cholesky() }
        #expect(asymmetric?.code == .invalidInput)
        #expect(caughtError { try Matrix([[1, 2, 3]]).cholesky() }?.message.contains("1×3") == true)
    }

    @Test func choleskyInvariantOnRandomMatrix() throws {
        let m = randomMatrix(rows: 30, cols: 12, seed: 1)
        let a = try Matrix.multiply(m, m, transposeA: true)
        let l = try a.cholesky()
        #expect(isClose(try Matrix.multiply(l, l, transposeB: true), a, tolerance: 1e-10))
        for i in 0..<12 { for j in (i + 1)..<12 { #expect(l[i, j] == 0) } }
    }

    @Test func solveHandComputed() throws {
        // x = (1, 2, 3): b = (2+2+3, 1+6+6, 1) = (7, 13, 1)
        let a = try Matrix([[2, 1, 1], [1, 3, 2], [1, 0, 0]])
        #expect(isClose(try a.solve([7, 13, 1]), [1, 2, 3]))
        // spd·(1, −1, 2) = (4−2−4, 2−10+4, −2−2+12) = (−2, −4, 8)
        #expect(isClose(try spd.choleskySolve([-2, -4, 8]), [1, -1, 2]))
        let many = try a.solve(Matrix([[7, 2], [13, 1], [1, 1]]))
        #expect(isClose(many.column(0), [1, 2, 3]))
        #expect(isClose(try a * many.column(1), [2, 1, 1]))
    }

    @Test func singularSolveNamesThePivot() throws {
        // LU with partial pivoting of [[1, 2], [2, 4]]: pivot row 2, l = 1/2, u22 = 2 − ½·4 = 0.
        let error = caughtError { try Matrix([[1, 2], [2, 4]]).solve([1, 2]) }
        #expect(error?.code == .library)
        #expect(error?.message.contains("U[2,2]") == true)
        #expect(caughtError { try Matrix([[1, 2], [2, 4]]).inverse() }?.message.contains("U[2,2]") == true)
        #expect(caughtError { try Matrix.identity(2).solve([1, 2, 3]) }?.message.contains("2×2") == true)
    }

    @Test func leastSquaresHandComputed() throws {
        // y = a + b·x at x = 0, 1, 2, 3 with y = 1, 3, 4, 8. Normal equations: n = 4, Σx = 6, Σx² = 14,
        // Σy = 16, Σxy = 35; b = (4·35 − 6·16)/(4·14 − 6²) = 44/20 = 2.2, a = (16 − 2.2·6)/4 = 0.7.
        let x = try Matrix([[1, 0], [1, 1], [1, 2], [1, 3]])
        let y = [1.0, 3, 4, 8]
        let beta = try x.leastSquares(y)
        #expect(isClose(beta, [0.7, 2.2]))
        // The residual (0.3, 0.1, −1.1, 0.7) is orthogonal to both columns.
        let fitted = try x * beta
        let residual = zip(y, fitted).map { $0 - $1 }
        #expect(isClose(residual, [0.3, 0.1, -1.1, 0.7]))
        #expect(isClose(try Matrix.multiply(x, residual, transposeA: true), [0, 0]))
        let solution = try x.leastSquaresWithRank(y)
        #expect(solution.rank == 2)
        #expect(isClose(solution.coefficients, [0.7, 2.2]))
    }

    @Test func rankDeficientDesign() throws {
        // Columns 1, x, x with y = 1 + 2x exactly: every solution has a = 1 and b + c = 2; the minimum
        // norm one splits evenly, b = c = 1.
        let x = try Matrix([[1, 0, 0], [1, 1, 1], [1, 2, 2], [1, 3, 3]])
        let y = [1.0, 3, 5, 7]
        let error = caughtError { try x.leastSquares(y) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("rank deficient") == true)
        let solution = try x.leastSquaresWithRank(y)
        #expect(solution.rank == 2)
        #expect(isClose(solution.coefficients, [1, 1, 1], tolerance: 1e-10))
        #expect(solution.singularValues.count == 3)
        #expect(solution.singularValues[2] < 1e-12 * solution.singularValues[0])
    }

    @Test func leastSquaresResidualIsOrthogonalOnRandomDesign() throws {
        let x = randomMatrix(rows: 200, cols: 7, seed: 2)
        var generator = SeededGenerator(seed: 3)
        let y = (0..<200).map { _ in generator.normal() }
        let beta = try x.leastSquares(y)
        let fitted = try x * beta
        let residual = zip(y, fitted).map { $0 - $1 }
        #expect(
            isClose(
                try Matrix.multiply(x, residual, transposeA: true), [Double](repeating: 0, count: 7), tolerance: 1e-10))
        // QR and the SVD agree on a full-rank design.
        #expect(isClose(try x.leastSquaresWithRank(y).coefficients, beta, tolerance: 1e-10))
    }

    @Test func symmetricEigenHandComputed() throws {
        // [[2, 1], [1, 2]]: λ = 2 ± 1 with vectors (1, −1)/√2 and (1, 1)/√2.
        let (values, vectors) = try Matrix([[2, 1], [1, 2]]).symmetricEigen()
        #expect(isClose(values, [1, 3]))
        let r = 0.5.squareRoot()
        #expect(isClose(vectors.column(0).map { abs($0) }, [r, r]))
        #expect(abs(vectors[0, 0] + vectors[1, 0]) < 1e-12)
        #expect(abs(vectors[0, 1] - vectors[1, 1]) < 1e-12)
    }

    @Test func symmetricEigenInvariants() throws {
        let m = randomMatrix(rows: 20, cols: 20, seed: 4)
        let a = try Matrix.multiply(m, m, transposeA: true)
        let (values, vectors) = try a.symmetricEigen()
        #expect(values == values.sorted())
        #expect(isClose(try Matrix.multiply(vectors, vectors, transposeA: true), .identity(20), tolerance: 1e-10))
        for j in 0..<20 {
            let v = vectors.column(j)
            #expect(isClose(try a * v, v.map { $0 * values[j] }, tolerance: 1e-9))
        }
    }

    @Test func inverseAndDeterminant() throws {
        // [[4, 7], [2, 6]]⁻¹ = (1/10)·[[6, −7], [−2, 4]]
        let a = try Matrix([[4, 7], [2, 6]])
        #expect(isClose(try a.inverse(), try Matrix([[0.6, -0.7], [-0.2, 0.4]])))
        #expect(abs(try a.determinant - 10) < 1e-12)
        #expect(abs(try Matrix([[1, 2], [3, 4]]).determinant - -2) < 1e-12)
        // Cofactor expansion along the first row: 2·(3·2 − 2·1) − 0 + 1·(1·1 − 3·1) = 8 − 2 = 6.
        #expect(abs(try Matrix([[2, 0, 1], [1, 3, 2], [1, 1, 2]]).determinant - 6) < 1e-12)
        #expect(try Matrix([[0, 1], [1, 0]]).determinant == -1)  // one row swap
        #expect(try Matrix([[1, 2], [2, 4]]).determinant == 0)
        let m = randomMatrix(rows: 25, cols: 25, seed: 5)
        #expect(isClose(try m * m.inverse(), .identity(25), tolerance: 1e-9))
        #expect(caughtError { try Matrix(rows: 2, cols: 3).determinant }?.message.contains("2×3") == true)
    }
}

/// Least squares and the symmetric eigenproblem against NumPy on the same data.
@Suite("Matrix: NumPy comparison")
struct MatrixNumPyTests {
    static func write(_ matrix: Matrix, to url: URL) throws {
        let text = (0..<matrix.rows).map { i in matrix.row(i).map { "\($0)" }.joined(separator: " ") }
            .joined(separator: "\n")
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func numbers(_ output: String) -> [Double] {
        output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
    }

    @Test(.enabled(if: ReferenceTools.hasNumPy, "python3 with numpy is not installed"))
    func leastSquares50x30() throws {
        let directory = try ReferenceTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let x = randomMatrix(rows: 50, cols: 30, seed: 6)
        var generator = SeededGenerator(seed: 7)
        let y = (0..<50).map { _ in generator.normal(mean: 2, sd: 3) }
        try Self.write(x, to: directory.appendingPathComponent("x.txt"))
        try Self.write(try Matrix(rows: 50, cols: 1, elements: y), to: directory.appendingPathComponent("y.txt"))
        let output = try ReferenceTools.runPython(
            """
            import numpy as np
            x = np.loadtxt('\(directory.path)/x.txt'); y = np.loadtxt('\(directory.path)/y.txt')
            beta = np.linalg.lstsq(x, y, rcond=None)[0]
            print(' '.join(repr(float(v)) for v in beta))
            """)
        let expected = Self.numbers(output)
        try #require(expected.count == 30)
        let beta = try x.leastSquares(y)
        let scale = expected.map(abs).max()!
        #expect(isClose(beta, expected, tolerance: 1e-9 * scale), "StatML \(beta)\nNumPy \(expected)")
        #expect(isClose(try x.leastSquaresWithRank(y).coefficients, expected, tolerance: 1e-9 * scale))
    }

    @Test(.enabled(if: ReferenceTools.hasNumPy, "python3 with numpy is not installed"))
    func symmetricEigen40x40() throws {
        let directory = try ReferenceTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let m = randomMatrix(rows: 40, cols: 40, seed: 8)
        let a = try Matrix.multiply(try Matrix.multiply(m, Matrix.identity(40)), m, transposeB: true)
        try Self.write(a, to: directory.appendingPathComponent("a.txt"))
        let output = try ReferenceTools.runPython(
            """
            import numpy as np
            a = np.loadtxt('\(directory.path)/a.txt')
            w, v = np.linalg.eigh(a)
            print(' '.join(repr(float(x)) for x in w))
            print(' '.join(repr(float(x)) for x in v.flatten()))
            """)
        let lines = output.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        let expectedValues = Self.numbers(lines[0])
        let expectedVectors = try Matrix(rows: 40, cols: 40, elements: Self.numbers(lines[1]))
        let (values, vectors) = try a.symmetricEigen()
        let scale = expectedValues.map(abs).max()!
        #expect(isClose(values, expectedValues, tolerance: 1e-10 * scale))
        // Eigenvectors agree up to sign: |vᵀw| = 1 for each pair.
        for j in 0..<40 {
            let alignment = abs(try LinearAlgebra.dot(vectors.column(j), expectedVectors.column(j)))
            #expect(abs(alignment - 1) < 1e-8, "eigenvector \(j): |vᵀw| = \(alignment)")
        }
    }
}
