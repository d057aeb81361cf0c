import Foundation
import Platform
import StatMLCore
import Synchronization
import Testing

@testable import Server

@Suite("Server: group commit of coding requests")
struct CodingLogTests {
    func entry(_ f: ServiceFixture, _ n: Int, confidence: Double = 0.2) -> CodingLogEntry {
        CodingLogEntry(
            tenant: f.a, actorKeyID: nil, details: ["records": 1, "n": .number(Double(n))],
            reviewItems: [
                NewReviewItem(
                    recordID: "r\(n)", text: "text \(n)", confidence: confidence, suggestions: [("01.1", confidence)],
                    modelVersion: 1, predictedCode: "01.1")
            ])
    }

    /// Runs `body(thread, i)` for `perThread` values of i on each of `threads` threads at once.
    func onThreads(_ threads: Int, _ perThread: Int, _ body: @escaping @Sendable (Int, Int) -> Void) {
        let done = DispatchGroup()
        for t in 0..<threads {
            done.enter()
            Thread.detachNewThread {
                for i in 0..<perThread { body(t, i) }
                done.leave()
            }
        }
        done.wait()
    }

    @Test func everyRequestReturnsAfterItsOwnEntryIsStored() throws {
        let f = try ServiceFixture()
        let log = CodingLog(store: f.store, durability: .disk)
        let failures = Mutex(0)
        onThreads(16, 25) { t, i in
            let n = t * 100 + i
            do {
                try log.record(entry(f, n))
                // Committed before `record` returned: this request's own item is in the queue.
                let queued = try f.store.nextReviewItems(tenant: f.a, limit: 1000)
                if !queued.contains(where: { $0.recordID == "r\(n)" }) { failures.withLock { $0 += 1 } }
            } catch {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(try f.store.queueLength(tenant: f.a) == 400)
        let codes = try f.store.auditEvents(tenant: f.a, limit: 1000).filter { $0.action == "code" }
        #expect(Set(codes.compactMap { $0.details["n"]?.doubleValue }).count == 400)
    }

    @Test func aBadEntryFailsAloneAndAFailedWriteReachesEveryWaiter() throws {
        let f = try ServiceFixture()
        let log = CodingLog(store: f.store, durability: .disk)
        #expect(throws: StatMLError.self) { try log.record(entry(f, 1, confidence: 2)) }
        try log.record(entry(f, 2))
        #expect(try f.store.queueLength(tenant: f.a) == 1)
        // With the store closed every write fails: each waiting request gets the error, none hangs.
        f.store.close()
        let errors = Mutex(0)
        onThreads(8, 5) { t, i in
            do { try log.record(entry(f, 100 + t * 10 + i)) } catch { errors.withLock { $0 += 1 } }
        }
        #expect(errors.withLock { $0 } == 40)
    }

    @Test func withLogDurabilityTheCheckpointerPutsEveryAnsweredEntryInTheDatabaseFile() throws {
        let f = try ServiceFixture()
        let log = CodingLog(store: f.store, durability: .log)
        // Every commit counts as "many frames": each checkpoint also runs one with the store paused (at
        // most one a second).
        let checkpointer = try #require(try LogCheckpointer.start(serving: f.store, interval: 0.01, restartFrames: 1))
        onThreads(8, 25) { t, i in try? log.record(entry(f, t * 100 + i)) }
        #expect(try f.store.queueLength(tenant: f.a) == 200)
        let deadline = ContinuousClock.now + .seconds(10)
        while checkpointer.checkpoints.all < 3 && ContinuousClock.now < deadline { usleep(5_000) }
        checkpointer.stop()
        let counts = checkpointer.checkpoints
        #expect(counts.all >= 3 && counts.paused >= 1, "\(counts)")
        // After `stop`, the database file alone (no write-ahead log) holds every answered entry.
        let copy = f.directory + "/copy.db"
        try FileManager.default.copyItem(atPath: f.directory + "/store.db", toPath: copy)
        let fromFile = try Store.open(.sqlite(path: copy))
        #expect(try fromFile.queueLength(tenant: f.a) == 200)
        #expect(try fromFile.auditEvents(tenant: f.a, limit: 1000).filter { $0.action == "code" }.count == 200)
    }
}
