import StatMLCore
import Testing

@testable import Platform

@Suite("Platform: audit log")
struct AuditTests {
    @Test("entries are appended in order and read back page by page", arguments: Backend.available)
    func appendAndRead(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let (key, _) = try store.createKey(tenant: tenant, role: .client, label: "batch")
            let first = try store.appendAudit(
                tenant: tenant, actorKeyID: key.id, action: "code.batch", details: ["records": 120, "model_version": 3])
            let second = try store.appendAudit(
                tenant: tenant, actorKeyID: nil, action: "model.promote", details: ["version": 3])
            #expect(second.id > first.id)
            let events = try store.auditEvents(tenant: tenant)
            #expect(events == [first, second])
            #expect(events[0].details == ["records": 120, "model_version": 3] && events[0].actorKeyID == key.id)
            #expect(try store.auditEvents(tenant: tenant, afterID: first.id).map(\.action) == ["model.promote"])
            #expect(try store.auditEvents(tenant: tenant, limit: 1) == [first])
            #expect(
                errorCode { try store.appendAudit(tenant: tenant, actorKeyID: nil, action: "x", details: [1, 2]) }
                    == .invalidInput)
            #expect(
                errorCode { try store.appendAudit(tenant: tenant, actorKeyID: nil, action: "Bad Action", details: [:]) }
                    == .invalidInput)
        }
    }

    @Test("the database refuses to change or delete audit entries", arguments: Backend.available)
    func appendOnly(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let event = try store.appendAudit(
                tenant: tenant, actorKeyID: nil, action: "code.batch", details: ["records": 1])
            let db = try fixture.rawConnection()
            var attempts = [
                "UPDATE audit_events SET action = 'nothing.happened'",
                "DELETE FROM audit_events",
                "DELETE FROM audit_events WHERE id = \(event.id)",
            ]
            if backend == .postgres { attempts.append("TRUNCATE audit_events") }
            for sql in attempts {
                let error = errorOf { try db.execute(sql) }
                #expect(error?.code == .library, "\(sql)")
                #expect(error?.message.contains("append-only") == true, "\(sql): \(error?.message ?? "accepted")")
            }
            #expect(try store.auditEvents(tenant: tenant) == [event])
        }
    }

    @Test("texts stay out of the audit log unless the tenant allows them", arguments: Backend.available)
    func textsWithheld(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let details: JSONValue = [
                "records": 2, "text": "Jan Kowalski, ul. Polna 3",
                "items": [["record_id": "r1", "input_text": "secret 1", "code": "01.1"]],
            ]
            let withheld = try store.appendAudit(
                tenant: tenant, actorKeyID: nil, action: "code.batch", details: details)
            #expect(withheld.details == ["records": 2, "items": [["record_id": "r1", "code": "01.1"]]])
            try store.setAuditTexts(tenant: tenant, enabled: true)
            let kept = try store.appendAudit(tenant: tenant, actorKeyID: nil, action: "code.batch", details: details)
            #expect(kept.details == details)
            #expect(try store.auditEvents(tenant: tenant).map(\.details) == [withheld.details, details])
        }
    }
}
