import StatMLCore
import Testing

@testable import Platform

@Suite("Platform: SQL connections")
struct SQLConnectionTests {
    @Test("every kind of value survives a round trip through the database", arguments: Backend.available)
    func valuesRoundTrip(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let db = try fixture.rawConnection()
            try db.executeScript(
                fixture.backend == .sqlite
                    ? "CREATE TABLE t (i BIGINT, r REAL, s TEXT, b BLOB)"
                    : "CREATE TABLE t (i BIGINT, r DOUBLE PRECISION, s TEXT, b BYTEA)")
            let rows: [[SQLValue]] = [
                [.integer(.max), .real(0.1), .text("it's a '?' -- \"quoted\" ąęłżź 🙂"), .blob(Array(0...255))],
                [.integer(.min), .real(-1e-300), .text(""), .blob([])],
                [.null, .null, .null, .blob([0, 0, 92, 120])],
            ]
            for row in rows { try db.execute("INSERT INTO t (i, r, s, b) VALUES (?, ?, ?, ?)", row) }
            let back = try db.query("SELECT i, r, s, b FROM t ORDER BY coalesce(i, 0)").map(\.values)
            #expect(back == [rows[1], rows[2], rows[0]])
            #expect(try db.query("SELECT s FROM t WHERE s = ?", .text("it's a '?' -- \"quoted\" ąęłżź 🙂")).count == 1)
            #expect(try db.execute("UPDATE t SET r = ? WHERE i IS NULL", .real(2.5)) == 1)
        }
    }

    @Test(
        "a .log transaction commits like a .disk one; only how its commit syncs differs, and for it alone",
        arguments: Backend.available)
    func commitDurability(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let db = try fixture.rawConnection()
            try db.executeScript("CREATE TABLE t (i BIGINT PRIMARY KEY)")
            /// SQLite: the connection's `synchronous` (1 NORMAL, 2 FULL); PostgreSQL: `synchronous_commit`.
            func setting() throws -> String {
                fixture.backend == .sqlite
                    ? "\(try db.query("PRAGMA synchronous")[0].int(0))"
                    : try db.query("SHOW synchronous_commit")[0].text(0)
            }
            let during = try db.transaction(durability: .log) {
                try db.execute("INSERT INTO t (i) VALUES (?)", .integer(1))
                return try setting()
            }
            #expect(during == (fixture.backend == .sqlite ? "1" : "off"))
            let after = try setting()
            // SQLite keeps NORMAL until a transaction asks for FULL; PostgreSQL's SET LOCAL ends with the transaction.
            #expect(after == (fixture.backend == .sqlite ? "1" : "on"))
            let next = try db.transaction(durability: .disk) {
                try db.execute("INSERT INTO t (i) VALUES (?)", .integer(2))
                return try setting()
            }
            #expect(next == (fixture.backend == .sqlite ? "2" : "on"))
            // Both commits are visible to another connection.
            let other = try fixture.rawConnection()
            #expect(try other.query("SELECT i FROM t ORDER BY i").map(\.values) == [[.integer(1)], [.integer(2)]])
        }
    }

    @Test("a failed transaction leaves nothing behind", arguments: Backend.available)
    func rollback(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let db = try fixture.rawConnection()
            try db.executeScript("CREATE TABLE t (i BIGINT PRIMARY KEY)")
            let error = errorOf {
                try db.transaction {
                    try db.execute("INSERT INTO t (i) VALUES (?)", .integer(1))
                    try db.execute("INSERT INTO t (i) VALUES (?)", .integer(1))
                }
            }
            #expect(error?.code == .library && error?.isUniqueViolation == true)
            #expect(try db.query("SELECT i FROM t").isEmpty)
            try db.transaction { try db.execute("INSERT INTO t (i) VALUES (?)", .integer(2)) }
            #expect(try db.query("SELECT i FROM t").map(\.values) == [[.integer(2)]])
        }
    }
}

@Suite(
    "Platform: PostgreSQL back-end",
    .enabled(if: Backend.postgresURL != nil, Backend.postgresSkipReason))
struct PostgresTests {
    @Test("a connection dropped by the server is re-established for the next statement")
    func reconnects() throws {
        try withStore(.postgres) { fixture in
            let store = try fixture.open()
            try store.createTenant(name: "acme")
            let pid = try store.withConnection { try $0.queryOne("SELECT pg_backend_pid()")?.int(0) }
            let admin = try fixture.rawConnection()
            try admin.execute("SELECT pg_terminate_backend(?::integer)", .integer(try #require(pid)))
            // The statement that finds the connection gone fails; the store recovers for the next one.
            var names = try? store.tenants().map(\.name)
            if names == nil { names = try store.tenants().map(\.name) }
            #expect(names == ["acme"])
        }
    }

    @Test("stores in different schemas of one database are separate")
    func schemasSeparateStores() throws {
        try withStore(.postgres) { first in
            try withStore(.postgres) { second in
                let a = try first.open()
                let b = try second.open()
                let tenantA = try a.createTenant(name: "acme")
                let tenantB = try b.createTenant(name: "acme")
                let (_, secretA) = try a.createKey(tenant: tenantA, role: .admin, label: "a")
                #expect(try a.authenticate(secret: secretA) != nil)
                #expect(try b.authenticate(secret: secretA) == nil)
                try a.enqueue(tenant: tenantA, items: [reviewInput("r", confidence: 0.5)])
                #expect(try b.queueLength(tenant: tenantB) == 0)
            }
        }
    }
}
