import Coding
import Dispatch
import Platform
import StatMLCore

/// The body of `POST /v1/code`: `{"records":[{"id":"1","text":"..."}], "candidates": 0}`, or one record
/// `{"id":"1","text":"..."}`. An id may be a string or a whole number; without one, a record is named by
/// its position (1, 2, …).
public struct CodeRequest: Sendable, Equatable {
    public var records: [Record]
    /// How many of the most probable codes to return with each result (0–10).
    public var candidates: Int

    public struct Record: Sendable, Equatable {
        public var id: String
        public var text: String
    }

    /// More records than one request may hold: answered with 413.
    public struct TooManyRecords: Error {
        public let message: String
    }

    /// Parses and checks a request body; errors name the field and what is wrong with it.
    ///
    /// A body of the usual shape is read in one pass (`scanCommonShape`); any other body, every invalid
    /// one included, goes through the JSON tree (`parseJSONTree`), which writes the error messages.
    public static func parse(_ body: [UInt8], maxRecords: Int) throws -> CodeRequest {
        if let scanned = scanCommonShape(body, maxRecords: maxRecords) { return scanned }
        return try parseJSONTree(body, maxRecords: maxRecords)
    }

    /// The request, when `body` is of the usual shape and valid; nil otherwise (then `parseJSONTree`
    /// decides). Public so that the fuzz target can check that both paths agree.
    public static func scanCommonShape(_ body: [UInt8], maxRecords: Int) -> CodeRequest? {
        CodeRequestScanner.scan(body, maxRecords: maxRecords)
    }

    /// Parses a body through a JSON tree: every shape the API accepts, and the error messages.
    public static func parseJSONTree(_ body: [UInt8], maxRecords: Int) throws -> CodeRequest {
        let fields = try RequestFields(try JSONValue.parse(body, name: "request body"))
        var records: [Record] = []
        if let list = try fields.array("records") {
            try fields.allowOnly(["records", "candidates"])
            guard list.count <= maxRecords else {
                throw TooManyRecords(
                    message:
                        "request body: \(list.count) records, more than the \(maxRecords) allowed per request; split the batch"
                )
            }
            guard !list.isEmpty else { throw StatMLError.invalidInput("request body: 'records' is empty") }
            records.reserveCapacity(list.count)
            for (i, value) in list.enumerated() {
                let record = try RequestFields(value, path: "records[\(i)]")
                try record.allowOnly(["id", "text"])
                records.append(
                    Record(id: try record.identifier("id") ?? String(i + 1), text: try record.requiredString("text")))
            }
        } else {
            try fields.allowOnly(["id", "text", "candidates"])
            guard fields.object["text"] != nil else {
                throw StatMLError.invalidInput(
                    "request body: expected {\"records\":[{\"id\":...,\"text\":...}]} or one record {\"id\":...,\"text\":...}"
                )
            }
            records.append(Record(id: try fields.identifier("id") ?? "1", text: try fields.requiredString("text")))
        }
        return CodeRequest(records: records, candidates: try fields.int("candidates", range: 0...10) ?? 0)
    }
}

extension CodingService {
    /// `POST /v1/code`: `{"records":[{"id":"1","text":"..."}], "candidates": 0}` (or one record,
    /// `{"id":"1","text":"..."}`) → `{"model_version":3,"results":[{"id","code","confidence","auto",
    /// "source","model_version"}]}`, coded with the tenant's production model. Records not coded
    /// automatically go to the review queue; the request's audit entry and queued records are committed
    /// before the answer.
    func code(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: [.client, .admin], to: "code records")
        let parsed: CodeRequest
        do {
            parsed = try CodeRequest.parse(request.body, maxRecords: options.maxRecordsPerRequest)
        } catch let error as CodeRequest.TooManyRecords {
            return .error(status: 413, code: "too_many_records", message: error.message)
        }
        let records = parsed.records
        let candidateCount = parsed.candidates
        // This request will record an entry: a commit about to start waits briefly for it (group commit).
        codingLog.announce()
        var announced = true
        defer { if announced { codingLog.withdraw() } }
        let loaded = try models.production(caller.tenant)
        let predictions = codeAll(records.map(\.text), with: loaded)

        // The answer is written straight to bytes: a JSON value per record costs more than coding it.
        // Literals are appended from their UTF-8 storage, without an array or a string per piece.
        var out: [UInt8] = []
        out.reserveCapacity(64 + records.count * (candidateCount > 0 ? 200 : 120))
        let version = String(loaded.version)
        out.append(contentsOf: #"{"model_version":"#.utf8)
        out.append(contentsOf: version.utf8)
        out.append(contentsOf: #","results":["#.utf8)
        var review: [NewReviewItem] = []
        var automatic = 0
        var tally = [0, 0, 0, 0]  // index/auto, index/manual, model/auto, model/manual
        for (k, (record, p)) in zip(records, predictions).enumerated() {
            out.append(contentsOf: (k > 0 ? #",{"id":"# : #"{"id":"#).utf8)
            JSONValue.writeString(record.id, to: &out)
            out.append(contentsOf: #","code":"#.utf8)
            JSONValue.writeString(p.code, to: &out)
            out.append(contentsOf: #","confidence":"#.utf8)
            JSONValue.writeNumber(p.confidence, to: &out)
            out.append(contentsOf: (p.auto ? #","auto":true,"source":""# : #","auto":false,"source":""#).utf8)
            out.append(contentsOf: p.source.rawValue.utf8)
            out.append(contentsOf: #"","model_version":"#.utf8)
            out.append(contentsOf: version.utf8)
            if let level = p.level {
                out.append(contentsOf: #","level":"#.utf8)
                out.append(contentsOf: String(level).utf8)
            }
            if candidateCount > 0 {
                out.append(contentsOf: #","candidates":["#.utf8)
                for (j, candidate) in p.candidates.prefix(candidateCount).enumerated() {
                    out.append(contentsOf: (j > 0 ? #",{"code":"# : #"{"code":"#).utf8)
                    JSONValue.writeString(candidate.code, to: &out)
                    out.append(contentsOf: #","confidence":"#.utf8)
                    JSONValue.writeNumber(candidate.probability, to: &out)
                    out.append(UInt8(ascii: "}"))
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "}"))
            tally[p.source == .index ? (p.auto ? 0 : 1) : (p.auto ? 2 : 3)] += 1
            if p.auto {
                automatic += 1
            } else if !p.code.isEmpty {
                review.append(
                    NewReviewItem(
                        recordID: record.id, text: record.text, confidence: p.confidence,
                        suggestions: p.candidates.map { ($0.code, $0.probability) }, modelVersion: loaded.version,
                        predictedCode: p.code))
            }
        }
        out.append(contentsOf: "]}".utf8)
        for (i, n) in tally.enumerated() where n > 0 {
            counters.records.increment(
                by: Double(n), labels: [i < 2 ? "index" : "model", i % 2 == 0 ? "true" : "false"])
        }
        var details: [(String, JSONValue)] = [
            ("records", .number(Double(records.count))), ("auto", .number(Double(automatic))),
            ("queued_for_review", .number(Double(review.count))), ("model_version", .number(Double(loaded.version))),
        ]
        if caller.tenant.auditTexts { details.append(("texts", .array(records.map { .string($0.text) }))) }
        announced = false
        try codingLog.record(
            CodingLogEntry(
                tenant: caller.tenant, actorKeyID: caller.key.id, details: .object(JSONObject(details)),
                reviewItems: review),
            announced: true)
        counters.requests.increment()
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json; charset=utf-8"], body: out)
    }

    /// Codes texts in order, on several threads for a large batch (each with its own predictor).
    private func codeAll(_ texts: [String], with loaded: LoadedModel) -> [CodingPrediction] {
        let threads = texts.count >= options.parallelBatchRecords ? max(1, options.threads) : 1
        guard threads > 1 else {
            return loaded.withPredictor { predictor in texts.map { predictor.predict($0) } }
        }
        var out = [CodingPrediction?](repeating: nil, count: texts.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let results = buffer
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let range = (t * texts.count / threads)..<((t + 1) * texts.count / threads)
                loaded.withPredictor { predictor in
                    for i in range { results[i] = predictor.predict(texts[i]) }
                }
            }
        }
        return out.map { $0! }
    }

    /// `GET /v1/classification?q=TEXT&limit=20`: codes of the production model's classification whose code
    /// or label holds every word of TEXT (all codes when q is empty), for coders searching for the right one.
    func classification(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: Role.allCases)
        let limit = try request.intQuery("limit", in: 1...1000, default: 20)
        let loaded = try models.production(caller.tenant)
        let words = (request.query("q") ?? "").lowercased().split(whereSeparator: { $0 == " " })
        let matches = loaded.codes.filter { entry in
            let text = (entry.code + " " + entry.label).lowercased()
            return words.allSatisfy { text.contains($0) }
        }
        return .json([
            "model_version": .number(Double(loaded.version)), "total": .number(Double(matches.count)),
            "codes": .array(
                matches.prefix(limit).map {
                    [
                        "code": .string($0.code), "label": .string($0.label),
                        "level": $0.level.map { .number(Double($0)) } ?? .null,
                    ]
                }),
        ])
    }
}
