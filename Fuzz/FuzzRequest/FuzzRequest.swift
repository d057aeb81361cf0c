// libFuzzer target for the coding service's request handling (issue #5): arbitrary bytes are sent as the
// body of `POST /v1/code` and `POST /v1/review/items/1` through the real router, with a real store and
// model, as an authenticated client and coder. Whatever the bytes, the service must answer — never
// crash — with 200 and results for every record, or a 4xx whose body is a JSON error naming the problem.
// `CodeRequest.parse` must agree with the handler, its one-pass scanner with its JSON-tree parser, and what it
// accepts must survive a round trip.
import Coding
import FuzzSupport
import Glibc
import Platform
import Server
import StatMLCore

struct Fixture {
    let router: Router
    let client: String
    let coder: String
}

let fixture: Fixture = {
    let directory = "/tmp/statml-fuzzrequest-\(getpid())"
    mkdir(directory, 0o700)
    do {
        let store = try Store.open(.sqlite(path: "\(directory)/store.db"))
        let tenant = try store.createTenant(name: "fuzz")
        let client = try store.createKey(tenant: tenant, role: .client, label: "fuzz").secret
        let coder = try store.createKey(tenant: tenant, role: .coder, label: "fuzz").secret
        let examples = SyntheticProducts(seed: 1).examples(count: 400)
        var options = CodingTrainingOptions()
        options.algorithm = .linear
        let (model, _) = try CodingTrainer.train(
            CodingExamples(texts: examples.map(\.text), labels: examples.map(\.code)), options: options)
        let registered = try store.addModel(tenant: tenant, bytes: CodingModelFile.encode(model), createdBy: nil)
        _ = try store.setStage(tenant: tenant, version: registered.version, stage: .production, actor: nil)
        // One pending item, so that decisions reach the store's checks.
        _ = try store.enqueue(
            tenant: tenant,
            items: [
                NewReviewItem(
                    recordID: "r", text: "t", confidence: 0.1, suggestions: [(model.classes[0], 0.1)],
                    modelVersion: registered.version, predictedCode: model.classes[0])
            ])
        return Fixture(router: CodingService(store: store).makeRouter(), client: client, coder: coder)
    } catch {
        fatalError("fuzz fixture: \(error)")
    }
}()

func send(_ path: String, _ key: String, _ body: [UInt8]) -> HTTPResponse {
    fixture.router.handle(
        HTTPRequest(method: .post, path: path, headers: ["Authorization": "Bearer \(key)"], body: body))
}

func checkAnswer(_ response: HTTPResponse, _ what: String) -> JSONValue {
    guard let json = try? JSONValue.parse(response.body) else { fatalError("\(what): answer is not JSON") }
    if response.status != 200 {
        guard (400..<500).contains(response.status), let message = json["error"]?["message"]?.stringValue,
            !message.isEmpty
        else { fatalError("\(what): status \(response.status) without a JSON error: \(response.body)") }
    }
    return json
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let coded = send("/v1/code", fixture.client, bytes)
    let answer = checkAnswer(coded, "POST /v1/code")
    let parsed = try? CodeRequest.parse(bytes, maxRecords: 10_000)
    // The one-pass scanner may only accept what the JSON tree accepts, and must read it the same way.
    if let scanned = CodeRequest.scanCommonShape(bytes, maxRecords: 10_000) {
        guard let tree = try? CodeRequest.parseJSONTree(bytes, maxRecords: 10_000), tree == scanned else {
            fatalError("the scanner accepted a body the JSON tree reads differently or rejects")
        }
    }
    if let parsed {
        guard coded.status == 200, answer["results"]?.arrayValue?.count == parsed.records.count else {
            fatalError("parse accepted \(parsed.records.count) records but the handler answered \(coded.status)")
        }
        let again = JSONValue.object(
            JSONObject([
                (
                    "records",
                    .array(
                        parsed.records.map {
                            .object(JSONObject([("id", .string($0.id)), ("text", .string($0.text))]))
                        })
                ), ("candidates", .number(Double(parsed.candidates))),
            ]))
        guard (try? CodeRequest.parse(Array(again.serialized().utf8), maxRecords: 10_000)) == parsed else {
            fatalError("a parsed request does not survive a round trip")
        }
    } else if coded.status == 200 {
        fatalError("the handler accepted a body that CodeRequest.parse rejects")
    }
    _ = checkAnswer(send("/v1/review/items/1", fixture.coder, bytes), "POST /v1/review/items/1")
    return 0
}

@_cdecl("FuzzRequest_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
