import StatMLCore

/// One step of the schema's history. Released migrations never change: a store that has applied one
/// keeps its effect, so a fix is always a new migration with the next version.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// SQL with `{id}`, `{blob}`, `{real}` left for the dialect to fill (SQLDialect.render).
    let sql: String
    /// Statements only one dialect needs (the append-only triggers), appended after `sql`.
    let sqliteOnly: String
    let postgresOnly: String

    init(_ version: Int, _ name: String, sql: String, sqliteOnly: String = "", postgresOnly: String = "") {
        self.version = version
        self.name = name
        self.sql = sql
        self.sqliteOnly = sqliteOnly
        self.postgresOnly = postgresOnly
    }

    func script(for dialect: SQLDialect) -> String {
        dialect.render(sql) + "\n" + (dialect == .sqlite ? sqliteOnly : postgresOnly)
    }
}

enum Migrations {
    static let all: [Migration] = [
        Migration(
            1, "tenants, API keys and the append-only audit log",
            sql: """
                CREATE TABLE tenants (
                    id {id},
                    name TEXT NOT NULL UNIQUE,
                    audit_texts BIGINT NOT NULL DEFAULT 0,
                    created_at BIGINT NOT NULL
                );
                CREATE TABLE api_keys (
                    id {id},
                    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
                    role TEXT NOT NULL CHECK (role IN ('admin', 'coder', 'client')),
                    label TEXT NOT NULL,
                    prefix TEXT NOT NULL UNIQUE,
                    secret_sha256 TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                );
                CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);
                CREATE TABLE audit_events (
                    id {id},
                    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
                    actor_key_id BIGINT REFERENCES api_keys(id),
                    action TEXT NOT NULL,
                    details TEXT NOT NULL,
                    at BIGINT NOT NULL
                );
                CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);
                """,
            sqliteOnly: """
                CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: entries cannot be changed'); END;
                CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: entries cannot be deleted'); END;
                """,
            postgresOnly: """
                CREATE FUNCTION statml_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_events is append-only: % is refused', TG_OP;
                END
                $$;
                CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                    FOR EACH ROW EXECUTE FUNCTION statml_audit_append_only();
                CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                    FOR EACH STATEMENT EXECUTE FUNCTION statml_audit_append_only();
                """),
        Migration(
            2, "review queue",
            sql: """
                CREATE TABLE review_items (
                    id {id},
                    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
                    record_id TEXT NOT NULL,
                    text TEXT NOT NULL,
                    confidence {real} NOT NULL,
                    suggestions TEXT NOT NULL,
                    model_version BIGINT,
                    predicted_code TEXT,
                    final_code TEXT,
                    decision TEXT CHECK (decision IN ('accepted', 'corrected')),
                    reviewer_key_id BIGINT REFERENCES api_keys(id),
                    decided_at BIGINT,
                    created_at BIGINT NOT NULL,
                    CHECK ((decision IS NULL) = (final_code IS NULL))
                );
                CREATE INDEX review_items_queue ON review_items (tenant_id, confidence, id) WHERE decision IS NULL;
                CREATE INDEX review_items_decided ON review_items (tenant_id, id) WHERE decision IS NOT NULL;
                """),
        Migration(
            3, "model registry with stages, stage history and training corrections",
            sql: """
                CREATE TABLE models (
                    id {id},
                    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
                    version BIGINT NOT NULL,
                    sha256 TEXT NOT NULL,
                    size_bytes BIGINT NOT NULL,
                    algorithm TEXT NOT NULL,
                    class_count BIGINT NOT NULL,
                    threshold {real},
                    validation TEXT NOT NULL,
                    training_data_sha256 TEXT NOT NULL,
                    statml_version TEXT NOT NULL,
                    stage TEXT NOT NULL DEFAULT 'none'
                        CHECK (stage IN ('none', 'staging', 'production', 'archived')),
                    created_by BIGINT REFERENCES api_keys(id),
                    created_at BIGINT NOT NULL,
                    bytes {blob} NOT NULL,
                    UNIQUE (tenant_id, version)
                );
                CREATE UNIQUE INDEX models_one_per_live_stage ON models (tenant_id, stage)
                    WHERE stage IN ('staging', 'production');
                CREATE TABLE model_stage_history (
                    id {id},
                    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
                    model_id BIGINT NOT NULL REFERENCES models(id),
                    from_stage TEXT NOT NULL,
                    to_stage TEXT NOT NULL,
                    reason TEXT NOT NULL CHECK (reason IN ('requested', 'replaced', 'rollback')),
                    actor_key_id BIGINT REFERENCES api_keys(id),
                    at BIGINT NOT NULL
                );
                CREATE INDEX model_stage_history_tenant ON model_stage_history (tenant_id, id);
                CREATE TABLE model_corrections (
                    model_id BIGINT NOT NULL REFERENCES models(id),
                    review_item_id BIGINT NOT NULL REFERENCES review_items(id),
                    PRIMARY KEY (model_id, review_item_id)
                );
                """),
    ]

    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Brings the store up to `target` (the latest by default), one migration per transaction.
    ///
    /// Each step re-reads the version under a lock (SQLite's write lock; a PostgreSQL advisory lock
    /// per schema), so two processes opening the same store at once apply every migration exactly once.
    static func apply(to db: any SQLConnection, upTo target: Int = latestVersion, storeName: String) throws {
        while true {
            let done = try db.transaction { () throws -> Bool in
                if db.dialect == .postgres {
                    try db.execute(
                        "SELECT pg_advisory_xact_lock(\(advisoryLockClass), hashtext(coalesce(current_schema(), '')))")
                }
                try db.executeScript(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version BIGINT PRIMARY KEY,
                        name TEXT NOT NULL,
                        statml_version TEXT NOT NULL,
                        applied_at BIGINT NOT NULL
                    )
                    """)
                let current = try currentVersion(db)
                guard current <= latestVersion else {
                    throw StatMLError(
                        .incompatible,
                        "the store \(storeName) has schema version \(current), but StatML \(StatMLVersion.current) knows versions up to \(latestVersion): it was written by a newer StatML; upgrade StatML to use it"
                    )
                }
                guard let next = all.first(where: { $0.version > current && $0.version <= target }) else { return true }
                try db.executeScript(next.script(for: db.dialect))
                try db.execute(
                    "INSERT INTO schema_migrations (version, name, statml_version, applied_at) VALUES (?, ?, ?, ?)",
                    .integer(Int64(next.version)), .text(next.name), .text(StatMLVersion.current),
                    .integer(Timestamp.now().millisecondsSinceEpoch))
                return false
            }
            if done { return }
        }
    }

    static func currentVersion(_ db: any SQLConnection) throws -> Int {
        Int(try db.queryOne("SELECT coalesce(max(version), 0) FROM schema_migrations")?.int(0) ?? 0)
    }

    /// The first key of PostgreSQL's two-key advisory lock: "SM" in ASCII, so StatML's lock does not
    /// collide with another application's in the same database.
    static let advisoryLockClass: Int32 = 0x534D
}
