/// UTF-8 validation of one multi-byte sequence (RFC 3629 §4), shared by the CSV and JSON readers.
enum UTF8Sequence {
    /// The outcome of looking at the sequence that starts with a byte ≥ 0x80.
    enum Outcome {
        /// A valid sequence of this many bytes.
        case valid(Int)
        /// Not valid UTF-8; the first `examined` bytes show why (the last of them is the bad one,
        /// or the sequence ends there at the end of the input).
        case invalid(examined: Int)
        /// The sequence runs past the bytes available; more input may complete it.
        case truncated
    }

    /// Checks the sequence at `p`, whose first byte is ≥ 0x80, with `available` bytes readable.
    /// Rejects stray continuation bytes, overlong forms, surrogates and code points above U+10FFFF.
    @inline(__always)
    static func check(_ p: UnsafePointer<UInt8>, available: Int) -> Outcome {
        let b0 = p[0]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .invalid(examined: 1)
        }
        // Judge the bytes that are there first: an impossible byte is an error whatever follows.
        let present = min(length, available)
        if present >= 2 {
            if p[1] < low || p[1] > high { return .invalid(examined: 2) }
            var k = 2
            while k < present {
                if p[k] & 0xC0 != 0x80 { return .invalid(examined: k + 1) }
                k += 1
            }
        }
        return present == length ? .valid(length) : .truncated
    }

    /// The bytes of a bad sequence for an error message, e.g. "0xC3 0x28".
    static func describe(_ p: UnsafePointer<UInt8>, available: Int) -> String {
        var examined = min(available, 1)
        switch check(p, available: available) {
        case .invalid(let n): examined = n
        case .truncated: examined = available
        case .valid(let n): examined = n
        }
        return (0..<examined).map { "0x" + String(p[$0], radix: 16, uppercase: true) }.joined(separator: " ")
    }
}

/// The 1-based character column of `offset` on its line: the count of characters (UTF-8 lead
/// bytes) between the last line break before it (or `lineFloor`) and it, plus one.
func characterColumn(_ base: UnsafePointer<UInt8>, offset: Int, lineFloor: Int) -> Int {
    var lineStart = offset
    while lineStart > lineFloor {
        let b = base[lineStart - 1]
        if b == 0x0A || b == 0x0D { break }
        lineStart -= 1
    }
    var column = 1
    var k = lineStart
    while k < offset {
        if base[k] & 0xC0 != 0x80 { column += 1 }
        k += 1
    }
    return column
}

/// The number of line breaks (LF, CR, or CRLF counted once) in `base[from..<to]`.
func lineBreaks(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
    var count = 0
    var k = from
    while k < to {
        let b = base[k]
        if b == 0x0A {
            if k == from || base[k - 1] != 0x0D { count += 1 }
        } else if b == 0x0D {
            count += 1
        }
        k += 1
    }
    return count
}
