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
}
