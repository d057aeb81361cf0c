import Coding
import Foundation
import Platform
import StatMLCore
import Testing

@testable import Server

/// A store with two tenants, keys of every role and a production model for tenant "a", served by a
/// `CodingService` router called in-process (the HTTP layer has its own tests).
final class ServiceFixture: @unchecked Sendable {
    let directory: String
    let store: Store
    let service: CodingService
    let router: Router
    let a: Tenant
    let b: Tenant
    var keys: [String: String] = [:]
    let model: CodingModel

    static let examples = SyntheticProducts(seed: 21).examples(count: 600)

    static func trainModel(extra: CodingExamples? = nil, provenance: JSONValue = .object(JSONObject())) throws
        -> CodingModel
    {
        var options = CodingTrainingOptions()
        options.algorithm = .linear
        options.provenance = provenance
        var data = CodingExamples(texts: examples.map(\.text), labels: examples.map(\.code))
        if let extra { data = Corrections(examples: extra, ids: []).appended(to: data) }
        return try CodingTrainer.train(data, options: options).0
    }

    init() throws {
        directory = NSTemporaryDirectory() + "statml-service-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store.open(.sqlite(path: "\(directory)/store.db"))
        a = try store.createTenant(name: "a")
        b = try store.createTenant(name: "b")
        for (tenant, name) in [(a, "a"), (b, "b")] {
            for role in Role.allCases {
                keys["\(name).\(role.rawValue)"] = try store.createKey(tenant: tenant, role: role, label: "").secret
            }
        }
        model = try Self.trainModel()
        let registered = try store.addModel(tenant: a, bytes: CodingModelFile.encode(model), createdBy: nil)
        _ = try store.setStage(tenant: a, version: registered.version, stage: .production, actor: nil)
        var options = CodingService.Options()
        options.modelCheckSeconds = 0
        service = CodingService(store: store, options: options)
        router = service.makeRouter()
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func call(
        _ method: HTTPMethod, _ path: String, key: String?, body: [UInt8] = [], query: [(String, String)] = []
    ) -> (status: Int, json: JSONValue?, response: HTTPResponse) {
        var headers: HTTPHeaders = [:]
        if let key { headers["Authorization"] = "Bearer \(keys[key] ?? key)" }
        let response = router.handle(
            HTTPRequest(
                method: method, path: path, queryItems: query.map { (name: $0.0, value: $0.1) }, headers: headers,
                body: body))
        return (response.status, try? JSONValue.parse(response.body), response)
    }

    func call(_ method: HTTPMethod, _ path: String, key: String?, json: JSONValue, query: [(String, String)] = [])
        -> (status: Int, json: JSONValue?, response: HTTPResponse)
    {
        call(method, path, key: key, body: Array(json.serialized().utf8), query: query)
    }

    /// Codes texts as tenant a's client; returns the results.
    func code(_ texts: [String]) throws -> [JSONValue] {
        let records = JSONValue.array(
            texts.enumerated().map { ["id": .string("r\($0.offset)"), "text": .string($0.element)] })
        let r = call(.post, "/v1/code", key: "a.client", json: ["records": records])
        try #require(r.status == 200, "\(String(decoding: r.response.body, as: UTF8.self))")
        return try #require(r.json?["results"]?.arrayValue)
    }
}

/// Texts the synthetic model cannot be sure about: they go to review.
let gibberish = (0..<40).map { "zq\($0)x vv\($0 * 7) kk" }

@Suite("Server: the coding service's API")
struct CodingServiceTests {
    @Test func keysAndRolesDecideWhoMayDoWhat() throws {
        let f = try ServiceFixture()
        let body: JSONValue = ["text": "mleko"]
        #expect(f.call(.post, "/v1/code", key: nil, json: body).status == 401)
        #expect(f.call(.post, "/v1/code", key: "sml_nope_nope", json: body).status == 401)
        #expect(
            f.router.handle(
                HTTPRequest(method: .post, path: "/v1/code", headers: ["Authorization": "Basic abc"], body: [])
            ).status == 401)
        #expect(f.call(.post, "/v1/code", key: "a.client", json: body).status == 200)
        #expect(f.call(.post, "/v1/code", key: "a.coder", json: body).status == 403)
        #expect(f.call(.get, "/v1/review/next", key: "a.client").status == 403)
        #expect(f.call(.get, "/v1/models", key: "a.coder").status == 403)
        let forbidden = f.call(.get, "/v1/audit", key: "a.client")
        #expect(forbidden.json?["error"]?["code"]?.stringValue == "forbidden")
        #expect(forbidden.json?["error"]?["message"]?.stringValue?.contains("admin") == true)

        // A revoked key stops working at once.
        let created = f.call(.post, "/v1/keys", key: "a.admin", json: ["role": "client", "label": "tmp"])
        #expect(created.status == 201)
        let secret = try #require(created.json?["key"]?.stringValue)
        let id = try #require(created.json?["id"]?.intValue)
        #expect(f.call(.post, "/v1/code", key: secret, json: body).status == 200)
        #expect(f.call(.delete, "/v1/keys/\(id)", key: "a.admin").status == 200)
        #expect(f.call(.post, "/v1/code", key: secret, json: body).status == 401)
        // Listing keys never shows a secret.
        let listed = f.call(.get, "/v1/keys", key: "a.admin")
        #expect(!String(decoding: listed.response.body, as: UTF8.self).contains(secret))
        #expect(f.call(.get, "/v1/whoami", key: "a.coder").json?["role"]?.stringValue == "coder")
    }

    @Test func codingQueuesUncertainRecordsMostUncertainFirst() throws {
        let f = try ServiceFixture()
        let sure = ServiceFixture.examples.prefix(30).map(\.text)
        let results = try f.code(sure + gibberish)
        #expect(results.count == sure.count + gibberish.count)
        #expect(results.allSatisfy { $0["model_version"]?.intValue == 1 })
        // Seen in training: the coding index answers with confidence 1.
        #expect(results.prefix(sure.count).allSatisfy { $0["auto"]?.boolValue == true })
        let manual = results.filter { $0["auto"]?.boolValue == false }
        #expect(manual.count >= 10, "gibberish should not be auto-coded")
        #expect(results.map { $0["id"]?.stringValue } == (0..<results.count).map { "r\($0)" })

        let queue = f.call(.get, "/v1/review/next", key: "a.coder", query: [("limit", "1000")])
        #expect(queue.json?["queue_length"]?.intValue == manual.count)
        let items = try #require(queue.json?["items"]?.arrayValue)
        #expect(items.count == manual.count)
        let confidences = items.compactMap { $0["confidence"]?.doubleValue }
        #expect(confidences == confidences.sorted())
        #expect(items.allSatisfy { ($0["suggestions"]?.arrayValue?.count ?? 0) == 5 })
        // The other tenant's queue is empty and its coder cannot see a's items.
        #expect(f.call(.get, "/v1/review/next", key: "b.coder").json?["queue_length"]?.intValue == 0)
        let first = try #require(items.first?["id"]?.intValue)
        #expect(f.call(.get, "/v1/review/items/\(first)", key: "b.coder").status == 404)
        #expect(f.call(.post, "/v1/review/items/\(first)", key: "b.coder", json: ["code": "x"]).status == 404)
        // Tenant b has no model in production yet: a clear 404.
        let noModel = f.call(.post, "/v1/code", key: "b.client", json: ["text": "mleko"])
        #expect(noModel.status == 404)
        #expect(noModel.json?["error"]?["message"]?.stringValue?.contains("statml models push") == true)
    }

    @Test func decisionsCorrectionsAndTheRetrainingLoop() throws {
        let f = try ServiceFixture()
        _ = try f.code(gibberish)
        let items = try #require(
            f.call(.get, "/v1/review/next", key: "a.coder", query: [("limit", "1000")]).json?["items"]?.arrayValue)
        try #require(items.count >= 4)
        let accept = try #require(items[0]["id"]?.intValue)
        let predicted = try #require(items[0]["predicted_code"]?.stringValue)
        let accepted = f.call(.post, "/v1/review/items/\(accept)", key: "a.coder", json: ["code": .string(predicted)])
        #expect(accepted.status == 200)
        #expect(accepted.json?["decision"]?.stringValue == "accepted")
        #expect(accepted.json?["status"]?.stringValue == "decided")
        // Deciding twice is a conflict; an unknown code is refused with a suggestion; an unknown id is 404.
        #expect(
            f.call(.post, "/v1/review/items/\(accept)", key: "a.coder", json: ["code": .string(predicted)]).status
                == 409)
        let correct = try #require(items[1]["id"]?.intValue)
        let other = try #require(f.model.classes.first { $0 != items[1]["predicted_code"]?.stringValue })
        let typo = String(other.dropLast())
        let unknown = f.call(.post, "/v1/review/items/\(correct)", key: "a.coder", json: ["code": .string(typo)])
        #expect(unknown.status == 400)
        #expect(unknown.json?["error"]?["message"]?.stringValue?.contains("did you mean '\(other)'") == true)
        #expect(f.call(.post, "/v1/review/items/999999", key: "a.coder", json: ["code": .string(other)]).status == 404)
        let corrected = f.call(.post, "/v1/review/items/\(correct)", key: "a.admin", json: ["code": .string(other)])
        #expect(corrected.json?["decision"]?.stringValue == "corrected")

        // The corrections come out as training data, train a new model, and the registry knows which.
        let csv = f.call(.get, "/v1/corrections", key: "a.coder", query: [("format", "csv")])
        #expect(csv.status == 200)
        let path = "\(f.directory)/corrections.csv"
        try Data(csv.response.body).write(to: URL(fileURLWithPath: path))
        let corrections = try Corrections.read(path: path)
        #expect(corrections.ids.sorted() == [Int64(accept), Int64(correct)].sorted())
        #expect(corrections.examples.labels.contains(other))
        let retrained = try ServiceFixture.trainModel(
            extra: corrections.examples, provenance: ["corrections": corrections.provenance])
        let pushed = f.call(
            .post, "/v1/models", key: "a.admin", body: CodingModelFile.encode(retrained),
            query: [("stage", "production")])
        #expect(pushed.status == 201)
        #expect(pushed.json?["version"]?.intValue == 2)
        #expect(
            pushed.json?["trained_on_corrections"]?.arrayValue?.compactMap(\.intValue).sorted()
                == [accept, correct].sorted())
        #expect(try f.code(["mleko"]).first?["model_version"]?.intValue == 2)
        // Roll back: version 1 serves again.
        #expect(f.call(.post, "/v1/models/rollback", key: "a.admin").json?["version"]?.intValue == 1)
        #expect(try f.code(["mleko"]).first?["model_version"]?.intValue == 1)
        #expect(f.call(.get, "/v1/models/7", key: "a.admin").status == 404)
        #expect(f.call(.get, "/v1/models/1", key: "b.admin").status == 404)
        let download = f.call(.get, "/v1/models/2/file", key: "a.admin")
        #expect(download.response.body == CodingModelFile.encode(retrained))
    }

    @Test func badRequestsGetJSONErrorsNamingTheProblem() throws {
        let f = try ServiceFixture()
        func message(_ body: String) -> (Int, String) {
            let r = f.call(.post, "/v1/code", key: "a.client", body: Array(body.utf8))
            return (r.status, r.json?["error"]?["message"]?.stringValue ?? "")
        }
        var (status, text) = message("{\"records\": [")
        #expect(status == 400 && text.contains("request body"))
        (status, text) = message("{\"records\": [{\"id\": \"1\", \"text\": 5}]}")
        #expect(status == 400 && text.contains("records[0].text: expected a string, found a number"))
        (status, text) = message("{\"records\": []}")
        #expect(status == 400 && text.contains("empty"))
        (status, text) = message("[1, 2]")
        #expect(status == 400 && text.contains("expected a JSON object"))
        (status, text) = message("{\"text\": \"x\", \"candidates\": 99}")
        #expect(status == 400 && text.contains("candidates"))
        let many = JSONValue.array((0..<10_001).map { _ in ["text": "x"] })
        let tooMany = f.call(.post, "/v1/code", key: "a.client", json: ["records": many])
        #expect(tooMany.status == 413)
        #expect(tooMany.json?["error"]?["code"]?.stringValue == "too_many_records")
        let garbage = f.call(.post, "/v1/models", key: "a.admin", body: Array("not a model".utf8))
        #expect(garbage.status == 422)
        #expect(f.call(.post, "/v1/models/1/stage", key: "a.admin", json: ["stage": "prod"]).status == 400)
        #expect(f.call(.get, "/v1/corrections", key: "a.coder", query: [("format", "xml")]).status == 400)
        #expect(f.call(.get, "/v1/review/next", key: "a.coder", query: [("limit", "0")]).status == 400)
        // Nothing stored was harmed: the model still serves.
        #expect(try f.code(["mleko"]).count == 1)
    }

    @Test func auditLogRecordsRequestsDecisionsAndAdminActionsWithoutTexts() throws {
        let f = try ServiceFixture()
        _ = try f.code(["secret text one", "secret text two"])
        _ = f.call(.post, "/v1/keys", key: "a.admin", json: ["role": "coder"])
        var events = try #require(f.call(.get, "/v1/audit", key: "a.admin").json?["events"]?.arrayValue)
        let code = try #require(events.first { $0["action"]?.stringValue == "code" })
        #expect(code["details"]?["records"]?.intValue == 2)
        #expect(code["details"]?["model_version"]?.intValue == 1)
        #expect(code["actor_key_id"]?.intValue != nil)
        #expect(events.contains { $0["action"]?.stringValue == "key.create" })
        #expect(
            !String(decoding: f.call(.get, "/v1/audit", key: "a.admin").response.body, as: UTF8.self).contains(
                "secret text"))
        // With the tenant's consent, texts are kept.
        #expect(f.call(.put, "/v1/tenant", key: "a.admin", json: ["audit_texts": true]).status == 200)
        _ = try f.code(["kept text"])
        events = try #require(f.call(.get, "/v1/audit", key: "a.admin").json?["events"]?.arrayValue)
        #expect(events.last { $0["action"]?.stringValue == "code" }?["details"]?["texts"] == ["kept text"])
        // Tenant b sees none of a's entries.
        let bEvents = f.call(.get, "/v1/audit", key: "b.admin").json?["events"]?.arrayValue ?? []
        #expect(bEvents.allSatisfy { $0["action"]?.stringValue != "code" })
    }

    @Test func openAPIDocumentListsExactlyTheServedRoutes() throws {
        let f = try ServiceFixture()
        let document = try #require(f.call(.get, "/openapi.json", key: nil).json)
        #expect(document["openapi"]?.stringValue == "3.0.3")
        var documented: Set<String> = []
        for (path, item) in try #require(document["paths"]?.objectValue) {
            for (method, _) in try #require(item.objectValue) { documented.insert("\(method.uppercased()) \(path)") }
        }
        let served = Set(f.router.registeredRoutes.map { "\($0.method.rawValue) \($0.pattern)" })
        #expect(documented == served)
    }

    @Test func metricsCountRecordsAndTheQueue() throws {
        let f = try ServiceFixture()
        let results = try f.code(ServiceFixture.examples.prefix(10).map(\.text) + gibberish)
        let manual = results.filter { $0["auto"]?.boolValue == false }.count
        let text = String(decoding: f.call(.get, "/metrics", key: nil).response.body, as: UTF8.self)
        #expect(text.contains("statml_coding_records_total{source=\"index\",auto=\"true\"} 10"))
        #expect(text.contains("statml_review_queue_length \(manual)"))
        let ratio = Double(results.count - manual) / Double(results.count)
        let line = text.split(separator: "\n").first { $0.hasPrefix("statml_coding_auto_ratio ") }
        let value = try #require(line.flatMap { Double($0.split(separator: " ")[1]) })
        #expect(abs(value - ratio) < 1e-9)
        #expect(f.call(.get, "/healthz", key: nil).json?["status"]?.stringValue == "ok")
    }
}
