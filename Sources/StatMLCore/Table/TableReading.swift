extension Table {
    /// Reads a whole CSV or JSON Lines file into memory, inferring each column's type (or using the
    /// schema's). For files too large for memory, stream with `CSVReader` / `JSONLinesReader` instead.
    public static func read(path: String, options: TableReadOptions = TableReadOptions()) throws -> Table {
        if path == "-" && options.format == nil {
            return try StandardInputSpool.with { spooled in
                var sniffed = options
                sniffed.format = TableFormat.sniff(path: spooled)
                return try read(path: spooled, options: sniffed)
            }
        }
        switch options.resolvedFormat(path) {
        case .csv: return try readCSV(path: path, options: options)
        case .jsonl: return try readJSONLines(path: path, options: options)
        }
    }

    private static func readCSV(path: String, options: TableReadOptions) throws -> Table {
        let reader = try CSVReader(path: path, options: options.csv)
        let header = reader.header
        let declared = try options.schemaChecks(header: header, file: reader.name)
        var raw = [[String?]](repeating: [], count: header.count)
        var profiles = header.map { ColumnProfile(name: $0) }
        var lines: [Int] = []
        try reader.forEachRecord { record in
            lines.append(record.line)
            for i in 0..<header.count {
                guard i < record.count else {
                    raw[i].append(nil)
                    profiles[i].add(UnsafeBufferPointer(start: nil, count: 0), syntax: options.syntax)
                    continue
                }
                try record.withField(i) { bytes in
                    profiles[i].add(bytes, syntax: options.syntax)
                    if let type = declared[i] {
                        try options.check(
                            bytes, as: type, column: header[i], record: record, field: i, file: reader.name)
                    }
                    raw[i].append(options.syntax.isMissing(bytes) ? nil : String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        var columns: [Column] = []
        for i in header.indices {
            let type =
                declared[i] ?? profiles[i].inferredType(decimal: options.syntax.decimal, delimiter: reader.delimiter)
            let comma = profiles[i].readsAsCommaNumber(options.syntax.decimal, delimiter: reader.delimiter)
            columns.append(
                try typedColumn(
                    name: header[i], texts: raw[i], type: type, commaDecimal: comma,
                    where: { row in .init(file: reader.name, line: lines[row]) }))
            raw[i] = []
        }
        return try Table(columns: columns)
    }

    /// Converts texts (already stripped of missing tokens) to a column of `type`.
    static func typedColumn(
        name: String, texts: [String?], type: ColumnType, commaDecimal: Bool,
        where location: (Int) -> StatMLError.Location
    ) throws -> Column {
        func convert<T>(_ parse: (UnsafeBufferPointer<UInt8>) -> T?) throws -> [T?] {
            var out: [T?] = []
            out.reserveCapacity(texts.count)
            for (row, text) in texts.enumerated() {
                guard let text else {
                    out.append(nil)
                    continue
                }
                guard let value = text.withUTF8Buffer(parse) else {
                    throw StatMLError.invalidInput(
                        "column '\(name)': expected \(type.article) \(type.rawValue), found \"\(text)\"",
                        at: location(row))
                }
                out.append(value)
            }
            return out
        }
        switch type {
        case .number:
            return Column(
                name: name,
                data: .number(try convert(commaDecimal ? ValueSyntax.parseCommaNumber : ValueSyntax.parsePointNumber)))
        case .integer: return Column(name: name, data: .integer(try convert(ValueSyntax.parseInteger)))
        case .boolean: return Column(name: name, data: .boolean(try convert(ValueSyntax.parseBoolean)))
        case .date: return Column(name: name, data: .date(try convert(ValueSyntax.parseDate)))
        case .string: return Column(name: name, data: .string(texts))
        case .categorical: return Column(name: name, data: .string(texts)).categorical()
        }
    }

    private static func readJSONLines(path: String, options: TableReadOptions) throws -> Table {
        let reader = try JSONLinesReader(path: path)
        var names: [String] = []
        var position: [String: Int] = [:]
        var cells: [[JSONValue?]] = []
        var profiles: [ColumnProfile] = []
        var lines: [Int] = []
        try reader.forEachObject { object, line in
            for (key, _) in object where position[key] == nil {
                position[key] = names.count
                names.append(key)
                cells.append([JSONValue?](repeating: nil, count: lines.count))
                var p = ColumnProfile(name: key)
                for _ in 0..<lines.count { p.add(nil) }
                profiles.append(p)
            }
            lines.append(line)
            for i in names.indices {
                let value = object[names[i]]
                cells[i].append(value)
                profiles[i].add(value)
            }
        }
        for name in options.schema.keys where position[name] == nil {
            throw Table.unknownColumn(name, in: names, file: path)
        }
        var columns: [Column] = []
        for i in names.indices {
            let type = options.schema[names[i]] ?? profiles[i].inferredType(decimal: .point)
            let location = { (row: Int) in StatMLError.Location(file: path, line: lines[row]) }
            let numeric = type == .number || type == .integer
            // JSON's own nulls are missing; in number columns so are the text tokens some exporters write ("NA").
            let texts: [String?] = cells[i].map { value in
                switch value {
                case nil, .null?: return nil
                case .string(let s)?: return numeric && options.syntax.isMissing(s) ? nil : s
                case .bool(let b)?: return b ? "true" : "false"
                case .number(let x)?: return CellValue.format(x)
                case let other?: return other.serialized()
                }
            }
            columns.append(
                try typedColumn(name: names[i], texts: texts, type: type, commaDecimal: false, where: location))
        }
        return try Table(columns: columns)
    }
}
