internal import CMicroHTTPD
import Glibc
import StatMLCore
import Synchronization

/// An HTTP/1.1 server on libmicrohttpd, with keep-alive and an idle-connection timeout. Each request's
/// body is read in full (up to `maxBodyBytes`) before `handler` runs.
///
/// `handler` runs on the worker threads, many at once, and blocks its worker while it runs. With
/// `threads` 0 every connection has a thread of its own (MHD's thread-per-connection mode), so a handler
/// waiting (for a commit, say) never holds up another connection. With a pool of `threads` workers, each
/// running an epoll loop, a connection waits for the other connections of its worker, and MHD does not
/// spread connections evenly: 16 connections measured on 5 of 16 workers, which doubled the p99 latency
/// of the coding service. A pool suits many mostly idle connections, which would otherwise each hold a
/// thread.
/// A handler reports failures as error responses; a trap in a handler still ends the process.
///
/// Lifecycle: `idle` → `start()` → `running` → `shutdown(graceTimeout:)` → `draining` → `stopped`. A
/// running server keeps itself alive until it is shut down.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    public let host: String
    public let threads: Int
    public let maxBodyBytes: Int
    public let connectionTimeoutSeconds: Int
    let requestedPort: UInt16
    let handler: Handler
    let requestMetrics: HTTPRequestMetrics?

    enum State {
        case idle
        case running(daemon: OpaquePointer, port: UInt16)
        case draining(port: UInt16)
        case stopped
    }

    private let state = Mutex<State>(.idle)
    /// Requests whose headers have arrived and whose response has not been sent in full.
    private let inFlight = Atomic<Int>(0)
    /// Set when shutdown begins: responses then ask clients to close their connection.
    let isDraining = Atomic<Bool>(false)

    /// - Parameters:
    ///   - host: the IPv4 address to listen on; "0.0.0.0" is every interface.
    ///   - port: the TCP port; 0 picks a free one (read it from `port` after `start()`).
    ///   - threads: 0, a thread per connection; 1, a single thread serves every connection; more, a pool.
    ///   - maxBodyBytes: a larger request body is answered with 413 and not read further.
    ///   - connectionTimeoutSeconds: an idle connection is closed after this long; 0 never.
    ///   - metrics: when given, every response is counted in `statml_http_requests_total` (labels
    ///     method, route, status) and timed in `statml_http_request_duration_seconds` (method, route),
    ///     and `statml_http_requests_in_flight` reports the requests being served. The route label is
    ///     the router's pattern (`HTTPResponse.route`), or "unmatched".
    public init(
        host: String = "0.0.0.0", port: UInt16, threads: Int, maxBodyBytes: Int, connectionTimeoutSeconds: Int,
        metrics: Metrics? = nil, handler: @escaping Handler
    ) {
        self.host = host
        self.requestedPort = port
        self.threads = max(0, threads)
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.connectionTimeoutSeconds = max(0, connectionTimeoutSeconds)
        self.handler = handler
        self.requestMetrics = metrics.map(HTTPRequestMetrics.init)
        metrics?.gauge("statml_http_requests_in_flight", help: "HTTP requests being received or answered.") {
            [weak self] in Double(self?.inFlightRequests ?? 0)
        }
    }

    /// The port the server listens on once started, else the port it was asked for.
    public var port: UInt16 {
        state.withLock { state in
            switch state {
            case .running(_, let port), .draining(let port): port
            case .idle, .stopped: requestedPort
            }
        }
    }

    /// Requests whose headers have arrived and whose response has not been sent in full.
    public var inFlightRequests: Int { inFlight.load(ordering: .relaxed) }

    /// Binds the port and starts the worker threads. Throws a `StatMLError` naming the port when it is
    /// taken, and when the server was started before.
    public func start() throws {
        try state.withLock { state in
            guard case .idle = state else {
                throw StatMLError(.internal, "the HTTP server on port \(requestedPort) was already started")
            }
            let socket = try ListenSocket.open(host: host, port: requestedPort, backlog: 512)
            // The daemon holds the server until `shutdown` stops it: a callback never meets a freed one.
            let context = Unmanaged.passRetained(self)
            // MHD_USE_ITC lets `shutdown` quiesce the daemon (stop accepting) before it stops it.
            // Thread per connection works with poll(), not epoll.
            let loop =
                threads == 0
                ? MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_POLL_INTERNAL_THREAD.rawValue
                : MHD_USE_EPOLL_INTERNAL_THREAD.rawValue
            let flags = loop | MHD_USE_ITC.rawValue
            let daemon = Self.withTerminationSignalsBlocked {
                statml_mhd_start_on_socket(
                    UInt32(flags), socket.fd, accessHandler, context.toOpaque(), requestCompleted,
                    UInt32(clamping: threads), UInt32(clamping: connectionTimeoutSeconds),
                    Self.connectionMemoryBytes)
            }
            guard let daemon else {
                close(socket.fd)
                context.release()
                throw StatMLError(.library, "libmicrohttpd could not start the HTTP server on port \(socket.port)")
            }
            state = .running(daemon: daemon, port: socket.port)
        }
    }

    /// Stops accepting connections, lets the requests in flight finish (for at most `graceTimeout`),
    /// then closes every connection and stops the worker threads. Responses sent while draining carry
    /// `Connection: close`. Returns false when requests were still in flight at the deadline; those are
    /// cut off, except that a handler still running is waited for. Calling it again, or before
    /// `start()`, does nothing and returns true.
    @discardableResult
    public func shutdown(graceTimeout: Duration = .seconds(10)) -> Bool {
        let daemon: OpaquePointer? = state.withLock { state in
            guard case .running(let daemon, let port) = state else { return nil }
            state = .draining(port: port)
            return daemon
        }
        guard let daemon else { return true }
        isDraining.store(true, ordering: .sequentiallyConsistent)
        let listenSocket = MHD_quiesce_daemon(daemon)
        if listenSocket >= 0 { close(listenSocket) }

        let deadline = ContinuousClock.now.advanced(by: graceTimeout)
        while inFlight.load(ordering: .sequentiallyConsistent) > 0 && ContinuousClock.now < deadline {
            usleep(2_000)
        }
        let drained = inFlight.load(ordering: .sequentiallyConsistent) == 0
        MHD_stop_daemon(daemon)
        // Balances the retain `start()` made for the daemon's context pointer.
        Unmanaged.passUnretained(self).release()
        state.withLock { $0 = .stopped }
        return drained
    }

    /// Each connection's memory pool in MHD: the request line and headers, the read buffer through which
    /// the body passes (it is copied out piece by piece), and the response's headers. MHD zeroes the
    /// whole pool before each request of a kept-alive connection, so a larger pool costs every request
    /// (64 KiB was 3–4 % of a single-record request's CPU); 32 KiB is MHD's own default.
    static let connectionMemoryBytes = 32 * 1024

    func requestBegan() { inFlight.add(1, ordering: .sequentiallyConsistent) }
    func requestEnded() { inFlight.subtract(1, ordering: .sequentiallyConsistent) }

    /// Runs `body` with SIGTERM and SIGINT blocked in the calling thread, so that the threads it starts
    /// inherit the mask and those signals reach the thread that waits for them (`SignalWaiter`).
    private static func withTerminationSignalsBlocked<T>(_ body: () -> T) -> T {
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGINT)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }
}
