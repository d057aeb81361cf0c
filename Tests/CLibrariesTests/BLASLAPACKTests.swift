import CLAPACKE
import COpenBLAS
import Testing

@Suite("CLibraries: OpenBLAS and LAPACKE")
struct BLASLAPACKTests {
    @Test func ddotAndDgemm() {
        // (1, 2, 3)·(4, −5, 6) = 4 − 10 + 18 = 12
        #expect(cblas_ddot(3, [1, 2, 3], 1, [4, -5, 6], 1) == 12)
        // [[1, 2], [3, 4]]·[[5, 6], [7, 8]] = [[19, 22], [43, 50]]
        var c = [Double](repeating: -1, count: 4)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, [1, 2, 3, 4], 2, [5, 6, 7, 8], 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
        // Read column-major, the same buffers hold Aᵀ and Bᵀ, and AᵀBᵀ = (BA)ᵀ with BA = [[23, 34], [31, 46]];
        // (BA)ᵀ stored by column lists BA row by row.
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, [1, 2, 3, 4], 2, [5, 6, 7, 8], 2, 0, &c, 2)
        #expect(c == [23, 34, 31, 46])
    }

    @Test func dgesvThreeByThree() {
        // 3x + 2y − z = 1, 2x − 2y + 4z = −2, −x + y/2 − z = 0 has the solution (1, −2, −2):
        // 3 − 4 + 2 = 1, 2 + 4 − 8 = −2, −1 − 1 + 2 = 0.
        var a: [Double] = [3, 2, -1, 2, -2, 4, -1, 0.5, -1]
        var b: [Double] = [1, -2, 0]
        var pivots = [Int32](repeating: 0, count: 3)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, 3, 1, &a, 3, &pivots, &b, 1)
        #expect(info == 0)
        #expect(zip(b, [1.0, -2, -2]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(b)")
        // Partial pivoting picks row 1 (|3| is the largest in column 1).
        #expect(pivots[0] == 1)

        var singular: [Double] = [1, 2, 3, 2, 4, 6, 1, 1, 1]
        var rhs: [Double] = [1, 2, 3]
        #expect(LAPACKE_dgesv(LAPACK_ROW_MAJOR, 3, 1, &singular, 3, &pivots, &rhs, 1) > 0)
    }
}
