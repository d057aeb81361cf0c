import Foundation
import StatMLCore
import Synchronization
import Testing

@testable import Platform

@Suite("Platform: coding-log durability and checkpoints")
struct CheckpointTests {
    func entries(_ tenant: Tenant, _ range: Range<Int>) -> [CodingLogEntry] {
        range.map { n in
            CodingLogEntry(
                tenant: tenant, actorKeyID: nil, details: ["records": 1, "n": .number(Double(n))],
                reviewItems: [reviewInput("r\(n)", confidence: 0.3)])
        }
    }

    @Test(
        "coding entries committed to the log alone are stored, and a checkpoint puts them in the database file",
        arguments: Backend.available)
    func checkpointCopiesTheLog(_ backend: Backend) throws {
        try withStore(backend) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            for k in 0..<5 { try store.recordCoding(entries(tenant, (k * 10)..<(k * 10 + 10)), durability: .log) }
            #expect(try store.queueLength(tenant: tenant) == 50)

            // A second connection checkpoints, as `statml serve`'s checkpointer does.
            let checkpointer = try fixture.open()
            let done = try checkpointer.checkpoint()
            guard let sqlitePath = fixture.sqlitePath else {
                #expect(done == nil, "PostgreSQL checkpoints itself: nothing to do")
                return
            }
            let result = try #require(done, "the SQLite checkpoint did not run")
            #expect(result.logFrames > 0 && result.checkpointed == result.logFrames, "\(result)")

            // The database file alone, without its log, now holds every entry.
            let copy = temporaryDirectory() + "/copy.db"
            defer { try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent) }
            try FileManager.default.copyItem(atPath: sqlitePath, toPath: copy)
            let fromFile = try Store.open(.sqlite(path: copy))
            #expect(try fromFile.queueLength(tenant: tenant) == 50)
            let codes = try fromFile.auditEvents(tenant: tenant, limit: 100).filter { $0.action == "code" }
            #expect(codes.count == 50)
        }
    }

    @Test("under a steady stream of commits, a checkpoint with the writer paused lets the log start over")
    func pausedCheckpointRestartsTheLog() throws {
        try withStore(.sqlite) { fixture in
            let store = try fixture.open()
            let tenant = try store.createTenant(name: "acme")
            let checkpointer = try fixture.open()
            // Only this test's checkpoints, as in the service (which raises the threshold instead).
            try store.setAutoCheckpoint(pages: 0)
            let state = WriterState()
            let writer = Thread { [self] in
                var n = 0
                while state.writing.load(ordering: .relaxed) {
                    try? store.recordCoding(entries(tenant, n..<(n + 1)), durability: .log)
                    n += 1
                    state.written.store(n, ordering: .relaxed)
                }
                state.stopped.signal()
            }
            writer.start()
            var stopped = false
            defer {
                state.writing.store(false, ordering: .relaxed)
                if !stopped { state.stopped.wait() }
            }
            func waitForWrites(_ count: Int) {
                let target = state.written.load(ordering: .relaxed) + count
                while state.written.load(ordering: .relaxed) < target { usleep(200) }
            }
            waitForWrites(200)
            _ = try checkpointer.checkpoint()
            // At least 200 commits since the last checkpoint, so at least 200 frames in the log now.
            waitForWrites(200)
            // The writer stops as the pause ends: at most the one commit it was waiting to make follows.
            let paused = try #require(
                try store.withWritesPaused {
                    state.writing.store(false, ordering: .relaxed)
                    return try checkpointer.checkpoint()
                })
            #expect(paused.logFrames >= 200 && paused.checkpointed == paused.logFrames, "\(paused)")
            state.stopped.wait()
            stopped = true
            // The log starts over at the first commit after a complete checkpoint (if no other connection
            // holds a read mark at that moment; the service retries then): it holds that commit's frames
            // alone, not 200 and more.
            var after: Store.CheckpointResult?
            for n in 0..<5 where (after?.logFrames ?? .max) >= 50 {
                if n > 0 { _ = try store.withWritesPaused { try checkpointer.checkpoint() } }
                try store.recordCoding(entries(tenant, (10_000 + n)..<(10_001 + n)), durability: .log)
                after = try checkpointer.checkpoint()
            }
            #expect(
                (after?.logFrames ?? .max) < 50,
                "the log did not start over: \(paused) then \(String(describing: after))")
        }
    }
}

/// The writer thread's switch and progress, shared with the test.
final class WriterState: Sendable {
    let writing = Atomic<Bool>(true)
    let written = Atomic<Int>(0)
    let stopped = DispatchSemaphore(value: 0)
}
