import Glibc

/// The file formats tables are read from and written to.
public enum TableFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl

    /// From the file name: `.jsonl`/`.ndjson` are JSON Lines, anything else CSV.
    public static func detect(path: String) -> TableFormat {
        let lower = path.lowercased()
        return lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonl : .csv
    }

    /// From the content: JSON Lines when the first thing after white space (and a BOM) is `{`.
    public static func sniff(path: String) -> TableFormat {
        guard let file = fopen(path, "rb") else { return detect(path: path) }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count, file)
        var i = n >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
        while i < n, buffer[i] == 0x20 || buffer[i] == 0x09 || buffer[i] == 0x0A || buffer[i] == 0x0D { i += 1 }
        return i < n && buffer[i] == UInt8(ascii: "{") ? .jsonl : .csv
    }
}

/// Standard input copied to a temporary file, for work that reads its input twice or looks before it
/// reads. Errors that point into the copy are made to point at `<stdin>`.
enum StandardInputSpool {
    static func with<R>(_ body: (String) throws -> R) throws -> R {
        let path = try spool()
        defer { unlink(path) }
        do {
            return try body(path)
        } catch var error as StatMLError {
            if error.location?.file == path { error.location?.file = "<stdin>" }
            error.message = error.message.replacing(path, with: "<stdin>")
            throw error
        }
    }

    static func spool() throws -> String {
        var template = Array("/tmp/statml-stdin-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw StatMLError.io("cannot create a temporary file for standard input") }
        defer { close(fd) }
        let path = String(cString: template)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 && errno == EINTR { continue }
            var written = 0
            while n > 0 && written < n {
                let w = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { break }
                written += w
            }
            guard n > 0, written == n else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw StatMLError.io("cannot copy standard input to a temporary file: \(reason)")
            }
        }
        return path
    }
}

/// How to read a table file: its format, CSV dialect, what a field means, and optionally a schema.
public struct TableReadOptions: Sendable {
    /// nil: from the file name.
    public var format: TableFormat?
    public var csv: CSVOptions
    public var syntax: ValueSyntax
    /// Types the user insists on; a field that does not fit is an error naming file, line and column.
    public var schema: [String: ColumnType]

    public init(
        format: TableFormat? = nil, csv: CSVOptions = CSVOptions(), syntax: ValueSyntax = ValueSyntax(),
        schema: [String: ColumnType] = [:]
    ) {
        self.format = format
        self.csv = csv
        self.syntax = syntax
        self.schema = schema
    }

    func resolvedFormat(_ path: String) -> TableFormat { format ?? TableFormat.detect(path: path) }
}

/// What one streaming pass over a file found: its shape and each column's summary.
public struct FileProfile: Sendable {
    public var path: String
    public var format: TableFormat
    public var rows: Int
    /// The CSV delimiter (nil for JSON Lines).
    public var delimiter: UInt8?
    public var hadByteOrderMark: Bool
    public var columns: [ColumnSummary]
}

extension TableReadOptions {
    /// Reads a file once, in constant memory, and summarises every column (type, missing values, ranges).
    /// With a schema, a field that does not fit its declared type is an error naming file, line and column.
    /// With a `progressLabel`, progress through the file is drawn on stderr when it is a terminal.
    public func profile(path: String, progressLabel: String? = nil) throws -> FileProfile {
        if path == "-" && format == nil {
            return try StandardInputSpool.with { spooled in
                var options = self
                options.format = TableFormat.sniff(path: spooled)
                var profile = try options.profile(path: spooled, progressLabel: progressLabel)
                profile.path = "-"
                return profile
            }
        }
        switch resolvedFormat(path) {
        case .csv:
            let reader = try CSVReader(path: path, options: csv)
            let progress = progressLabel.map { ProgressReporter(label: $0, total: reader.sizeInBytes, unit: "B") }
            var profiles = reader.header.map { ColumnProfile(name: $0) }
            let checks = try schemaChecks(header: reader.header, file: reader.name)
            var rows = 0
            try reader.forEachRecord { record in
                for i in 0..<min(record.count, profiles.count) {
                    try record.withField(i) { bytes in
                        profiles[i].add(bytes, syntax: syntax)
                        if let type = checks[i] {
                            try check(
                                bytes, as: type, column: reader.header[i], record: record, field: i, file: reader.name)
                        }
                    }
                }
                rows += 1
                if rows & 0x3FFF == 0 { progress?.set(completed: reader.bytesRead) }
            }
            progress?.finish()
            let delimiter = reader.delimiter
            return FileProfile(
                path: path, format: .csv, rows: rows, delimiter: delimiter, hadByteOrderMark: reader.hadByteOrderMark,
                columns: profiles.enumerated().map { i, p in
                    summary(p, declared: checks[i], delimiter: delimiter)
                })
        case .jsonl:
            let reader = try JSONLinesReader(path: path)
            let progress = progressLabel.map { ProgressReporter(label: $0, total: reader.sizeInBytes, unit: "B") }
            var profiles: [ColumnProfile] = []
            var position: [String: Int] = [:]
            var rows = 0
            try reader.forEachObject { object, _ in
                for (key, _) in object where position[key] == nil {
                    position[key] = profiles.count
                    var p = ColumnProfile(name: key)
                    for _ in 0..<rows { p.add(nil) }  // the rows before the key first appeared lack it
                    profiles.append(p)
                }
                for i in profiles.indices { profiles[i].add(object[profiles[i].name]) }
                rows += 1
                if rows & 0x3FFF == 0 { progress?.set(completed: reader.bytesRead) }
            }
            progress?.finish()
            return FileProfile(
                path: path, format: .jsonl, rows: rows, delimiter: nil, hadByteOrderMark: false,
                columns: profiles.map { summary($0, declared: schema[$0.name], delimiter: nil) })
        }
    }

    private func summary(_ profile: ColumnProfile, declared: ColumnType?, delimiter: UInt8?) -> ColumnSummary {
        var s = profile.summary(decimal: syntax.decimal, delimiter: delimiter)
        if let declared { s.type = declared }
        return s
    }

    /// The declared type of each CSV column (by position), after checking every schema name exists.
    func schemaChecks(header: [String], file: String) throws -> [ColumnType?] {
        for name in schema.keys where !header.contains(name) {
            throw Table.unknownColumn(name, in: header, file: file)
        }
        return header.map { schema[$0] }
    }

    /// Throws when a (non-missing) field does not read as `type`.
    func check(
        _ bytes: UnsafeBufferPointer<UInt8>, as type: ColumnType, column: String, record: CSVRecord, field: Int,
        file: String
    ) throws {
        guard !syntax.isMissing(bytes), !fits(bytes, type) else { return }
        throw StatMLError.invalidInput(
            "column '\(column)': expected \(type.article) \(type.rawValue), found \"\(String(decoding: bytes, as: UTF8.self))\"",
            at: .init(file: file, line: record.line, column: record.column(ofField: field)))
    }

    func fits(_ bytes: UnsafeBufferPointer<UInt8>, _ type: ColumnType) -> Bool {
        switch type {
        case .string, .categorical: return true
        case .integer: return ValueSyntax.parseInteger(bytes) != nil
        case .boolean: return ValueSyntax.parseBoolean(bytes) != nil
        case .date: return ValueSyntax.parseDate(bytes) != nil
        case .number:
            switch syntax.decimal {
            case .point: return ValueSyntax.parsePointNumber(bytes) != nil
            case .comma: return ValueSyntax.parseCommaNumber(bytes) != nil
            case .auto: return ValueSyntax.parsePointNumber(bytes) != nil || ValueSyntax.parseCommaNumber(bytes) != nil
            }
        }
    }
}

extension ColumnType {
    var article: String { self == .integer ? "an" : "a" }
}
