import StatMLCore

/// A value bound to or read from a SQL statement: the storage classes both SQLite and PostgreSQL share.
enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// Where the two back-ends' SQL must differ; everything else is written once.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Fills the few dialect-specific spots of a migration: `{id}` (auto-increment primary key),
    /// `{blob}` and `{real}` column types.
    func render(_ sql: String) -> String {
        switch self {
        case .sqlite:
            return
                sql
                .replacing("{id}", with: "INTEGER PRIMARY KEY AUTOINCREMENT")
                .replacing("{blob}", with: "BLOB")
                .replacing("{real}", with: "REAL")
        case .postgres:
            return
                sql
                .replacing("{id}", with: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
                .replacing("{blob}", with: "BYTEA")
                .replacing("{real}", with: "DOUBLE PRECISION")
        }
    }

    /// SQLite takes the write lock at BEGIN IMMEDIATE, so two writers never deadlock on a lock upgrade
    /// (which the busy timeout cannot resolve); PostgreSQL locks rows as it goes.
    var beginTransaction: String {
        switch self {
        case .sqlite: return "BEGIN IMMEDIATE"
        case .postgres: return "BEGIN"
        }
    }
}

/// Why a statement failed, when the caller can do something about it (a name already taken).
struct SQLFailure: Error, Sendable {
    enum Kind: Sendable {
        case uniqueViolation
        case other
    }
    var kind: Kind
}

extension StatMLError {
    /// True when a statement was refused because a unique constraint already holds the value.
    var isUniqueViolation: Bool { (underlying as? SQLFailure)?.kind == .uniqueViolation }
}

/// One row of a result; the accessors turn a storage class into the Swift type the schema promises and
/// say which column broke the promise when it does not hold.
struct SQLRow: Sendable {
    var values: [SQLValue]

    func int(_ i: Int) throws -> Int64 {
        switch values[i] {
        case .integer(let v): return v
        case let other: throw mismatch(i, "an integer", other)
        }
    }

    func optionalInt(_ i: Int) throws -> Int64? {
        if values[i] == .null { return nil }
        return try int(i)
    }

    func real(_ i: Int) throws -> Double {
        switch values[i] {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        case let other: throw mismatch(i, "a number", other)
        }
    }

    func optionalReal(_ i: Int) throws -> Double? {
        if values[i] == .null { return nil }
        return try real(i)
    }

    func text(_ i: Int) throws -> String {
        switch values[i] {
        case .text(let v): return v
        case let other: throw mismatch(i, "text", other)
        }
    }

    func optionalText(_ i: Int) throws -> String? {
        if values[i] == .null { return nil }
        return try text(i)
    }

    func blob(_ i: Int) throws -> [UInt8] {
        switch values[i] {
        case .blob(let v): return v
        case .text(let v): return Array(v.utf8)
        case let other: throw mismatch(i, "bytes", other)
        }
    }

    private func mismatch(_ i: Int, _ expected: String, _ found: SQLValue) -> StatMLError {
        StatMLError(.internal, "the store holds \(found) in result column \(i + 1) where \(expected) belongs")
    }
}

/// A connection to one database. Exactly one `Store` owns it and serialises calls to it, so
/// implementations need not be thread-safe themselves.
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }

    /// Runs one statement with `?` placeholders bound to `parameters`; returns the number of rows changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int

    /// Runs one statement with `?` placeholders and returns its rows.
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow]

    /// Runs several statements without parameters (a migration script).
    func executeScript(_ sql: String) throws

    /// Starts a transaction whose commit is as durable as `durability` asks.
    func begin(_ durability: CommitDurability) throws
}

extension SQLConnection {
    @discardableResult
    func execute(_ sql: String, _ parameters: SQLValue...) throws -> Int {
        try execute(sql, parameters)
    }

    func query(_ sql: String, _ parameters: SQLValue...) throws -> [SQLRow] {
        try query(sql, parameters)
    }

    /// The first row, or nil when there is none.
    func queryOne(_ sql: String, _ parameters: SQLValue...) throws -> SQLRow? {
        try query(sql, parameters).first
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws, so a
    /// half-done operation never becomes visible. The commit is flushed to disk unless `durability` is `.log`.
    @discardableResult
    func transaction<T>(durability: CommitDurability = .disk, _ body: () throws -> T) throws -> T {
        try begin(durability)
        do {
            let result = try body()
            try execute("COMMIT", [])
            return result
        } catch {
            // The original error is the one worth reporting; a failed rollback on a broken
            // connection adds nothing the caller can act on.
            _ = try? execute("ROLLBACK", [])
            throw error
        }
    }
}
