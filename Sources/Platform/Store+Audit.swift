import StatMLCore

extension Store {
    /// Appends an entry to the tenant's audit log and commits it.
    ///
    /// Unless the tenant allowed texts in its audit log (`setAuditTexts`), fields named `text`, `texts`
    /// or ending in `_text`/`_texts` are removed from `details` at any depth: the texts being coded can
    /// be personal data, and an append-only log could never be cleaned of them afterwards.
    @discardableResult
    public func appendAudit(tenant: Tenant, actorKeyID: Int64?, action: String, details: JSONValue) throws
        -> AuditEvent
    {
        try Self.checkAudit(action: action, details: details)
        let now = Timestamp.now()
        return try write { db in
            try checkKey(db, actorKeyID, of: tenant, as: "actor")
            return try insertAudit(db, tenant, actorKeyID, action, details, at: now)
        }
    }

    static func checkAudit(action: String, details: JSONValue) throws {
        let allowed = action.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
        guard (1...64).contains(action.unicodeScalars.count), allowed else {
            throw StatMLError.invalidInput(
                "audit action '\(action)' must be 1–64 lower-case letters, digits, '.', '_' or '-'")
        }
        guard case .object = details else {
            throw StatMLError.invalidInput("the details of audit action '\(action)' must be a JSON object")
        }
    }

    /// Appends a checked entry inside the caller's transaction (texts dropped unless the tenant allows them).
    func insertAudit(
        _ db: any SQLConnection, _ tenant: Tenant, _ actorKeyID: Int64?, _ action: String, _ details: JSONValue,
        at now: Timestamp
    ) throws -> AuditEvent {
        let stored = try auditTextsAllowed(db, tenant) ? details : Self.withoutTexts(details)
        let row = try db.queryOne(
            "INSERT INTO audit_events (tenant_id, actor_key_id, action, details, at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            .integer(tenant.id), actorKeyID.map { .integer($0) } ?? .null, .text(action),
            .text(stored.serialized()), .integer(now.millisecondsSinceEpoch))
        guard let id = try row?.int(0) else {
            throw StatMLError(.internal, "appending audit action '\(action)' returned no id")
        }
        return AuditEvent(id: id, tenantID: tenant.id, actorKeyID: actorKeyID, action: action, details: stored, at: now)
    }

    /// Appends a checked entry inside the caller's transaction without reading back its id (one statement
    /// less for writers that do not need it). `textsAllowed` is `auditTextsAllowed` of the tenant, read in
    /// the same transaction.
    func insertAuditRow(
        _ db: any SQLConnection, _ tenant: Tenant, _ actorKeyID: Int64?, _ action: String, _ details: JSONValue,
        textsAllowed: Bool, at now: Timestamp
    ) throws {
        let stored = textsAllowed ? details : Self.withoutTexts(details)
        try db.execute(
            "INSERT INTO audit_events (tenant_id, actor_key_id, action, details, at) VALUES (?, ?, ?, ?, ?)",
            .integer(tenant.id), actorKeyID.map { .integer($0) } ?? .null, .text(action),
            .text(stored.serialized()), .integer(now.millisecondsSinceEpoch))
    }

    /// Whether the tenant keeps texts in its audit log (`setAuditTexts`); `.notFound` for a tenant that
    /// no longer exists.
    func auditTextsAllowed(_ db: any SQLConnection, _ tenant: Tenant) throws -> Bool {
        guard let setting = try db.queryOne("SELECT audit_texts FROM tenants WHERE id = ?", .integer(tenant.id))
        else { throw StatMLError.notFound("no tenant named '\(tenant.name)'") }
        return try setting.int(0) != 0
    }

    /// The tenant's audit entries with an id above `afterID`, oldest first.
    public func auditEvents(tenant: Tenant, afterID: Int64 = 0, limit: Int = 1000) throws -> [AuditEvent] {
        try Self.checkLimit(limit)
        return try withConnection { db in
            try db.query(
                """
                SELECT id, tenant_id, actor_key_id, action, details, at FROM audit_events
                WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?
                """, .integer(tenant.id), .integer(afterID), .integer(Int64(limit))
            ).map { row in
                AuditEvent(
                    id: try row.int(0), tenantID: try row.int(1), actorKeyID: try row.optionalInt(2),
                    action: try row.text(3), details: try JSONValue.parse(row.text(4)),
                    at: Timestamp(millisecondsSinceEpoch: try row.int(5)))
            }
        }
    }

    static func withoutTexts(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept = JSONObject()
            for (key, value) in object where !isTextField(key) { kept[key] = withoutTexts(value) }
            return .object(kept)
        case .array(let items):
            return .array(items.map(withoutTexts))
        default:
            return value
        }
    }

    private static func isTextField(_ key: String) -> Bool {
        let k = key.lowercased()
        return k == "text" || k == "texts" || k.hasSuffix("_text") || k.hasSuffix("_texts")
    }
}
