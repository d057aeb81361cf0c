/// Writes RFC 4180 CSV: fields separated by the delimiter, lines ended by LF, a field quoted only
/// when it must be (it holds the delimiter, a quote, CR or LF, or starts or ends with a space or
/// tab), quotes inside doubled.
///
/// A row of one empty field is written `""`, because an empty line would be read back as a blank
/// line and skipped. Writing to a path replaces the file only when `close()` succeeds (see
/// `ByteSink`).
public final class CSVWriter {
    private let sink: ByteSink
    private let delimiter: UInt8
    private let quote = UInt8(ascii: "\"")
    private let width: Int?

    /// - Parameters:
    ///   - path: the file to write, or "-" for standard output.
    ///   - header: the column names written first; when given, every row must have as many fields.
    public init(path: String, delimiter: UInt8 = UInt8(ascii: ","), header: [String]?) throws {
        if delimiter >= 0x80 || delimiter == 0x0A || delimiter == 0x0D || delimiter == UInt8(ascii: "\"") {
            throw StatMLError.usage("the CSV delimiter must be an ASCII character other than the quote and line breaks")
        }
        self.delimiter = delimiter
        self.width = header?.count
        sink = try ByteSink(path: path)
        if let header { try writeRow(header.map { Optional($0) }) }
    }

    /// Writes one row; nil is an empty field.
    public func write(_ fields: [String?]) throws {
        if let width, fields.count != width {
            throw StatMLError.invalidInput(
                "cannot write a row of \(fields.count) fields to \(sink.name): the header has \(width)")
        }
        try writeRow(fields)
    }

    /// Writes one row already encoded: `fieldCount` fields encoded by `encodeField`, separated by the
    /// delimiter, without the line end. A file copied through keeps its columns as bytes, without a
    /// String per field.
    public func write(encodedRow row: UnsafeBufferPointer<UInt8>, fieldCount: Int) throws {
        if let width, fieldCount != width {
            throw StatMLError.invalidInput(
                "cannot write a row of \(fieldCount) fields to \(sink.name): the header has \(width)")
        }
        if fieldCount == 1 && row.isEmpty { return try writeRow([nil]) }
        if let base = row.baseAddress, !row.isEmpty { try sink.write(base, count: row.count) }
        try sink.write(byte: 0x0A)
    }

    /// Appends `bytes` to `out` as `write` writes a field with the delimiter `delimiter`: quoted only
    /// when it must be, quotes inside doubled. Empty bytes append nothing.
    public static func encodeField(
        _ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8 = UInt8(ascii: ","), into out: inout [UInt8]
    ) {
        guard !bytes.isEmpty else { return }
        let quote = UInt8(ascii: "\"")
        guard needsQuotes(bytes, delimiter: delimiter) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(quote)
        for b in bytes {
            out.append(b)
            if b == quote { out.append(quote) }
        }
        out.append(quote)
    }

    /// Whether a field must be quoted: it holds the delimiter, a quote, CR or LF, or starts or ends
    /// with a space or tab.
    static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Bool {
        let first = bytes[0]
        let last = bytes[bytes.count - 1]
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        for b in bytes where b == delimiter || b == UInt8(ascii: "\"") || b == 0x0A || b == 0x0D { return true }
        return false
    }

    public func flush() throws { try sink.flush() }

    /// Finishes the file: flushes and, for a path, moves it into place.
    public func close() throws { try sink.close() }

    private func writeRow(_ fields: [String?]) throws {
        if fields.count == 1, fields[0]?.isEmpty ?? true {
            try sink.write(byte: quote)
            try sink.write(byte: quote)
            try sink.write(byte: 0x0A)
            return
        }
        for (i, field) in fields.enumerated() {
            if i > 0 { try sink.write(byte: delimiter) }
            guard var text = field, !text.isEmpty else { continue }
            try text.withUTF8 { try writeField($0) }
        }
        try sink.write(byte: 0x0A)
    }

    private func writeField(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard Self.needsQuotes(bytes, delimiter: delimiter) else {
            try sink.write(bytes.baseAddress!, count: bytes.count)
            return
        }
        try sink.write(byte: quote)
        var runStart = 0
        for (k, b) in bytes.enumerated() where b == quote {
            // Write up to and including the quote, then the quote once more.
            try sink.write(bytes.baseAddress! + runStart, count: k + 1 - runStart)
            try sink.write(byte: quote)
            runStart = k + 1
        }
        try sink.write(bytes.baseAddress! + runStart, count: bytes.count - runStart)
        try sink.write(byte: quote)
    }
}
