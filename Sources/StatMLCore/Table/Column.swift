/// One typed column of a table. Missing values are `nil` (or code -1 for categorical).
public enum ColumnData: Sendable, Equatable {
    case number([Double?])
    case integer([Int?])
    case string([String?])
    case boolean([Bool?])
    case date([CivilDate?])
    /// Levels in sorted order (as R's `factor`), and each row's index into them; -1 is missing.
    case categorical(levels: [String], codes: [Int32])
}

/// One value of a table cell, whatever its column type.
public enum CellValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case string(String)
    case boolean(Bool)
    case date(CivilDate)

    /// The value as text, the way StatML writes it to CSV.
    public var description: String {
        switch self {
        case .number(let x): return CellValue.format(x)
        case .integer(let i): return String(i)
        case .string(let s): return s
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        }
    }

    /// Shortest text that reads back as the same double; whole numbers without ".0".
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Inf" : "Inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        // (`description` makes the one small String; an interpolation builds a buffer around it first.)
        return x.description
    }

    public var json: JSONValue {
        switch self {
        case .number(let x): return .number(x)
        case .integer(let i): return .number(Double(i))
        case .string(let s): return .string(s)
        case .boolean(let b): return .bool(b)
        case .date(let d): return .string(d.description)
        }
    }
}

public struct Column: Sendable, Equatable {
    public var name: String
    public var data: ColumnData

    public init(name: String, data: ColumnData) {
        self.name = name
        self.data = data
    }

    public var type: ColumnType {
        switch data {
        case .number: return .number
        case .integer: return .integer
        case .string: return .string
        case .boolean: return .boolean
        case .date: return .date
        case .categorical: return .categorical
        }
    }

    public var count: Int {
        switch data {
        case .number(let v): return v.count
        case .integer(let v): return v.count
        case .string(let v): return v.count
        case .boolean(let v): return v.count
        case .date(let v): return v.count
        case .categorical(_, let codes): return codes.count
        }
    }

    public var missingCount: Int {
        (0..<count).reduce(0) { $0 + (self[$1] == nil ? 1 : 0) }
    }

    public subscript(row: Int) -> CellValue? {
        switch data {
        case .number(let v): return v[row].map(CellValue.number)
        case .integer(let v): return v[row].map(CellValue.integer)
        case .string(let v): return v[row].map(CellValue.string)
        case .boolean(let v): return v[row].map(CellValue.boolean)
        case .date(let v): return v[row].map(CellValue.date)
        case .categorical(let levels, let codes): return codes[row] < 0 ? nil : .string(levels[Int(codes[row])])
        }
    }

    /// The numbers of a number or integer column (missing as nil); nil for other types.
    public var doubles: [Double?]? {
        switch data {
        case .number(let v): return v
        case .integer(let v): return v.map { $0.map(Double.init) }
        default: return nil
        }
    }

    /// Every value as text (nil when missing): the form string-based models want.
    public var strings: [String?] { (0..<count).map { self[$0]?.description } }

    /// The same values as a categorical column with sorted levels.
    public func categorical() -> Column {
        let texts = strings
        let levels = Array(Set(texts.compactMap { $0 })).sorted()
        var index: [String: Int32] = [:]
        for (i, level) in levels.enumerated() { index[level] = Int32(i) }
        return Column(name: name, data: .categorical(levels: levels, codes: texts.map { $0.map { index[$0]! } ?? -1 }))
    }
}
