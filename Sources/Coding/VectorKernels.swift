/// Short dense-vector kernels for the classifiers' inner loops, written with explicit SIMD so that they
/// vectorise whatever the compiler can prove about aliasing. Vectors are a few dozen to a few hundred
/// floats: too short for a BLAS call to pay off.
enum VectorKernels {
    /// Σ x[i]·y[i]
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeRawPointer(y)
        while i + 8 <= n {
            acc +=
                rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += x[i] * y[i]
            i += 1
        }
        return sum
    }

    /// y += a·x
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeMutableRawPointer(y)
        let av = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let v =
                ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                + av * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// grad += a·w, then w += a·h: the paired update of fastText's output layer, in one pass.
    @inline(__always)
    static func pairedUpdate(
        _ a: Float, w: UnsafeMutablePointer<Float>, hidden h: UnsafePointer<Float>, grad g: UnsafeMutablePointer<Float>,
        _ n: Int
    ) {
        var i = 0
        let rw = UnsafeMutableRawPointer(w)
        let rh = UnsafeRawPointer(h)
        let rg = UnsafeMutableRawPointer(g)
        let av = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let wv = rw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let gv = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + av * wv
            rg.storeBytes(of: gv, toByteOffset: i * 4, as: SIMD8<Float>.self)
            let hv = rh.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            rw.storeBytes(of: wv + av * hv, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            g[i] += a * w[i]
            w[i] += a * h[i]
            i += 1
        }
    }
    /// e^x for x ≤ 0 in eight lanes (x below −87.3 gives 0): Cody–Waite reduction x = n·ln 2 + r with
    /// |r| ≤ ln 2 / 2, the degree-7 polynomial of Cephes' `expf` for e^r (S. L. Moshier, Cephes Math Library,
    /// relative error ~1e-7 on the reduced range), and 2^n put into the exponent bits. About a tenth of the
    /// instructions of eight calls to libm's `expf`, which were 8% of a prediction (callgrind).
    @inline(__always)
    static func expNonPositive(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // (`pointwiseMax` is a generic call here; the select is one instruction.)
        let clamped = x.replacing(with: -87.3, where: x .< -87.3)
        // n = round(x / ln 2) by adding 1.5·2²³, which leaves the integer in the low mantissa bits (the
        // generic SIMD rounding and conversion calls cost more than the polynomial).
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        let er = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return (er * scale).replacing(with: 0, where: x .< -87.3)
    }

    /// softmax(x / t) in place, with m = max(x): e^((x − m)/t) normalised to sum 1.
    static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, temperature t: Float) {
        guard n > 0 else { return }
        var m = x[0]
        for i in 1..<n { m = max(m, x[i]) }
        let inverse = 1 / t
        var total = SIMD8<Float>()
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 8 <= n {
            let v = (raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m) * inverse
            let e = expNonPositive(v)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: SIMD8<Float>.self)
            total += e
            i += 8
        }
        if i < n {
            var v = SIMD8<Float>(repeating: -.infinity)
            for j in i..<n { v[j - i] = (x[j] - m) * inverse }
            let e = expNonPositive(v)
            for j in i..<n { x[j] = e[j - i] }
            total += e
        }
        let scale = 1 / total.sum()
        for j in 0..<n { x[j] *= scale }
    }
}
