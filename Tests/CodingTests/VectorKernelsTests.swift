import Glibc
import Testing

@testable import Coding

@Suite("Coding: vector kernels")
struct VectorKernelsTests {
    /// The SIMD exponential against libm's `expf` on a fine grid of [−100, 0]: within 3e-7 relatively
    /// where e^x is a normal float, exactly 0 below −87.3 (where expf is subnormal or 0), exactly 1 at 0.
    @Test func expMatchesLibm() {
        var worst: Float = 0
        var x: Float = -100
        while x <= 0 {
            var lanes = SIMD8<Float>()
            for j in 0..<8 { lanes[j] = min(0, x + Float(j) * 1e-3) }
            let e = VectorKernels.expNonPositive(lanes)
            for j in 0..<8 {
                let want = expf(lanes[j])
                if lanes[j] < -87.3 {
                    #expect(e[j] == 0)
                } else {
                    worst = max(worst, abs(e[j] - want) / want)
                }
            }
            x += 0.0137
        }
        #expect(worst < 3e-7, "largest relative error \(worst)")
        #expect(VectorKernels.expNonPositive(SIMD8(repeating: 0)) == SIMD8(repeating: 1))
        #expect(VectorKernels.expNonPositive(SIMD8(repeating: -.infinity)) == SIMD8(repeating: 0))
    }

    /// Softmax over lengths around the SIMD width: libm's result within 1e-6, summing to 1.
    @Test func softmaxMatchesTheDefinition() {
        for n in [1, 2, 7, 8, 9, 61, 64] {
            let x = (0..<n).map { Float(sin(Double($0) * 1.7)) * 12 }
            var y = x
            y.withUnsafeMutableBufferPointer { VectorKernels.softmax($0.baseAddress!, n, temperature: 0.7) }
            let m = x.max()!
            let e = x.map { expf(($0 - m) / 0.7) }
            let z = e.reduce(0, +)
            for i in 0..<n { #expect(abs(y[i] - e[i] / z) < 1e-6, "n \(n) i \(i)") }
            #expect(abs(y.reduce(0, +) - 1) < 1e-5)
        }
    }
}
