import Platform
import StatMLCore

extension CodingService {
    /// `GET /v1/review/next?limit=1`: the most uncertain pending records, with the model's suggestions.
    func nextForReview(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.coder, .admin], to: "review records")
        let limit = try request.intQuery("limit", in: 1...1000, default: 1)
        let items = try store.nextReviewItems(tenant: caller.tenant, limit: limit)
        let length = try store.queueLength(tenant: caller.tenant)
        return .json([
            "queue_length": .number(Double(length)),
            "items": .array(items.map { reviewJSON($0, tenant: caller.tenant) }),
        ])
    }

    /// `GET /v1/review/items/{id}`.
    func reviewItem(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.coder, .admin], to: "review records")
        let item = try store.reviewItem(tenant: caller.tenant, id: try request.intParameter("id"))
        return .json(reviewJSON(item, tenant: caller.tenant))
    }

    /// `POST /v1/review/items/{id}` with `{"code":"..."}`: accepts (same as predicted) or corrects the
    /// code. The code must belong to the classification of the model that queued the record. The
    /// decision and its audit entry are committed together before the answer: an acknowledged decision
    /// survives a crash, and no decision is ever stored without its audit entry.
    func decide(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.coder, .admin], to: "review records")
        let id = try request.intParameter("id")
        let body = try RequestFields(try request.jsonBody())
        try body.allowOnly(["code"])
        let code = try body.requiredString("code")
        let item = try store.reviewItem(tenant: caller.tenant, id: id)
        if let loaded = try? classificationModel(for: item, tenant: caller.tenant), !loaded.knows(code) {
            let known = loaded.codes.map(\.code)
            throw StatMLError.invalidInput(
                "unknown code '\(code)' for review item \(id)\(Suggestions.didYouMean(code, in: known)): use a code of model version \(loaded.version)'s classification (GET /v1/classification)"
            )
        }
        let decided = try store.decide(
            tenant: caller.tenant, id: id, code: code, reviewer: caller.key.id, audited: true)
        guard case .decided(let decision) = decided.state else {
            throw StatMLError(.internal, "review item \(id) was not recorded as decided")
        }
        counters.decisions.increment(labels: [decision.kind.rawValue])
        return .json(reviewJSON(decided, tenant: caller.tenant))
    }

    /// `GET /v1/corrections?after=0&limit=1000&format=json|jsonl|csv`: decided records, as training data
    /// for the next model (`statml code train --corrections FILE` reads the CSV or JSON Lines).
    func corrections(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.coder, .admin], to: "export corrections")
        let after = Int64(try request.intQuery("after", in: 0...Int.max, default: 0))
        let limit = try request.intQuery("limit", in: 1...10_000, default: 1000)
        let format = request.query("format") ?? "json"
        let rows = try store.corrections(tenant: caller.tenant, afterID: after, limit: limit)
        let objects: [JSONObject] = rows.map { c in
            JSONObject([
                ("id", .number(Double(c.id))), ("record_id", .string(c.recordID)), ("text", .string(c.text)),
                ("code", .string(c.code)), ("decision", .string(c.decision.rawValue)),
                ("predicted_code", c.predictedCode.map { .string($0) } ?? .null),
                ("model_version", c.modelVersion.map { .number(Double($0)) } ?? .null),
                ("reviewer_key_id", c.reviewerKeyID.map { .number(Double($0)) } ?? .null),
                ("decided_at", .string(c.decidedAt.iso8601)),
            ])
        }
        switch format {
        case "json":
            return .json(["corrections": .array(objects.map { .object($0) })])
        case "jsonl":
            var response = HTTPResponse.text(objects.map { JSONValue.object($0).serialized() + "\n" }.joined())
            response.headers["Content-Type"] = "application/x-ndjson; charset=utf-8"
            return response
        case "csv":
            let columns = [
                "id", "record_id", "text", "code", "decision", "predicted_code", "model_version", "decided_at",
            ]
            var text = columns.joined(separator: ",") + "\r\n"
            for o in objects {
                text +=
                    columns.map { name -> String in
                        switch o[name] {
                        case .string(let s)?: return CSVField.quoted(s)
                        case .number(let d)?: return String(Int64(d))
                        default: return ""
                        }
                    }.joined(separator: ",") + "\r\n"
            }
            var response = HTTPResponse.text(text)
            response.headers["Content-Type"] = "text/csv; charset=utf-8"
            return response
        default:
            throw StatMLError.invalidInput(
                "query parameter 'format' must be json, jsonl or csv, got '\(format)'\(Suggestions.didYouMean(format, in: ["json", "jsonl", "csv"]))"
            )
        }
    }

    /// The model whose classification a decision on `item` must use: the one that queued it, or the
    /// production model for items queued without a version.
    private func classificationModel(for item: ReviewItem, tenant: Tenant) throws -> LoadedModel {
        if let version = item.modelVersion { return try models.version(tenant, version) }
        return try models.production(tenant)
    }

    private func reviewJSON(_ item: ReviewItem, tenant: Tenant) -> JSONValue {
        let loaded = try? classificationModel(for: item, tenant: tenant)
        var object: [(String, JSONValue)] = [
            ("id", .number(Double(item.id))), ("record_id", .string(item.recordID)), ("text", .string(item.text)),
            ("confidence", .number(item.confidence)),
            ("predicted_code", item.predictedCode.map { .string($0) } ?? .null),
            ("model_version", item.modelVersion.map { .number(Double($0)) } ?? .null),
            (
                "suggestions",
                .array(
                    item.suggestions.map {
                        [
                            "code": .string($0.code), "confidence": .number($0.confidence),
                            "label": .string(loaded?.label(of: $0.code) ?? $0.code),
                        ]
                    })
            ),
            ("queued_at", .string(item.createdAt.iso8601)),
        ]
        switch item.state {
        case .pending:
            object.append(("status", "pending"))
        case .decided(let d):
            object += [
                ("status", "decided"), ("code", .string(d.code)), ("decision", .string(d.kind.rawValue)),
                ("reviewer_key_id", d.reviewerKeyID.map { .number(Double($0)) } ?? .null),
                ("decided_at", .string(d.at.iso8601)),
            ]
        }
        return .object(JSONObject(object))
    }
}

/// RFC 4180 quoting for one field.
enum CSVField {
    static func quoted(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
    }
}
