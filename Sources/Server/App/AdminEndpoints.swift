import Coding
import Platform
import StatMLCore

/// Admin routes: the model registry, API keys, the audit log and tenant settings. Each change is audited.
extension CodingService {
    func listModels(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage models")
        return .json(["models": .array(try store.models(tenant: caller.tenant).map(Self.modelJSON))])
    }

    func showModel(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage models")
        return .json(Self.modelJSON(try store.model(tenant: caller.tenant, version: try version(request))))
    }

    func downloadModel(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage models")
        let v = try version(request)
        let bytes = try store.modelBytes(tenant: caller.tenant, version: v)
        return HTTPResponse(
            status: 200,
            headers: [
                "Content-Type": "application/octet-stream",
                "Content-Disposition": "attachment; filename=\"\(caller.tenant.name)-v\(v).statml\"",
            ], body: bytes)
    }

    /// `POST /v1/models?stage=production` with the model file as the body. The corrections the model was
    /// trained on are read from the model's own provenance (`statml code train --corrections`).
    func pushModel(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage models")
        let stage = try request.query("stage").map(Self.stage)
        guard !request.body.isEmpty else {
            throw StatMLError.invalidInput(
                "request body: send the model file's bytes (Content-Type: application/octet-stream)")
        }
        let model = try CodingModelFile.decode(request.body, name: "the uploaded model file")
        var registered = try store.addModel(
            tenant: caller.tenant, bytes: request.body, createdBy: caller.key.id,
            trainedOnCorrections: ModelProvenance.correctionIDs(of: model))
        try audit(
            caller, "model.push",
            ["version": .number(Double(registered.version)), "sha256": .string(registered.sha256)])
        if let stage, stage != .none {
            registered = try store.setStage(
                tenant: caller.tenant, version: registered.version, stage: stage, actor: caller.key.id)
            models.invalidate(caller.tenant)
            try audit(
                caller, "model.stage",
                ["version": .number(Double(registered.version)), "stage": .string(stage.rawValue)])
        }
        return .json(Self.modelJSON(registered), status: 201)
    }

    /// `POST /v1/models/{version}/stage` with `{"stage":"production"}`.
    func setStage(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage models")
        let v = try version(request)
        let body = try RequestFields(try request.jsonBody())
        try body.allowOnly(["stage"])
        let stage = try Self.stage(try body.requiredString("stage"))
        let registered = try store.setStage(tenant: caller.tenant, version: v, stage: stage, actor: caller.key.id)
        models.invalidate(caller.tenant)
        try audit(caller, "model.stage", ["version": .number(Double(v)), "stage": .string(stage.rawValue)])
        return .json(Self.modelJSON(registered))
    }

    /// `POST /v1/models/rollback`: the previous production version goes back into production.
    func rollback(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage models")
        let registered = try store.rollback(tenant: caller.tenant, actor: caller.key.id)
        models.invalidate(caller.tenant)
        try audit(caller, "model.rollback", ["version": .number(Double(registered.version))])
        return .json(Self.modelJSON(registered))
    }

    func listKeys(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage keys")
        return .json(["keys": .array(try store.keys(tenant: caller.tenant).map(Self.keyJSON))])
    }

    /// `POST /v1/keys` with `{"role":"coder","label":"..."}`: the new key's secret is in this answer only.
    func createKey(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage keys")
        let body = try RequestFields(try request.jsonBody())
        try body.allowOnly(["role", "label"])
        let roleName = try body.requiredString("role")
        guard let role = Role(rawValue: roleName) else {
            let names = Role.allCases.map(\.rawValue)
            throw StatMLError.invalidInput(
                "request body.role: unknown role '\(roleName)'\(Suggestions.didYouMean(roleName, in: names)); roles: \(names.joined(separator: ", "))"
            )
        }
        let (key, secret) = try store.createKey(
            tenant: caller.tenant, role: role, label: try body.string("label") ?? "")
        try audit(caller, "key.create", ["key_id": .number(Double(key.id)), "role": .string(role.rawValue)])
        guard case .object(var object) = Self.keyJSON(key) else { throw StatMLError(.internal, "key JSON") }
        object["key"] = .string(secret)
        return .json(.object(object), status: 201)
    }

    func revokeKey(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "manage keys")
        let key = try store.revokeKey(tenant: caller.tenant, id: try request.intParameter("id"))
        keys.removeAll()
        try audit(caller, "key.revoke", ["key_id": .number(Double(key.id))])
        return .json(Self.keyJSON(key))
    }

    /// `GET /v1/audit?after=0&limit=1000&format=json|jsonl`: the tenant's audit log, oldest first.
    func audit(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "read the audit log")
        let after = Int64(try request.intQuery("after", in: 0...Int.max, default: 0))
        let limit = try request.intQuery("limit", in: 1...10_000, default: 1000)
        let events = try store.auditEvents(tenant: caller.tenant, afterID: after, limit: limit).map(Self.auditJSON)
        switch request.query("format") ?? "json" {
        case "json": return .json(["events": .array(events)])
        case "jsonl":
            var response = HTTPResponse.text(events.map { $0.serialized() + "\n" }.joined())
            response.headers["Content-Type"] = "application/x-ndjson; charset=utf-8"
            return response
        case let other:
            throw StatMLError.invalidInput("query parameter 'format' must be json or jsonl, got '\(other)'")
        }
    }

    /// `PUT /v1/tenant` with `{"audit_texts": true}`: whether coding requests' texts are kept in the audit log.
    func updateTenant(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.admin], to: "change tenant settings")
        let body = try RequestFields(try request.jsonBody())
        try body.allowOnly(["audit_texts"])
        guard let enabled = try body.bool("audit_texts") else {
            throw StatMLError.invalidInput("request body: missing field 'audit_texts'")
        }
        let tenant = try store.setAuditTexts(tenant: caller.tenant, enabled: enabled)
        keys.removeAll()
        try audit(caller, "tenant.audit_texts", ["enabled": .bool(enabled)])
        return .json(["tenant": .string(tenant.name), "audit_texts": .bool(tenant.auditTexts)])
    }

    private func audit(_ caller: Caller, _ action: String, _ details: JSONValue) throws {
        try store.appendAudit(tenant: caller.tenant, actorKeyID: caller.key.id, action: action, details: details)
    }

    private func version(_ request: HTTPRequest) throws -> Int {
        Int(try request.intParameter("version"))
    }

    static func stage(_ name: String) throws -> ModelStage {
        guard let stage = ModelStage(rawValue: name) else {
            let names = ModelStage.allCases.map(\.rawValue)
            throw StatMLError.invalidInput(
                "unknown stage '\(name)'\(Suggestions.didYouMean(name, in: names)); stages: \(names.joined(separator: ", "))"
            )
        }
        return stage
    }

    public static func modelJSON(_ m: RegisteredModel) -> JSONValue {
        .object(
            JSONObject([
                ("version", .number(Double(m.version))), ("stage", .string(m.stage.rawValue)),
                ("sha256", .string(m.sha256)), ("size_bytes", .number(Double(m.sizeBytes))),
                ("algorithm", .string(m.algorithm)), ("classes", .number(Double(m.classCount))),
                ("threshold", m.threshold.map { .number($0) } ?? .null), ("validation", m.validation),
                ("training_data_sha256", .string(m.trainingDataHash)), ("statml_version", .string(m.statmlVersion)),
                ("trained_on_corrections", .array(m.trainedOnCorrections.map { .number(Double($0)) })),
                ("created_by_key_id", m.createdBy.map { .number(Double($0)) } ?? .null),
                ("created_at", .string(m.createdAt.iso8601)),
            ]))
    }

    static func keyJSON(_ k: APIKey) -> JSONValue {
        .object(
            JSONObject([
                ("id", .number(Double(k.id))), ("role", .string(k.role.rawValue)), ("label", .string(k.label)),
                ("prefix", .string(k.displayPrefix)), ("created_at", .string(k.createdAt.iso8601)),
                ("revoked_at", k.revokedAt.map { .string($0.iso8601) } ?? .null),
            ]))
    }

    public static func auditJSON(_ e: AuditEvent) -> JSONValue {
        .object(
            JSONObject([
                ("id", .number(Double(e.id))), ("at", .string(e.at.iso8601)), ("action", .string(e.action)),
                ("actor_key_id", e.actorKeyID.map { .number(Double($0)) } ?? .null), ("details", e.details),
            ]))
    }
}
