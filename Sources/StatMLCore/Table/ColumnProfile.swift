/// Running summary statistics in one pass: count, min, max and a compensated mean.
public struct RunningStatistics: Sendable, Equatable {
    public private(set) var count = 0
    public private(set) var min = Double.infinity
    public private(set) var max = -Double.infinity
    private var sum = 0.0
    private var compensation = 0.0  // Kahan–Babuška–Neumaier summation, so a billion rows keep their digits

    public init() {}

    public mutating func add(_ x: Double) {
        count += 1
        if x < min { min = x }
        if x > max { max = x }
        let t = sum + x
        if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
        sum = t
    }

    public var mean: Double? { count > 0 ? (sum + compensation) / Double(count) : nil }
}

/// What one column of a file holds, gathered one field at a time in constant memory. Every field is
/// tested against each candidate type at once, so that the type is known after a single pass.
public struct ColumnProfile: Sendable {
    public let name: String
    public private(set) var missing = 0
    public private(set) var present = 0

    private var allBoolean = true
    private var allInteger = true
    private var allPointNumber = true
    private var allCommaNumber = true
    private var allDate = true
    private var pointStats = RunningStatistics()
    private var commaStats = RunningStatistics()
    private var earliest: CivilDate?
    private var latest: CivilDate?
    private var maxLength = 0
    private var distinct = Set<Int>()
    /// A JSON value of another kind (array, object, or a mix of numbers and strings) forces `string`.
    private var sawNonScalarJSON = false

    /// Distinct values are counted up to this many, then reported as "more than".
    public static let distinctLimit = 100_000

    public init(name: String) { self.name = name }

    /// Adds one text field (CSV); `syntax` decides what counts as missing.
    public mutating func add(_ field: UnsafeBufferPointer<UInt8>, syntax: ValueSyntax) {
        if syntax.isMissing(field) {
            missing += 1
            return
        }
        present += 1
        noteText(field)
        if allBoolean, ValueSyntax.parseBoolean(field) == nil { allBoolean = false }
        if allInteger, ValueSyntax.parseInteger(field) == nil { allInteger = false }
        if allPointNumber {
            if let x = ValueSyntax.parsePointNumber(field) { pointStats.add(x) } else { allPointNumber = false }
        }
        if allCommaNumber {
            if let x = ValueSyntax.parseCommaNumber(field) { commaStats.add(x) } else { allCommaNumber = false }
        }
        if allDate {
            if let d = ValueSyntax.parseDate(field) { noteDate(d) } else { allDate = false }
        }
    }

    /// Adds one JSON value (JSON Lines): JSON's own types decide, strings may still be dates.
    public mutating func add(_ value: JSONValue?) {
        switch value {
        case nil, .null?:
            missing += 1
        case .bool(let b)?:
            present += 1
            allInteger = false; allPointNumber = false; allCommaNumber = false; allDate = false
            b ? noteText("true") : noteText("false")
        case .number(let x)?:
            present += 1
            allBoolean = false; allCommaNumber = false; allDate = false
            if x.rounded() != x || abs(x) >= 9.0e15 { allInteger = false }
            if allPointNumber { pointStats.add(x) }
            noteText(JSONValue.number(x).serialized())
        case .string(let s)?:
            present += 1
            allBoolean = false; allInteger = false; allPointNumber = false; allCommaNumber = false
            s.withUTF8Buffer { bytes in
                noteText(bytes)
                if allDate {
                    if let d = ValueSyntax.parseDate(bytes) { noteDate(d) } else { allDate = false }
                }
            }
        case .array?, .object?:
            present += 1
            sawNonScalarJSON = true
            allBoolean = false; allInteger = false; allPointNumber = false; allCommaNumber = false; allDate = false
        }
    }

    private mutating func noteText(_ text: String) { text.withUTF8Buffer { noteText($0) } }

    private mutating func noteText(_ field: UnsafeBufferPointer<UInt8>) {
        var length = 0
        for byte in field where byte & 0xC0 != 0x80 { length += 1 }  // characters, not bytes
        if length > maxLength { maxLength = length }
        if distinct.count <= ColumnProfile.distinctLimit {
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(field))
            distinct.insert(hasher.finalize())
        }
    }

    private mutating func noteDate(_ d: CivilDate) {
        if earliest.map({ d < $0 }) ?? true { earliest = d }
        if latest.map({ d > $0 }) ?? true { latest = d }
    }

    /// Whether this column is a number column only when read with a decimal comma.
    public func readsAsCommaNumber(_ decimal: DecimalMark, delimiter: UInt8?) -> Bool {
        guard present > 0, !allInteger else { return false }
        switch decimal {
        case .point: return false
        case .comma: return allCommaNumber
        case .auto: return !allPointNumber && allCommaNumber && delimiter != UInt8(ascii: ",")
        }
    }

    /// The column's type under the given decimal mark (`delimiter` lets `auto` rule out a decimal comma in
    /// comma-separated files, where `"1,500"` is far more often a thousands separator).
    public func inferredType(decimal: DecimalMark, delimiter: UInt8? = nil) -> ColumnType {
        guard present > 0, !sawNonScalarJSON else { return .string }
        if allBoolean { return .boolean }
        if allInteger { return .integer }
        if allPointNumber && decimal != .comma { return .number }
        if readsAsCommaNumber(decimal, delimiter: delimiter) { return .number }
        if allDate { return .date }
        return .string
    }

    public func summary(decimal: DecimalMark, delimiter: UInt8? = nil) -> ColumnSummary {
        let type = inferredType(decimal: decimal, delimiter: delimiter)
        var s = ColumnSummary(name: name, type: type, missing: missing, present: present)
        switch type {
        case .number, .integer:
            let stats = readsAsCommaNumber(decimal, delimiter: delimiter) ? commaStats : pointStats
            if stats.count > 0 {
                s.min = stats.min
                s.mean = stats.mean
                s.max = stats.max
            }
            s.decimalComma = readsAsCommaNumber(decimal, delimiter: delimiter)
        case .date:
            s.earliest = earliest
            s.latest = latest
        case .string, .categorical, .boolean:
            break
        }
        s.distinct = distinct.count
        s.distinctIsLowerBound = distinct.count > ColumnProfile.distinctLimit
        s.maxLength = maxLength
        return s
    }
}

/// The result of profiling one column: what `statml data inspect` prints.
public struct ColumnSummary: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var missing: Int
    public var present: Int
    public var min: Double?
    public var mean: Double?
    public var max: Double?
    public var decimalComma = false
    public var earliest: CivilDate?
    public var latest: CivilDate?
    public var distinct = 0
    public var distinctIsLowerBound = false
    public var maxLength = 0

    public init(name: String, type: ColumnType, missing: Int, present: Int) {
        self.name = name
        self.type = type
        self.missing = missing
        self.present = present
    }
}
