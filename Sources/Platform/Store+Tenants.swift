import StatMLCore

extension Store {
    /// Creates a tenant. Names are short identifiers (they appear in URLs and file names), so they are
    /// limited to 1–64 letters, digits, `-`, `_` and `.`.
    @discardableResult
    public func createTenant(name: String) throws -> Tenant {
        try Self.checkTenantName(name)
        let now = Timestamp.now()
        return try write { db in
            if try db.queryOne("SELECT id FROM tenants WHERE name = ?", .text(name)) != nil {
                throw StatMLError(.conflict, "a tenant named '\(name)' already exists")
            }
            do {
                let row = try db.queryOne(
                    "INSERT INTO tenants (name, audit_texts, created_at) VALUES (?, 0, ?) RETURNING id",
                    .text(name), .integer(now.millisecondsSinceEpoch))
                guard let row else { throw StatMLError(.internal, "creating tenant '\(name)' returned no id") }
                return Tenant(id: try row.int(0), name: name, auditTexts: false, createdAt: now)
            } catch let error as StatMLError where error.isUniqueViolation {
                // Another process created it between our check and our insert.
                throw StatMLError(.conflict, "a tenant named '\(name)' already exists")
            }
        }
    }

    /// The tenant with this exact name; an unknown name is answered with the closest existing one.
    public func tenant(named name: String) throws -> Tenant {
        try withConnection { db in
            if let row = try db.queryOne(
                "SELECT id, name, audit_texts, created_at FROM tenants WHERE name = ?", .text(name))
            {
                return try Self.tenant(row)
            }
            let names = try db.query("SELECT name FROM tenants").map { try $0.text(0) }
            throw StatMLError.notFound("no tenant named '\(name)'\(Suggestions.didYouMean(name, in: names))")
        }
    }

    /// All tenants, by name.
    public func tenants() throws -> [Tenant] {
        try withConnection { db in
            try db.query("SELECT id, name, audit_texts, created_at FROM tenants ORDER BY name").map(Self.tenant)
        }
    }

    /// Allows or forbids texts in the tenant's audit entries from now on (entries already written stay).
    @discardableResult
    public func setAuditTexts(tenant: Tenant, enabled: Bool) throws -> Tenant {
        try write { db in
            let changed = try db.execute(
                "UPDATE tenants SET audit_texts = ? WHERE id = ?", .integer(enabled ? 1 : 0), .integer(tenant.id))
            guard changed == 1 else { throw StatMLError.notFound("no tenant named '\(tenant.name)'") }
            var updated = tenant
            updated.auditTexts = enabled
            return updated
        }
    }

    static func checkTenantName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "-_.".unicodeScalars.contains($0)
        }
        guard (1...64).contains(name.unicodeScalars.count), allowed else {
            throw StatMLError.invalidInput(
                "tenant name '\(name)' is not allowed: use 1–64 letters (a–z, A–Z), digits, '-', '_' or '.'")
        }
    }

    static func tenant(_ row: SQLRow) throws -> Tenant {
        Tenant(
            id: try row.int(0), name: try row.text(1), auditTexts: try row.int(2) != 0,
            createdAt: Timestamp(millisecondsSinceEpoch: try row.int(3)))
    }
}
