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
    /// per request. All entries are checked first; either all are stored or none. With `durability` `.log`
    /// the commit is not flushed to disk before this returns (see `CommitDurability`).
    public func recordCoding(_ entries: [CodingLogEntry], durability: CommitDurability = .disk) throws {
        for entry in entries { try Self.check(entry) }
        guard !entries.isEmpty else { return }
        let now = Timestamp.now()
        try write(durability: durability) { db in
            // A group usually holds many requests of the same tenant and key: each tenant's setting and
            // each (key, tenant) pair is read once per transaction, which sees the same rows throughout.
            var textsAllowed: [Int64: Bool] = [:]
            var checkedKeys: [(key: Int64, tenant: Int64)] = []
            for entry in entries {
                if let key = entry.actorKeyID, !checkedKeys.contains(where: { $0 == (key, entry.tenant.id) }) {
                    try checkKey(db, key, of: entry.tenant, as: "actor")
                    checkedKeys.append((key, entry.tenant.id))
                }
                let allowed = try textsAllowed[entry.tenant.id] ?? auditTextsAllowed(db, entry.tenant)
                textsAllowed[entry.tenant.id] = allowed
                try insertReviewRows(db, entry.tenant, entry.reviewItems, at: now)
                try insertAuditRow(
                    db, entry.tenant, entry.actorKeyID, "code", entry.details, textsAllowed: allowed, at: now)
            }
        }
    }
}
