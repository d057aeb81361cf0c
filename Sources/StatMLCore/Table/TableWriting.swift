import Glibc

extension Table {
    /// Writes the table as CSV (missing values as empty fields) or JSON Lines (missing as null).
    /// The file is replaced only when writing has succeeded.
    public func write(path: String, format: TableFormat? = nil, delimiter: UInt8 = UInt8(ascii: ",")) throws {
        switch format ?? TableFormat.detect(path: path) {
        case .csv:
            let writer = try CSVWriter(path: path, delimiter: delimiter, header: columnNames)
            var fields = [String?](repeating: nil, count: columns.count)
            for row in 0..<rowCount {
                for c in columns.indices { fields[c] = columns[c][row]?.description }
                try writer.write(fields)
            }
            try writer.close()
        case .jsonl:
            let writer = try JSONLinesWriter(path: path)
            for row in 0..<rowCount {
                var object = JSONObject()
                for column in columns { object[column.name] = column[row]?.json ?? .null }
                try writer.write(object)
            }
            try writer.close()
        }
    }
}

/// Converts between CSV and JSON Lines in constant memory: one pass learns the column types, a second
/// writes typed values (numbers as JSON numbers, decimal commas as points, missing tokens as empty/null).
public struct TableConversion {
    public var options: TableReadOptions
    public var outputFormat: TableFormat?
    public var outputDelimiter: UInt8

    public init(options: TableReadOptions, outputFormat: TableFormat? = nil, outputDelimiter: UInt8 = UInt8(ascii: ","))
    {
        self.options = options
        self.outputFormat = outputFormat
        self.outputDelimiter = outputDelimiter
    }

    /// Converts `input` ("-" for standard input) to `output` ("-" for standard output); returns the rows written.
    /// With a `progressLabel`, progress is drawn on stderr when it is a terminal.
    @discardableResult
    public func convert(input: String, output: String, progressLabel: String? = nil) throws -> Int {
        if input == "-" {
            // Two passes need the bytes twice: standard input goes to a temporary file first.
            return try StandardInputSpool.with { spooled in
                var conversion = self
                conversion.options.format = options.format ?? TableFormat.sniff(path: spooled)
                return try conversion.convert(input: spooled, output: output, progressLabel: progressLabel)
            }
        }
        var readOptions = options
        readOptions.format = options.resolvedFormat(input)
        let source = input
        let profile = try readOptions.profile(path: source, progressLabel: progressLabel.map { "\($0) (pass 1)" })
        var progress: ProgressReporter?
        let targetFormat = outputFormat ?? (output == "-" ? .jsonl : TableFormat.detect(path: output))
        let sink = try RowSink(path: output, format: targetFormat, delimiter: outputDelimiter, columns: profile.columns)
        var rows = 0
        switch readOptions.resolvedFormat(source) {
        case .csv:
            let reader = try CSVReader(path: source, options: readOptions.csv)
            progress = progressLabel.map {
                ProgressReporter(label: "\($0) (pass 2)", total: reader.sizeInBytes, unit: "B")
            }
            let comma = profile.columns.map(\.decimalComma)
            var cells = [CellValue?](repeating: nil, count: profile.columns.count)
            try reader.forEachRecord { record in
                for i in cells.indices {
                    cells[i] =
                        i < record.count
                        ? try record.withField(i) { bytes in
                            try TableConversion.cell(
                                bytes, type: profile.columns[i].type, commaDecimal: comma[i],
                                syntax: readOptions.syntax,
                                at: .init(file: reader.name, line: record.line, column: record.column(ofField: i)),
                                column: profile.columns[i].name)
                        } : nil
                }
                try sink.write(cells)
                rows += 1
                if rows & 0x3FFF == 0 { progress?.set(completed: reader.bytesRead) }
            }
        case .jsonl:
            let reader = try JSONLinesReader(path: source)
            progress = progressLabel.map {
                ProgressReporter(label: "\($0) (pass 2)", total: reader.sizeInBytes, unit: "B")
            }
            var cells = [CellValue?](repeating: nil, count: profile.columns.count)
            try reader.forEachObject { object, line in
                for (i, column) in profile.columns.enumerated() {
                    cells[i] = try TableConversion.cell(
                        object[column.name], type: column.type, syntax: readOptions.syntax,
                        at: .init(file: input, line: line), column: column.name)
                }
                try sink.write(cells)
                rows += 1
                if rows & 0x3FFF == 0 { progress?.set(completed: reader.bytesRead) }
            }
        }
        try sink.close()
        progress?.finish()
        return rows
    }

    static func cell(
        _ bytes: UnsafeBufferPointer<UInt8>, type: ColumnType, commaDecimal: Bool, syntax: ValueSyntax,
        at location: StatMLError.Location, column: String
    ) throws -> CellValue? {
        if syntax.isMissing(bytes) { return nil }
        let value: CellValue?
        switch type {
        case .number:
            value = (commaDecimal ? ValueSyntax.parseCommaNumber(bytes) : ValueSyntax.parsePointNumber(bytes)).map(
                CellValue.number)
        case .integer: value = ValueSyntax.parseInteger(bytes).map(CellValue.integer)
        case .boolean: value = ValueSyntax.parseBoolean(bytes).map(CellValue.boolean)
        case .date: value = ValueSyntax.parseDate(bytes).map(CellValue.date)
        case .string, .categorical: value = .string(String(decoding: bytes, as: UTF8.self))
        }
        guard let value else {
            throw StatMLError.invalidInput(
                "column '\(column)': expected \(type.article) \(type.rawValue), found \"\(String(decoding: bytes, as: UTF8.self))\"",
                at: location)
        }
        return value
    }

    static func cell(
        _ json: JSONValue?, type: ColumnType, syntax: ValueSyntax, at location: StatMLError.Location, column: String
    ) throws -> CellValue? {
        switch json {
        case nil, .null?: return nil
        case .number(let x)?:
            return type == .integer ? .integer(Int(x)) : type == .string ? .string(CellValue.format(x)) : .number(x)
        case .bool(let b)?: return type == .boolean ? .boolean(b) : .string(b ? "true" : "false")
        case .string(let s)?:
            if type == .date, let d = s.withUTF8Buffer(ValueSyntax.parseDate) { return .date(d) }
            return .string(s)
        case let other?: return .string(other.serialized())
        }
    }
}

/// Rows of typed cells going out as CSV or JSON Lines.
final class RowSink {
    private let csv: CSVWriter?
    private let jsonl: JSONLinesWriter?
    private let names: [String]
    private var texts: [String?]

    init(path: String, format: TableFormat, delimiter: UInt8, columns: [ColumnSummary]) throws {
        names = columns.map(\.name)
        texts = [String?](repeating: nil, count: names.count)
        switch format {
        case .csv:
            csv = try CSVWriter(path: path, delimiter: delimiter, header: names)
            jsonl = nil
        case .jsonl:
            csv = nil
            jsonl = try JSONLinesWriter(path: path)
        }
    }

    func write(_ cells: [CellValue?]) throws {
        if let csv {
            for i in cells.indices { texts[i] = cells[i]?.description }
            try csv.write(texts)
        } else if let jsonl {
            var object = JSONObject()
            for i in cells.indices { object[names[i]] = cells[i]?.json ?? .null }
            try jsonl.write(object)
        }
    }

    func close() throws {
        try csv?.close()
        try jsonl?.close()
    }
}
