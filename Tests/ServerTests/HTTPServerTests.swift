import Dispatch
import Glibc
import Server
import StatMLCore
import Synchronization
import Testing

@Suite("HTTP server on libmicrohttpd")
struct HTTPServerTests {
    /// Echoes what the server parsed, as JSON.
    static let echo: HTTPServer.Handler = { request in
        var query = JSONObject()
        for (name, _) in request.queryItems { query[name] = request.query(name).map(JSONValue.string) }
        return .json([
            "method": .string(request.method.rawValue), "path": .string(request.path), "query": .object(query),
            "userAgent": request.headers["user-agent"].map(JSONValue.string) ?? .null,
            "remote": request.remoteAddress.map(JSONValue.string) ?? .null,
            "bodyBytes": .number(Double(request.body.count)),
        ])
    }

    @Test func parsesMethodPathQueryHeadersAndClient() throws {
        try withHTTPServer(handler: Self.echo) { server in
            let client = HTTPTestClient(port: server.port)
            let response = try client.request(
                path: "/a/b%20c?x=1&name=J%C3%BCrgen&flag&x=2", headers: ["USER-AGENT": "tests/1.0"])
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json; charset=utf-8")
            let body = try #require(json(response))
            #expect(body["method"] == "GET")
            #expect(body["path"] == "/a/b c")
            #expect(body["query"]?["x"] == "1")
            #expect(body["query"]?["name"] == "Jürgen")
            #expect(body["query"]?["flag"] == "")
            #expect(body["userAgent"] == "tests/1.0")
            #expect(body["remote"] == "127.0.0.1")
        }
    }

    /// The default of `statml serve`: with a thread per connection, a handler that waits (as a coding
    /// request waits for its commit) holds up no other connection, however the connections arrived.
    @Test func withAThreadPerConnectionABlockedRequestHoldsUpNoOtherConnection() throws {
        let release = DispatchSemaphore(value: 0)
        let blocked = Atomic<Int>(0)
        let handler: HTTPServer.Handler = { request in
            if request.path == "/wait" {
                blocked.add(1, ordering: .sequentiallyConsistent)
                release.wait()
            }
            return .text("done \(request.path)")
        }
        try withHTTPServer(threads: 0, handler: handler) { server in
            // Eight connections each hold a waiting request...
            let waiting = (0..<8).map { _ in HTTPTestClient(port: server.port) }
            let answered = Atomic<Int>(0)
            let threads = waiting.map { client in
                TestThread {
                    if (try? client.request(path: "/wait"))?.text == "done /wait" {
                        answered.add(1, ordering: .sequentiallyConsistent)
                    }
                }
            }
            try waitUntil { blocked.load(ordering: .sequentiallyConsistent) == 8 }
            // ...and new connections are still answered at once.
            for k in 0..<8 {
                let client = HTTPTestClient(port: server.port, receiveTimeoutSeconds: 2)
                #expect(try client.request(path: "/ping\(k)").text == "done /ping\(k)")
            }
            #expect(answered.load(ordering: .sequentiallyConsistent) == 0)
            for _ in 0..<8 { release.signal() }
            for thread in threads { thread.join() }
            #expect(answered.load(ordering: .sequentiallyConsistent) == 8)
        }
    }

    @Test func routesWithParametersAndAnswers404And405() throws {
        var router = Router()
        router.post("/v1/models/{version}/promote") { request in
            .json([
                "promoted": .string(request.pathParameters["version"] ?? "?"), "route": .string(request.route ?? ""),
            ])
        }
        router.get("/v1/models/{version}") { .text("model \($0.pathParameters["version"] ?? "?")") }
        router.get("/v1/models/latest") { _ in .text("the latest model") }
        try withHTTPServer(handler: { [router] in router.handle($0) }) { server in
            let client = HTTPTestClient(port: server.port)

            let promoted = try client.request(method: "POST", path: "/v1/models/7/promote")
            #expect(promoted.status == 200)
            #expect(json(promoted)?["promoted"] == "7")
            #expect(json(promoted)?["route"] == "/v1/models/{version}/promote")

            #expect(try client.request(path: "/v1/models/12").text == "model 12")
            #expect(try client.request(path: "/v1/models/latest").text == "the latest model")

            let head = try client.request(method: "HEAD", path: "/v1/models/12")
            #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] == "8")

            let missing = try client.request(path: "/v1/nothing")
            #expect(missing.status == 404)
            #expect(errorCode(missing) == "not_found")

            let wrongMethod = try client.request(method: "DELETE", path: "/v1/models/7/promote")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "POST")
            #expect(errorCode(wrongMethod) == "method_not_allowed")
            #expect(try client.request(method: "POST", path: "/v1/models/7").headers["allow"] == "GET, HEAD")
        }
    }

    @Test func aThrowingHandlerBecomesAJSONError() throws {
        struct Secret: Error {}
        var router = Router()
        router.get("/boom") { _ in throw Secret() }
        router.get("/missing/{name}") { throw StatMLError.notFound("no model named '\($0.pathParameters["name"]!)'") }
        router.post("/clash") { _ in throw StatMLError(.conflict, "the name is taken") }
        try withHTTPServer(handler: { [router] in router.handle($0) }) { server in
            let client = HTTPTestClient(port: server.port)
            let boom = try client.request(path: "/boom")
            #expect(boom.status == 500)
            #expect(boom.text == #"{"error":{"code":"internal","message":"internal server error"}}"#)

            let missing = try client.request(path: "/missing/m1")
            #expect(missing.status == 404)
            #expect(json(missing)?["error"]?["message"] == "no model named 'm1'")
            #expect(try client.request(method: "POST", path: "/clash").status == 409)
            // The server is still serving on the same connection.
            #expect(try client.request(path: "/boom").status == 500)
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test func anInvalidResponseBecomesA500() throws {
        try withHTTPServer(handler: { _ in HTTPResponse(status: 200, headers: ["X-Bad": "a\r\nb"], body: [1]) }) {
            server in
            let response = try HTTPTestClient(port: server.port).request(path: "/")
            #expect(response.status == 500)
            #expect(errorCode(response) == "internal")
        }
    }

    @Test func echoesABodyOfSeveralMegabytesSentInManyPieces() throws {
        var generator = SeededGenerator(seed: 42)
        let payload = (0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try withHTTPServer(maxBodyBytes: 8 << 20, handler: { HTTPResponse(body: $0.body) }) { server in
            let client = HTTPTestClient(port: server.port)
            try client.send(Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(payload.count)\r\n\r\n".utf8))
            for start in stride(from: 0, to: payload.count, by: 7_777) {
                try client.send(Array(payload[start..<min(start + 7_777, payload.count)]))
            }
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == payload)

            // The same body in chunked transfer encoding, on the same connection.
            var chunked = Array("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for start in stride(from: 0, to: payload.count, by: 100_000) {
                let piece = payload[start..<min(start + 100_000, payload.count)]
                chunked += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8)
            }
            try client.send(chunked + Array("0\r\n\r\n".utf8))
            #expect(try client.readResponse().body == payload)
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test func refusesABodyDeclaredTooLargeBeforeReadingIt() throws {
        try withHTTPServer(maxBodyBytes: 1000, handler: Self.echo) { server in
            let client = HTTPTestClient(port: server.port)
            // Only the headers are sent: the answer cannot wait for the body.
            try client.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n".utf8))
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(
                response.text == #"{"error":{"code":"payload_too_large","message":"request body exceeds 1000 bytes"}}"#)
            #expect(client.serverClosed())

            let fits = try client.request(method: "POST", path: "/upload", body: Array(repeating: 7, count: 1000))
            #expect(fits.status == 200 && json(fits)?["bodyBytes"] == 1000)
        }
    }

    @Test func refusesAStreamedBodyAsSoonAsItCrossesTheLimit() throws {
        try withHTTPServer(maxBodyBytes: 64 * 1024, handler: Self.echo) { server in
            let client = HTTPTestClient(port: server.port)
            try client.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            // 80 KiB in 10 KiB chunks and no final chunk: the body never ends, so a 413 must come early.
            let chunk = Array("2800\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 0x2800) + Array("\r\n".utf8)
            for _ in 0..<8 { try client.send(chunk) }
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(errorCode(response) == "payload_too_large")
            #expect(client.serverClosed())
            #expect(try HTTPTestClient(port: server.port).request(path: "/after").status == 200)
        }
    }

    @Test func freesTheRequestWhenTheClientLeavesMidUpload() throws {
        try withHTTPServer(handler: Self.echo) { server in
            let fd = try openLoopbackConnection(port: server.port)
            let head = Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8)
            _ = (head + Array(repeating: 1, count: 5000)).withUnsafeBytes {
                send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            try waitUntil { server.inFlightRequests == 1 }
            close(fd)
            try waitUntil { server.inFlightRequests == 0 }
        }
    }

    @Test func servesManyRequestsOnOneKeptAliveConnection() throws {
        try withHTTPServer(handler: Self.echo) { server in
            let client = HTTPTestClient(port: server.port)
            for k in 0..<300 {
                let response = try client.request(path: "/item/\(k)")
                #expect(json(response)?["path"] == .string("/item/\(k)"))
            }
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test func servesConcurrentClients() throws {
        let failures = Atomic<Int>(0)
        try withHTTPServer(threads: 4, handler: Self.echo) { server in
            let port = server.port
            onThreads(16) { worker in
                let client = HTTPTestClient(port: port)
                for k in 0..<50 {
                    let body = Array("worker \(worker) request \(k)".utf8)
                    let response = try? client.request(method: "POST", path: "/w/\(worker)/\(k)", body: body)
                    if response.flatMap(json)?["path"] != .string("/w/\(worker)/\(k)")
                        || response.flatMap(json)?["bodyBytes"] != .number(Double(body.count))
                    {
                        failures.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test func shutdownLetsTheRequestInFlightFinishAndRefusesNewConnections() throws {
        let handlerStarted = Atomic<Bool>(false)
        let server = HTTPServer(
            host: "127.0.0.1", port: 0, threads: 2, maxBodyBytes: 1024, connectionTimeoutSeconds: 30
        ) { _ in
            handlerStarted.store(true, ordering: .sequentiallyConsistent)
            usleep(300_000)
            return .text(String(repeating: "done ", count: 20_000))
        }
        try server.start()
        let port = server.port

        let slowResponse = Mutex<Result<HTTPTestResponse, any Error>?>(nil)
        let slowClient = TestThread {
            let result = Result { try HTTPTestClient(port: port).request(path: "/slow") }
            slowResponse.withLock { $0 = result }
        }
        try waitUntil { handlerStarted.load(ordering: .sequentiallyConsistent) }

        let drained = Mutex<Bool?>(nil)
        let stopper = TestThread {
            let result = server.shutdown(graceTimeout: .seconds(5))
            drained.withLock { $0 = result }
        }
        // While the slow request is still in flight, the listening socket is already closed.
        try waitUntil { (try? openLoopbackConnection(port: port)).map { close($0) } == nil }
        #expect(server.inFlightRequests == 1)

        slowClient.join()
        stopper.join()
        #expect(drained.withLock { $0 } == true)
        let response = try #require(try slowResponse.withLock { $0 }?.get())
        #expect(response.status == 200)
        #expect(response.body.count == 100_000)
        #expect(response.headers["connection"] == "close")
        #expect(throws: HTTPTestClientError.self) { try openLoopbackConnection(port: port) }
        #expect(server.shutdown() == true)
    }

    @Test func aTakenPortIsAClearError() throws {
        try withHTTPServer(handler: Self.echo) { server in
            let second = HTTPServer(
                host: "127.0.0.1", port: server.port, threads: 1, maxBodyBytes: 10, connectionTimeoutSeconds: 5,
                handler: Self.echo)
            let error = try #require(throws: StatMLError.self) { try second.start() }
            #expect(error.message == "port \(server.port) is already in use")
        }
    }

    @Test func startingTwiceIsAnError() throws {
        try withHTTPServer(handler: Self.echo) { server in
            #expect(throws: StatMLError.self) { try server.start() }
        }
    }
}
