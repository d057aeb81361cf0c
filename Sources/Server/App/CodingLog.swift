import Foundation
import Platform
import StatMLCore

/// Group commit for coding requests: each request's audit entry and review items must be stored before
/// it is answered, but a disk flush per request would cap a busy service at a few thousand requests a
/// second and make every request wait behind the others' flushes. So a request adds its entry and
/// waits; the first waiting request whose entry is not yet written becomes the writer and stores every
/// entry pending at that moment in one transaction (`Store.recordCoding`), then wakes the others
/// (the same idea as a database's group commit). Entries are checked before they join a group, so one
/// bad entry cannot fail another request's write.
final class CodingLog: @unchecked Sendable {
    private let store: Store
    private let condition = NSCondition()
    private var pending: [(entry: CodingLogEntry, ticket: Int)] = []
    private var nextTicket = 0
    private var writing = false
    /// Outcome of each written ticket not yet collected by its request (nil: stored).
    private var outcomes: [Int: (any Error)?] = [:]

    init(store: Store) {
        self.store = store
    }

    /// Stores `entry`; returns once it is committed, or throws the store's error.
    func record(_ entry: CodingLogEntry) throws {
        try Store.check(entry)
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        pending.append((entry, ticket))
        while true {
            if let outcome = outcomes.removeValue(forKey: ticket) {
                condition.unlock()
                if let error = outcome { throw error }
                return
            }
            if !writing {
                writing = true
                let group = pending
                pending.removeAll()
                condition.unlock()
                var failure: (any Error)?
                do {
                    try store.recordCoding(group.map(\.entry))
                } catch {
                    failure = error
                }
                condition.lock()
                for item in group { outcomes[item.ticket] = failure }
                writing = false
                condition.broadcast()
                continue
            }
            condition.wait()
        }
    }
}
