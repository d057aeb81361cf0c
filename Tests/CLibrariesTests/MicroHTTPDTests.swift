import CMicroHTTPD
import Foundation
import Testing

/// Answers every request with 201, a header and the text "<method> <url>". Captures nothing, as a C
/// callback must.
private let echoHandler: MHD_AccessHandlerCallback = {
    _, connection, url, method, _, _, _, _ in
    let text = "\(String(cString: method!)) \(String(cString: url!))"
    var body = Array(text.utf8)
    let response = body.withUnsafeMutableBytes { bytes in
        MHD_create_response_from_buffer(bytes.count, bytes.baseAddress, .RESPMEM_MUST_COPY)
    }
    guard let response else { return .NO }
    defer { MHD_destroy_response(response) }
    _ = MHD_add_response_header(response, "Content-Type", "text/plain")
    _ = MHD_add_response_header(response, "X-StatML", "echo")
    return MHD_queue_response(connection, 201, response)
}

@Suite("CLibraries: libmicrohttpd")
struct MicroHTTPDTests {
    /// A blocking HTTP/1.1 GET over a loopback TCP socket; returns the whole response.
    func get(port: UInt16, path: String) throws -> String {
        let fd = makeTCPSocket()
        try #require(fd >= 0, "socket: errno \(errno)")
        defer { close(fd) }
        try #require(connectLoopback(fd, port: port), "connect to 127.0.0.1:\(port): errno \(errno)")
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        try #require(send(fd, request, request.count, 0) == request.count)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            try #require(n >= 0, "recv: errno \(errno)")
            if n == 0 { break }
            response += buffer[0..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }

    @Test func servesARequestOnAnEphemeralPort() throws {
        let flags = UInt32(MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_ERROR_LOG.rawValue)
        let daemon = try #require(
            statml_mhd_start(flags, 0, echoHandler, nil, 0, 10, 64 * 1024), "MHD_start_daemon failed")
        defer { MHD_stop_daemon(daemon) }
        let port = statml_mhd_bound_port(daemon)
        try #require(port != 0)

        let response = try get(port: port, path: "/ping?x=1")
        let parts = response.components(separatedBy: "\r\n\r\n")
        try #require(parts.count == 2, "\(response.debugDescription)")
        let headers = parts[0].components(separatedBy: "\r\n")
        #expect(headers[0] == "HTTP/1.1 201 Created")
        #expect(headers.contains("X-StatML: echo"))
        #expect(headers.contains("Content-Length: 9"))
        // MHD passes the path without the query string to the handler.
        #expect(parts[1] == "GET /ping")
    }
}
