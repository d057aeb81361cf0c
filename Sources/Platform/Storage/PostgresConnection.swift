import CPostgreSQL
import StatMLCore

/// A PostgreSQL database through libpq, for a service with several server processes or hosts.
///
/// Statements use the same `?` placeholders as SQLite and are rewritten to `$1…$n`; parameters are sent
/// separately from the SQL (PQexecParams), blobs in binary so any byte survives.
final class PostgresConnection: SQLConnection {
    let dialect = SQLDialect.postgres
    /// The URL with any password removed, for messages.
    let displayURL: String
    private let connection: OpaquePointer

    init(url: String) throws {
        displayURL = StoreLocation.redacted(url)
        guard let handle = PQconnectdb(url) else {
            throw StatMLError(.library, "cannot connect to PostgreSQL at \(displayURL): libpq is out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(handle))
            PQfinish(handle)
            throw StatMLError(.library, "cannot connect to PostgreSQL at \(displayURL): \(message)")
        }
        connection = handle
        // libpq prints NOTICEs ("relation already exists, skipping") to stderr by default; a library
        // must not write to its host's terminal.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit {
        PQfinish(connection)
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        let rows = PQntuples(result)
        let columns = PQnfields(result)
        let types = (0..<columns).map { PQftype(result, $0) }
        return (0..<rows).map { row in
            SQLRow(values: (0..<columns).map { Self.value(result, row, $0, type: types[Int($0)]) })
        }
    }

    func begin(_ durability: CommitDurability) throws {
        try execute(dialect.beginTransaction, [])
        guard durability == .log else { return }
        do {
            // LOCAL: this transaction only; the connection's later transactions are synchronous again.
            try execute("SET LOCAL synchronous_commit TO off", [])
        } catch {
            _ = try? execute("ROLLBACK", [])
            throw error
        }
    }

    func executeScript(_ sql: String) throws {
        try ensureConnected()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result)
    }

    private func run(_ sql: String, _ parameters: [SQLValue]) throws -> OpaquePointer {
        try ensureConnected()
        let statement = Self.numberPlaceholders(sql)
        var types: [Oid] = []
        var formats: [Int32] = []
        var lengths: [Int32] = []
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        defer { buffers.forEach { $0?.deallocate() } }
        for value in parameters {
            let (type, bytes, binary) = Self.encode(value)
            guard (bytes?.count ?? 0) < Int32.max else {
                throw StatMLError.invalidInput(
                    "a value of \(bytes?.count ?? 0) bytes is too large to send to PostgreSQL (at most 2 GiB)")
            }
            types.append(type)
            formats.append(binary ? 1 : 0)
            lengths.append(Int32(bytes?.count ?? 0))
            buffers.append(
                bytes.map { bytes in
                    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                    bytes.withUnsafeBufferPointer { source in
                        source.withMemoryRebound(to: CChar.self) {
                            buffer.initialize(from: $0.baseAddress!, count: bytes.count)
                        }
                    }
                    buffer[bytes.count] = 0
                    return buffer
                })
        }
        let result = buffers.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(
                    connection, statement, Int32(parameters.count), types, values.baseAddress, lengths, formats, 0)
            }
        }
        try check(result)
        guard let result else { throw StatMLError(.library, "PostgreSQL at \(displayURL): libpq is out of memory") }
        return result
    }

    /// A connection dropped by a server restart is re-established once before the next statement,
    /// so a long-running service recovers without being restarted itself.
    private func ensureConnected() throws {
        guard PQstatus(connection) != CONNECTION_OK else { return }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw StatMLError(
                .library,
                "lost the connection to PostgreSQL at \(displayURL): \(Self.trimmed(PQerrorMessage(connection)))")
        }
    }

    private func check(_ result: OpaquePointer?) throws {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK, status != PGRES_EMPTY_QUERY else { return }
        let message = result.map { Self.trimmed(PQresultErrorMessage($0)) } ?? ""
        let sqlState = result.flatMap { PQresultErrorField($0, Self.sqlStateField) }.map { String(cString: $0) }
        throw StatMLError(
            .library,
            "PostgreSQL at \(displayURL): \(message.isEmpty ? Self.trimmed(PQerrorMessage(connection)) : message)",
            underlying: SQLFailure(kind: sqlState == "23505" ? .uniqueViolation : .other))
    }

    /// PG_DIAG_SQLSTATE is the character 'C', a macro Swift does not import.
    private static let sqlStateField = Int32(UInt8(ascii: "C"))

    /// Parameter type OIDs (pg_type.dat): int8, float8, text, bytea; 0 lets the server infer NULL's type.
    private static func encode(_ value: SQLValue) -> (type: Oid, bytes: [UInt8]?, binary: Bool) {
        switch value {
        case .null: return (0, nil, false)
        case .integer(let v): return (20, Array(String(v).utf8), false)
        case .real(let v): return (701, Array(realText(v).utf8), false)
        case .text(let v): return (25, Array(v.utf8), false)
        case .blob(let v): return (17, v, true)
        }
    }

    /// Swift prints the shortest digits that read back to the same Double; PostgreSQL spells the
    /// non-finite values its own way.
    private static func realText(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        return "\(v)"
    }

    /// Result values arrive in text format and are typed by their column's OID: int2/int4/int8 and
    /// bool as integers, float4/float8 as reals, bytea decoded from its hex form, anything else as text.
    private static func value(_ result: OpaquePointer, _ row: Int32, _ column: Int32, type: Oid) -> SQLValue {
        if PQgetisnull(result, row, column) != 0 { return .null }
        let count = Int(PQgetlength(result, row, column))
        let bytes = PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: count) {
            UnsafeBufferPointer(start: $0, count: count)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        switch type {
        case 20, 21, 23: return Int64(text).map { .integer($0) } ?? .text(text)
        case 16: return .integer(text == "t" ? 1 : 0)
        case 700, 701: return Double(text).map { .real($0) } ?? .text(text)
        case 17: return decodeHex(bytes).map { .blob($0) } ?? .text(text)
        default: return .text(text)
        }
    }

    /// bytea's text output `\x0a1b…` (the default `bytea_output = hex`).
    private static func decodeHex(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0
        else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count - 2) / 2)
        var i = 2
        while i < bytes.count {
            guard let high = nibble(bytes[i]), let low = nibble(bytes[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    /// `?` → `$1, $2, …` outside single-quoted literals, double-quoted identifiers and `--` comments,
    /// so one SQL text serves both back-ends.
    static func numberPlaceholders(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var number = 0
        var quote: Character?
        var inComment = false
        var previous: Character?
        for c in sql {
            if inComment {
                if c == "\n" { inComment = false }
            } else if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "-", previous == "-" {
                inComment = true
            } else if c == "?" {
                number += 1
                out += "$\(number)"
                previous = c
                continue
            }
            out.append(c)
            previous = c
        }
        return out
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
