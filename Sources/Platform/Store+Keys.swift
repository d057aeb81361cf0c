import StatMLCore

extension Store {
    /// Creates an API key and returns its secret. The secret is shown to the caller this once: the
    /// store keeps only its SHA-256, so a copy of the database cannot be used to call the service.
    public func createKey(tenant: Tenant, role: Role, label: String) throws -> (key: APIKey, secret: String) {
        guard label.count <= 200 else {
            throw StatMLError.invalidInput("the key label is \(label.count) characters long; at most 200 are allowed")
        }
        let now = Timestamp.now()
        return try write { db in
            // A prefix collision (1 in 62^8 per pair) is retried, not reported.
            for _ in 0..<3 {
                let (prefix, secret) = APIKeySecret.generate()
                if try db.queryOne("SELECT id FROM api_keys WHERE prefix = ?", .text(prefix)) != nil { continue }
                let row = try db.queryOne(
                    """
                    INSERT INTO api_keys (tenant_id, role, label, prefix, secret_sha256, created_at)
                    VALUES (?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                    .integer(tenant.id), .text(role.rawValue), .text(label), .text(prefix),
                    .text(APIKeySecret.digest(secret)), .integer(now.millisecondsSinceEpoch))
                guard let row else {
                    throw StatMLError(.internal, "creating a key for '\(tenant.name)' returned no id")
                }
                let key = APIKey(
                    id: try row.int(0), tenantID: tenant.id, role: role, label: label, prefix: prefix, createdAt: now,
                    revokedAt: nil)
                return (key, secret)
            }
            throw StatMLError(.internal, "could not draw an unused key prefix for tenant '\(tenant.name)'")
        }
    }

    /// The key and tenant a secret belongs to; nil for an unknown, malformed or revoked secret, so a
    /// caller cannot tell which of these it was. The look-up is by digest, so no comparison of secrets
    /// takes place whose timing could leak them.
    public func authenticate(secret: String) throws -> (APIKey, Tenant)? {
        guard let prefix = APIKeySecret.prefix(of: secret) else { return nil }
        return try withConnection { db in
            guard
                let row = try db.queryOne(
                    """
                    SELECT k.id, k.tenant_id, k.role, k.label, k.prefix, k.created_at, k.revoked_at,
                           t.id, t.name, t.audit_texts, t.created_at
                    FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                    WHERE k.secret_sha256 = ? AND k.prefix = ? AND k.revoked_at IS NULL
                    """,
                    .text(APIKeySecret.digest(secret)), .text(prefix))
            else { return nil }
            return (try Self.key(row), try Self.tenant(SQLRow(values: Array(row.values[7...]))))
        }
    }

    /// The tenant's keys, revoked ones included (for the record), oldest first.
    public func keys(tenant: Tenant) throws -> [APIKey] {
        try withConnection { db in
            try db.query(
                "SELECT \(Self.keyColumns) FROM api_keys WHERE tenant_id = ? ORDER BY id", .integer(tenant.id)
            ).map(Self.key)
        }
    }

    /// Revokes a key at once; revoking a revoked key keeps its first revocation time.
    @discardableResult
    public func revokeKey(tenant: Tenant, id: Int64) throws -> APIKey {
        let now = Timestamp.now()
        return try write { db in
            try db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL",
                .integer(now.millisecondsSinceEpoch), .integer(tenant.id), .integer(id))
            guard
                let row = try db.queryOne(
                    "SELECT \(Self.keyColumns) FROM api_keys WHERE tenant_id = ? AND id = ?", .integer(tenant.id),
                    .integer(id))
            else { throw StatMLError.notFound("tenant '\(tenant.name)' has no API key \(id)") }
            return try Self.key(row)
        }
    }

    static let keyColumns = "id, tenant_id, role, label, prefix, created_at, revoked_at"

    static func key(_ row: SQLRow) throws -> APIKey {
        let roleName = try row.text(2)
        guard let role = Role(rawValue: roleName) else {
            throw StatMLError(.internal, "API key \(try row.int(0)) has an unknown role '\(roleName)'")
        }
        return APIKey(
            id: try row.int(0), tenantID: try row.int(1), role: role, label: try row.text(3), prefix: try row.text(4),
            createdAt: Timestamp(millisecondsSinceEpoch: try row.int(5)),
            revokedAt: try row.optionalInt(6).map(Timestamp.init(millisecondsSinceEpoch:)))
    }
}
