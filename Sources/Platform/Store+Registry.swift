import Coding
import StatMLCore

extension Store {
    /// Adds a model file to the tenant's registry as the next version, in stage `none`.
    ///
    /// The bytes must be a StatML coding model (`CodingModelFile.decode` says why when they are not);
    /// `trainedOnCorrections` must be decided review items of this tenant, so the registry can later
    /// say which reviewer decisions each model learned from.
    @discardableResult
    public func addModel(tenant: Tenant, bytes: [UInt8], createdBy: Int64?, trainedOnCorrections: [Int64] = [])
        throws -> RegisteredModel
    {
        let model = try CodingModelFile.decode(bytes, name: "the model file for tenant '\(tenant.name)'")
        let corrections = Array(Set(trainedOnCorrections)).sorted()
        let now = Timestamp.now()
        let sha256 = SHA256Hex.of(bytes)
        return try write { db in
            try lockTenant(db, tenant)
            try checkKey(db, createdBy, of: tenant, as: "creator of the model")
            try checkCorrections(db, corrections, of: tenant)
            let last = try db.queryOne(
                "SELECT coalesce(max(version), 0) FROM models WHERE tenant_id = ?", .integer(tenant.id))
            let version = Int(try last?.int(0) ?? 0) + 1
            let validation = model.info.validation
            let row = try db.queryOne(
                """
                INSERT INTO models (tenant_id, version, sha256, size_bytes, algorithm, class_count, threshold,
                    validation, training_data_sha256, statml_version, stage, created_by, created_at, bytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'none', ?, ?, ?) RETURNING id
                """,
                .integer(tenant.id), .integer(Int64(version)), .text(sha256), .integer(Int64(bytes.count)),
                .text(model.info.algorithm.rawValue), .integer(Int64(model.classes.count)),
                model.threshold.map { .real($0) } ?? .null, .text(validation.serialized()),
                .text(model.info.trainingDataHash), .text(model.info.statmlVersion),
                createdBy.map { .integer($0) } ?? .null, .integer(now.millisecondsSinceEpoch), .blob(bytes))
            guard let modelID = try row?.int(0) else {
                throw StatMLError(.internal, "adding a model for '\(tenant.name)' returned no id")
            }
            for id in corrections {
                try db.execute(
                    "INSERT INTO model_corrections (model_id, review_item_id) VALUES (?, ?)", .integer(modelID),
                    .integer(id))
            }
            return RegisteredModel(
                tenantID: tenant.id, version: version, sha256: sha256, sizeBytes: bytes.count,
                algorithm: model.info.algorithm.rawValue, classCount: model.classes.count, threshold: model.threshold,
                validation: validation, trainingDataHash: model.info.trainingDataHash,
                statmlVersion: model.info.statmlVersion, stage: .none, createdBy: createdBy, createdAt: now,
                trainedOnCorrections: corrections)
        }
    }

    /// The tenant's model versions, oldest first (metadata only; `modelBytes` fetches a file).
    public func models(tenant: Tenant) throws -> [RegisteredModel] {
        try withConnection { db in try loadModels(db, tenant) }
    }

    public func model(tenant: Tenant, version: Int) throws -> RegisteredModel {
        try withConnection { db in try loadModel(db, tenant, version: version) }
    }

    /// The version currently in production, if any.
    public func productionModel(tenant: Tenant) throws -> RegisteredModel? {
        try withConnection { db in try loadModels(db, tenant, stage: .production).first }
    }

    /// The model file's bytes, exactly as added.
    public func modelBytes(tenant: Tenant, version: Int) throws -> [UInt8] {
        try withConnection { db in
            guard
                let row = try db.queryOne(
                    "SELECT bytes FROM models WHERE tenant_id = ? AND version = ?", .integer(tenant.id),
                    .integer(Int64(version)))
            else { throw try missingVersion(db, tenant, version) }
            return try row.blob(0)
        }
    }

    /// Moves a version to `stage`. Taking `production` archives the version that held it; taking
    /// `staging` returns the previous staging version to `none`. Every change is recorded in the
    /// stage history with `actor`.
    @discardableResult
    public func setStage(tenant: Tenant, version: Int, stage: ModelStage, actor: Int64?) throws -> RegisteredModel {
        let now = Timestamp.now()
        return try write { db in
            try lockTenant(db, tenant)
            try checkKey(db, actor, of: tenant, as: "actor")
            let model = try loadModel(db, tenant, version: version)
            guard model.stage != stage else { return model }
            if stage == .production || stage == .staging,
                let holder = try loadModels(db, tenant, stage: stage).first
            {
                let displaced: ModelStage = stage == .production ? .archived : .none
                try changeStage(db, tenant, holder, to: displaced, reason: .replaced, actor: actor, at: now)
            }
            try changeStage(db, tenant, model, to: stage, reason: .requested, actor: actor, at: now)
            return try loadModel(db, tenant, version: version)
        }
    }

    /// Puts the previous production version back into production and archives the current one.
    ///
    /// "Previous" is the version that most recently left production other than by a rollback, so
    /// repeated rollbacks walk back through the history instead of flipping between two versions.
    @discardableResult
    public func rollback(tenant: Tenant, actor: Int64?) throws -> RegisteredModel {
        let now = Timestamp.now()
        return try write { db in
            try lockTenant(db, tenant)
            try checkKey(db, actor, of: tenant, as: "actor")
            let current = try loadModels(db, tenant, stage: .production).first
            let departures = try db.query(
                """
                SELECT h.id, m.version, h.reason FROM model_stage_history h JOIN models m ON m.id = h.model_id
                WHERE h.tenant_id = ? AND h.from_stage = 'production' ORDER BY h.id
                """, .integer(tenant.id))
            var latest: [Int: (id: Int64, reason: String)] = [:]
            for row in departures { latest[Int(try row.int(1))] = (try row.int(0), try row.text(2)) }
            let candidates = latest.filter {
                $0.value.reason != StageChange.Reason.rollback.rawValue && $0.key != current?.version
            }
            guard let target = candidates.max(by: { $0.value.id < $1.value.id })?.key else {
                throw StatMLError(
                    .conflict,
                    "tenant '\(tenant.name)' has no earlier production model to roll back to"
                        + (current.map { " (version \($0.version) is in production)" } ?? ""))
            }
            if let current {
                try changeStage(db, tenant, current, to: .archived, reason: .rollback, actor: actor, at: now)
            }
            let model = try loadModel(db, tenant, version: target)
            try changeStage(db, tenant, model, to: .production, reason: .rollback, actor: actor, at: now)
            return try loadModel(db, tenant, version: target)
        }
    }

    /// Every stage change of the tenant's models, oldest first.
    public func stageHistory(tenant: Tenant) throws -> [StageChange] {
        try withConnection { db in
            try db.query(
                """
                SELECT h.id, m.version, h.from_stage, h.to_stage, h.reason, h.actor_key_id, h.at
                FROM model_stage_history h JOIN models m ON m.id = h.model_id
                WHERE h.tenant_id = ? ORDER BY h.id
                """, .integer(tenant.id)
            ).map { row in
                StageChange(
                    id: try row.int(0), version: Int(try row.int(1)), from: try Self.stage(row.text(2)),
                    to: try Self.stage(row.text(3)), reason: try Self.reason(row.text(4)),
                    actorKeyID: try row.optionalInt(5), at: Timestamp(millisecondsSinceEpoch: try row.int(6)))
            }
        }
    }

    private func changeStage(
        _ db: any SQLConnection, _ tenant: Tenant, _ model: RegisteredModel, to stage: ModelStage,
        reason: StageChange.Reason, actor: Int64?, at now: Timestamp
    ) throws {
        guard
            let row = try db.queryOne(
                "UPDATE models SET stage = ? WHERE tenant_id = ? AND version = ? RETURNING id", .text(stage.rawValue),
                .integer(tenant.id), .integer(Int64(model.version)))
        else { throw StatMLError.notFound("tenant '\(tenant.name)' has no model version \(model.version)") }
        try db.execute(
            """
            INSERT INTO model_stage_history (tenant_id, model_id, from_stage, to_stage, reason, actor_key_id, at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            .integer(tenant.id), .integer(try row.int(0)), .text(model.stage.rawValue), .text(stage.rawValue),
            .text(reason.rawValue), actor.map { .integer($0) } ?? .null, .integer(now.millisecondsSinceEpoch))
    }

    /// Refuses corrections that are not decided review items of this tenant, naming a few of them.
    private func checkCorrections(_ db: any SQLConnection, _ ids: [Int64], of tenant: Tenant) throws {
        var found = Set<Int64>()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try db.query(
                "SELECT id FROM review_items WHERE tenant_id = ? AND decision IS NOT NULL AND id IN (\(marks))",
                [.integer(tenant.id)] + chunk.map { .integer($0) })
            for row in rows { found.insert(try row.int(0)) }
        }
        let missing = ids.filter { !found.contains($0) }
        guard missing.isEmpty else {
            let shown = missing.prefix(5).map(String.init).joined(separator: ", ")
            throw StatMLError.invalidInput(
                "\(missing.count) of the corrections the model was trained on are not decided review items of tenant '\(tenant.name)': \(shown)\(missing.count > 5 ? ", …" : "")"
            )
        }
    }

    private func loadModel(_ db: any SQLConnection, _ tenant: Tenant, version: Int) throws -> RegisteredModel {
        guard let model = try loadModels(db, tenant, version: version).first else {
            throw try missingVersion(db, tenant, version)
        }
        return model
    }

    private func missingVersion(_ db: any SQLConnection, _ tenant: Tenant, _ version: Int) throws -> StatMLError {
        let latest = try db.queryOne(
            "SELECT max(version) FROM models WHERE tenant_id = ?", .integer(tenant.id)
        )?.optionalInt(0)
        let known = latest.map { "versions 1–\($0) exist" } ?? "it has no models yet"
        return StatMLError.notFound("tenant '\(tenant.name)' has no model version \(version) (\(known))")
    }

    private func loadModels(
        _ db: any SQLConnection, _ tenant: Tenant, version: Int? = nil, stage: ModelStage? = nil
    ) throws -> [RegisteredModel] {
        var filter = "m.tenant_id = ?"
        var parameters: [SQLValue] = [.integer(tenant.id)]
        if let version {
            filter += " AND m.version = ?"
            parameters.append(.integer(Int64(version)))
        }
        if let stage {
            filter += " AND m.stage = ?"
            parameters.append(.text(stage.rawValue))
        }
        let links = try db.query(
            """
            SELECT c.model_id, c.review_item_id FROM model_corrections c JOIN models m ON m.id = c.model_id
            WHERE \(filter) ORDER BY c.review_item_id
            """, parameters)
        var corrections: [Int64: [Int64]] = [:]
        for row in links { corrections[try row.int(0), default: []].append(try row.int(1)) }
        return try db.query(
            """
            SELECT m.id, m.version, m.sha256, m.size_bytes, m.algorithm, m.class_count, m.threshold, m.validation,
                   m.training_data_sha256, m.statml_version, m.stage, m.created_by, m.created_at
            FROM models m WHERE \(filter) ORDER BY m.version
            """, parameters
        ).map { row in
            RegisteredModel(
                tenantID: tenant.id, version: Int(try row.int(1)), sha256: try row.text(2),
                sizeBytes: Int(try row.int(3)), algorithm: try row.text(4), classCount: Int(try row.int(5)),
                threshold: try row.optionalReal(6), validation: try JSONValue.parse(row.text(7)),
                trainingDataHash: try row.text(8), statmlVersion: try row.text(9), stage: try Self.stage(row.text(10)),
                createdBy: try row.optionalInt(11), createdAt: Timestamp(millisecondsSinceEpoch: try row.int(12)),
                trainedOnCorrections: corrections[try row.int(0)] ?? [])
        }
    }

    private static func stage(_ name: String) throws -> ModelStage {
        guard let stage = ModelStage(rawValue: name) else {
            throw StatMLError(.internal, "the store holds an unknown model stage '\(name)'")
        }
        return stage
    }

    private static func reason(_ name: String) throws -> StageChange.Reason {
        guard let reason = StageChange.Reason(rawValue: name) else {
            throw StatMLError(.internal, "the store holds an unknown stage-change reason '\(name)'")
        }
        return reason
    }
}
