import Glibc

/// Streams a JSON Lines file (one JSON object per line) in constant memory: one 1 MiB buffer,
/// grown only while a single line is longer than that.
///
/// Lines end with LF (a CR before it is dropped). Blank lines, and lines of only spaces and tabs,
/// are skipped. A leading UTF-8 byte order mark is ignored. A line that is not a JSON object is an
/// error naming the file, the line, and the column inside it.
public final class JSONLinesReader {
    /// The file name used in error locations ("<stdin>" for "-").
    public let name: String
    private let input: InputFile?

    /// How far reading has got, in bytes of input, and the input's size when known (regular files):
    /// for progress bars.
    public var bytesRead: Int { input?.bytesRead ?? 0 }
    public var sizeInBytes: Int? { input?.size }
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let standardCapacity: Int
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    private var line = 1
    private var isFirstChunk = true

    /// Reads a file, or standard input for "-".
    public convenience init(path: String) throws {
        try self.init(path: path, bufferCapacity: 1 << 20)
    }

    /// Reads with a given buffer size: tests and fuzzers use a tiny one to put lines across refills.
    @_spi(Testing)
    public init(path: String, bufferCapacity: Int) throws {
        let input = try InputFile(path: path)
        self.input = input
        name = input.name
        standardCapacity = max(bufferCapacity, 1)
        capacity = standardCapacity
        buffer = .allocate(capacity: capacity)
    }

    /// Reads JSON Lines from memory.
    public init(bytes: [UInt8], name: String = "<memory>") {
        input = nil
        self.name = name
        standardCapacity = max(bytes.count, 1)
        capacity = standardCapacity
        buffer = .allocate(capacity: capacity)
        bytes.withUnsafeBufferPointer { source in
            if let from = source.baseAddress { buffer.update(from: from, count: source.count) }
        }
        end = bytes.count
        atEndOfFile = true
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with each object and the 1-based line it is on.
    public func forEachObject(_ body: (JSONObject, Int) throws -> Void) throws {
        var scanFrom = start
        while true {
            if isFirstChunk {
                if end - start < 3 && !atEndOfFile {
                    try refill()
                    scanFrom = start
                    continue
                }
                isFirstChunk = false
                if end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF {
                    start += 3
                    scanFrom = start
                }
            }
            let newline = memchr(buffer + scanFrom, 0x0A, end - scanFrom)
            let lineEnd: Int
            if let newline {
                lineEnd = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            } else if atEndOfFile {
                if start == end { return }
                lineEnd = end
            } else {
                scanFrom = end - start
                try refill()
                scanFrom += start
                continue
            }
            let lineNumber = line
            let lineStart = start
            start = min(lineEnd + 1, end)
            scanFrom = start
            line += 1
            var contentEnd = lineEnd
            if contentEnd > lineStart && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            var first = lineStart
            while first < contentEnd && (buffer[first] == 0x20 || buffer[first] == 0x09) { first += 1 }
            if first == contentEnd { continue }
            let text = UnsafeBufferPointer(start: buffer + lineStart, count: contentEnd - lineStart)
            let value = try JSONValue.parse(text, name: name, line: lineNumber)
            guard case .object(let object) = value else {
                let column = characterColumn(buffer, offset: first, lineFloor: lineStart)
                throw StatMLError.invalidInput(
                    "expected a JSON object on each line, found \(Self.kind(value))",
                    at: .init(file: name, line: lineNumber, column: column))
            }
            try body(object, lineNumber)
        }
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Keeps the unfinished line, moved to the front, and reads more after it.
    private func refill() throws {
        guard let input else { preconditionFailure("JSONLinesReader: refill at end of input") }
        atEndOfFile = try input.refill(
            &buffer, capacity: &capacity, start: &start, end: &end, standardCapacity: standardCapacity,
            allocate: { UnsafeMutablePointer<UInt8>.allocate(capacity: $0) })
    }
}

/// Writes one compact JSON object per line. Writing to a path replaces the file only when
/// `close()` succeeds (see `ByteSink`).
public final class JSONLinesWriter {
    private let sink: ByteSink
    private var scratch: [UInt8] = []

    /// - Parameter path: the file to write, or "-" for standard output.
    public init(path: String) throws {
        sink = try ByteSink(path: path)
    }

    public func write(_ object: JSONObject) throws {
        scratch.removeAll(keepingCapacity: true)
        JSONValue.writeObject(object, to: &scratch, pretty: false, indent: 0)
        scratch.append(0x0A)
        try sink.write(scratch)
    }

    public func flush() throws { try sink.flush() }

    /// Finishes the file: flushes and, for a path, moves it into place.
    public func close() throws { try sink.close() }
}
