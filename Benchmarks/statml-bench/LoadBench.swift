// statml-bench load URL --bodies FILE [--key KEY] [--connections 16] [--threads 2] [--seconds 20]
//                       [--records-per-request 1] [--out FILE.json]
//
// A closed-loop HTTP load generator for Benchmarks/service, in place of wrk. wrk 4.1's latency figures
// failed Little's law on this machine: 70,683 requests in 10 s over 16 connections bound the mean latency
// by 16 × 10 / 70,683 = 2.3 ms, yet wrk reported a mean of 97 ms and p99 1.4 s while the server's own
// histogram saw ~8 requests over 10 ms (wrk issues #114, #46). Here every completed request's latency is
// recorded, none sampled, so the percentiles are those of the full list.
//
// Each of --connections keep-alive connections has one request outstanding at a time and sends the next
// as soon as the answer's last byte is read; connection k starts at body (k × 7919) mod count and cycles
// through the bodies (one JSON request body a non-empty line, each sent as `POST path`). --threads client
// threads share the connections (k mod threads) and drive them with non-blocking sockets and poll().
// A latency runs from just before the request's first byte is written to when the answer's last byte
// has been read; requests still in flight at the deadline are not counted. The report has the keys
// Benchmarks/service/report.py reads (those the wrk script used to write) plus `littles_law_concurrency`,
// requests/s × mean latency, which for a closed loop must come out just under the number of connections.
import Glibc
import StatMLCore
import Synchronization

private let loadUsage = """
    usage: statml-bench load URL --bodies FILE [--key KEY] [--connections 16] [--threads 2] [--seconds 20] \
    [--records-per-request 1] [--out FILE.json]
    """

func loadBench(_ arguments: [String]) -> Never {
    let options = LoadOptions(arguments)
    let requests = buildRequests(options)
    let connections = openConnections(options, bodyCount: requests.count)

    let threadCount = min(options.threads, options.connections)
    let stopSignal = StopSignal()
    let workers = (0..<threadCount).map { t in
        LoadWorker(
            connections: connections.filter { $0.index % threadCount == t }, requests: requests,
            endpoint: options.endpoint, stopSignal: stopSignal)
    }
    let cpuBefore = processCPUSeconds()
    let start = monotonicNanoseconds()
    let deadline = start + UInt64(options.seconds * 1e9)
    var threads: [pthread_t] = []
    for worker in workers {
        worker.deadline = deadline
        var thread = pthread_t()
        let context = Unmanaged.passRetained(worker).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { context in
                let worker = Unmanaged<LoadWorker>.fromOpaque(context!).takeRetainedValue()
                worker.run()
                return nil
            }, context)
        guard status == 0 else { fail("cannot start a client thread: \(String(cString: strerror(status)))") }
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
    let end = workers.map(\.stoppedAt).max() ?? monotonicNanoseconds()
    let cpuSeconds = processCPUSeconds() - cpuBefore

    if let problem = workers.lazy.compactMap(\.failure).first {
        fputs("statml-bench: \(problem)\n", stderr)
    }
    let report = loadReport(
        options: options, workers: workers, seconds: Double(end - start) / 1e9, cpuSeconds: cpuSeconds)
    let text = JSONValue.object(report).serialized()
    print(text)
    if let out = options.out {
        do {
            let sink = try ByteSink(path: out)
            try sink.write(text + "\n")
            try sink.close()
        } catch {
            fail("cannot write \(out): \(error)")
        }
    }
    let failed =
        workers.contains { $0.failure != nil }
        || (report["errors"]?.objectValue?.contains { $0.value.doubleValue != 0 } ?? false)
        || report["non200"]?.doubleValue != 0
    exit(failed ? 1 : 0)
}

// MARK: - Options

/// Where the requests go: an IPv4 address (or localhost), a port and a path.
struct Endpoint {
    var host: String
    var port: UInt16
    var path: String
    var address: sockaddr_in

    /// `http://HOST[:PORT][/PATH]`; nil for anything else (https, IPv6, host names other than localhost).
    init?(url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        path = slash == rest.endIndex ? "/" : String(rest[slash...])
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, !parts[0].isEmpty else { return nil }
        host = String(parts[0])
        if parts.count == 2 {
            guard let p = UInt16(parts[1]), p > 0 else { return nil }
            port = p
        } else {
            port = 80
        }
        address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let numeric = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, numeric, &address.sin_addr) == 1 else { return nil }
    }

    var hostAndPort: String { "\(host):\(port)" }
}

struct LoadOptions {
    var endpoint: Endpoint
    var bodiesPath: String
    var key: String?
    var connections = 16
    var threads = 2
    var seconds = 20.0
    var recordsPerRequest = 1
    var out: String?

    init(_ arguments: [String]) {
        var values: [String: String] = [:]
        var positional: [String] = []
        let names = ["--bodies", "--key", "--connections", "--threads", "--seconds", "--records-per-request", "--out"]
        var k = 0
        while k < arguments.count {
            let a = arguments[k]
            if a.hasPrefix("--") {
                guard names.contains(a) else { fail("load: unknown option \(a)\n\(loadUsage)") }
                guard k + 1 < arguments.count else { fail("load: \(a) needs a value\n\(loadUsage)") }
                values[a] = arguments[k + 1]
                k += 2
            } else {
                positional.append(a)
                k += 1
            }
        }
        guard positional.count == 1 else {
            fail("load: expected one URL, found \(positional.count) arguments \(positional)\n\(loadUsage)")
        }
        guard let endpoint = Endpoint(url: positional[0]) else {
            fail("load: bad URL \(positional[0]): expected http://IPV4-OR-LOCALHOST[:PORT]/PATH")
        }
        self.endpoint = endpoint
        guard let bodies = values["--bodies"] else { fail("load: missing --bodies FILE\n\(loadUsage)") }
        bodiesPath = bodies
        key = values["--key"] ?? getenv("SVC_KEY").map { String(cString: $0) }

        func positiveInt(_ name: String, _ fallback: Int) -> Int {
            guard let text = values[name] else { return fallback }
            guard let n = Int(text), n > 0 else { fail("load: \(name) must be a positive integer, found \(text)") }
            return n
        }
        connections = positiveInt("--connections", connections)
        threads = positiveInt("--threads", threads)
        recordsPerRequest = positiveInt("--records-per-request", recordsPerRequest)
        if let text = values["--seconds"] {
            guard let s = Double(text), s > 0, s < 1e6 else {
                fail("load: --seconds must be a positive number, found \(text)")
            }
            seconds = s
        }
        out = values["--out"]
    }
}

/// The full bytes of one request per non-empty line of the bodies file, built once.
private func buildRequests(_ options: LoadOptions) -> [[UInt8]] {
    guard let bytes = readWholeFile(options.bodiesPath) else {
        fail("load: cannot read --bodies \(options.bodiesPath): \(String(cString: strerror(errno)))")
    }
    var head = "POST \(options.endpoint.path) HTTP/1.1\r\nHost: \(options.endpoint.hostAndPort)\r\n"
    if let key = options.key { head += "Authorization: Bearer \(key)\r\n" }
    head += "Content-Type: application/json\r\n"
    var requests: [[UInt8]] = []
    for var line in bytes.split(separator: UInt8(ascii: "\n")) {
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard !line.isEmpty else { continue }
        requests.append(Array((head + "Content-Length: \(line.count)\r\n\r\n").utf8) + line)
    }
    guard !requests.isEmpty else {
        fail("load: no request bodies in \(options.bodiesPath) (the file has no non-empty line)")
    }
    return requests
}

private func readWholeFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { return bytes }
        bytes += chunk[..<n]
    }
}

// MARK: - Connections

/// One keep-alive connection and the request it has outstanding.
final class LoadConnection {
    enum State {
        /// A non-blocking connect is under way (a reconnect, after the previous connection failed or closed).
        case connecting
        /// The request is partly written.
        case writing
        /// The request is written; the answer is being read.
        case reading
        /// A reconnect failed; the next attempt is due at the given monotonic time.
        case waiting(until: UInt64)
    }

    let index: Int
    var fd: Int32
    var state: State = .writing
    var nextBody: Int
    var request: [UInt8] = []
    var written = 0
    var startedAt: UInt64 = 0
    var response = Answer()

    init(index: Int, fd: Int32, firstBody: Int) {
        self.index = index
        self.fd = fd
        self.nextBody = firstBody
    }
}

/// The bytes of an answer read so far and what its header said.
struct Answer {
    var bytes: [UInt8] = []
    /// Bytes already searched for the end of the header.
    var scanned = 0
    /// Length of the header including its closing blank line, once it is complete.
    var headerLength: Int?
    var contentLength = 0
    var status = 0
    /// The header said `Connection: close`: the server closes the connection after this answer.
    var closes = false

    var totalLength: Int? { headerLength.map { $0 + contentLength } }
}

/// Connects every connection before the clock starts, so that a server that is not there is a usage
/// error, not a run full of connect errors.
private func openConnections(_ options: LoadOptions, bodyCount: Int) -> [LoadConnection] {
    return (0..<options.connections).map { k in
        var error: Int32 = 0
        let fd = connectSocket(options.endpoint, blocking: true, error: &error)
        guard fd >= 0 else {
            fail("load: cannot connect to \(options.endpoint.hostAndPort): \(String(cString: strerror(error)))")
        }
        return LoadConnection(index: k, fd: fd, firstBody: (k * 7919) % bodyCount)
    }
}

/// A TCP socket to the endpoint with TCP_NODELAY, non-blocking once connected. With `blocking: false`
/// the connect may still be in progress (EINPROGRESS) when this returns. Returns -1 and sets `error`
/// on failure.
private func connectSocket(_ endpoint: Endpoint, blocking: Bool, error: inout Int32) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else {
        error = errno
        return -1
    }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    if !blocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    var address = endpoint.address
    let status = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    if status != 0 && !(errno == EINPROGRESS && !blocking) {
        error = errno
        close(fd)
        return -1
    }
    if blocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    return fd
}

// MARK: - Client thread

/// Set by the first client thread that meets an answer it cannot read, so that all of them stop.
final class StopSignal: Sendable {
    let raised = Atomic<Bool>(false)
}

/// The connections of one client thread, driven with poll() until the deadline, and what they measured.
/// Only its own thread touches it while it runs; the main thread reads it after pthread_join.
final class LoadWorker {
    let connections: [LoadConnection]
    let requests: [[UInt8]]
    let endpoint: Endpoint
    let stopSignal: StopSignal
    var deadline: UInt64 = 0
    var stoppedAt: UInt64 = 0

    /// Nanoseconds, one per request completed before the deadline.
    var latencies: [UInt64] = []
    var bytesRead = 0
    var connectErrors = 0
    var readErrors = 0
    var writeErrors = 0
    /// Answers with status 400 or above (what wrk counts as status errors).
    var statusErrors = 0
    var non200 = 0
    var firstNon200 = ""
    /// What ended the run early, in every client thread: an answer this client cannot frame (chunked,
    /// no Content-Length) or a failed poll().
    private(set) var failure: String?

    private var scratch = [UInt8](repeating: 0, count: 1 << 16)

    init(connections: [LoadConnection], requests: [[UInt8]], endpoint: Endpoint, stopSignal: StopSignal) {
        self.connections = connections
        self.requests = requests
        self.endpoint = endpoint
        self.stopSignal = stopSignal
        latencies.reserveCapacity(1 << 20)
    }

    func run() {
        var polls = [pollfd](repeating: pollfd(), count: connections.count)
        for c in connections { startRequest(c) }
        while failure == nil && !stopSignal.raised.load(ordering: .relaxed) {
            let now = monotonicNanoseconds()
            if now >= deadline { break }
            var wakeAt = deadline
            for (i, c) in connections.enumerated() {
                polls[i].revents = 0
                switch c.state {
                case .connecting, .writing:
                    polls[i].fd = c.fd
                    polls[i].events = Int16(POLLOUT)
                case .reading:
                    polls[i].fd = c.fd
                    polls[i].events = Int16(POLLIN)
                case .waiting(let until):
                    if until <= now {
                        reconnect(c)
                        polls[i].fd = -1
                        wakeAt = now
                    } else {
                        polls[i].fd = -1
                        wakeAt = min(wakeAt, until)
                    }
                }
            }
            let timeoutMs = wakeAt <= now ? 0 : Int32((wakeAt - now + 999_999) / 1_000_000)
            let ready = poll(&polls, nfds_t(polls.count), timeoutMs)
            if ready < 0 {
                if errno == EINTR { continue }
                stop("poll failed: \(String(cString: strerror(errno)))")
                break
            }
            for (i, c) in connections.enumerated() where polls[i].fd >= 0 && polls[i].revents != 0 {
                switch c.state {
                case .connecting: finishConnect(c)
                case .writing: writeRequest(c)
                case .reading: readAnswer(c)
                case .waiting: break
                }
            }
        }
        stoppedAt = monotonicNanoseconds()
        for c in connections where c.fd >= 0 { close(c.fd) }
    }

    private func stop(_ problem: String) {
        failure = problem
        stopSignal.raised.store(true, ordering: .relaxed)
    }

    private func startRequest(_ c: LoadConnection) {
        c.request = requests[c.nextBody]
        c.nextBody = (c.nextBody + 1) % requests.count
        c.written = 0
        c.response.headerLength = nil
        c.response.scanned = 0
        c.state = .writing
        c.startedAt = monotonicNanoseconds()
        writeRequest(c)
    }

    private func writeRequest(_ c: LoadConnection) {
        while c.written < c.request.count {
            let n = c.request.withUnsafeBytes {
                send(c.fd, $0.baseAddress! + c.written, $0.count - c.written, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                writeErrors += 1
                reconnect(c)
                return
            }
            c.written += n
        }
        c.state = .reading
    }

    private func readAnswer(_ c: LoadConnection) {
        while true {
            let n = scratch.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                readErrors += 1
                reconnect(c)
                return
            }
            if n == 0 {  // the server closed the connection
                readErrors += 1
                reconnect(c)
                return
            }
            let receivedAt = monotonicNanoseconds()
            bytesRead += n
            c.response.bytes += scratch[..<n]
            // Defensive: a server could send more than one answer's bytes; they stay for the next one.
            while let total = frame(c), c.response.bytes.count >= total {
                let closes = c.response.closes
                complete(c, total: total, finishedAt: receivedAt)
                if failure != nil || receivedAt >= deadline { return }
                if closes {  // as announced, not an error: the next request goes out on a new connection
                    reconnect(c)
                    return
                }
                startRequest(c)
                guard case .reading = c.state else { return }
            }
            // A short read has drained the socket: skip the recv that would only say EAGAIN.
            if failure != nil || n < scratch.count { return }
        }
    }

    /// The answer's total length once its header is complete; nil while the header is still arriving
    /// or when the header cannot be framed (then `failure` is set).
    private func frame(_ c: LoadConnection) -> Int? {
        if let total = c.response.totalLength { return total }
        let bytes = c.response.bytes
        guard bytes.count >= 4 else { return nil }
        var i = max(0, c.response.scanned - 3)
        while i + 3 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { break }
            i += 1
        }
        guard i + 3 < bytes.count else {
            c.response.scanned = bytes.count
            return nil
        }
        // The header is parsed as bytes: this runs once per answer, in the client's hot loop.
        let header = bytes[..<i]
        let statusEnd = header.firstIndex(of: 13) ?? i
        let statusLine = String(decoding: header[..<statusEnd], as: UTF8.self)
        guard header.starts(with: "HTTP/".utf8), let space = header[..<statusEnd].firstIndex(of: 32),
            space + 4 <= statusEnd, let status = decimal(header[(space + 1)..<(space + 4)])
        else {
            stop("cannot parse the status line of an answer: \(statusLine.prefix(200))")
            return nil
        }
        var contentLength: Int?
        var closes = false
        var lineStart = statusEnd + 2
        while lineStart < i {
            let lineEnd = header[lineStart...].firstIndex(of: 13) ?? i
            let line = header[lineStart..<lineEnd]
            if let value = headerValue(line, named: "content-length") {
                contentLength = decimal(value)
            } else if let value = headerValue(line, named: "connection") {
                closes = String(decoding: value, as: UTF8.self).lowercased().contains("close")
            } else if let value = headerValue(line, named: "transfer-encoding"),
                String(decoding: value, as: UTF8.self).lowercased().contains("chunked")
            {
                stop(
                    "the server answered with Transfer-Encoding: chunked (\(statusLine)); "
                        + "this client reads only answers with a Content-Length")
                return nil
            }
            lineStart = lineEnd + 2
        }
        guard let length = contentLength else {
            stop(
                "an answer has no valid Content-Length header (\(statusLine)); "
                    + "this client reads only answers with a Content-Length")
            return nil
        }
        c.response.status = status
        c.response.closes = closes
        c.response.headerLength = i + 4
        c.response.contentLength = length
        return i + 4 + length
    }

    private func complete(_ c: LoadConnection, total: Int, finishedAt: UInt64) {
        let status = c.response.status
        let headerLength = c.response.headerLength ?? 0
        let counted = finishedAt <= deadline
        if counted {
            latencies.append(finishedAt - c.startedAt)
            if status >= 400 { statusErrors += 1 }
            if status != 200 {
                non200 += 1
                if firstNon200.isEmpty {
                    let statusLine = c.response.bytes.prefix(while: { $0 != 13 })
                    let body = c.response.bytes[headerLength..<min(total, headerLength + 200)]
                    firstNon200 =
                        String(decoding: statusLine, as: UTF8.self) + " " + String(decoding: body, as: UTF8.self)
                }
            }
        }
        c.response.bytes.removeFirst(total)
        c.response.headerLength = nil
        c.response.scanned = 0
        c.response.closes = false
    }

    /// Drops the connection (and its outstanding request, which is not counted) and opens a new one;
    /// the next request goes out when the connect completes.
    private func reconnect(_ c: LoadConnection) {
        if c.fd >= 0 { close(c.fd) }
        c.response = Answer()
        var error: Int32 = 0
        c.fd = connectSocket(endpoint, blocking: false, error: &error)
        if c.fd < 0 {
            connectFailed(c)
        } else {
            c.state = .connecting
        }
    }

    private func finishConnect(_ c: LoadConnection) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error != 0 {
            close(c.fd)
            c.fd = -1
            connectFailed(c)
        } else {
            startRequest(c)
        }
    }

    /// Counts a connect error and retries 10 ms later, so that a server that is gone is not spun on.
    private func connectFailed(_ c: LoadConnection) {
        connectErrors += 1
        c.fd = -1
        c.state = .waiting(until: monotonicNanoseconds() + 10_000_000)
    }
}

/// The value of a header line whose field name is `name` (lowercase ASCII; matched case-insensitively).
private func headerValue(_ line: ArraySlice<UInt8>, named name: StaticString) -> ArraySlice<UInt8>? {
    let n = name.utf8CodeUnitCount
    guard line.count > n, line[line.startIndex + n] == UInt8(ascii: ":") else { return nil }
    let expected = UnsafeBufferPointer(start: name.utf8Start, count: n)
    for (k, b) in line.prefix(n).enumerated() {
        let lower = b >= 65 && b <= 90 ? b + 32 : b
        if lower != expected[k] { return nil }
    }
    return line[(line.startIndex + n + 1)...]
}

/// A non-negative decimal number with optional spaces or tabs around it; nil for anything else.
private func decimal(_ text: ArraySlice<UInt8>) -> Int? {
    let isBlank = { (b: UInt8) in b == 32 || b == 9 }
    guard let first = text.firstIndex(where: { !isBlank($0) }) else { return nil }
    let last = text.lastIndex(where: { !isBlank($0) })!
    var value = 0
    for b in text[first...last] {
        guard b >= 48 && b <= 57, value < Int.max / 10 - 10 else { return nil }
        value = value * 10 + Int(b - 48)
    }
    return value
}

// MARK: - Report

private func loadReport(options: LoadOptions, workers: [LoadWorker], seconds: Double, cpuSeconds: Double) -> JSONObject
{
    var latencies = workers.flatMap(\.latencies)
    latencies.sort()
    let n = latencies.count
    let ms = latencies.map { Double($0) / 1e6 }
    let mean = n > 0 ? ms.reduce(0, +) / Double(n) : 0
    let variance = n > 1 ? ms.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : 0
    /// Nearest-rank percentile: the smallest value with at least perMille/1000 of the values at or below
    /// it, the rank ⌈perMille × n / 1000⌉ computed in integers so that p99.9 of 1000 values is the 999th.
    func percentile(perMille: Int) -> Double {
        guard n > 0 else { return 0 }
        let rank = (perMille * n + 999) / 1000
        return ms[min(n, max(1, rank)) - 1]
    }
    let requestsPerSecond = Double(n) / seconds
    func sum(_ value: (LoadWorker) -> Int) -> Double { Double(workers.reduce(0) { $0 + value($1) }) }
    let latency: [(String, JSONValue)] = [
        ("mean", .number(mean)), ("stdev", .number(variance.squareRoot())), ("min", .number(ms.first ?? 0)),
        ("p50", .number(percentile(perMille: 500))), ("p90", .number(percentile(perMille: 900))),
        ("p99", .number(percentile(perMille: 990))), ("p999", .number(percentile(perMille: 999))),
        ("max", .number(ms.last ?? 0)),
    ]
    let errors: [(String, JSONValue)] = [
        ("connect", .number(sum(\.connectErrors))), ("read", .number(sum(\.readErrors))),
        ("write", .number(sum(\.writeErrors))), ("status", .number(sum(\.statusErrors))), ("timeout", .number(0)),
    ]
    return JSONObject([
        ("tool", "statml-bench load"),
        ("requests", .number(Double(n))), ("duration_s", .number(seconds)), ("bytes_read", .number(sum(\.bytesRead))),
        ("requests_per_s", .number(requestsPerSecond)),
        ("records_per_request", .number(Double(options.recordsPerRequest))),
        ("latency_ms", .object(JSONObject(latency))), ("errors", .object(JSONObject(errors))),
        ("non200", .number(sum(\.non200))),
        ("first_non200", .string(workers.lazy.map(\.firstNon200).first { !$0.isEmpty } ?? "")),
        ("connections", .number(Double(options.connections))),
        ("client_threads", .number(Double(workers.count))),
        ("littles_law_concurrency", .number(requestsPerSecond * mean / 1000)),
        ("client_cpu_s", .number(cpuSeconds)),
    ])
}

// MARK: - Clocks

private func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// User plus system CPU seconds of this process so far.
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
