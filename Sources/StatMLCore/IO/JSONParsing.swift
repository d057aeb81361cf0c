extension JSONValue {
    /// The deepest nesting of arrays and objects `parse` accepts; deeper input is an error rather
    /// than a stack overflow.
    public static let maximumDepth = 512

    /// Parses one JSON text, strictly as RFC 8259 says: no trailing commas, no comments, no NaN or
    /// Infinity, no leading zeros, no control characters inside strings, no lone surrogates in
    /// `\u` escapes, valid UTF-8 only, nothing but whitespace after the value. A leading byte order
    /// mark is ignored. With duplicate keys in an object the last value wins (at the first key's
    /// position). A number too large for a Double is an error.
    ///
    /// - Parameters:
    ///   - name: the file name for error locations.
    ///   - line: the line number of the first byte (JSON Lines pass the line being read).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, name: String? = nil, line: Int = 1) throws
        -> JSONValue
    {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw StatMLError.invalidInput(
                "empty input, expected a JSON value", at: .init(file: name, line: line, column: 1))
        }
        var parser = JSONParser(base: base, count: bytes.count, name: name, firstLine: line)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8], name: String? = nil, line: Int = 1) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parse($0, name: name, line: line) }
    }

    public static func parse(_ text: String, name: String? = nil, line: Int = 1) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse($0, name: name, line: line) }
    }
}

/// A recursive-descent parser over bytes; the recursion depth is bounded by `maximumDepth`.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let name: String?
    let firstLine: Int
    var p = 0
    var depth = 0
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int, name: String?, firstLine: Int) {
        self.base = base
        self.count = count
        self.name = name
        self.firstLine = firstLine
    }

    mutating func parseDocument() throws -> JSONValue {
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { p = 3 }
        skipWhitespace()
        if p == count { throw error("empty input, expected a JSON value") }
        let value = try parseValue()
        skipWhitespace()
        if p != count { throw error("unexpected \(found()) after the JSON value") }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while p < count {
            let b = base[p]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { p += 1 } else { break }
        }
    }

    mutating func parseValue() throws -> JSONValue {
        guard p < count else { throw error("unexpected end of input, expected a value") }
        switch base[p] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(found()), expected a value")
        }
    }

    mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
        let length = word.utf8CodeUnitCount
        let letters = word.utf8Start
        for k in 0..<length where p + k >= count || base[p + k] != letters[k] {
            throw error("invalid literal, expected \(word)")
        }
        p += length
        return value
    }

    mutating func enter() throws {
        depth += 1
        if depth > JSONValue.maximumDepth {
            throw error("arrays and objects nested deeper than \(JSONValue.maximumDepth) levels")
        }
    }

    mutating func parseObject() throws -> JSONObject {
        try enter()
        p += 1
        var object = JSONObject()
        skipWhitespace()
        if p < count && base[p] == UInt8(ascii: "}") {
            p += 1
            depth -= 1
            return object
        }
        while true {
            guard p < count, base[p] == UInt8(ascii: "\"") else {
                throw error("unexpected \(found()), expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard p < count, base[p] == UInt8(ascii: ":") else {
                throw error("unexpected \(found()), expected ':' after an object key")
            }
            p += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard p < count else { throw error("unexpected end of input, expected ',' or '}'") }
            if base[p] == UInt8(ascii: ",") {
                p += 1
                skipWhitespace()
                if p < count && base[p] == UInt8(ascii: "}") { throw error("trailing comma before '}'") }
                continue
            }
            if base[p] == UInt8(ascii: "}") {
                p += 1
                depth -= 1
                return object
            }
            throw error("unexpected \(found()), expected ',' or '}'")
        }
    }

    mutating func parseArray() throws -> JSONValue {
        try enter()
        p += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if p < count && base[p] == UInt8(ascii: "]") {
            p += 1
            depth -= 1
            return .array(items)
        }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            guard p < count else { throw error("unexpected end of input, expected ',' or ']'") }
            if base[p] == UInt8(ascii: ",") {
                p += 1
                skipWhitespace()
                if p < count && base[p] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
                continue
            }
            if base[p] == UInt8(ascii: "]") {
                p += 1
                depth -= 1
                return .array(items)
            }
            throw error("unexpected \(found()), expected ',' or ']'")
        }
    }

    mutating func parseNumber() throws -> Double {
        let start = p
        if base[p] == UInt8(ascii: "-") { p += 1 }
        guard p < count, isDigit(base[p]) else { throw error("invalid number: expected a digit") }
        if base[p] == UInt8(ascii: "0") {
            p += 1
            if p < count && isDigit(base[p]) { throw error("invalid number: leading zeros are not allowed") }
        } else {
            while p < count && isDigit(base[p]) { p += 1 }
        }
        if p < count && base[p] == UInt8(ascii: ".") {
            p += 1
            guard p < count, isDigit(base[p]) else { throw error("invalid number: expected a digit after '.'") }
            while p < count && isDigit(base[p]) { p += 1 }
        }
        if p < count && (base[p] | 0x20) == UInt8(ascii: "e") {
            p += 1
            if p < count && (base[p] == UInt8(ascii: "+") || base[p] == UInt8(ascii: "-")) { p += 1 }
            guard p < count, isDigit(base[p]) else { throw error("invalid number: expected a digit in the exponent") }
            while p < count && isDigit(base[p]) { p += 1 }
        }
        guard let value = DecimalParsing.parseDouble(base + start, count: p - start, trimSpaces: false) else {
            throw error("invalid number", at: start)
        }
        if !value.isFinite { throw error("number out of range for a 64-bit float", at: start) }
        return value
    }

    @inline(__always)
    func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    mutating func parseString() throws -> String {
        let open = p
        p += 1
        let start = p
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(start: base + start, count: p - start), as: UTF8.self)
                p += 1
                return text
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(from: start, open: open) }
            try checkStringByte(b)
        }
        throw error("unterminated string", at: open)
    }

    /// Advances past one unescaped byte or UTF-8 sequence of a string, or throws.
    @inline(__always)
    mutating func checkStringByte(_ b: UInt8) throws {
        if b < 0x20 {
            throw error(
                "control character (0x\(String(b, radix: 16, uppercase: true))) inside a string; it must be escaped")
        }
        if b < 0x80 {
            p += 1
            return
        }
        switch UTF8Sequence.check(base + p, available: count - p) {
        case .valid(let length): p += length
        default: throw error("invalid UTF-8 (\(UTF8Sequence.describe(base + p, available: count - p)))")
        }
    }

    mutating func parseEscapedString(from start: Int, open: Int) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: p - start))
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") {
                p += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                try parseEscape()
                continue
            }
            let before = p
            try checkStringByte(b)
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + before, count: p - before))
        }
        throw error("unterminated string", at: open)
    }

    mutating func parseEscape() throws {
        let escape = p
        p += 1
        guard p < count else { throw error("unterminated escape sequence", at: escape) }
        let c = base[p]
        p += 1
        if let byte = JSONEscape.byte(forLetter: c) {
            scratch.append(byte)
            return
        }
        switch c {
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escape: escape)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard p + 1 < count, base[p] == UInt8(ascii: "\\"), base[p + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate \\u\(hex4(scalar)) (not followed by a low surrogate)", at: escape)
                }
                let second = p
                p += 2
                let low = try parseHex4(escape: second)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error("lone high surrogate \\u\(hex4(scalar)) (not followed by a low surrogate)", at: escape)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error("lone low surrogate \\u\(hex4(scalar))", at: escape)
            }
            appendUTF8(scalar)
        default:
            p -= 1
            throw error("invalid escape sequence \\\(found(quoted: false))", at: escape)
        }
    }

    func hex4(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    mutating func parseHex4(escape: Int) throws -> UInt32 {
        // p is just after "\u".
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard p < count else { throw error("unterminated \\u escape", at: escape) }
            let b = base[p]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - 0x41 + 10
            default: throw error("invalid \\u escape: expected 4 hexadecimal digits", at: escape)
            }
            value = value << 4 | UInt32(digit)
            p += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// What is at `p`, for a message: 'x', "end of input", a Unicode character or a byte.
    func found(quoted: Bool = true) -> String {
        guard p < count else { return "end of input" }
        let b = base[p]
        if b >= 0x21 && b <= 0x7E {
            let c = String(UnicodeScalar(b))
            return quoted ? "'\(c)'" : c
        }
        if b >= 0x80, case .valid(let length) = UTF8Sequence.check(base + p, available: count - p) {
            let c = String(decoding: UnsafeBufferPointer(start: base + p, count: length), as: UTF8.self)
            return quoted ? "'\(c)'" : c
        }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    func error(_ message: String, at offset: Int? = nil) -> StatMLError {
        let offset = min(offset ?? p, count)
        var line = firstLine
        var lineStart = 0
        for k in 0..<offset where base[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        var column = 1
        for k in lineStart..<offset where base[k] & 0xC0 != 0x80 { column += 1 }
        return .invalidInput(message, at: .init(file: name, line: line, column: column))
    }
}

/// JSON's one-letter escapes (RFC 8259 §7), shared by every JSON reader here.
public enum JSONEscape {
    /// The byte that `\` followed by `letter` stands for: `"`, `\`, `/`, `b`, `f`, `n`, `r`, `t`; nil for `u`
    /// (four hex digits follow) and for anything that is not an escape.
    @inline(__always)
    public static func byte(forLetter letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return letter
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        default: return nil
        }
    }
}
