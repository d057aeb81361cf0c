import Glibc

/// Decimal text to `Double`, giving exactly what C's `strtod` gives.
///
/// Most numbers take Clinger's fast path (W. D. Clinger, "How to Read Floating Point Numbers
/// Accurately", PLDI 1990): when the digits form an integer of at most 2^53 and the power of ten is
/// at most 10^22, both are exact Doubles and one IEEE multiplication or division rounds correctly,
/// which is what glibc's correctly rounded `strtod` returns too. That covers every number of up to
/// 15 significant digits with an exponent in ±22, and many longer ones. Anything else is handed to
/// `strtod` itself.
public enum DecimalParsing {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (at least one mantissa digit), optionally
    /// surrounded by ASCII spaces and tabs when `trimSpaces` is true. Returns nil for anything
    /// else: empty text, `inf`, `nan`, hexadecimal, thousands separators. Overflow gives ±infinity
    /// and underflow zero or a subnormal, as `strtod` does.
    @inlinable
    public static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>, trimSpaces: Bool = true) -> Double? {
        guard let base = bytes.baseAddress else { return nil }
        return parseDouble(base, count: bytes.count, trimSpaces: trimSpaces)
    }

    @inlinable
    public static func parseDouble(_ p: UnsafePointer<UInt8>, count: Int, trimSpaces: Bool = true) -> Double? {
        var i = 0
        var end = count
        if trimSpaces {
            while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
            while end > i && (p[end &- 1] == 0x20 || p[end &- 1] == 0x09) { end -= 1 }
        }
        if i == end { return nil }
        let textStart = i
        let negative = p[i] == 0x2D
        if negative || p[i] == 0x2B { i += 1 }
        // All digits go into the mantissa (it wraps past 19 digits; such numbers take the slow path).
        var mantissa: UInt64 = 0
        let integerStart = i
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        var digits = i &- integerStart
        var exponent = 0
        if i < end && p[i] == 0x2E {
            i += 1
            let fractionStart = i
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i += 1
            }
            digits &+= i &- fractionStart
            exponent = fractionStart &- i
        }
        return finish(
            p, at: i, end: end, textStart: textStart, negative: negative, mantissa: mantissa, digits: digits,
            exponent: exponent)
    }

    /// `parseDouble` for text followed by at least 8 readable bytes (the CSV reader's buffer has
    /// padding), which lets it take the digits 8 at a time with SWAR arithmetic instead of one byte
    /// and one branch at a time.
    @inlinable
    static func parseDoublePadded(_ p: UnsafePointer<UInt8>, count: Int) -> Double? {
        var i = 0
        var end = count
        if end == 0 { return nil }
        // Spaces and tabs are below '+'; test both ends once before looping over them.
        if p[0] < 0x2B || p[end &- 1] < 0x2B {
            while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
            while end > i && (p[end &- 1] == 0x20 || p[end &- 1] == 0x09) { end -= 1 }
            if i == end { return nil }
        }
        let textStart = i
        let negative = p[i] == 0x2D
        if negative || p[i] == 0x2B { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        while true {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let n = min(leadingDigitCount(word), end &- i)
            mantissa = mantissa &* exactIntegerPowerOfTen(n) &+ digitValue(word, n)
            i &+= n
            digits &+= n
            if n < 8 { break }
        }
        var exponent = 0
        if i < end && p[i] == 0x2E {
            i += 1
            let fractionStart = i
            while true {
                let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let n = min(leadingDigitCount(word), end &- i)
                mantissa = mantissa &* exactIntegerPowerOfTen(n) &+ digitValue(word, n)
                i &+= n
                if n < 8 { break }
            }
            digits &+= i &- fractionStart
            exponent = fractionStart &- i
        }
        return finish(
            p, at: i, end: end, textStart: textStart, negative: negative, mantissa: mantissa, digits: digits,
            exponent: exponent)
    }

    /// The part both parsers share once the mantissa is read: the optional exponent, then the exact
    /// fast path or `strtod`.
    @inlinable @inline(__always)
    static func finish(
        _ p: UnsafePointer<UInt8>, at start: Int, end: Int, textStart: Int, negative: Bool, mantissa: UInt64,
        digits: Int, exponent: Int
    ) -> Double? {
        var i = start
        var exponent = exponent
        if digits == 0 { return nil }
        if i < end {
            if p[i] | 0x20 != 0x65 { return nil }
            i += 1
            var exponentNegative = false
            if i < end && (p[i] == 0x2D || p[i] == 0x2B) {
                exponentNegative = p[i] == 0x2D
                i += 1
            }
            let exponentStart = i
            var value = 0
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if value < 100_000 { value = value &* 10 &+ Int(d) }
                i += 1
            }
            if i == exponentStart || i != end { return nil }
            exponent &+= exponentNegative ? -value : value
        }
        if digits <= 19 && mantissa <= 1 << 53 {
            if let value = clingerFastPath(mantissa, exponent) { return negative ? -value : value }
        }
        return strtodExact(p + textStart, count: end &- textStart)
    }

    /// mantissa × 10^exponent when both factors are exact Doubles (mantissa ≤ 2^53), so that one
    /// correctly rounded operation gives the correctly rounded result; nil otherwise.
    @inlinable @inline(__always)
    static func clingerFastPath(_ mantissa: UInt64, _ exponent: Int) -> Double? {
        if mantissa == 0 { return 0 }
        let value = Double(mantissa)
        if exponent >= 0 {
            if exponent <= 22 { return value * exactPowerOfTen(exponent) }
            // 123e25 = (123 * 10^3) * 10^22 while the first product stays an exact integer ≤ 2^53.
            if exponent <= 22 + 15 {
                let scaled = value * exactPowerOfTen(exponent &- 22)
                if scaled <= 9_007_199_254_740_992 { return scaled * 1e22 }
            }
            return nil
        }
        if exponent >= -22 { return value / exactPowerOfTen(-exponent) }
        return nil
    }

    /// How many of the 8 bytes of `word`, first byte first (little-endian), are ASCII digits
    /// before the first that is not.
    @inlinable @inline(__always)
    static func leadingDigitCount(_ word: UInt64) -> Int {
        // A byte is a digit when its high nibble is 3 and adding 6 keeps it so. The add may carry
        // into the byte after one ≥ 0xFA, but that byte is already a non-digit, so the first
        // non-digit is found exactly.
        let highNibble = (word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
        let lowNibble = ((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
        let bad = highNibble | lowNibble
        let nonDigit = (((bad & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | bad) & 0x8080_8080_8080_8080
        return nonDigit.trailingZeroBitCount >> 3
    }

    /// The value of the first `n` (0...8) digit bytes of `word`: the digits are moved to the top
    /// bytes (the empty low bytes act as leading zeros) and combined pairwise, 2, 4, then 8 at a time.
    @inlinable @inline(__always)
    static func digitValue(_ word: UInt64, _ n: Int) -> UInt64 {
        if n == 0 { return 0 }
        var v = (word &<< UInt64(64 &- 8 &* n)) & 0x0F0F_0F0F_0F0F_0F0F
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return (v &* 10000 &+ (v >> 32)) & 0xFFFF_FFFF
    }

    @inlinable @inline(__always)
    static func exactIntegerPowerOfTen(_ n: Int) -> UInt64 {
        exactIntegerPowersOfTen.withUnsafeBufferPointer { $0[n] }
    }

    @usableFromInline
    static let exactIntegerPowersOfTen: [UInt64] = [
        1, 10, 100, 1000, 10000, 100_000, 1_000_000, 10_000_000, 100_000_000,
    ]

    /// 10^k for 0 ≤ k ≤ 22, the powers of ten a Double holds exactly.
    @inlinable @inline(__always)
    static func exactPowerOfTen(_ k: Int) -> Double {
        exactPowersOfTen.withUnsafeBufferPointer { $0[k] }
    }

    @usableFromInline
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// `strtod` over bytes already known to be a decimal number.
    @usableFromInline @inline(never)
    static func strtodExact(_ p: UnsafePointer<UInt8>, count: Int) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { scratch -> Double? in
            let buffer = scratch.baseAddress!
            UnsafeMutableRawPointer(buffer).copyMemory(from: p, byteCount: count)
            buffer[count] = 0
            var stop: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(buffer, &stop)
            guard let stop, stop == buffer + count else { return nil }
            return value
        }
    }
}
