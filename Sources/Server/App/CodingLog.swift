import Foundation
import Platform
import StatMLCore

/// Group commit for coding requests: each request's audit entry and review items must be stored before
/// it is answered (committed; flushed to disk too when `durability` is `.disk`), but a commit per request
/// would cap a busy service at a few thousand requests a second and make every request wait behind the
/// others' commits. So a request adds its entry and
/// waits; while no group is being written, the request becomes the writer and stores every entry
/// pending at that moment in one transaction (`Store.recordCoding`). Entries are checked before they
/// join a group, so one bad entry cannot fail another request's write.
///
/// Each waiting request is woken exactly once: with its outcome, or to become the next writer of the
/// entries that arrived during the last commit (a baton passed from writer to writer). A broadcast to
/// every waiter woke all of a busy service's threads at every commit, most of them only to contend for
/// the lock and wait again.
final class CodingLog: @unchecked Sendable {
    private let store: Store
    /// `.log`: a group's commit is not flushed to disk before its requests are answered (`LogCheckpointer`
    /// flushes it soon after).
    let durability: CommitDurability
    /// Guards `pending`, `writing` and `coming`; a writer waits on it for the requests still coming.
    private let lock = NSCondition()
    private var pending: [Waiter] = []
    /// True from the moment a writer is chosen until it hands on or finds nothing more to write.
    private var writing = false
    /// Requests that announced an entry (`announce`) and have not recorded it yet: still coding.
    private var coming = 0
    /// How long a writer waits for the requests still coming before it commits without them.
    let groupWait: Double

    /// One request waiting: its entry, then what happened to it. `turn` is written before `wake` is
    /// signalled and read after it is waited for, so the semaphore orders the two threads' accesses.
    private final class Waiter: @unchecked Sendable {
        let entry: CodingLogEntry
        let wake = DispatchSemaphore(value: 0)
        var turn = Turn.waiting

        enum Turn {
            case waiting
            /// Become the writer of the pending entries (this one among them).
            case write
            /// Written; the store's error when the write failed.
            case done((any Error)?)
        }

        init(_ entry: CodingLogEntry) { self.entry = entry }
    }

    init(store: Store, durability: CommitDurability, groupWait: Double = 0.001) {
        self.store = store
        self.durability = durability
        self.groupWait = groupWait
    }

    /// Says that this request will record an entry soon (it has started coding). A writer about to commit
    /// waits up to `groupWait` for such requests, so that a busy service commits once for all the requests
    /// in flight rather than once for every one or two: each commit writes whole pages of the audit and
    /// review tables (and, with `.disk`, waits for the disk), whatever the number of entries. Every
    /// `announce` must be followed by `record(_:announced: true)` or `withdraw()`.
    func announce() {
        lock.lock()
        coming += 1
        lock.unlock()
    }

    /// Takes back an `announce` of a request that will not record an entry (it failed).
    func withdraw() {
        lock.lock()
        arrived()
        lock.unlock()
    }

    /// One announced request is no longer coming; the lock is held.
    private func arrived() {
        coming -= 1
        if coming == 0 { lock.signal() }
    }

    /// Stores `entry`; returns once it is committed, or throws the store's error. `announced`: this
    /// request called `announce()` first (the entry counts as arrived even when it is refused).
    func record(_ entry: CodingLogEntry, announced: Bool = false) throws {
        do {
            try Store.check(entry)
        } catch {
            if announced { withdraw() }
            throw error
        }
        let me = Waiter(entry)
        lock.lock()
        if announced { arrived() }
        pending.append(me)
        if writing {
            lock.unlock()
            me.wake.wait()
        } else {
            writing = true
            me.turn = .write
            lock.unlock()
        }
        if case .write = me.turn { write(as: me) }
        guard case .done(let failure) = me.turn else {
            preconditionFailure("a coding log entry was woken before its group was written")
        }
        if let failure { throw failure }
    }

    /// The writer's work: stores every pending entry (the writer's own among them) in one transaction,
    /// hands the writer's role to a request that arrived meanwhile (or gives it up when there is none),
    /// then wakes the group's other requests.
    private func write(as writer: Waiter) {
        lock.lock()
        if coming > 0 && groupWait > 0 {
            let deadline = Date(timeIntervalSinceNow: groupWait)
            while coming > 0 && lock.wait(until: deadline) {}
        }
        let group = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        var failure: (any Error)?
        do {
            try store.recordCoding(group.map(\.entry), durability: durability)
        } catch {
            failure = error
        }
        for waiter in group { waiter.turn = .done(failure) }
        lock.lock()
        let next = pending.first
        if let next { next.turn = .write } else { writing = false }
        lock.unlock()
        // The next commit starts first: the requests just written only have to send their answers.
        next?.wake.signal()
        for waiter in group where waiter !== writer { waiter.wake.signal() }
    }
}
