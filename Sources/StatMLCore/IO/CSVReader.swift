import Glibc

/// A streaming RFC 4180 CSV reader.
///
/// - Input is read with `read(2)` into one buffer of 1 MiB, grown only while a single record is
///   longer than that, so memory does not depend on the size of the file.
/// - A UTF-8 byte order mark is skipped. Lines end with LF, CRLF or a lone CR. The last line needs
///   no line break.
/// - Blank lines (nothing at all between two line breaks) are skipped wherever they are, as
///   pandas' `skip_blank_lines` does; a line holding only spaces is a record, not a blank line.
///   A single-column record with an empty value is therefore written `""` (see `CSVWriter`).
/// - Quoted fields may hold the delimiter, line breaks and doubled quotes.
/// - Every problem is an error with the file, line and column where it is: an unterminated quote
///   (where it opened), a quote inside an unquoted field, text after a closing quote, a row whose
///   field count differs from the header's, invalid UTF-8 (where the bad byte is), a field longer
///   than `maxFieldBytes`.
public final class CSVReader {
    /// The file name used in error locations ("<stdin>" for "-").
    public let name: String
    /// The column names; V1, V2, ... when the options say there is no header.
    public private(set) var header: [String] = []
    /// The field separator, given or detected.
    public private(set) var delimiter: UInt8 = UInt8(ascii: ",")
    public private(set) var hadByteOrderMark = false

    private let options: CSVOptions
    private let input: InputFile?

    /// How far reading has got, in bytes of input, and the input's size when known (regular files):
    /// for progress bars.
    public var bytesRead: Int { input?.bytesRead ?? 0 }
    public var sizeInBytes: Int? { input?.size }
    private let quote: UInt8
    private let standardCapacity: Int

    // Mutable state is `@exclusivity(unchecked)`: a reader is used from one thread at a time, and the
    // dynamic checks otherwise cost a few percent of the parse.
    // The buffer: bytes [start, end) are unread input; `capacity` usable bytes plus `padding` for a
    // sentinel and vector loads past the end.
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var atEndOfFile = false
    /// Physical line number at `start`.
    @exclusivity(unchecked) private var line = 1

    // The last record parsed: field spans into the buffer, two Ints per field.
    @exclusivity(unchecked) private var spans: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var spanCapacity: Int
    @exclusivity(unchecked) private var fieldCount = 0
    @exclusivity(unchecked) private var recordStart = 0
    @exclusivity(unchecked) private var recordLine = 0
    @exclusivity(unchecked) private var nextIndex = 0
    /// A record parsed but not yet handed out (the first one, when there is no header to consume it).
    @exclusivity(unchecked) private var hasPendingRecord = false
    /// Field count every record must have; 0 while the header is being read.
    @exclusivity(unchecked) private var expectedFieldCount = 0

    /// Bytes allocated past the data: the sentinel, and 16-byte loads that start at or before it.
    static let padding = 32

    /// Reads a file, or standard input for "-".
    public convenience init(path: String, options: CSVOptions = CSVOptions()) throws {
        try self.init(path: path, options: options, bufferCapacity: 1 << 20)
    }

    /// Reads with a given buffer size: tests and fuzzers use a tiny one to put every record across
    /// buffer refills. The delimiter is detected from the first buffer's worth of input.
    @_spi(Testing)
    public init(path: String, options: CSVOptions, bufferCapacity: Int) throws {
        try Self.validate(options)
        let input = try InputFile(path: path)
        self.input = input
        self.name = input.name
        self.options = options
        self.quote = options.quote
        self.standardCapacity = max(bufferCapacity, 4)
        self.capacity = standardCapacity
        self.buffer = Self.allocateBuffer(capacity)
        self.spanCapacity = 64
        self.spans = .allocate(capacity: 2 * spanCapacity)
        end = try input.readFully(into: buffer, count: capacity)
        atEndOfFile = end < capacity
        try readHeader()
    }

    public init(bytes: [UInt8], name: String = "<memory>", options: CSVOptions = CSVOptions()) throws {
        try Self.validate(options)
        self.input = nil
        self.name = name
        self.options = options
        self.quote = options.quote
        self.standardCapacity = bytes.count
        self.capacity = bytes.count
        let buffer = Self.allocateBuffer(bytes.count)
        bytes.withUnsafeBufferPointer { source in
            if let from = source.baseAddress { buffer.update(from: from, count: source.count) }
        }
        self.buffer = buffer
        self.spanCapacity = 64
        self.spans = .allocate(capacity: 2 * spanCapacity)
        end = bytes.count
        atEndOfFile = true
        try readHeader()
    }

    deinit {
        buffer.deallocate()
        spans.deallocate()
    }

    private static func validate(_ options: CSVOptions) throws {
        func bad(_ byte: UInt8) -> Bool { byte >= 0x80 || byte == 0x0A || byte == 0x0D }
        if let d = options.delimiter, bad(d) || d == options.quote {
            throw StatMLError.usage("the CSV delimiter must be an ASCII character other than the quote and line breaks")
        }
        if bad(options.quote) {
            throw StatMLError.usage("the CSV quote must be an ASCII character other than line breaks")
        }
        if options.maxFieldBytes < 1 { throw StatMLError.usage("maxFieldBytes must be positive") }
    }

    private static func allocateBuffer(_ capacity: Int) -> UnsafeMutablePointer<UInt8> {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + padding)
        p.initialize(repeating: 0, count: capacity + padding)
        return p
    }

    // MARK: Reading records

    /// Streams the data rows in constant memory. `record` is a view into the reader's buffer and is
    /// valid only during the call.
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        while try advance() {
            let record = currentRecord()
            nextIndex += 1
            try body(record)
        }
    }

    /// The next data row as Strings, or nil at the end.
    public func nextRow() throws -> [String]? {
        guard try advance() else { return nil }
        let record = currentRecord()
        nextIndex += 1
        return (0..<record.count).map { record.string($0) }
    }

    @inline(__always)
    private func currentRecord() -> CSVRecord {
        CSVRecord(
            base: buffer, spans: spans, recordStart: recordStart, count: fieldCount, line: recordLine,
            index: nextIndex, quote: quote)
    }

    private func readHeader() throws {
        if end - start >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            hadByteOrderMark = true
            start = 3
        }
        delimiter = options.delimiter ?? detectDelimiter()
        guard try advance() else {
            throw StatMLError.invalidInput("\(name) is empty", at: .init(file: name))
        }
        let first = currentRecord()
        if options.hasHeader {
            header = (0..<first.count).map { first.string($0) }
        } else {
            header = (1...first.count).map { "V\($0)" }
            hasPendingRecord = true
        }
        expectedFieldCount = first.count
    }

    /// Parses the next record into `spans`, reading more input as needed; false at the end.
    private func advance() throws -> Bool {
        if hasPendingRecord {
            hasPendingRecord = false
            return true
        }
        while true {
            switch try parseRecord() {
            case .record: return true
            case .endOfInput: return false
            case .needMore(let fieldStart, let content): try refill(fieldStart: fieldStart, content: content)
            }
        }
    }

    private enum Step {
        case record
        case endOfInput
        /// The buffer ends inside a record; `fieldStart` is where the unfinished field began and
        /// `content` how many of its bytes are known to be content so far.
        case needMore(fieldStart: Int, content: Int)
    }

    /// Moves the unread bytes to the front of the buffer and reads more after them, growing the
    /// buffer only when one record fills it.
    private func refill(fieldStart: Int, content: Int) throws {
        guard let input, !atEndOfFile else { preconditionFailure("CSVReader: refill at end of input") }
        if content > options.maxFieldBytes {
            throw fieldTooLong(at: fieldStart, recordStart: start, recordLine: line)
        }
        atEndOfFile = try input.refill(
            &buffer, capacity: &capacity, start: &start, end: &end, standardCapacity: standardCapacity,
            allocate: Self.allocateBuffer)
    }

    private func growSpans() {
        let larger = UnsafeMutablePointer<Int>.allocate(capacity: 4 * spanCapacity)
        larger.update(from: spans, count: 2 * spanCapacity)
        spans.deallocate()
        spans = larger
        spanCapacity *= 2
    }

    // MARK: The parser

    /// The offset of the first byte at or after `p` that is one of the three given bytes or is
    /// ≥ 0x80 (non-ASCII), looking 16 bytes at a time (SSE2 compares once compiled). The sentinel
    /// at the end of the data guarantees a stop; the padding makes the loads past it safe.
    @inline(__always)
    private static func scan(
        _ base: UnsafeMutablePointer<UInt8>, from p: Int, _ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>, _ c: SIMD16<UInt8>
    ) -> Int {
        var p = p
        while true {
            let v = UnsafeRawPointer(base + p).loadUnaligned(as: SIMD16<UInt8>.self)
            let nonASCII = unsafeBitCast(v, to: SIMD16<Int8>.self) .< SIMD16<Int8>(repeating: 0)
            let hits = unsafeBitCast((v .== a) .| (v .== b) .| (v .== c) .| nonASCII, to: SIMD2<UInt64>.self)
            if let offset = firstHit(hits) { return p &+ offset }
            p &+= 16
        }
    }

    /// The index of the first byte set in a 16-byte compare result, chosen without a branch
    /// between the two halves (a field's end falls in either about equally often).
    @inline(__always)
    private static func firstHit(_ hits: SIMD2<UInt64>) -> Int? {
        let low = hits[0]
        let high = hits[1]
        if low | high == 0 { return nil }
        let lowZeros = low.trailingZeroBitCount  // 64 when low == 0
        return (lowZeros &+ (low == 0 ? high.trailingZeroBitCount : 0)) &>> 3
    }

    /// As `scan` with four bytes of interest.
    @inline(__always)
    private static func scan(
        _ base: UnsafeMutablePointer<UInt8>, from p: Int, _ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>, _ c: SIMD16<UInt8>,
        _ d: SIMD16<UInt8>
    ) -> Int {
        var p = p
        while true {
            let v = UnsafeRawPointer(base + p).loadUnaligned(as: SIMD16<UInt8>.self)
            let nonASCII = unsafeBitCast(v, to: SIMD16<Int8>.self) .< SIMD16<Int8>(repeating: 0)
            let hits = unsafeBitCast(
                (v .== a) .| (v .== b) .| (v .== c) .| (v .== d) .| nonASCII, to: SIMD2<UInt64>.self)
            if let offset = firstHit(hits) { return p &+ offset }
            p &+= 16
        }
    }

    /// Parses one record starting at `start`. On success `start`, `line` and the record fields are
    /// updated; on `needMore` only blank lines already skipped are consumed.
    private func parseRecord() throws -> Step {
        let base = buffer
        let end = self.end
        let eof = atEndOfFile
        let lf: UInt8 = 0x0A
        let cr: UInt8 = 0x0D
        base[end] = lf  // sentinel: every scan stops at the end of the data
        var p = start
        var line = self.line

        // Blank lines.
        while true {
            let c = base[p]
            if c == lf {
                if p == end {
                    start = p
                    self.line = line
                    return eof ? .endOfInput : .needMore(fieldStart: p, content: 0)
                }
                p += 1
                line += 1
            } else if c == cr {
                if p + 1 == end && !eof {
                    start = p
                    self.line = line
                    return .needMore(fieldStart: p, content: 0)
                }
                p += 1
                if p < end && base[p] == lf { p += 1 }
                line += 1
            } else {
                break
            }
        }
        start = p
        self.line = line
        let recordStart = p
        let recordLine = line

        let delimiter = self.delimiter
        let quote = self.quote
        let delimiterVector = SIMD16<UInt8>(repeating: delimiter)
        let quoteVector = SIMD16<UInt8>(repeating: quote)
        let lfVector = SIMD16<UInt8>(repeating: lf)
        let crVector = SIMD16<UInt8>(repeating: cr)
        let maxField = options.maxFieldBytes
        var spans = self.spans
        var spanCapacity = self.spanCapacity
        var n = 0
        var fieldStart = p
        var c: UInt8

        fields: while true {
            if n == spanCapacity {
                growSpans()
                spans = self.spans
                spanCapacity = self.spanCapacity
            }
            fieldStart = p
            if base[p] == quote {
                p += 1
                var flags = CSVRecord.quotedFlag
                while true {
                    p = Self.scan(base, from: p, quoteVector, lfVector, crVector)
                    let b = base[p]
                    if b == quote {
                        if p + 1 < end {
                            if base[p + 1] == quote {
                                flags |= CSVRecord.escapedFlag
                                p += 2
                                continue
                            }
                        } else if !eof {
                            return .needMore(fieldStart: fieldStart, content: p - fieldStart - 1)
                        }
                        break
                    } else if b == lf {
                        if p == end {
                            if !eof { return .needMore(fieldStart: fieldStart, content: p - fieldStart - 1) }
                            if p - fieldStart - 1 > maxField {
                                throw fieldTooLong(at: fieldStart, recordStart: recordStart, recordLine: recordLine)
                            }
                            throw unterminatedQuote(at: fieldStart, recordStart: recordStart, recordLine: recordLine)
                        }
                        if base[p - 1] != cr { line += 1 }
                        p += 1
                    } else if b == cr {
                        line += 1
                        p += 1
                    } else {
                        switch UTF8Sequence.check(base + p, available: end - p) {
                        case .valid(let length): p += length
                        case .truncated where !eof:
                            return .needMore(fieldStart: fieldStart, content: p - fieldStart - 1)
                        default:
                            if p - fieldStart - 1 > maxField {
                                throw fieldTooLong(at: fieldStart, recordStart: recordStart, recordLine: recordLine)
                            }
                            throw invalidUTF8(at: p, recordStart: recordStart, recordLine: recordLine)
                        }
                    }
                }
                // p is at the closing quote.
                if p - fieldStart - 1 > maxField {
                    throw fieldTooLong(at: fieldStart, recordStart: recordStart, recordLine: recordLine)
                }
                spans[2 &* n] = fieldStart &+ 1
                spans[2 &* n &+ 1] = p | flags
                n += 1
                p += 1
                c = base[p]
                if c == delimiter {
                    p += 1
                    continue fields
                }
                if c == lf || c == cr { break fields }
                throw textAfterQuote(at: p, recordStart: recordStart, recordLine: recordLine)
            } else {
                while true {
                    p = Self.scan(base, from: p, delimiterVector, quoteVector, lfVector, crVector)
                    let b = base[p]
                    if b == delimiter || b == lf || b == cr { break }
                    if p - fieldStart > maxField {
                        throw fieldTooLong(at: fieldStart, recordStart: recordStart, recordLine: recordLine)
                    }
                    if b == quote {
                        throw quoteInUnquotedField(at: p, recordStart: recordStart, recordLine: recordLine)
                    }
                    switch UTF8Sequence.check(base + p, available: end - p) {
                    case .valid(let length): p += length
                    case .truncated where !eof: return .needMore(fieldStart: fieldStart, content: p - fieldStart)
                    default: throw invalidUTF8(at: p, recordStart: recordStart, recordLine: recordLine)
                    }
                }
                if p - fieldStart > maxField {
                    throw fieldTooLong(at: fieldStart, recordStart: recordStart, recordLine: recordLine)
                }
                spans[2 &* n] = fieldStart
                spans[2 &* n &+ 1] = p
                n += 1
                c = base[p]
                if c == delimiter {
                    p += 1
                    continue fields
                }
                break fields
            }
        }

        // End of the record: c is LF or CR at p.
        let terminator = p
        if c == lf {
            if p == end {
                if !eof { return .needMore(fieldStart: fieldStart, content: 0) }
            } else {
                p += 1
            }
        } else {
            if p + 1 == end && !eof { return .needMore(fieldStart: fieldStart, content: 0) }
            p += 1
            if p < end && base[p] == lf { p += 1 }
        }
        line += 1

        self.fieldCount = n
        self.recordStart = recordStart
        self.recordLine = recordLine
        let expected = expectedFieldCount
        if n != expected && expected > 0 && !options.allowRaggedRows {
            throw raggedRow(found: n, terminator: terminator)
        }
        start = p
        self.line = line
        return .record
    }

    // MARK: Errors (kept out of the hot path)

    private func location(at offset: Int, recordStart: Int, recordLine: Int) -> StatMLError.Location {
        let line = recordLine + lineBreaks(buffer, from: recordStart, to: offset)
        let column = characterColumn(buffer, offset: offset, lineFloor: recordStart)
        return .init(file: name, line: line, column: column)
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0x09: return "a tab"
        case 0x20: return "a space"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        default: return "byte 0x" + String(byte, radix: 16, uppercase: true)
        }
    }

    @inline(never)
    private func unterminatedQuote(at offset: Int, recordStart: Int, recordLine: Int) -> StatMLError {
        .invalidInput(
            "unterminated quoted field: the quote opened here is never closed",
            at: location(at: offset, recordStart: recordStart, recordLine: recordLine))
    }

    @inline(never)
    private func quoteInUnquotedField(at offset: Int, recordStart: Int, recordLine: Int) -> StatMLError {
        .invalidInput(
            "quote character inside an unquoted field; a field that contains \(Self.describe(quote)) must be "
                + "enclosed in quotes, with its quotes doubled",
            at: location(at: offset, recordStart: recordStart, recordLine: recordLine))
    }

    @inline(never)
    private func textAfterQuote(at offset: Int, recordStart: Int, recordLine: Int) -> StatMLError {
        .invalidInput(
            "unexpected \(Self.describe(buffer[offset])) after the closing quote of a field "
                + "(expected the delimiter \(Self.describe(delimiter)) or the end of the line)",
            at: location(at: offset, recordStart: recordStart, recordLine: recordLine))
    }

    @inline(never)
    private func invalidUTF8(at offset: Int, recordStart: Int, recordLine: Int) -> StatMLError {
        let bytes = UTF8Sequence.describe(buffer + offset, available: end - offset)
        return .invalidInput(
            "invalid UTF-8 (\(bytes)); the file must be UTF-8 encoded",
            at: location(at: offset, recordStart: recordStart, recordLine: recordLine))
    }

    @inline(never)
    private func fieldTooLong(at offset: Int, recordStart: Int, recordLine: Int) -> StatMLError {
        let quoted = buffer[offset] == quote
        return .invalidInput(
            "field longer than \(options.maxFieldBytes) bytes (maxFieldBytes)"
                + (quoted ? "; is the quote that opens it never closed?" : ""),
            at: location(at: offset, recordStart: recordStart, recordLine: recordLine))
    }

    @inline(never)
    private func raggedRow(found: Int, terminator: Int) -> StatMLError {
        let expected = expectedFieldCount
        let offset: Int
        if found > expected {
            let contentStart = spans[2 * expected]
            offset = spans[2 * expected + 1] & CSVRecord.quotedFlag != 0 ? contentStart - 1 : contentStart
        } else {
            offset = terminator
        }
        let source = options.hasHeader ? "as in the header" : "as in the first row"
        return .invalidInput(
            "expected \(expected) field\(expected == 1 ? "" : "s") (\(source)), found \(found)",
            at: location(at: offset, recordStart: recordStart, recordLine: recordLine))
    }

    // MARK: Delimiter detection

    /// Picks the delimiter among `,` `;` tab `|` from the first lines of the buffered prefix: the
    /// candidate seen, outside quotes, the same non-zero number of times on every sampled line
    /// (the most frequent such one); failing that the most frequent on the first line; failing that `,`.
    private func detectDelimiter() -> UInt8 {
        let candidates: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]
        let limit = min(end, start + 64 << 10)
        var lines: [[Int]] = []
        var counts = [0, 0, 0, 0]
        var inQuotes = false
        var hasContent = false
        var p = start
        while p < limit && lines.count < 50 {
            let b = buffer[p]
            p += 1
            if b == quote {
                inQuotes.toggle()
                hasContent = true
            } else if inQuotes {
                continue
            } else if b == 0x0A || b == 0x0D {
                if hasContent { lines.append(counts) }
                counts = [0, 0, 0, 0]
                hasContent = false
            } else {
                hasContent = true
                if let k = candidates.firstIndex(of: b) { counts[k] += 1 }
            }
        }
        // The last line counts when the input ends there, or when no line ended within the prefix.
        if hasContent && ((p == end && atEndOfFile) || lines.isEmpty) { lines.append(counts) }
        guard let first = lines.first else { return candidates[0] }
        var best: Int?
        for k in candidates.indices where first[k] > 0 && lines.allSatisfy({ $0[k] == first[k] }) {
            if best == nil || first[k] > first[best!] { best = k }
        }
        if let best { return candidates[best] }
        var mostOnFirst = 0
        for k in candidates.indices where first[k] > first[mostOnFirst] { mostOnFirst = k }
        return candidates[mostOnFirst]
    }
}

/// One CSV record: a view into the reader's buffer, valid only during the `forEachRecord` call
/// that hands it out. Field access does not allocate, except `string(_:)`.
public struct CSVRecord {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let spans: UnsafePointer<Int>
    @usableFromInline let recordStart: Int
    /// The number of fields.
    public let count: Int
    /// The 1-based physical line where the record starts.
    public let line: Int
    /// The 0-based data row number (the header is not a data row).
    public let index: Int
    @usableFromInline let quote: UInt8

    // A field is two Ints in `spans`: its content's start, and its content's end with flags above.
    @inlinable static var quotedFlag: Int { 1 << 62 }
    @inlinable static var escapedFlag: Int { 1 << 61 }
    @inlinable static var offsetMask: Int { (1 << 61) - 1 }

    @usableFromInline
    init(
        base: UnsafePointer<UInt8>, spans: UnsafePointer<Int>, recordStart: Int, count: Int, line: Int, index: Int,
        quote: UInt8
    ) {
        self.base = UnsafePointer(base)
        self.spans = UnsafePointer(spans)
        self.recordStart = recordStart
        self.count = count
        self.line = line
        self.index = index
        self.quote = quote
    }

    /// Calls `body` with the field's bytes, quotes removed and doubled quotes made single.
    @inlinable
    public func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < count, "CSVRecord: field index \(i) out of range 0..<\(count)")
        let fieldStart = spans[2 &* i]
        let endAndFlags = spans[2 &* i &+ 1]
        let fieldEnd = endAndFlags & Self.offsetMask
        if endAndFlags & Self.escapedFlag == 0 {
            return try body(UnsafeBufferPointer(start: base + fieldStart, count: fieldEnd - fieldStart))
        }
        return try withUnescapedField(from: fieldStart, to: fieldEnd, body)
    }

    @usableFromInline
    func withUnescapedField<R>(from: Int, to: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: to - from) { scratch in
            var k = from
            var length = 0
            while k < to {
                let b = base[k]
                scratch[length] = b
                length += 1
                k += b == quote ? 2 : 1
            }
            return try body(UnsafeBufferPointer(rebasing: scratch[..<length]))
        }
    }

    /// Calls `body` with the record as it is in the input: from its first byte to the end of its last
    /// field (a closing quote included), without the line break; fields keep their quotes and doubled quotes.
    @inlinable
    public func withRawBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let last = spans[2 &* (count &- 1) &+ 1]
        let end = (last & Self.offsetMask) &+ (last & Self.quotedFlag != 0 ? 1 : 0)
        return try body(UnsafeBufferPointer(start: base + recordStart, count: end &- recordStart))
    }

    /// The field as a String.
    public func string(_ i: Int) -> String {
        withField(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the field was enclosed in quotes.
    @inlinable
    public func isQuoted(_ i: Int) -> Bool {
        precondition(i >= 0 && i < count, "CSVRecord: field index \(i) out of range 0..<\(count)")
        return spans[2 &* i &+ 1] & Self.quotedFlag != 0
    }

    /// The field as a decimal number (sign, digits, optional point and exponent, spaces around
    /// allowed), exactly as `strtod` reads it; nil when empty or not such a number.
    @inlinable
    public func double(_ i: Int) -> Double? {
        precondition(i >= 0 && i < count, "CSVRecord: field index \(i) out of range 0..<\(count)")
        let fieldStart = spans[2 &* i]
        let fieldEnd = spans[2 &* i &+ 1] & Self.offsetMask
        return DecimalParsing.parseDoublePadded(base + fieldStart, count: fieldEnd - fieldStart)
    }

    /// The 1-based character column where field `i` starts on its line (its opening quote, if quoted).
    public func column(ofField i: Int) -> Int {
        precondition(i >= 0 && i < count, "CSVRecord: field index \(i) out of range 0..<\(count)")
        let offset = isQuoted(i) ? spans[2 * i] - 1 : spans[2 * i]
        return characterColumn(base, offset: offset, lineFloor: recordStart)
    }
}
