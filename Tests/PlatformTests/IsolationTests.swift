import StatMLCore
import Testing

@testable import Platform

@Suite("Platform: tenant isolation")
struct IsolationTests {
    @Test(
        "a tenant never sees or touches another tenant's keys, models, review items, corrections or audit",
        arguments: Backend.available)
    func isolation(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let a = try store.createTenant(name: "office-a")
            let b = try store.createTenant(name: "office-b")
            let (keyA, _) = try store.createKey(tenant: a, role: .admin, label: "a")
            let (keyB, _) = try store.createKey(tenant: b, role: .admin, label: "b")
            let itemsA = try store.enqueue(
                tenant: a, items: [reviewInput("a1", confidence: 0.1), reviewInput("a2", confidence: 0.2)])
            try store.decide(tenant: a, id: itemsA[0], code: "01.1.1", reviewer: keyA.id)
            try store.addModel(
                tenant: a, bytes: TestModels.bytes(), createdBy: keyA.id, trainedOnCorrections: [itemsA[0]])
            try store.setStage(tenant: a, version: 1, stage: .production, actor: keyA.id)
            try store.appendAudit(tenant: a, actorKeyID: keyA.id, action: "code.batch", details: ["records": 2])

            // B's own data, so that empty answers are not just an empty store.
            let itemsB = try store.enqueue(tenant: b, items: [reviewInput("b1", confidence: 0.5)])
            try store.appendAudit(tenant: b, actorKeyID: keyB.id, action: "key.create", details: [:])

            #expect(try store.keys(tenant: b).map(\.id) == [keyB.id])
            #expect(errorCode { try store.revokeKey(tenant: b, id: keyA.id) } == .notFound)
            #expect(try store.models(tenant: b).isEmpty)
            #expect(try store.productionModel(tenant: b) == nil)
            #expect(errorCode { try store.model(tenant: b, version: 1) } == .notFound)
            #expect(errorCode { try store.modelBytes(tenant: b, version: 1) } == .notFound)
            #expect(errorCode { try store.setStage(tenant: b, version: 1, stage: .archived, actor: nil) } == .notFound)
            #expect(errorCode { try store.rollback(tenant: b, actor: nil) } == .conflict)
            #expect(try store.nextReviewItems(tenant: b, limit: 10).map(\.id) == itemsB)
            #expect(try store.queueLength(tenant: b) == 1)
            let hidden = errorOf { try store.reviewItem(tenant: b, id: itemsA[1]) }
            #expect(hidden?.code == .notFound)
            #expect(hidden?.message == "tenant 'office-b' has no review item \(itemsA[1])")
            #expect(
                errorCode { try store.decide(tenant: b, id: itemsA[1], code: "01", reviewer: keyB.id) } == .notFound)
            #expect(try store.reviewItem(tenant: a, id: itemsA[1]).state == .pending)
            #expect(try store.corrections(tenant: b).isEmpty)
            #expect(try store.auditEvents(tenant: b).map(\.action) == ["key.create"])

            // Nor can B borrow A's keys or corrections.
            #expect(
                errorCode { try store.decide(tenant: b, id: itemsB[0], code: "01", reviewer: keyA.id) } == .notFound)
            #expect(
                errorCode { try store.appendAudit(tenant: b, actorKeyID: keyA.id, action: "x", details: [:]) }
                    == .notFound)
            #expect(
                errorCode { try store.addModel(tenant: b, bytes: TestModels.bytes(), createdBy: keyA.id) } == .notFound)
            #expect(
                errorCode {
                    try store.addModel(
                        tenant: b, bytes: TestModels.bytes(), createdBy: nil, trainedOnCorrections: [itemsA[0]])
                } == .invalidInput)

            // And A is untouched by all of it.
            #expect(try store.models(tenant: a).map(\.version) == [1])
            #expect(try store.corrections(tenant: a).map(\.id) == [itemsA[0]])
            #expect(try store.auditEvents(tenant: a).count == 1)
            #expect(try store.queueLength(tenant: a) == 1)
        }
    }
}
