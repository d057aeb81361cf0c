/// A table of named, typed columns of equal length: what a CSV or JSON Lines file becomes in memory.
public struct Table: Sendable, Equatable {
    public private(set) var columns: [Column]
    public private(set) var rowCount: Int

    public init(columns: [Column]) throws {
        var seen = Set<String>()
        for column in columns where !seen.insert(column.name).inserted {
            throw StatMLError.invalidInput("two columns are named '\(column.name)'")
        }
        let counts = Set(columns.map(\.count))
        guard counts.count <= 1 else {
            throw StatMLError.invalidInput(
                "columns differ in length: " + columns.map { "\($0.name) (\($0.count))" }.joined(separator: ", "))
        }
        self.columns = columns
        self.rowCount = counts.first ?? 0
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// The position of a column; an unknown name is an error that lists the columns and the likely typo.
    public func columnIndex(named name: String) throws -> Int {
        guard let index = columns.firstIndex(where: { $0.name == name }) else {
            throw Table.unknownColumn(name, in: columnNames)
        }
        return index
    }

    public func column(named name: String) throws -> Column { columns[try columnIndex(named: name)] }

    /// A table of just these columns, in this order.
    public func selecting(_ names: [String]) throws -> Table {
        try Table(columns: names.map { try column(named: $0) })
    }

    public subscript(row: Int, column: Int) -> CellValue? { columns[column][row] }

    /// Replaces (or appends) a column of the same length.
    public mutating func setColumn(_ column: Column) throws {
        guard columns.isEmpty || column.count == rowCount else {
            throw StatMLError.invalidInput("column '\(column.name)' has \(column.count) rows, the table \(rowCount)")
        }
        if let i = columns.firstIndex(where: { $0.name == column.name }) {
            columns[i] = column
        } else {
            columns.append(column)
        }
        rowCount = column.count
    }

    public static func unknownColumn(_ name: String, in names: [String], file: String? = nil) -> StatMLError {
        let place = file.map { " in \($0)" } ?? ""
        return StatMLError.notFound(
            "no column named '\(name)'\(place)\(Suggestions.didYouMean(name, in: names)); columns are: "
                + names.joined(separator: ", "))
    }
}
