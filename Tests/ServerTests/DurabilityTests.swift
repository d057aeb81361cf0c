import Foundation
import StatMLCore
import Synchronization
import Testing

/// Issue #5, "no data loss": `kill -9` the real `statml serve` while reviewers stream decisions; after a
/// restart on the same store every decision the server acknowledged (HTTP 200) is there, with its audit
/// entry. The server commits a decision together with its audit entry, then answers, so an acknowledgement
/// sent before a commit, or a commit that does not reach the disk, shows up here as a missing decision, and
/// a decision stored without its audit entry as a mismatch between the two.
@Suite("No data loss when the server is killed")
struct DurabilityTests {
    /// Review items queued before the decisions start: more than the stream gets through before the kill.
    static let queuedTarget = 400
    /// Acknowledged decisions required before the server is killed.
    static let acknowledgedBeforeKill = 100
    static let clientThreads = 4

    /// A store in a new directory with tenant `t`, a client and a coder key, and a production model trained
    /// on generated products, all made through the CLI as an administrator would.
    struct Setup {
        let statml: StatMLExecutable
        let directory: URL
        let clientKey: String
        let coderKey: String

        init() throws {
            let binary = try #require(
                StatMLExecutable.url,
                """
                the 'statml' executable is not next to the test bundle (\(CommandLine.arguments[0])): build it together \
                with the tests (swift build --build-tests) or set STATML_BINARY
                """)
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("statml-durability-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            statml = StatMLExecutable(url: binary, directory: directory)
            try statml.run(["admin", "create-tenant", "t", "--store", "s.db"])
            clientKey = try statml.run(["admin", "create-key", "--tenant", "t", "--role", "client", "--store", "s.db"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            coderKey = try statml.run(["admin", "create-key", "--tenant", "t", "--role", "coder", "--store", "s.db"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try statml.run(["code", "sample", "products.csv", "--rows", "300", "--seed", "5", "--quiet"])
            try statml.run(
                ["code", "train", "--data", "products.csv", "--model", "m.statml", "--algorithm", "linear", "--quiet"])
            try statml.run(["models", "push", "m.statml", "--tenant", "t", "--stage", "production", "--store", "s.db"])
        }
    }

    /// Runs `stream` on `clientThreads` threads against `server` and kills the server once
    /// `acknowledgedBeforeKill` requests are acknowledged and one is in flight; checks the kill happened
    /// mid-stream and returns the outcome.
    func killMidStream(_ stream: RequestStream, _ server: ServeProcess, key: String) throws -> RequestStream.Outcome {
        let port = server.port
        let workers = (0..<Self.clientThreads).map { _ in TestThread { stream.send(port: port, key: key) } }
        let deadline = Date().addingTimeInterval(20)
        var killed = false
        while !killed && Date() < deadline && !stream.isExhausted {
            killed = stream.killIfReady(pid: server.pid, acknowledged: Self.acknowledgedBeforeKill)
            if !killed { usleep(500) }
        }
        if !killed { server.killIfRunning() }
        for worker in workers { worker.join() }
        try #require(killed, "the server was not killed mid-stream: \(stream.summary)")
        let exit = server.waitForExit()
        #expect(exit == .signal(SIGKILL), "the first server ended with \(exit), not SIGKILL")
        let outcome = stream.outcome
        #expect(outcome.unexpected.count == 0, "unexpected answers: \(outcome.unexpected.prefix(10))")
        #expect(
            outcome.acknowledgedAtKill >= Self.acknowledgedBeforeKill,
            "only \(outcome.acknowledgedAtKill) requests were acknowledged before the kill")
        #expect(
            !outcome.cutOff.isEmpty,
            "no request was in flight when the server was killed (sent, never answered): \(stream.summary)")
        return outcome
    }

    @Test func everyAcknowledgedDecisionSurvivesKill9() throws {
        let setup = try Setup()
        let dir = setup.directory
        var keepDirectory = false
        defer { if !keepDirectory { try? FileManager.default.removeItem(at: dir) } }
        let statml = setup.statml
        let clientKey = setup.clientKey
        let coderKey = setup.coderKey

        let first = try ServeProcess(statml, name: "serve-1")
        defer { first.killIfRunning() }
        let client = HTTPTestClient(port: first.port)

        // Texts no product looks like, so the model is unsure and sends them to review.
        var random = SeededGenerator(seed: 5)
        var queued = 0
        var batch = 0
        while queued < Self.queuedTarget {
            batch += 1
            try #require(batch <= 20, "after \(batch - 1) batches of gibberish only \(queued) records were queued")
            let records: [JSONValue] = (0..<100).map { i in
                ["id": .string("b\(batch)-\(i)"), "text": .string(Self.gibberish(&random))]
            }
            let response = try client.request(
                method: "POST", path: "/v1/code", headers: ["Authorization": "Bearer \(clientKey)"],
                body: Array((["records": .array(records)] as JSONValue).serialized().utf8))
            try #require(response.status == 200, "POST /v1/code: \(response.status) \(response.text)")
            let results = try #require(json(response)?["results"]?.arrayValue, "POST /v1/code: \(response.text)")
            queued += results.filter { $0["auto"]?.boolValue == false && $0["code"]?.stringValue != "" }.count
        }

        let next = try client.request(
            path: "/v1/review/next?limit=1000", headers: ["Authorization": "Bearer \(coderKey)"])
        try #require(next.status == 200, "GET /v1/review/next: \(next.status) \(next.text)")
        #expect(json(next)?["queue_length"]?.intValue == queued)
        let plan: [PlannedRequest] = try (json(next)?["items"]?.arrayValue ?? []).map { item in
            let id = try #require(item["id"]?.intValue, "review item without an id: \(item)")
            let codes = (item["suggestions"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
            let code = try #require(codes.isEmpty ? nil : codes[id % codes.count], "item \(id) has no suggestions")
            return PlannedRequest(
                id: id, path: "/v1/review/items/\(id)",
                body: Array((["code": .string(code)] as JSONValue).serialized().utf8), value: code)
        }
        try #require(plan.count == queued, "GET /v1/review/next listed \(plan.count) of \(queued) queued items")
        client.disconnect()

        // Reviewers decide on several threads; the server is killed once enough decisions are
        // acknowledged and while at least one request has been sent and not yet answered.
        let stream = RequestStream(plan: plan) { request, response in
            let answer = json(response)
            guard response.status == 200, answer?["status"]?.stringValue == "decided",
                answer?["code"]?.stringValue == request.value
            else { return nil }
            return request.value
        }
        let outcome = try killMidStream(stream, first, key: coderKey)

        // The store after the crash, through a new server on it.
        let second = try ServeProcess(statml, name: "serve-2")
        defer { second.killIfRunning() }
        let reader = HTTPTestClient(port: second.port)
        let health = try reader.request(path: "/healthz")
        #expect(health.status == 200 && json(health)?["status"]?.stringValue == "ok", "/healthz: \(health.text)")

        var stored: [Int: String] = [:]
        for item in plan {
            let response = try reader.request(
                path: "/v1/review/items/\(item.id)", headers: ["Authorization": "Bearer \(coderKey)"])
            try #require(response.status == 200, "GET /v1/review/items/\(item.id): \(response.status) \(response.text)")
            let body = json(response)
            switch body?["status"]?.stringValue {
            case "pending":
                break
            case "decided":
                stored[item.id] = body?["code"]?.stringValue ?? "<no code>"
            default:
                Issue.record("review item \(item.id) is neither pending nor decided: \(response.text)")
            }
        }

        let lost = outcome.acknowledged.filter { stored[$0.key] != $0.value }.sorted { $0.key < $1.key }
        if !lost.isEmpty { keepDirectory = true }
        #expect(
            lost.count == 0,
            """
            \(lost.count) of \(outcome.acknowledged.count) acknowledged decisions are not in the store after the \
            restart (id: acknowledged code → stored code): \
            \(lost.prefix(20).map { "\($0.key): \($0.value) → \(stored[$0.key] ?? "pending")" }); store kept in \(dir.path)
            """)
        let phantom = stored.filter { stream.sentValue(for: $0.key) != $0.value }
        #expect(phantom.count == 0, "decisions no reviewer sent, or with another code: \(phantom.prefix(20))")
        #expect(stored.count >= outcome.acknowledged.count)

        let queue = try reader.request(
            path: "/v1/review/next?limit=1", headers: ["Authorization": "Bearer \(coderKey)"])
        #expect(
            json(queue)?["queue_length"]?.intValue == plan.count - stored.count,
            "queue length after the restart: \(queue.text); \(plan.count) queued, \(stored.count) decided")

        // The audit log: one review.decide entry per stored decision, with its code.
        var audited: [Int: [String]] = [:]
        for line in try statml.run(["admin", "audit", "--tenant", "t", "--store", "s.db"]).split(separator: "\n") {
            let entry = try JSONValue.parse(String(line))
            guard entry["action"]?.stringValue == "review.decide" else { continue }
            let item = try #require(entry["details"]?["item"]?.intValue, "review.decide entry without an item: \(line)")
            audited[item, default: []].append(entry["details"]?["code"]?.stringValue ?? "<no code>")
        }
        let unaudited = outcome.acknowledged.filter { audited[$0.key] != [$0.value] }.sorted { $0.key < $1.key }
        if !unaudited.isEmpty { keepDirectory = true }
        #expect(
            unaudited.count == 0,
            """
            \(unaudited.count) acknowledged decisions lack exactly one matching review.decide audit entry: \
            \(unaudited.prefix(20).map { "\($0.key): \($0.value) audited as \(audited[$0.key] ?? [])" }); \
            store kept in \(dir.path)
            """)
        let auditedNotStored = audited.filter { $0.value != [stored[$0.key]].compactMap { $0 } }
        #expect(
            auditedNotStored.count == 0, "audit entries that do not match the store: \(auditedNotStored.prefix(20))")
        // Decision and audit entry share one transaction: a stored decision always has its entry.
        let storedNotAudited = stored.keys.filter { audited[$0] == nil }.sorted()
        #expect(storedNotAudited.isEmpty, "decisions stored without an audit entry: \(storedNotAudited.prefix(20))")

        second.terminate()
        #expect(second.waitForExit() == .exit(0), "the restarted server did not stop cleanly on SIGTERM")
    }

    /// The same for coding requests, with `statml serve`'s default `--coding-durability log`: a request is
    /// answered once its audit entry and review items are committed to SQLite's write-ahead log, before the
    /// log is flushed to disk. A crash of the server process must still lose none of them (the operating
    /// system holds the log); only a power loss could. After the restart, every record an acknowledged
    /// request sent to review is in the queue, and there is a `code` audit entry for each acknowledged request.
    @Test func everyAcknowledgedCodingRequestSurvivesKill9() throws {
        let setup = try Setup()
        let dir = setup.directory
        var keepDirectory = false
        defer { if !keepDirectory { try? FileManager.default.removeItem(at: dir) } }

        let first = try ServeProcess(setup.statml, name: "serve-1")
        defer { first.killIfRunning() }
        // One gibberish record a request, so that each is queued for review: at most 900, the most one
        // GET /v1/review/next lists.
        var random = SeededGenerator(seed: 9)
        let plan: [PlannedRequest] = (0..<900).map { id in
            let record: JSONValue = ["id": .string("c\(id)"), "text": .string(Self.gibberish(&random))]
            return PlannedRequest(
                id: id, path: "/v1/code", body: Array((["records": [record]] as JSONValue).serialized().utf8),
                value: "c\(id)")
        }
        let stream = RequestStream(plan: plan) { request, response in
            guard response.status == 200, let results = json(response)?["results"]?.arrayValue, results.count == 1,
                results[0]["id"]?.stringValue == request.value
            else { return nil }
            // The value: the record's id when it went to review, "" when it was coded automatically.
            return results[0]["auto"]?.boolValue == false ? request.value : ""
        }
        let outcome = try killMidStream(stream, first, key: setup.clientKey)
        let queuedByAcknowledged = Set(outcome.acknowledged.values.filter { !$0.isEmpty })
        #expect(
            queuedByAcknowledged.count * 2 > outcome.acknowledged.count,
            "most gibberish should go to review: \(queuedByAcknowledged.count) of \(outcome.acknowledged.count)")

        let second = try ServeProcess(setup.statml, name: "serve-2")
        defer { second.killIfRunning() }
        let reader = HTTPTestClient(port: second.port)
        let next = try reader.request(
            path: "/v1/review/next?limit=1000", headers: ["Authorization": "Bearer \(setup.coderKey)"])
        try #require(next.status == 200, "GET /v1/review/next: \(next.status) \(next.text)")
        let queued = Set((json(next)?["items"]?.arrayValue ?? []).compactMap { $0["record_id"]?.stringValue })
        let lost = queuedByAcknowledged.subtracting(queued).sorted()
        if !lost.isEmpty { keepDirectory = true }
        #expect(
            lost.isEmpty,
            "\(lost.count) records that acknowledged requests sent to review are not queued after the restart: \(lost.prefix(20)); store kept in \(dir.path)"
        )
        let phantom = queued.filter { stream.sentValue(for: Int($0.dropFirst())!) == nil }
        #expect(phantom.isEmpty, "queued records no client sent: \(phantom.prefix(20))")

        let codeEntries = try setup.statml.run(["admin", "audit", "--tenant", "t", "--store", "s.db"])
            .split(separator: "\n").filter { try JSONValue.parse(String($0))["action"]?.stringValue == "code" }
        #expect(
            codeEntries.count >= outcome.acknowledged.count,
            "\(codeEntries.count) code audit entries for \(outcome.acknowledged.count) acknowledged requests")
        second.terminate()
        #expect(second.waitForExit() == .exit(0), "the restarted server did not stop cleanly on SIGTERM")
    }

    /// Two to four words of random letters.
    static func gibberish(_ random: inout SeededGenerator) -> String {
        let letters = Array("bcdfghjklmnpqrstvwxzaeiouy")
        return (0..<(2 + random.int(below: 3))).map { _ in
            String((0..<(3 + random.int(below: 6))).map { _ in letters[random.int(below: letters.count)] })
        }.joined(separator: " ")
    }
}

/// One request a client thread will send: `id` names it, `value` is what an acknowledgement of it must
/// leave in the store (a decision's code; the ids of the records a coding request queued for review).
struct PlannedRequest: Sendable {
    var id: Int
    var path: String
    var body: [UInt8]
    var value: String
}

/// The requests the client threads send and what became of each, and the kill of the server at a moment
/// the stream is known to be mid-flight.
final class RequestStream: Sendable {
    struct Outcome {
        /// Request id → value of every request acknowledged (accepted by `acknowledges`), before or after
        /// the kill.
        var acknowledged: [Int: String] = [:]
        var acknowledgedAtKill = 0
        /// Sent before the kill and never answered: the requests the kill cut off.
        var cutOff: Set<Int> = []
        var unexpected: [String] = []
    }

    private struct State {
        var outcome = Outcome()
        var sent: [Int: String] = [:]
        /// Requests written to the socket and not answered yet.
        var awaiting: Set<Int> = []
        var awaitingAtKill: Set<Int> = []
        var failed: Set<Int> = []
        var killed = false
    }

    private let plan: [PlannedRequest]
    /// The acknowledged value of an answer to `request`, or nil when the answer is not the success it should be.
    private let acknowledges: @Sendable (PlannedRequest, HTTPTestResponse) -> String?
    private let next = Atomic<Int>(0)
    private let state = Mutex(State())

    init(plan: [PlannedRequest], acknowledges: @escaping @Sendable (PlannedRequest, HTTPTestResponse) -> String?) {
        self.plan = plan
        self.acknowledges = acknowledges
    }

    var isExhausted: Bool { next.load(ordering: .relaxed) >= plan.count && state.withLock { $0.awaiting.isEmpty } }

    var outcome: Outcome {
        state.withLock { s in
            var outcome = s.outcome
            outcome.cutOff = s.awaitingAtKill.intersection(s.failed)
            return outcome
        }
    }

    var summary: String {
        state.withLock { s in
            "\(s.sent.count) sent, \(s.outcome.acknowledged.count) acknowledged (\(s.outcome.acknowledgedAtKill) at the kill), \(s.awaitingAtKill.count) awaiting at the kill, \(s.failed.count) failed"
        }
    }

    func sentValue(for id: Int) -> String? { state.withLock { $0.sent[id] } }

    /// Sends SIGKILL to `pid` when at least `acknowledged` requests are acknowledged and some request
    /// is awaiting its answer; holding the lock, so no answer is recorded between the check and the kill.
    func killIfReady(pid: pid_t, acknowledged: Int) -> Bool {
        state.withLock { s in
            guard s.outcome.acknowledged.count >= acknowledged, !s.awaiting.isEmpty else { return false }
            s.killed = true
            s.awaitingAtKill = s.awaiting
            s.outcome.acknowledgedAtKill = s.outcome.acknowledged.count
            kill(pid, SIGKILL)
            return true
        }
    }

    /// One client: takes the next planned request and sends it, until the plan runs out or the server
    /// is gone.
    func send(port: UInt16, key: String) {
        let client = HTTPTestClient(port: port)
        while true {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < plan.count else { return }
            let request = plan[index]
            let head =
                "POST \(request.path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                + "Authorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: \(request.body.count)\r\n\r\n"
            do {
                try client.send(Array(head.utf8) + request.body)
            } catch {
                state.withLock { s in
                    if !s.killed { s.outcome.unexpected.append("request \(request.id): sending failed: \(error)") }
                }
                return
            }
            let stillRunning = state.withLock { s in
                s.sent[request.id] = request.value
                if !s.killed { s.awaiting.insert(request.id) }
                return !s.killed
            }
            let response: HTTPTestResponse
            do {
                response = try client.readResponse(method: "POST")
            } catch {
                state.withLock { s in
                    s.awaiting.remove(request.id)
                    s.failed.insert(request.id)
                    if !s.killed { s.outcome.unexpected.append("request \(request.id): \(error) before the kill") }
                }
                return
            }
            let value = acknowledges(request, response)
            state.withLock { s in
                s.awaiting.remove(request.id)
                if let value {
                    s.outcome.acknowledged[request.id] = value
                } else {
                    s.outcome.unexpected.append("request \(request.id): HTTP \(response.status) \(response.text)")
                }
            }
            if !stillRunning { return }
        }
    }
}

/// The `statml` executable built with the test bundle, run in one directory.
struct StatMLExecutable {
    /// `statml` next to the test bundle (both are products of the same build), or STATML_BINARY.
    static let url: URL? = {
        if let explicit = ProcessInfo.processInfo.environment["STATML_BINARY"] { return URL(fileURLWithPath: explicit) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("statml")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    let url: URL
    let directory: URL

    /// Runs `statml arguments` to completion and returns its standard output; throws unless it exits 0.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let out = directory.appendingPathComponent("cli.out")
        let err = directory.appendingPathComponent("cli.err")
        let process = try start(arguments, stdout: out, stderr: err)
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw HTTPTestClientError(
                "statml \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(stderr)")
        }
        return stdout
    }

    /// Starts `statml arguments` in the directory with its output going to files (no pipe to drain).
    func start(_ arguments: [String], stdout: URL, stderr: URL) throws -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        for file in [stdout, stderr] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let out = try FileHandle(forWritingTo: stdout)
        let err = try FileHandle(forWritingTo: stderr)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return process
    }
}

/// `statml serve --port 0` on the directory's `s.db`, as a child process.
final class ServeProcess {
    enum Exit: Equatable, CustomStringConvertible {
        case exit(Int32)
        case signal(Int32)

        var description: String {
            switch self {
            case .exit(let code): "exit status \(code)"
            case .signal(let signal): "signal \(signal)"
            }
        }
    }

    private let process: Process
    private let stderr: URL
    let port: UInt16

    var pid: pid_t { process.processIdentifier }

    /// Starts the server and waits (up to 10 s) for the line saying which port it listens on.
    init(_ statml: StatMLExecutable, name: String) throws {
        stderr = statml.directory.appendingPathComponent("\(name).err")
        process = try statml.start(
            ["serve", "--port", "0", "--store", "s.db"],
            stdout: statml.directory.appendingPathComponent("\(name).out"), stderr: stderr)
        let prefix = "statml serve: listening on http://0.0.0.0:"
        for _ in 0..<1000 {
            let text = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                let port = UInt16(line.dropFirst(prefix.count).prefix(while: \.isNumber))
            {
                self.port = port
                return
            }
            if !process.isRunning { break }
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        throw HTTPTestClientError(
            "statml serve did not say which port it listens on: \((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")"
        )
    }

    deinit { killIfRunning() }

    func terminate() {
        if process.isRunning { kill(pid, SIGTERM) }
    }

    func killIfRunning() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    func waitForExit() -> Exit {
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
            ? .signal(process.terminationStatus) : .exit(process.terminationStatus)
    }
}
