import Dispatch
import StatMLCore
import Synchronization
import Testing

@testable import Platform

@Suite("Platform: opening stores and schema migrations")
struct MigrationTests {
    @Test("a new store gets every migration once; opening it again applies nothing", arguments: Backend.available)
    func opensTwice(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            do {
                let store = try fixture.open()
                #expect(try store.schemaVersion() == Migrations.latestVersion)
                try store.createTenant(name: "acme")
            }
            let store = try fixture.open()
            #expect(try store.schemaVersion() == Migrations.latestVersion)
            #expect(try store.tenants().map(\.name) == ["acme"])
            let db = try fixture.rawConnection()
            let versions = try db.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.int(0) }
            #expect(versions == Migrations.all.map { Int64($0.version) })
        }
    }

    @Test("a store at an older schema version is migrated at open and keeps its data", arguments: Backend.available)
    func migratesOlderStore(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            do {
                let db = try fixture.rawConnection()
                try Migrations.apply(to: db, upTo: 1, storeName: "test")
                #expect(try Migrations.currentVersion(db) == 1)
                try db.execute("INSERT INTO tenants (name, audit_texts, created_at) VALUES ('old', 0, 0)")
            }
            let store = try fixture.open()
            #expect(try store.schemaVersion() == Migrations.latestVersion)
            let tenant = try store.tenant(named: "old")
            let ids = try store.enqueue(tenant: tenant, items: [reviewInput("r1", confidence: 0.4)])
            #expect(try store.reviewItem(tenant: tenant, id: ids[0]).recordID == "r1")
            #expect(try store.addModel(tenant: tenant, bytes: TestModels.bytes(), createdBy: nil).version == 1)
        }
    }

    @Test("a store from a newer StatML is refused, not misread", arguments: Backend.available)
    func refusesNewerSchema(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            _ = try fixture.open()
            let future = Migrations.latestVersion + 1
            try fixture.rawConnection().execute(
                "INSERT INTO schema_migrations (version, name, statml_version, applied_at) VALUES (?, 'future', '9.0.0', 0)",
                .integer(Int64(future)))
            let error = errorOf { try fixture.open() }
            #expect(error?.code == .incompatible)
            #expect(error?.message.contains("schema version \(future)") == true)
            #expect(error?.message.contains("newer StatML") == true)
        }
    }

    @Test(
        "processes opening a new store at the same moment apply each migration exactly once",
        arguments: Backend.available)
    func concurrentOpen(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    let store = try fixture.open()
                    _ = try store.tenants()
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let rows = try fixture.rawConnection().query("SELECT version FROM schema_migrations")
            #expect(rows.count == Migrations.all.count)
        }
    }

    @Test("everything stored survives closing and reopening the store", arguments: Backend.available)
    func survivesReopen(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            var secret = ""
            do {
                let store = try fixture.open()
                let tenant = try store.createTenant(name: "acme")
                let (key, s) = try store.createKey(tenant: tenant, role: .coder, label: "laptop")
                secret = s
                let ids = try store.enqueue(
                    tenant: tenant, items: [reviewInput("a", confidence: 0.3), reviewInput("b", confidence: 0.6)])
                try store.decide(tenant: tenant, id: ids[0], code: "02.2.2", reviewer: key.id)
                try store.addModel(tenant: tenant, bytes: TestModels.bytes(), createdBy: key.id)
                try store.setStage(tenant: tenant, version: 1, stage: .production, actor: key.id)
                try store.appendAudit(tenant: tenant, actorKeyID: key.id, action: "code.batch", details: ["records": 2])
                store.close()
                #expect(errorCode { try store.tenants() } == .io)
            }
            let store = try fixture.open()
            let (key, tenant) = try #require(try store.authenticate(secret: secret))
            #expect(tenant.name == "acme" && key.role == .coder)
            #expect(try store.queueLength(tenant: tenant) == 1)
            #expect(try store.corrections(tenant: tenant).map(\.code) == ["02.2.2"])
            #expect(try store.productionModel(tenant: tenant)?.version == 1)
            #expect(try store.modelBytes(tenant: tenant, version: 1) == TestModels.bytes())
            #expect(try store.auditEvents(tenant: tenant).map(\.details) == [["records": 2]])
        }
    }
}
