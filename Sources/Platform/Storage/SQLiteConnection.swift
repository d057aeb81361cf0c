import CSQLite
import StatMLCore

/// A SQLite database file: the default store, one file next to the service.
///
/// WAL lets readers work while one writer commits; `synchronous=FULL` makes a commit survive power
/// loss and `kill -9` once it returns (`synchronous=NORMAL`, for `.log` commits, only `kill -9`, until the
/// next FULL commit or checkpoint flushes the log); the busy timeout lets a second process wait for the
/// write lock instead of failing at once.
final class SQLiteConnection: SQLConnection {
    let dialect = SQLDialect.sqlite
    let path: String
    private let db: OpaquePointer
    /// Prepared statements by SQL text, reused: the service runs the same few statements thousands of
    /// times a second, and preparing one costs more than running it. The SQL comes from this module's
    /// code, so the set is small; it is emptied if it ever grows past `statementCacheLimit`.
    private var statements: [String: OpaquePointer] = [:]
    static let statementCacheLimit = 256
    /// The `synchronous` setting in force: changed only between transactions, and only when a transaction
    /// asks for the other one.
    private var synchronous = CommitDurability.disk

    /// How long a statement waits for another process's write lock before giving up.
    static let busyTimeoutMilliseconds: Int32 = 10_000

    init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(handle)
            throw StatMLError(.library, "cannot open the SQLite store '\(path)': \(message)")
        }
        db = handle
        try check(sqlite3_busy_timeout(db, Self.busyTimeoutMilliseconds), "setting the busy timeout")
        sqlite3_extended_result_codes(db, 1)
        let mode = try query("PRAGMA journal_mode=WAL").first.flatMap { try? $0.text(0) }
        guard mode?.lowercased() == "wal" else {
            throw StatMLError(
                .library,
                "the SQLite store '\(path)' cannot use write-ahead logging (journal mode is \(mode ?? "unknown")); put it on a local file system"
            )
        }
        try executeScript("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
    }

    func begin(_ durability: CommitDurability) throws {
        if durability != synchronous {
            // Not allowed inside a transaction; here, between two, it only sets how the next commit syncs.
            try execute(durability == .disk ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", [])
            synchronous = durability
        }
        try execute(dialect.beginTransaction, [])
    }

    /// Copies the write-ahead log into the database file as far as no reader still needs it, flushing
    /// the log first (which makes every commit so far durable) and the database after. PASSIVE: never
    /// waits for other connections, so writers carry on meanwhile. Returns the log's frames and how many
    /// of them are now in the database; nil when another connection is checkpointing at this moment.
    func checkpoint() throws -> (logFrames: Int, checkpointed: Int)? {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &checkpointed)
        if rc & 0xff == SQLITE_BUSY { return nil }
        try check(rc, "checkpointing the write-ahead log")
        return (Int(logFrames), Int(checkpointed))
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(db)
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        try withStatement(sql, parameters) { statement in
            while try step(statement) {}
        }
        return Int(sqlite3_changes64(db))
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        try withStatement(sql, parameters) { statement in
            var rows: [SQLRow] = []
            let columns = sqlite3_column_count(statement)
            while try step(statement) {
                rows.append(SQLRow(values: (0..<columns).map { column(statement, $0) }))
            }
            return rows
        }
    }

    func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard rc == SQLITE_OK else {
            throw failure(rc, message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db)))
        }
    }

    private func withStatement<T>(_ sql: String, _ parameters: [SQLValue], _ body: (OpaquePointer) throws -> T)
        throws -> T
    {
        let statement = try prepared(sql)
        // Ready for the next use whatever happens: no pending step, no bound values kept alive.
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == parameters.count else {
            throw StatMLError(.internal, "statement expects \(expected) parameters, got \(parameters.count): \(sql)")
        }
        for (i, value) in parameters.enumerated() {
            try bind(value, at: Int32(i + 1), in: statement)
        }
        return try body(statement)
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &handle, nil)
        guard rc == SQLITE_OK, let statement = handle else {
            sqlite3_finalize(handle)
            throw failure(rc, String(cString: sqlite3_errmsg(db)))
        }
        if statements.count >= Self.statementCacheLimit {
            for old in statements.values { sqlite3_finalize(old) }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLValue, at index: Int32, in statement: OpaquePointer) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(statement, index)
        case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
        case .real(let v): rc = sqlite3_bind_double(statement, index, v)
        case .text(let v):
            rc = sqlite3_bind_text64(
                statement, index, v, UInt64(v.utf8.count), statml_sqlite_transient(), UInt8(SQLITE_UTF8))
        case .blob(let v):
            rc = v.withUnsafeBytes {
                // A zero-length blob must still be a blob, not NULL: give SQLite a valid pointer.
                sqlite3_bind_blob64(
                    statement, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(v.count),
                    statml_sqlite_transient())
            }
        }
        guard rc == SQLITE_OK else { throw failure(rc, String(cString: sqlite3_errmsg(db))) }
    }

    /// One step: true while there is a row to read.
    private func step(_ statement: OpaquePointer) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw failure(rc, String(cString: sqlite3_errmsg(db)))
        }
    }

    private func column(_ statement: OpaquePointer, _ i: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, i))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(statement, i) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, i))
            guard count > 0, let bytes = sqlite3_column_blob(statement, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    private func check(_ rc: Int32, _ what: String) throws {
        guard rc == SQLITE_OK else { throw failure(rc, "\(what): \(String(cString: sqlite3_errmsg(db)))") }
    }

    /// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY: extended codes defined by macros
    /// that Swift does not import.
    private static let uniqueConstraintCodes: Set<Int32> = [2067, 1555]

    private func failure(_ rc: Int32, _ message: String) -> StatMLError {
        let unique = Self.uniqueConstraintCodes.contains(rc)
        return StatMLError(
            .library, "SQLite store '\(path)': \(message)",
            underlying: SQLFailure(kind: unique ? .uniqueViolation : .other))
    }
}
