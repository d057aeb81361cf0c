import Foundation
import Server
import StatMLCore

/// Runs `body` against a started server on an ephemeral loopback port, then shuts the server down.
@discardableResult
func withHTTPServer<T>(
    threads: Int = 4, maxBodyBytes: Int = 1 << 20, metrics: Metrics? = nil,
    handler: @escaping HTTPServer.Handler, _ body: (HTTPServer) throws -> T
) throws -> T {
    let server = HTTPServer(
        host: "127.0.0.1", port: 0, threads: threads, maxBodyBytes: maxBodyBytes, connectionTimeoutSeconds: 30,
        metrics: metrics, handler: handler)
    try server.start()
    defer { server.shutdown(graceTimeout: .seconds(5)) }
    return try body(server)
}

/// The JSON of a response body, or nil when it is not JSON.
func json(_ response: HTTPTestResponse) -> JSONValue? {
    try? JSONValue.parse(response.body)
}

/// `error.code` of a JSON error body.
func errorCode(_ response: HTTPTestResponse) -> String? {
    json(response)?["error"]?["code"]?.stringValue
}

/// Polls `condition` every 2 ms for up to 5 s.
func waitUntil(_ condition: () -> Bool) throws {
    for _ in 0..<2500 {
        if condition() { return }
        usleep(2_000)
    }
    throw HTTPTestClientError("timed out waiting for a condition")
}

/// Runs `body` on a thread of its own (not the shared Dispatch pool, whose few threads the test
/// runner may be holding); `join()` waits for it to end.
final class TestThread: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread { [done] in
            body()
            done.signal()
        }
    }

    func join() { done.wait() }
}

/// Runs `body(0..<count)` on `count` threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let threads = (0..<count).map { index in TestThread { body(index) } }
    for thread in threads { thread.join() }
}
