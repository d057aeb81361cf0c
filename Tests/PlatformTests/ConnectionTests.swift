import StatMLCore
import Testing

@testable import Platform

@Suite("Platform: locations, SQL text, timestamps, key secrets")
struct ConnectionTests {
    @Test func placeholdersAreNumberedOutsideLiteralsAndComments() {
        #expect(
            PostgresConnection.numberPlaceholders("SELECT ? , '?' , \"a?\" , ? -- what?\n, ?")
                == "SELECT $1 , '?' , \"a?\" , $2 -- what?\n, $3")
        #expect(PostgresConnection.numberPlaceholders("VALUES ('it''s ?', ?)") == "VALUES ('it''s ?', $1)")
    }

    @Test func storeLocationFollowsArgumentsThenEnvironment() throws {
        let url = "postgresql://statml@127.0.0.1:54329/postgres"
        let env = ["STATML_DATABASE_URL": url]
        #expect(try StoreLocation.parse(store: nil, databaseURL: nil, environment: [:]) == .sqlite(path: "statml.db"))
        #expect(try StoreLocation.parse(store: "x.db", databaseURL: nil, environment: [:]) == .sqlite(path: "x.db"))
        #expect(try StoreLocation.parse(store: nil, databaseURL: url, environment: [:]) == .postgres(url: url))
        #expect(try StoreLocation.parse(store: nil, databaseURL: nil, environment: env) == .postgres(url: url))
        #expect(try StoreLocation.parse(store: "x.db", databaseURL: nil, environment: env) == .sqlite(path: "x.db"))
        #expect(try StoreLocation.parse(store: url, databaseURL: nil, environment: [:]) == .postgres(url: url))
        #expect(errorCode { try StoreLocation.parse(store: "x.db", databaseURL: url, environment: [:]) } == .usage)
        #expect(errorCode { try StoreLocation.parse(store: nil, databaseURL: "mysql://x", environment: [:]) } == .usage)
    }

    @Test func passwordsNeverReachMessages() throws {
        let location = StoreLocation.postgres(url: "postgresql://svc:hunter2@db.example:5432/statml?sslmode=require")
        #expect(location.description == "PostgreSQL postgresql://svc:***@db.example:5432/statml?sslmode=require")
        #expect(StoreLocation.redacted("postgresql://svc@db/x") == "postgresql://svc@db/x")
        let error = errorOf {
            try Store.open(.postgres(url: "postgresql://svc:hunter2@127.0.0.1:1/statml?connect_timeout=2"))
        }
        #expect(error?.code == .library)
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test func sqliteStoreInAMissingDirectoryIsAClearError() {
        let error = errorOf { try Store.open(.sqlite(path: "/nonexistent-statml-dir/store.db")) }
        #expect(error?.code == .library)
        #expect(error?.message.contains("/nonexistent-statml-dir/store.db") == true)
    }

    @Test func timestampsPrintAsISO8601UTC() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_741_944_413_589).iso8601 == "2025-03-14T09:26:53.589Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }

    @Test func secretsAre256RandomBitsInBase62() {
        #expect(APIKeySecret.base62([UInt8](repeating: 0, count: 32)) == String(repeating: "0", count: 43))
        // 2^256 - 1 in base 62, from Python: repeated divmod of (1 << 256) - 1 by 62.
        #expect(
            APIKeySecret.base62([UInt8](repeating: 0xFF, count: 32)) == "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1")
        let secrets = (0..<50).map { _ in APIKeySecret.generate().secret }
        #expect(Set(secrets).count == 50)
        for s in secrets { #expect(APIKeySecret.prefix(of: s) != nil) }
    }
}
