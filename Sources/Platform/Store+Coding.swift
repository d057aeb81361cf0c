import StatMLCore

/// What one coding request leaves in the store: its audit entry and the records it sends to review.
public struct CodingLogEntry: Sendable {
    public var tenant: Tenant
    public var actorKeyID: Int64?
    /// The audit entry's details (a JSON object: record count, model version, …).
    public var details: JSONValue
    public var reviewItems: [NewReviewItem]

    public init(tenant: Tenant, actorKeyID: Int64?, details: JSONValue, reviewItems: [NewReviewItem]) {
        self.tenant = tenant
        self.actorKeyID = actorKeyID
        self.details = details
        self.reviewItems = reviewItems
    }
}

extension Store {
    /// Checks an entry as `recordCoding` would, without storing it.
    public static func check(_ entry: CodingLogEntry) throws {
        try checkAudit(action: "code", details: entry.details)
        for (i, item) in entry.reviewItems.enumerated() { try check(item, number: i + 1) }
    }

    /// Stores several coding requests' audit entries (action `code`) and review items in one transaction:
    /// one commit (one disk flush) for a group of requests, so that a busy service does not wait on a flush
    /// per request. All entries are checked first; either all are stored or none.
    public func recordCoding(_ entries: [CodingLogEntry]) throws {
        for entry in entries { try Self.check(entry) }
        guard !entries.isEmpty else { return }
        let now = Timestamp.now()
        try write { db in
            for entry in entries {
                try checkKey(db, entry.actorKeyID, of: entry.tenant, as: "actor")
                _ = try insertReviewItems(db, entry.tenant, entry.reviewItems, at: now)
                _ = try insertAudit(db, entry.tenant, entry.actorKeyID, "code", entry.details, at: now)
            }
        }
    }
}
