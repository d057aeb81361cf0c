import Glibc

/// How a decimal number is written in a file.
public enum DecimalMark: String, Sendable, CaseIterable {
    /// Decide per column: a point, or a comma when the file is not comma-delimited and the column only
    /// reads as numbers that way (European exports: `1.234,5` with `;` delimiters).
    case auto
    case point
    case comma
}

/// The column types StatML tables hold.
public enum ColumnType: String, Sendable, CaseIterable {
    case number, integer, string, boolean, date, categorical
}

/// Lexical rules for reading one text field as a typed value: missing-value tokens, numbers with a
/// decimal point or comma, integers, booleans and dates. Shared by type inference, table reading and
/// schema checking, so that all three agree on what a field means.
public struct ValueSyntax: Sendable {
    /// Fields that mean "no value": R's and pandas' common tokens by default.
    public var naTokens: [String] {
        didSet { naTokenBytes = naTokens.map { Array($0.utf8) } }
    }
    public var decimal: DecimalMark

    private var naTokenBytes: [[UInt8]]

    public static let defaultNATokens = ["", "NA", "NaN", "."]

    public init(naTokens: [String] = ValueSyntax.defaultNATokens, decimal: DecimalMark = .auto) {
        self.naTokens = naTokens
        self.naTokenBytes = naTokens.map { Array($0.utf8) }
        self.decimal = decimal
    }

    /// Whether a field is one of the missing-value tokens (compared after trimming ASCII spaces).
    public func isMissing(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        let trimmed = ValueSyntax.trimmed(field)
        for token in naTokenBytes where token.count == trimmed.count {
            if token.isEmpty
                || token.withUnsafeBufferPointer({ memcmp($0.baseAddress!, trimmed.baseAddress!, token.count) == 0 })
            {
                return true
            }
        }
        return false
    }

    public func isMissing(_ text: String) -> Bool {
        text.withUTF8Buffer { isMissing($0) }
    }

    static func trimmed(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = field.count
        while start < end, field[start] == 0x20 || field[start] == 0x09 { start += 1 }
        while end > start, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: field[start..<end])
    }

    // MARK: integers

    /// `[+-]?[0-9]+` (ASCII spaces around allowed), fitting in 64 bits.
    public static func parseInteger(_ field: UnsafeBufferPointer<UInt8>) -> Int? {
        let f = trimmed(field)
        var i = 0
        var negative = false
        if i < f.count, f[i] == 0x2B || f[i] == 0x2D {
            negative = f[i] == 0x2D
            i += 1
        }
        guard i < f.count else { return nil }
        var value = 0
        while i < f.count {
            let digit = Int(f[i]) &- 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = s
            i += 1
        }
        return value
    }

    // MARK: numbers

    /// A decimal number with a point: `-12.5`, `.5`, `3e-4`, `inf`. Nil when the field is anything else.
    public static func parsePointNumber(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        let f = trimmed(field)
        return parseInfinity(f) ?? DecimalParsing.parseDouble(f, trimSpaces: false)
    }

    /// A decimal number with a comma: `-12,5`, `1.234.567,89` (points only as groups of three digits).
    public static func parseCommaNumber(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        let f = trimmed(field)
        if let special = parseInfinity(f) { return special }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: f.count + 1) { buffer in
            // Rewrite into point form: drop group separators, comma → point; check syntax as we go.
            var n = 0
            var i = 0
            if i < f.count, f[i] == 0x2B || f[i] == 0x2D {
                buffer[n] = f[i]; n += 1; i += 1
            }
            let intStart = i
            var groupRun = -1  // digits since the last group point; -1 before any point
            var sawGroup = false
            while i < f.count {
                let c = f[i]
                if c >= 0x30 && c <= 0x39 {
                    buffer[n] = c; n += 1
                    if groupRun >= 0 { groupRun += 1 }
                } else if c == 0x2E {
                    // A group point needs 1–3 digits before the first one and exactly 3 between points.
                    let digitsBefore = i - intStart
                    if !sawGroup {
                        guard digitsBefore >= 1, digitsBefore <= 3 else { return nil }
                    } else {
                        guard groupRun == 3 else { return nil }
                    }
                    sawGroup = true
                    groupRun = 0
                } else {
                    break
                }
                i += 1
            }
            if sawGroup { guard groupRun == 3 else { return nil } }
            let intDigits = n - (intStart > 0 ? 1 : 0)
            var fracDigits = 0
            if i < f.count, f[i] == 0x2C {
                buffer[n] = 0x2E; n += 1; i += 1
                while i < f.count, f[i] >= 0x30 && f[i] <= 0x39 {
                    buffer[n] = f[i]; n += 1; i += 1; fracDigits += 1
                }
            }
            guard intDigits + fracDigits > 0 else { return nil }
            if i < f.count, f[i] == 0x65 || f[i] == 0x45 {
                buffer[n] = 0x65; n += 1; i += 1
                if i < f.count, f[i] == 0x2B || f[i] == 0x2D { buffer[n] = f[i]; n += 1; i += 1 }
                var expDigits = 0
                while i < f.count, f[i] >= 0x30 && f[i] <= 0x39 {
                    buffer[n] = f[i]; n += 1; i += 1; expDigits += 1
                }
                guard expDigits > 0 else { return nil }
            }
            guard i == f.count else { return nil }
            return DecimalParsing.parseDouble(UnsafeBufferPointer(rebasing: buffer[0..<n]), trimSpaces: false)
        }
    }

    /// `inf`, `-Inf`, `+infinity` (any case).
    static func parseInfinity(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        guard f.count >= 3, f.count <= 9 else { return nil }
        var i = 0
        var sign = 1.0
        if f[0] == 0x2B || f[0] == 0x2D {
            sign = f[0] == 0x2D ? -1 : 1
            i = 1
        }
        var word = ""
        while i < f.count { word.unicodeScalars.append(Unicode.Scalar(f[i] | 0x20)); i += 1 }
        return word == "inf" || word == "infinity" ? sign * .infinity : nil
    }

    // MARK: booleans and dates

    /// `true`/`false` in any letter case.
    public static func parseBoolean(_ field: UnsafeBufferPointer<UInt8>) -> Bool? {
        let f = trimmed(field)
        func matches(_ word: StaticString) -> Bool {
            guard f.count == word.utf8CodeUnitCount else { return false }
            let w = word.utf8Start
            for i in 0..<f.count where f[i] | 0x20 != w[i] { return false }
            return true
        }
        if matches("true") { return true }
        if matches("false") { return false }
        return nil
    }

    /// ISO `YYYY-MM-DD`, `YYYY/MM/DD`, or day-first `DD.MM.YYYY`; the day must exist.
    public static func parseDate(_ field: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        let f = trimmed(field)
        guard f.count == 10 else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let d = Int(f[i]) &- 48
                guard d >= 0, d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        if (f[4] == 0x2D || f[4] == 0x2F) && f[7] == f[4] {
            guard let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2) else { return nil }
            return CivilDate(year: y, month: m, day: d)
        }
        if f[2] == 0x2E && f[5] == 0x2E {
            guard let d = digits(0, 2), let m = digits(3, 2), let y = digits(6, 4) else { return nil }
            return CivilDate(year: y, month: m, day: d)
        }
        return nil
    }

    /// The number a field holds under this syntax's decimal mark (`auto` tries a point first).
    public func parseNumber(_ field: UnsafeBufferPointer<UInt8>, commaDecimal: Bool) -> Double? {
        commaDecimal ? ValueSyntax.parseCommaNumber(field) : ValueSyntax.parsePointNumber(field)
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes without copying when the string is native.
    @inlinable
    public func withUTF8Buffer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8(body)
    }
}
