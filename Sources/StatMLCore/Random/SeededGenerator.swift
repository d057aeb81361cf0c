#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018/2021).
///
/// The one source of randomness in StatML (STYLE.md §4). A seed is expanded into the 256-bit state with
/// SplitMix64, as the authors recommend, so the same seed gives the same `next()` stream on every machine:
/// the generator uses only 64-bit integer arithmetic. `uniform()` and `int(below:)` are exact functions
/// of that stream. The continuous distributions also call `log`, `exp` and `sqrt`; `sqrt` is exact in
/// IEEE 754 and the others agree across machines that share a C library.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The four state words s[0]…s[3] of the reference implementation.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)
    /// The second variate of the last Marsaglia polar pair, returned by the next `normal` call.
    private var spareNormal: Double?

    /// Seeds the state with four successive outputs of SplitMix64 started at `seed`.
    public init(seed: UInt64) {
        var splitMix = SplitMix64(state: seed)
        state = (splitMix.next(), splitMix.next(), splitMix.next(), splitMix.next())
    }

    /// Starts from an explicit state (for reproducing published test vectors). The all-zero state is
    /// a fixed point of the generator and is rejected.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(
            state.0 | state.1 | state.2 | state.3 != 0, "SeededGenerator: the all-zero state never changes")
        self.state = state
    }

    // MARK: Raw stream

    static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 &- k))
    }

    /// The next 64 bits of the xoshiro256** stream.
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotateLeft(state.3, 45)
        return result
    }

    /// Advances the state by 2^128 calls of `next()` (the authors' jump polynomial), so that the
    /// streams before and after a jump do not overlap for any practical length.
    public mutating func jump() {
        let polynomial: [UInt64] = [
            0x180e_c6d3_3cfd_0aba, 0xd5a6_1266_f0c9_392c, 0xa958_2618_e03f_c9aa, 0x39ab_dc45_29b1_661c,
        ]
        var jumped: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for word in polynomial {
            for bit in UInt64(0)..<64 {
                if word & (1 << bit) != 0 {
                    jumped.0 ^= state.0
                    jumped.1 ^= state.1
                    jumped.2 ^= state.2
                    jumped.3 ^= state.3
                }
                _ = next()
            }
        }
        state = jumped
        spareNormal = nil
    }

    /// `n` generators for parallel work: the first starts at the current state and each next one
    /// 2^128 steps further on. Afterwards `self` has jumped `n` times, past all of them.
    public mutating func split(into n: Int) -> [SeededGenerator] {
        precondition(n >= 0, "SeededGenerator.split: the number of streams must not be negative (got \(n))")
        var streams: [SeededGenerator] = []
        streams.reserveCapacity(n)
        for _ in 0..<n {
            var stream = self
            stream.spareNormal = nil
            streams.append(stream)
            jump()
        }
        return streams
    }

    // MARK: Uniform

    /// A uniform double in [0, 1): the top 53 bits of `next()` times 2^-53.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in [a, b): a + (b − a)·u.
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * uniform()
    }

    /// An integer uniform on 0..<n without modulo bias (Lemire, "Fast random integer generation in an
    /// interval", ACM TOMACS 2019).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "SeededGenerator.int(below:): the bound must be positive (got \(n))")
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    // MARK: Continuous distributions

    /// A normal variate by Marsaglia's polar method (Marsaglia & Bray, SIAM Review 6, 1964); each
    /// accepted pair gives two variates, the second kept for the next call.
    public mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        precondition(sd >= 0, "SeededGenerator.normal: the standard deviation must be ≥ 0 (got \(sd))")
        return mean + sd * standardNormal()
    }

    private mutating func standardNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * log(s) / s).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }

    /// A gamma variate with the given shape k and scale θ (mean kθ) by Marsaglia & Tsang, "A simple
    /// method for generating gamma variables", ACM TOMS 26(3), 2000; for k < 1 it draws Gamma(k + 1)
    /// and multiplies by U^(1/k), as in their §6.
    public mutating func gamma(shape: Double, scale: Double = 1) -> Double {
        precondition(
            shape > 0 && shape.isFinite && scale > 0 && scale.isFinite,
            "SeededGenerator.gamma: shape and scale must be positive and finite (got \(shape), \(scale))")
        if shape < 1 {
            let boost = pow(uniform(), 1 / shape)
            return marsagliaTsang(shape + 1) * boost * scale
        }
        return marsagliaTsang(shape) * scale
    }

    private mutating func marsagliaTsang(_ shape: Double) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = standardNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v }
            if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Beta(a, b) variate as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        precondition(
            a > 0 && a.isFinite && b > 0 && b.isFinite,
            "SeededGenerator.beta: both parameters must be positive and finite (got \(a), \(b))")
        let x = gamma(shape: a)
        let y = gamma(shape: b)
        let sum = x + y
        // With both shapes tiny, both gammas can underflow to 0; the distribution then sits at the
        // endpoints, with P(1) = a / (a + b).
        if sum == 0 { return uniform() < a / (a + b) ? 1 : 0 }
        return x / sum
    }

    // MARK: Discrete choices

    /// An index drawn with probability proportional to `weights[i]`.
    ///
    /// - Throws: `StatMLError.invalidInput` when a weight is negative, NaN or infinite, or when no
    ///   weight is positive.
    public mutating func categorical(weights: [Double]) throws -> Int {
        var total = 0.0
        var lastPositive = -1
        for (index, weight) in weights.enumerated() {
            guard weight.isFinite, weight >= 0 else {
                throw StatMLError.invalidInput(
                    "categorical weights must be finite and non-negative; weight \(index) is \(weight)")
            }
            if weight > 0 { lastPositive = index }
            total += weight
        }
        guard lastPositive >= 0 else {
            throw StatMLError.invalidInput(
                weights.isEmpty
                    ? "categorical weights are empty" : "categorical weights are all zero (\(weights.count) weights)")
        }
        guard total.isFinite else {
            throw StatMLError.invalidInput("categorical weights sum to infinity")
        }
        let target = uniform() * total
        var cumulative = 0.0
        for (index, weight) in weights.enumerated() where weight > 0 {
            cumulative += weight
            if target < cumulative { return index }
        }
        // Rounding in the running sum can leave `target` just above the last partial sum.
        return lastPositive
    }

    /// Shuffles in place by Fisher–Yates (Durstenfeld's version, Knuth TAOCP vol. 2, Algorithm P).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// `count` distinct indices from 0..<n, in random order (every ordered k-subset equally likely):
    /// the first k steps of a forward Fisher–Yates shuffle of 0..<n. When k is small next to n the
    /// displaced entries are kept in a dictionary instead of an array of n; both give the same result.
    ///
    /// - Throws: `StatMLError.invalidInput` when `count` is negative or larger than `n`.
    public mutating func sample(indices n: Int, count k: Int) throws -> [Int] {
        guard n >= 0, k >= 0, k <= n else {
            throw StatMLError.invalidInput(
                "cannot sample \(k) distinct indices from a population of \(n)")
        }
        if k == 0 { return [] }
        if k >= n / 8 {
            var pool = Array(0..<n)
            for i in 0..<k {
                let j = i + int(below: n - i)
                pool.swapAt(i, j)
            }
            return Array(pool[0..<k])
        }
        var displaced: [Int: Int] = [:]
        displaced.reserveCapacity(2 * k)
        var result: [Int] = []
        result.reserveCapacity(k)
        for i in 0..<k {
            let j = i + int(below: n - i)
            let atJ = displaced[j] ?? j
            let atI = displaced[i] ?? i
            displaced[j] = atI
            result.append(atJ)
        }
        return result
    }
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014),
/// used only to expand a 64-bit seed into xoshiro's state.
public struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return SplitMix64.finalize(state)
    }

    /// SplitMix64's output function: a bijection of 64-bit values whose every output bit depends on every
    /// input bit, also used to spread keys over hash-table slots.
    @inlinable
    public static func finalize(_ x: UInt64) -> UInt64 {
        var z = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
