import Dispatch
import StatMLCore
import Synchronization
import Testing

@testable import Platform

@Suite("Platform: review queue and corrections")
struct ReviewTests {
    @Test("the queue hands out the most uncertain items first", arguments: Backend.available)
    func ordering(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let confidences = [0.9, 0.2, 0.55, 0.2, 0.05]
            let ids = try store.enqueue(
                tenant: tenant,
                items: confidences.enumerated().map { reviewInput("r\($0.offset)", confidence: $0.element) })
            #expect(ids.count == 5 && ids == ids.sorted() && Set(ids).count == 5)
            #expect(try store.queueLength(tenant: tenant) == 5)
            let next = try store.nextReviewItems(tenant: tenant, limit: 4)
            #expect(next.map(\.id) == [ids[4], ids[1], ids[3], ids[2]])
            #expect(try store.nextReviewItems(tenant: tenant, limit: 10).count == 5)
            #expect(errorCode { try store.nextReviewItems(tenant: tenant, limit: 0) } == .invalidInput)

            let item = try store.reviewItem(tenant: tenant, id: ids[2])
            #expect(item.recordID == "r2" && item.text == "text of r2" && item.confidence == 0.55)
            #expect(item.suggestions.map(\.code) == ["01.1.1", "09.9.9"])
            #expect(item.suggestions.map(\.confidence) == [0.55, 1 - 0.55])
            #expect(item.modelVersion == 1 && item.predictedCode == "01.1.1" && item.state == .pending)
            #expect(errorCode { try store.reviewItem(tenant: tenant, id: 99_999) } == .notFound)
        }
    }

    @Test("invalid items are refused and none of the batch is queued", arguments: Backend.available)
    func invalidBatch(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let bad = [
                reviewInput("x", confidence: 1.5), reviewInput("", confidence: 0.5), reviewInput("x", confidence: .nan),
            ]
            for item in bad {
                let error = errorOf {
                    try store.enqueue(tenant: tenant, items: [reviewInput("ok", confidence: 0.5), item])
                }
                #expect(error?.code == .invalidInput)
                #expect(error?.message.contains("review item 2") == true)
            }
            #expect(try store.queueLength(tenant: tenant) == 0)
            #expect(try store.enqueue(tenant: tenant, items: []) == [])
        }
    }

    @Test(
        "a decision is recorded once, as accepted or corrected, and becomes a correction",
        arguments: Backend.available)
    func decide(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let (anna, _) = try store.createKey(tenant: tenant, role: .coder, label: "Anna")
            let ids = try store.enqueue(
                tenant: tenant, items: (0..<4).map { reviewInput("r\($0)", confidence: 0.1 * Double($0 + 1)) })

            let accepted = try store.decide(tenant: tenant, id: ids[0], code: "01.1.1", reviewer: anna.id)
            guard case .decided(let decision) = accepted.state else {
                Issue.record("item \(ids[0]) is still pending")
                return
            }
            #expect(decision.code == "01.1.1" && decision.kind == .accepted && decision.reviewerKeyID == anna.id)
            try store.decide(tenant: tenant, id: ids[2], code: "07.2.1", reviewer: nil)

            let again = errorOf { try store.decide(tenant: tenant, id: ids[0], code: "02.1.1", reviewer: anna.id) }
            #expect(again?.code == .conflict)
            #expect(again?.message.contains("already decided") == true && again?.message.contains("'01.1.1'") == true)
            #expect(errorCode { try store.decide(tenant: tenant, id: 99_999, code: "01", reviewer: nil) } == .notFound)
            #expect(
                errorCode { try store.decide(tenant: tenant, id: ids[1], code: "", reviewer: nil) } == .invalidInput)
            #expect(
                errorCode { try store.decide(tenant: tenant, id: ids[1], code: "01", reviewer: 424_242) } == .notFound)

            #expect(try store.queueLength(tenant: tenant) == 2)
            #expect(try store.nextReviewItems(tenant: tenant, limit: 10).map(\.id) == [ids[1], ids[3]])
            let corrections = try store.corrections(tenant: tenant)
            #expect(corrections.map(\.id) == [ids[0], ids[2]])
            #expect(corrections.map(\.code) == ["01.1.1", "07.2.1"])
            #expect(corrections.map(\.decision) == [.accepted, .corrected])
            #expect(corrections.map(\.recordID) == ["r0", "r2"] && corrections[1].text == "text of r2")
            #expect(corrections[0].reviewerKeyID == anna.id && corrections[1].reviewerKeyID == nil)
            #expect(corrections[0].decidedAt == decision.at)
            #expect(try store.corrections(tenant: tenant, afterID: ids[0]).map(\.id) == [ids[2]])
            #expect(try store.corrections(tenant: tenant, afterID: 0, limit: 1).map(\.id) == [ids[0]])
        }
    }

    @Test(
        "threads on two connections deciding the same items: each is decided exactly once",
        arguments: Backend.available)
    func concurrentDecide(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let stores = [try fixture.open(), try fixture.open()]
            let tenant = try stores[0].createTenant(name: "acme")
            let ids = try stores[0].enqueue(
                tenant: tenant, items: (0..<30).map { reviewInput("r\($0)", confidence: 0.5) })
            let outcome = Mutex<(won: [Int64: String], conflicts: Int, other: [String])>(([:], 0, []))
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                let store = stores[worker % 2]
                // Each worker walks the items from a different starting point so that they collide often.
                for k in 0..<ids.count {
                    let id = ids[(k + worker * 7) % ids.count]
                    do {
                        try store.decide(tenant: tenant, id: id, code: "C\(worker)", reviewer: nil)
                        outcome.withLock {
                            if $0.won[id] != nil { $0.other.append("item \(id) decided twice") }
                            $0.won[id] = "C\(worker)"
                        }
                    } catch let error as StatMLError where error.code == .conflict {
                        outcome.withLock { $0.conflicts += 1 }
                    } catch {
                        outcome.withLock { $0.other.append("\(error)") }
                    }
                }
            }
            let result = outcome.withLock { $0 }
            #expect(result.other == [])
            #expect(result.won.count == ids.count)
            #expect(result.conflicts == 8 * ids.count - ids.count)
            // What each winning decide was told is what the store holds.
            let corrections = try stores[1].corrections(tenant: tenant)
            #expect(corrections.map(\.id) == ids)
            #expect(corrections.allSatisfy { result.won[$0.id] == $0.code })
            #expect(try stores[1].queueLength(tenant: tenant) == 0)
        }
    }
}
