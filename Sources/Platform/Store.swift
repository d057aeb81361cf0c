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

    /// Runs `body` in one transaction with the connection held exclusively.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection { db in try db.transaction { try body(db) } }
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
