import Foundation
import Platform
import StatMLCore

/// Group commit for coding requests: each request's audit entry and review items must be stored before
/// it is answered, but a disk flush per request would cap a busy service at a few thousand requests a
/// second and make every request wait behind the others' flushes. So a request adds its entry and
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
    /// Guards `pending` and `writing`.
    private let lock = NSLock()
    private var pending: [Waiter] = []
    /// True from the moment a writer is chosen until it hands on or finds nothing more to write.
    private var writing = false

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

    init(store: Store) {
        self.store = store
    }

    /// Stores `entry`; returns once it is committed, or throws the store's error.
    func record(_ entry: CodingLogEntry) throws {
        try Store.check(entry)
        let me = Waiter(entry)
        lock.lock()
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
        let group = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        var failure: (any Error)?
        do {
            try store.recordCoding(group.map(\.entry))
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
