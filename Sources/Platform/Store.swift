import StatMLCore
import Synchronization

/// The coding service's storage: tenants, API keys, the model registry, the review queue and the audit
/// log, on SQLite or PostgreSQL behind one interface.
///
/// Thread-safe: one connection per `Store`, used by one thread at a time. Several processes may open
/// the same store; the database arbitrates between them. Every operation that changes data commits
/// before it returns, so what a caller was told is stored survives a crash of the process.
public final class Store: Sendable {
    public let location: StoreLocation
    private let connection: Mutex<(any SQLConnection)?>

    private init(location: StoreLocation, connection: any SQLConnection) {
        self.location = location
        self.connection = Mutex(connection)
    }

    /// Opens (creating when needed) the store and brings its schema up to date.
    ///
    /// A store written by a newer StatML, with a schema this version does not know, is refused with an
    /// `.incompatible` error rather than risk misreading it.
    public static func open(_ location: StoreLocation) throws -> Store {
        let db = try connect(location)
        try Migrations.apply(to: db, storeName: location.description)
        return Store(location: location, connection: db)
    }

    static func connect(_ location: StoreLocation) throws -> any SQLConnection {
        switch location {
        case .sqlite(let path): return try SQLiteConnection(path: path)
        case .postgres(let url): return try PostgresConnection(url: url)
        }
    }

    /// Releases the connection now rather than when the last reference goes; later calls fail.
    public func close() {
        connection.withLock { $0 = nil }
    }

    /// The schema version the store is at.
    public func schemaVersion() throws -> Int {
        try withConnection { try Migrations.currentVersion($0) }
    }

    /// Runs `body` with the connection held exclusively.
    func withConnection<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try connection.withLock { db -> Result<T, any Error> in
            guard let db else { return .failure(StatMLError(.io, "the store (\(location)) has been closed")) }
            return Result { try body(db) }
        }.get()
    }

    /// Runs `body` in one transaction with the connection held exclusively; its commit is flushed to
    /// disk before this returns unless `durability` is `.log`.
    func write<T>(durability: CommitDurability = .disk, _ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection { db in try db.transaction(durability: durability) { try body(db) } }
    }

    /// Runs `body` while no call can use this store's connection (the caller's own connection, e.g. a
    /// second `Store`'s, is free): a checkpoint made meanwhile sees no commit of this one's start after it.
    public func withWritesPaused<T>(_ body: () throws -> T) throws -> T {
        try withConnection { _ in try body() }
    }

    /// SQLite: the size, in pages, of the write-ahead log at which a commit checkpoints it itself, in the
    /// committing call (SQLite's default: 1,000). A service that checkpoints from a thread of its own
    /// raises it, so that requests do not. PostgreSQL: nothing to set.
    public func setAutoCheckpoint(pages: Int) throws {
        try withConnection { db in
            guard db.dialect == .sqlite else { return }
            _ = try db.query("PRAGMA wal_autocheckpoint=\(max(0, pages))")
        }
    }

    /// What a checkpoint did (`checkpoint()`): the write-ahead log's frames and how many of them are now
    /// in the database file.
    public struct CheckpointResult: Sendable, Equatable {
        public var logFrames: Int
        public var checkpointed: Int
    }

    /// Flushes SQLite's write-ahead log to disk, which makes every `.log` commit so far durable, and copies
    /// it into the database file as far as no reader still needs it, without waiting for other connections.
    /// Returns nil for PostgreSQL (its WAL writer does this itself) and when another connection is
    /// checkpointing at this moment. A service calls it from a connection of its own (a second `Store`),
    /// so requests never wait for the flush.
    public func checkpoint() throws -> CheckpointResult? {
        try withConnection { db in
            guard let sqlite = db as? SQLiteConnection, let done = try sqlite.checkpoint() else { return nil }
            return CheckpointResult(logFrames: done.logFrames, checkpointed: done.checkpointed)
        }
    }

    /// Serialises writers of one tenant's registry across processes. SQLite's BEGIN IMMEDIATE already
    /// holds the database's single write lock; PostgreSQL locks the tenant's row until commit.
    func lockTenant(_ db: any SQLConnection, _ tenant: Tenant) throws {
        guard db.dialect == .postgres else { return }
        try db.execute("SELECT id FROM tenants WHERE id = ? FOR UPDATE", .integer(tenant.id))
    }

    /// Checks that a key given as an actor belongs to the tenant, so one tenant cannot attribute its
    /// actions to another tenant's key.
    func checkKey(_ db: any SQLConnection, _ keyID: Int64?, of tenant: Tenant, as role: String) throws {
        guard let keyID else { return }
        guard
            try db.queryOne(
                "SELECT id FROM api_keys WHERE id = ? AND tenant_id = ?", .integer(keyID), .integer(tenant.id)) != nil
        else {
            throw StatMLError.notFound("tenant '\(tenant.name)' has no API key \(keyID) (given as the \(role))")
        }
    }

    static func checkLimit(_ limit: Int, maximum: Int = 10_000) throws {
        guard (1...maximum).contains(limit) else {
            throw StatMLError.invalidInput("limit \(limit) is outside 1…\(maximum)")
        }
    }
}
