import StatMLCore
import Testing

@testable import Platform

@Suite("Platform: tenants and API keys")
struct TenantAndKeyTests {
    @Test("tenant names are checked, unique, and a typo gets a suggestion", arguments: Backend.available)
    func tenants(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let acme = try store.createTenant(name: "acme-stats_2025.q1")
            try store.createTenant(name: "beta")
            let duplicate = errorOf { try store.createTenant(name: "beta") }
            #expect(duplicate?.code == .conflict)
            #expect(duplicate?.message.contains("'beta'") == true)
            for bad in ["", "has space", "ümlaut", String(repeating: "x", count: 65), "semi;colon"] {
                #expect(errorCode { try store.createTenant(name: bad) } == .invalidInput, "\(bad)")
            }
            #expect(try store.createTenant(name: String(repeating: "x", count: 64)).name.count == 64)
            #expect(try store.tenant(named: "acme-stats_2025.q1") == acme)
            let missing = errorOf { try store.tenant(named: "betta") }
            #expect(missing?.code == .notFound)
            #expect(missing?.message.contains("did you mean 'beta'?") == true)
            #expect(
                try store.tenants().map(\.name) == ["acme-stats_2025.q1", "beta", String(repeating: "x", count: 64)])
            #expect(acme.auditTexts == false)
            #expect(try store.setAuditTexts(tenant: acme, enabled: true).auditTexts)
            #expect(try store.tenant(named: acme.name).auditTexts)
        }
    }

    @Test("a key's secret authenticates until it is revoked", arguments: Backend.available)
    func keys(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let (admin, adminSecret) = try store.createKey(tenant: tenant, role: .admin, label: "setup")
            let (coder, coderSecret) = try store.createKey(tenant: tenant, role: .coder, label: "Anna")
            #expect(adminSecret != coderSecret && admin.prefix != coder.prefix)
            let parts = coderSecret.split(separator: "_")
            #expect(parts.count == 3 && parts[0] == "sml" && parts[1] == Substring(coder.prefix))
            #expect(parts[1].count == 8 && parts[2].count >= 43)
            #expect(parts[2].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(coder.displayPrefix == "sml_\(coder.prefix)_…")

            let (key, owner) = try #require(try store.authenticate(secret: coderSecret))
            #expect(key == coder && owner == tenant)
            #expect(try store.authenticate(secret: adminSecret)?.0.role == .admin)
            var tampered = Array(coderSecret)
            tampered[tampered.count - 1] = tampered.last == "A" ? "B" : "A"
            #expect(try store.authenticate(secret: String(tampered)) == nil)
            for junk in ["", "sml_", "sml_\(coder.prefix)_", "Bearer \(coderSecret)", coderSecret + "x"] {
                #expect(try store.authenticate(secret: junk) == nil)
            }

            let revoked = try store.revokeKey(tenant: tenant, id: coder.id)
            #expect(revoked.isRevoked)
            #expect(try store.authenticate(secret: coderSecret) == nil)
            #expect(try store.authenticate(secret: adminSecret) != nil)
            #expect(try store.revokeKey(tenant: tenant, id: coder.id).revokedAt == revoked.revokedAt)
            #expect(try store.keys(tenant: tenant).map(\.isRevoked) == [false, true])
            #expect(errorCode { try store.revokeKey(tenant: tenant, id: 999) } == .notFound)
        }
    }

    @Test("no secret is stored anywhere in the database, only its digest", arguments: Backend.available)
    func secretIsNotStored(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            var secrets: [String] = []
            for role in Role.allCases {
                secrets.append(try store.createKey(tenant: tenant, role: role, label: "k").secret)
            }
            let randomParts = secrets.map { String($0.split(separator: "_")[2]) }

            // Every value of every table, as text.
            let db = try fixture.rawConnection()
            let tables: [String]
            switch backend {
            case .sqlite:
                tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table'").map { try $0.text(0) }
            case .postgres:
                tables = try db.query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                    .text(fixture.schema ?? "")
                ).map { try $0.text(0) }
            }
            #expect(tables.contains("api_keys"))
            var everything = ""
            for table in tables {
                for row in try db.query("SELECT * FROM \(table)") {
                    for value in row.values {
                        switch value {
                        case .text(let s): everything += s + "\n"
                        case .blob(let b): everything += String(decoding: b, as: UTF8.self) + "\n"
                        default: break
                        }
                    }
                }
            }
            #expect(everything.contains(APIKeySecret.digest(secrets[0])))
            for part in randomParts { #expect(!everything.contains(part)) }

            // And the bytes of the SQLite files themselves, write-ahead log included.
            if let path = fixture.sqlitePath {
                for file in [path, path + "-wal"] {
                    let bytes = try readBytes(file)
                    #expect(!bytes.isEmpty || file.hasSuffix("-wal"))
                    let haystack = String(decoding: bytes, as: UTF8.self)
                    for part in randomParts { #expect(!haystack.contains(part)) }
                }
            }
        }
    }
}
