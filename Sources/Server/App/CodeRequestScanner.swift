import StatMLCore

/// One pass over the bytes of a `POST /v1/code` body of the usual shape, straight into a `CodeRequest`:
/// no JSON tree, no object per record. Building the tree cost more per record than coding a short text
/// does, and almost every request has this shape.
///
/// The scanner accepts only what the tree parser (`CodeRequest.parseJSONTree`) accepts, and gives the
/// same request for it; anything else — a syntax error, an unknown, repeated or null field, a number
/// that is not a plain integer, a byte order mark, too many records — makes it give up (nil), and the
/// tree parser then answers, with the error message that names the field. So the scanner never writes
/// an error message of its own. The fuzz target `FuzzRequest` checks that the two agree.
///
/// Accepted: `{"records":[{"id":…,"text":…},…],"candidates":N}` or `{"id":…,"text":…,"candidates":N}`,
/// fields in any order, JSON whitespace anywhere between tokens, strings with any escape (surrogate
/// pairs included) and valid UTF-8, ids as strings or as integers of at most 15 digits.
struct CodeRequestScanner {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var p = 0
    /// Decoded bytes of a string with escapes, reused from string to string.
    private var scratch: [UInt8] = []

    private init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// The request in `body`, or nil when the body is not of the common shape or is not valid.
    static func scan(_ body: [UInt8], maxRecords: Int) -> CodeRequest? {
        body.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            var scanner = CodeRequestScanner(base: base, count: buffer.count)
            return scanner.document(maxRecords: maxRecords)
        }
    }

    private mutating func document(maxRecords: Int) -> CodeRequest? {
        var records: [CodeRequest.Record]?
        var candidates: Int?
        var id: String??
        var text: String?
        let complete = object { scanner, key in
            switch key {
            case .records where records == nil:
                records = scanner.recordList(maxRecords: maxRecords)
                return records != nil
            case .candidates where candidates == nil:
                candidates = scanner.integer().flatMap { (0...10).contains($0) ? Int($0) : nil }
                return candidates != nil
            default:
                return scanner.recordMember(key, id: &id, text: &text)
            }
        }
        skipWhitespace()
        guard complete, p == count else { return nil }
        if let records {
            // The tree parser refuses id or text next to records; let it say so.
            guard id == nil, text == nil, !records.isEmpty else { return nil }
            return CodeRequest(records: records, candidates: candidates ?? 0)
        }
        guard let text else { return nil }
        return CodeRequest(records: [.init(id: (id ?? nil) ?? "1", text: text)], candidates: candidates ?? 0)
    }

    /// `[{…},…]`: records, each named by its position when it has no id.
    private mutating func recordList(maxRecords: Int) -> [CodeRequest.Record]? {
        skipWhitespace()
        guard next(UInt8(ascii: "[")) else { return nil }
        var records: [CodeRequest.Record] = []
        // A record takes at least 10 bytes (`{"text":""}`): a bound for the reservation from the body.
        records.reserveCapacity(min(maxRecords, (count - p) / 10 + 1))
        skipWhitespace()
        if next(UInt8(ascii: "]")) { return records }
        while true {
            guard records.count < maxRecords, let record = record(number: records.count + 1) else { return nil }
            records.append(record)
            skipWhitespace()
            if next(UInt8(ascii: ",")) { continue }
            return next(UInt8(ascii: "]")) ? records : nil
        }
    }

    private mutating func record(number: Int) -> CodeRequest.Record? {
        skipWhitespace()
        var id: String??
        var text: String?
        let complete = object { scanner, key in scanner.recordMember(key, id: &id, text: &text) }
        guard complete, let text else { return nil }
        return CodeRequest.Record(id: (id ?? nil) ?? String(number), text: text)
    }

    /// A record's `id` or `text` member (each at most once), read into `id` or `text`; false for another
    /// key, a repeated one, or a value of the wrong kind. A single-record body has them at the top level.
    private mutating func recordMember(_ key: Key, id: inout String??, text: inout String?) -> Bool {
        switch key {
        case .id where id == nil:
            id = identifier()
            return id! != nil
        case .text where text == nil:
            text = string()
            return text != nil
        default:
            return false
        }
    }

    /// The field names the scanner knows; any other name makes it give up.
    private enum Key {
        case records, candidates, id, text
    }

    /// `{"key":value,…}` with at least one member; `member` reads the value after the colon and says
    /// whether it was acceptable.
    private mutating func object(_ member: (inout Self, Key) -> Bool) -> Bool {
        skipWhitespace()
        guard next(UInt8(ascii: "{")) else { return false }
        while true {
            skipWhitespace()
            guard let key = key() else { return false }
            skipWhitespace()
            guard next(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(&self, key) else { return false }
            skipWhitespace()
            if next(UInt8(ascii: ",")) { continue }
            return next(UInt8(ascii: "}"))
        }
    }

    /// A field name, when it is one of `Key`'s written without escapes.
    private mutating func key() -> Key? {
        guard next(UInt8(ascii: "\"")) else { return nil }
        let start = p
        while p < count, base[p] != UInt8(ascii: "\""), base[p] != UInt8(ascii: "\\") { p += 1 }
        guard p < count, base[p] == UInt8(ascii: "\"") else { return nil }
        let name = UnsafeBufferPointer(start: base + start, count: p - start)
        p += 1
        if name.elementsEqual("text".utf8) { return .text }
        if name.elementsEqual("id".utf8) { return .id }
        if name.elementsEqual("records".utf8) { return .records }
        if name.elementsEqual("candidates".utf8) { return .candidates }
        return nil
    }

    /// An id: a string, or an integer written as one (the tree parser turns a whole number into its digits).
    private mutating func identifier() -> String? {
        guard p < count else { return nil }
        if base[p] == UInt8(ascii: "\"") { return string() }
        return integer().map { String($0) }
    }

    /// `0` or `-?[1-9][0-9]{0,14}` not followed by a fraction or an exponent: a number whose Double is
    /// exactly this integer, below 10^15 in magnitude. Anything else (`-0`, `1.0`, `1e3`, 16 digits) is
    /// left to the tree parser.
    private mutating func integer() -> Int64? {
        let negative = p < count && base[p] == UInt8(ascii: "-")
        if negative { p += 1 }
        let start = p
        var value: Int64 = 0
        while p < count, base[p] &- UInt8(ascii: "0") < 10 {
            value = value * 10 + Int64(base[p] &- UInt8(ascii: "0"))
            p += 1
            if p - start > 15 { return nil }
        }
        let digits = p - start
        guard digits > 0, !(digits > 1 && base[start] == UInt8(ascii: "0")), !(negative && value == 0) else {
            return nil
        }
        if p < count, base[p] == UInt8(ascii: ".") || base[p] | 0x20 == UInt8(ascii: "e") { return nil }
        return negative ? -value : value
    }

    /// A string: no control characters, valid UTF-8, escapes decoded (a lone surrogate gives up).
    private mutating func string() -> String? {
        guard next(UInt8(ascii: "\"")) else { return nil }
        let start = p
        var ascii = true
        var escaped = false
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { return nil }
            if b >= 0x80 { ascii = false }
            if b == UInt8(ascii: "\\") {
                escaped = true
                p += 1  // the escaped character, which cannot be the closing quote
            }
            p += 1
        }
        guard p < count else { return nil }
        let raw = UnsafeBufferPointer(start: base + start, count: p - start)
        p += 1
        // Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when every unescaped run is.
        if !ascii && String(validating: raw, as: UTF8.self) == nil { return nil }
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        return unescaped(raw)
    }

    /// The text of a string's raw bytes (between the quotes) with its escapes decoded.
    private mutating func unescaped(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        scratch.removeAll(keepingCapacity: true)
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for k in at..<(at + 4) {
                let b = raw[k]
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while i < raw.count {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else {
                scratch.append(b)
                i += 1
                continue
            }
            // The scan stopped at the closing quote, so an escape's letter is always there.
            let letter = raw[i + 1]
            i += 2
            if let byte = JSONEscape.byte(forLetter: letter) {
                scratch.append(byte)
                continue
            }
            switch letter {
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else { return nil }
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(i + 2), (0xDC00...0xDFFF).contains(low)
                    else { return nil }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    return nil
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                UTF8.encode(unicode) { scratch.append($0) }
            default:
                return nil
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while p < count {
            let b = base[p]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            p += 1
        }
    }

    /// Steps over `byte` when it is next.
    @inline(__always)
    private mutating func next(_ byte: UInt8) -> Bool {
        guard p < count, base[p] == byte else { return false }
        p += 1
        return true
    }
}
