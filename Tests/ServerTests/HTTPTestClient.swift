import Glibc

/// A response as `HTTPTestClient` read it; header names are lowercased.
struct HTTPTestResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct HTTPTestClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A small blocking HTTP/1.1 client over one loopback TCP connection, kept alive between requests
/// until the server closes it (it then reconnects on the next request). Reads bodies delimited by
/// Content-Length, chunked encoding, or the end of the connection. Not thread-safe: one per thread.
final class HTTPTestClient {
    let port: UInt16
    let receiveTimeoutSeconds: Int
    private var fd: Int32 = -1
    private var received: [UInt8] = []
    /// How many TCP connections this client has opened.
    private(set) var connectionsOpened = 0

    init(port: UInt16, receiveTimeoutSeconds: Int = 10) {
        self.port = port
        self.receiveTimeoutSeconds = receiveTimeoutSeconds
    }

    deinit { disconnect() }

    var isConnected: Bool { fd >= 0 }

    func request(
        method: String = "GET", path: String, headers: [String: String] = [:], body: [UInt8] = []
    ) throws -> HTTPTestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        return try readResponse(method: method)
    }

    /// Sends raw bytes, connecting first when needed.
    func send(_ bytes: [UInt8]) throws {
        if fd < 0 { try connect() }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPTestClientError("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Reads one response (skipping interim 1xx responses); closes the connection when the server asks.
    func readResponse(method: String = "GET") throws -> HTTPTestResponse {
        while true {
            let head = try readHead()
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let statusParts = lines[0].split(separator: " ")
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
                throw HTTPTestClientError("bad status line \(lines[0].debugDescription)")
            }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { throw HTTPTestClientError("bad header \(line)") }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
                headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
            if (100..<200).contains(status) { continue }
            let body: [UInt8]
            if method == "HEAD" || status == 204 || status == 304 {
                body = []
            } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                body = try readChunked()
            } else if let length = headers["content-length"].flatMap(Int.init) {
                body = try readExactly(length)
            } else {
                body = try readToEnd()
            }
            if headers["connection"]?.lowercased() == "close" { disconnect() }
            return HTTPTestResponse(status: status, headers: headers, body: body)
        }
    }

    /// True when the server has closed the connection: a read sees the end of the stream.
    func serverClosed() -> Bool {
        guard fd >= 0 else { return true }
        return (try? fill()) == false
    }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        received = []
    }

    private func connect() throws {
        let fd = try openLoopbackConnection(port: port, receiveTimeoutSeconds: receiveTimeoutSeconds)
        self.fd = fd
        received = []
        connectionsOpened += 1
    }

    /// Reads more bytes into `received`; false at the end of the stream.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n < 0 { throw HTTPTestClientError("recv: \(String(cString: strerror(errno)))") }
        received += buffer[0..<n]
        return n > 0
    }

    private func readHead() throws -> String {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var searchFrom = 0
        while true {
            if received.count >= 4 {
                for start in searchFrom...(received.count - 4)
                where received[start..<(start + 4)].elementsEqual(terminator) {
                    let head = String(decoding: received[..<start], as: UTF8.self)
                    received.removeFirst(start + 4)
                    return head
                }
                searchFrom = received.count - 3
            }
            guard try fill() else { throw HTTPTestClientError("connection closed before a response") }
        }
    }

    private func readLine() throws -> String {
        while true {
            if let end = received.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: received[..<end], as: UTF8.self)
                received.removeFirst(end + 1)
                return line.trimmingCharacters(in: "\r")
            }
            guard try fill() else { throw HTTPTestClientError("connection closed inside a chunk header") }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while received.count < count {
            guard try fill() else {
                throw HTTPTestClientError("connection closed after \(received.count) of \(count) bytes")
            }
        }
        let bytes = Array(received[..<count])
        received.removeFirst(count)
        return bytes
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeText = try readLine().split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " "), radix: 16) else {
                throw HTTPTestClientError("bad chunk size \(sizeText.debugDescription)")
            }
            if size == 0 {
                while try !readLine().isEmpty {}
                return body
            }
            body += try readExactly(size)
            _ = try readLine()
        }
    }

    private func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { received = [] }
        return received
    }
}

/// A TCP connection to 127.0.0.1:port with a receive timeout; throws when it is refused.
func openLoopbackConnection(port: UInt16, receiveTimeoutSeconds: Int = 10) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HTTPTestClientError("socket: \(String(cString: strerror(errno)))") }
    var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var noDelay: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
    guard connected else {
        let message = String(cString: strerror(errno))
        close(fd)
        throw HTTPTestClientError("connect to 127.0.0.1:\(port): \(message)")
    }
    return fd
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
