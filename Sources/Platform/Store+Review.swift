import StatMLCore

extension Store {
    /// Puts records in the tenant's review queue and returns their ids, in the order given. Either all
    /// are queued or, when one is invalid, none.
    @discardableResult
    public func enqueue(tenant: Tenant, items: [NewReviewItem]) throws -> [Int64] {
        for (i, item) in items.enumerated() { try Self.check(item, number: i + 1) }
        let now = Timestamp.now()
        return try write { db in try insertReviewItems(db, tenant, items, at: now) }
    }

    /// Inserts checked items inside the caller's transaction.
    func insertReviewItems(_ db: any SQLConnection, _ tenant: Tenant, _ items: [NewReviewItem], at now: Timestamp)
        throws -> [Int64]
    {
        try items.map { item in
            let row = try db.query(
                Self.insertReviewSQL + " RETURNING id", Self.reviewRow(tenant, item, at: now)
            ).first
            guard let id = try row?.int(0) else {
                throw StatMLError(.internal, "queueing record '\(item.recordID)' returned no id")
            }
            return id
        }
    }

    /// Inserts checked items inside the caller's transaction without reading back their ids: the coding
    /// service queues many per second and never needs them at once.
    func insertReviewRows(_ db: any SQLConnection, _ tenant: Tenant, _ items: [NewReviewItem], at now: Timestamp)
        throws
    {
        for item in items { try db.execute(Self.insertReviewSQL, Self.reviewRow(tenant, item, at: now)) }
    }

    private static let insertReviewSQL = """
        INSERT INTO review_items (tenant_id, record_id, text, confidence, suggestions, model_version,
            predicted_code, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The values of `insertReviewSQL` for an item. The suggestions are written as JSON directly, as
    /// `JSONValue.serialized()` would write `[{"code":…,"confidence":…},…]`, without building the value.
    private static func reviewRow(_ tenant: Tenant, _ item: NewReviewItem, at now: Timestamp) -> [SQLValue] {
        var suggestions: [UInt8] = [UInt8(ascii: "[")]
        suggestions.reserveCapacity(2 + item.suggestions.count * 40)
        for (k, s) in item.suggestions.enumerated() {
            suggestions.append(contentsOf: (k > 0 ? #",{"code":"# : #"{"code":"#).utf8)
            JSONValue.writeString(s.code, to: &suggestions)
            suggestions.append(contentsOf: #","confidence":"#.utf8)
            JSONValue.writeNumber(s.confidence, to: &suggestions)
            suggestions.append(UInt8(ascii: "}"))
        }
        suggestions.append(UInt8(ascii: "]"))
        return [
            .integer(tenant.id), .text(item.recordID), .text(item.text), .real(item.confidence),
            .text(String(decoding: suggestions, as: UTF8.self)), item.modelVersion.map { .integer(Int64($0)) } ?? .null,
            item.predictedCode.map { .text($0) } ?? .null, .integer(now.millisecondsSinceEpoch),
        ]
    }

    /// Pending items, the most uncertain first (lowest confidence, then oldest): a reviewer's time
    /// goes where the model is least reliable.
    public func nextReviewItems(tenant: Tenant, limit: Int) throws -> [ReviewItem] {
        try Self.checkLimit(limit, maximum: 1000)
        return try withConnection { db in
            try db.query(
                """
                SELECT \(Self.reviewColumns) FROM review_items
                WHERE tenant_id = ? AND decision IS NULL ORDER BY confidence, id LIMIT ?
                """, .integer(tenant.id), .integer(Int64(limit))
            ).map(Self.reviewItem)
        }
    }

    /// One item of the tenant's queue, pending or decided. Another tenant's id is reported as missing,
    /// never as forbidden, so ids do not reveal what other tenants hold.
    public func reviewItem(tenant: Tenant, id: Int64) throws -> ReviewItem {
        try withConnection { db in try loadReviewItem(db, tenant, id) }
    }

    /// Records a reviewer's code for a pending item: `accepted` when it is the predicted code,
    /// `corrected` otherwise. Committed before it returns. An item is decided once: a second decision
    /// (another reviewer got there first) is a `.conflict` that says who decided what.
    ///
    /// With `audited`, the decision's audit entry (`review.decide`) is written in the same transaction, so
    /// that a crash can never leave a decision without its entry in the audit log.
    @discardableResult
    public func decide(tenant: Tenant, id: Int64, code: String, reviewer: Int64?, audited: Bool = false) throws
        -> ReviewItem
    {
        // Codes are a classification's codes or, as in ECOICOP's Polish data, its category names.
        guard code.unicodeScalars.contains(where: { !$0.properties.isWhitespace }), code.count <= 200,
            !code.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw StatMLError.invalidInput(
                "code '\(code)' for review item \(id) is not a valid code: 1–200 characters, no control characters")
        }
        let now = Timestamp.now()
        return try write { db in
            try checkKey(db, reviewer, of: tenant, as: "reviewer")
            let item = try loadReviewItem(db, tenant, id)
            if case .decided(let decision) = item.state { throw Self.alreadyDecided(tenant, id, decision) }
            let kind: DecisionKind = item.predictedCode == code ? .accepted : .corrected
            let changed = try db.execute(
                """
                UPDATE review_items SET final_code = ?, decision = ?, reviewer_key_id = ?, decided_at = ?
                WHERE tenant_id = ? AND id = ? AND decision IS NULL
                """,
                .text(code), .text(kind.rawValue), reviewer.map { .integer($0) } ?? .null,
                .integer(now.millisecondsSinceEpoch), .integer(tenant.id), .integer(id))
            let decided = try loadReviewItem(db, tenant, id)
            guard changed == 1 else {
                // Another connection decided between our read and our update (PostgreSQL re-checks
                // the condition after waiting for its row lock).
                if case .decided(let decision) = decided.state { throw Self.alreadyDecided(tenant, id, decision) }
                throw StatMLError(.internal, "review item \(id) of tenant '\(tenant.name)' could not be decided")
            }
            if audited {
                _ = try insertAudit(
                    db, tenant, reviewer, "review.decide",
                    [
                        "item": .number(Double(id)), "record_id": .string(decided.recordID), "code": .string(code),
                        "decision": .string(kind.rawValue),
                        "predicted_code": decided.predictedCode.map { .string($0) } ?? .null,
                    ], at: now)
            }
            return decided
        }
    }

    /// How many items of the tenant wait for a decision.
    public func queueLength(tenant: Tenant) throws -> Int {
        try withConnection { db in
            Int(
                try db.queryOne(
                    "SELECT count(*) FROM review_items WHERE tenant_id = ? AND decision IS NULL", .integer(tenant.id))?
                    .int(0) ?? 0)
        }
    }

    /// Decided items with an id above `afterID`, by id: pages of training data for the next model.
    /// Items are numbered when queued, not when decided: an item decided after a page was read can have
    /// a lower id than that page's last, so a complete export starts from afterID 0.
    public func corrections(tenant: Tenant, afterID: Int64 = 0, limit: Int = 1000) throws -> [Correction] {
        try Self.checkLimit(limit)
        return try withConnection { db in
            try db.query(
                """
                SELECT id, record_id, text, final_code, decision, predicted_code, model_version, reviewer_key_id,
                       decided_at
                FROM review_items WHERE tenant_id = ? AND decision IS NOT NULL AND id > ? ORDER BY id LIMIT ?
                """, .integer(tenant.id), .integer(afterID), .integer(Int64(limit))
            ).map { row in
                Correction(
                    id: try row.int(0), recordID: try row.text(1), text: try row.text(2), code: try row.text(3),
                    decision: try Self.decisionKind(row.text(4)), predictedCode: try row.optionalText(5),
                    modelVersion: try row.optionalInt(6).map { Int($0) }, reviewerKeyID: try row.optionalInt(7),
                    decidedAt: Timestamp(millisecondsSinceEpoch: try row.int(8)))
            }
        }
    }

    private func loadReviewItem(_ db: any SQLConnection, _ tenant: Tenant, _ id: Int64) throws -> ReviewItem {
        guard
            let row = try db.queryOne(
                "SELECT \(Self.reviewColumns) FROM review_items WHERE tenant_id = ? AND id = ?", .integer(tenant.id),
                .integer(id))
        else { throw StatMLError.notFound("tenant '\(tenant.name)' has no review item \(id)") }
        return try Self.reviewItem(row)
    }

    private static func alreadyDecided(_ tenant: Tenant, _ id: Int64, _ decision: ReviewItem.Decision) -> StatMLError {
        let who = decision.reviewerKeyID.map { " by key \($0)" } ?? ""
        return StatMLError(
            .conflict,
            "review item \(id) of tenant '\(tenant.name)' was already decided: \(decision.kind.rawValue) as '\(decision.code)'\(who) at \(decision.at)"
        )
    }

    static func check(_ item: NewReviewItem, number: Int) throws {
        func fail(_ what: String) -> StatMLError {
            StatMLError.invalidInput("review item \(number) (record '\(item.recordID)'): \(what)")
        }
        // At most 256 bytes of UTF-8 is at most 256 characters: the character count (slower) only for longer ids.
        guard !item.recordID.isEmpty, item.recordID.utf8.count <= 256 || item.recordID.count <= 256 else {
            throw fail("the record id must be 1–256 characters")
        }
        guard item.confidence.isFinite, (0...1).contains(item.confidence) else {
            throw fail("confidence \(item.confidence) is outside 0…1")
        }
        for s in item.suggestions where s.code.isEmpty || !s.confidence.isFinite || !(0...1).contains(s.confidence) {
            throw fail("suggestion '\(s.code)' with confidence \(s.confidence) needs a code and a confidence in 0…1")
        }
        if let version = item.modelVersion, version < 1 { throw fail("model version \(version) is not 1 or above") }
    }

    static let reviewColumns = """
        id, tenant_id, record_id, text, confidence, suggestions, model_version, predicted_code, created_at,
        final_code, decision, reviewer_key_id, decided_at
        """

    static func reviewItem(_ row: SQLRow) throws -> ReviewItem {
        let id = try row.int(0)
        let suggestions = try JSONValue.parse(row.text(5)).arrayValue?.map { s in
            guard let code = s["code"]?.stringValue, let confidence = s["confidence"]?.doubleValue else {
                throw StatMLError(.internal, "review item \(id) has malformed suggestions")
            }
            return (code: code, confidence: confidence)
        }
        var state = ReviewItem.State.pending
        if let code = try row.optionalText(9) {
            state = .decided(
                ReviewItem.Decision(
                    code: code, kind: try decisionKind(row.text(10)), reviewerKeyID: try row.optionalInt(11),
                    at: Timestamp(millisecondsSinceEpoch: try row.int(12))))
        }
        return ReviewItem(
            id: id, tenantID: try row.int(1), recordID: try row.text(2), text: try row.text(3),
            confidence: try row.real(4), suggestions: suggestions ?? [],
            modelVersion: try row.optionalInt(6).map { Int($0) }, predictedCode: try row.optionalText(7),
            createdAt: Timestamp(millisecondsSinceEpoch: try row.int(8)), state: state)
    }

    private static func decisionKind(_ name: String) throws -> DecisionKind {
        guard let kind = DecisionKind(rawValue: name) else {
            throw StatMLError(.internal, "the store holds an unknown review decision '\(name)'")
        }
        return kind
    }
}
