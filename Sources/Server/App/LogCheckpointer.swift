import Foundation
import Platform
import StatMLCore

/// Checkpoints a service's SQLite store every `interval` seconds, on a thread and a connection of its own.
///
/// Two jobs, both off the request path:
/// - With `--coding-durability log`, coding requests are answered once their entries are in the
///   write-ahead log, before the log is flushed to disk. Each checkpoint flushes it first, so what was
///   answered is on disk within about one interval.
/// - SQLite otherwise checkpoints inside a committing request once the log reaches 1,000 pages, holding
///   the store for the copy and two disk flushes while every request behind it waits. The serving store's
///   own threshold is raised to `2 × restartFrames`, a safety net only.
///
/// A checkpoint here never waits for the requests, so under continuous load new commits arrive while it
/// copies, and SQLite starts the log over from its beginning only after a checkpoint that left nothing
/// behind. So once the log holds `restartFrames` frames, one more checkpoint runs with the serving store
/// paused: it has only the frames of the last moments to copy, and the next commit starts a new log. With
/// the default 32,768 frames (128 MiB of log) and 25 MB/s of commits that is a pause of a few
/// milliseconds (the copy and two disk flushes) every five seconds or so.
///
/// PostgreSQL needs none of this (its WAL writer flushes, its checkpointer copies): `start` returns nil.
public final class LogCheckpointer: @unchecked Sendable {
    private let own: Store
    private let serving: Store
    private let interval: Double
    private let restartFrames: Int
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var stopping = false
    private var finished = false
    private var failuresReported = 0
    private var counts = (checkpoints: 0, paused: 0)
    /// When the serving store was last paused (at most once a second).
    private var lastPaused: ContinuousClock.Instant?

    private init(own: Store, serving: Store, interval: Double, restartFrames: Int) {
        self.own = own
        self.serving = serving
        self.interval = interval
        self.restartFrames = restartFrames
    }

    /// Opens a second connection to `store`'s database and starts checkpointing it; nil for PostgreSQL.
    public static func start(serving store: Store, interval: Double = 0.1, restartFrames: Int = 32_768) throws
        -> LogCheckpointer?
    {
        guard case .sqlite = store.location else { return nil }
        try store.setAutoCheckpoint(pages: 2 * restartFrames)
        let checkpointer = LogCheckpointer(
            own: try Store.open(store.location), serving: store, interval: interval, restartFrames: restartFrames)
        let thread = Thread { checkpointer.run() }
        thread.name = "statml-checkpoint"
        thread.start()
        return checkpointer
    }

    /// Checkpoints done so far, and how many of them with the serving store paused.
    public var checkpoints: (all: Int, paused: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (counts.checkpoints, counts.paused)
    }

    /// Does a last checkpoint (so that everything answered so far is on disk), stops the thread and
    /// closes its connection. Call after the server has stopped taking requests.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            let deadline = Date(timeIntervalSinceNow: interval)
            while !stopping && condition.wait(until: deadline) {}
            let last = stopping
            condition.unlock()
            checkpointOnce()
            condition.lock()
            if last { break }
        }
        own.close()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func checkpointOnce() {
        do {
            guard let done = try own.checkpoint() else { return }
            var paused = false
            let now = ContinuousClock.now
            if done.logFrames >= restartFrames, lastPaused.map({ now - $0 >= .seconds(1) }) ?? true {
                lastPaused = now
                _ = try serving.withWritesPaused { try own.checkpoint() }
                paused = true
            }
            condition.lock()
            counts.checkpoints += 1
            if paused { counts.paused += 1 }
            condition.unlock()
        } catch {
            // The requests' commits still land in the log, and SQLite's own checkpoints still run at
            // the raised threshold. Say so a few times, not at every interval.
            condition.lock()
            failuresReported += 1
            let report = failuresReported <= 3
            condition.unlock()
            if report { CommandLineTool.printError("statml serve: checkpoint of the store failed: \(error)") }
        }
    }
}
