internal import CMicroHTTPD
import Glibc
import StatMLCore

// The server's side of one request: reading what MHD parsed into an `HTTPRequest`, and queueing an
// `HTTPResponse` on the connection. Runs on a worker thread, inside the access handler.
extension HTTPServer {
    /// The headers are in: refuse a body declared larger than allowed before any of it is read.
    func headersArrived(_ connection: OpaquePointer, method: UnsafePointer<CChar>, request: HTTPRequestState)
        -> MHD_Result
    {
        guard let declared = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length"),
            let length = UInt64(String(cString: declared))
        else { return .YES }
        guard length <= UInt64(maxBodyBytes) else {
            // Queued before the body is read: MHD discards the body and closes after the response.
            request.phase = .answered
            return queue(tooLarge(), on: connection, method: String(cString: method), request: request)
        }
        // Capped, so that a client declaring a large body and sending nothing holds little memory.
        request.body.reserveCapacity(min(Int(length), 4 << 20))
        return .YES
    }

    private func tooLarge() -> HTTPResponse {
        var response = HTTPResponse.error(
            status: 413, code: "payload_too_large", message: "request body exceeds \(maxBodyBytes) bytes")
        response.headers["Connection"] = "close"
        return response
    }

    /// A body without a declared length has just grown past the limit. libmicrohttpd 0.9.75 cannot
    /// queue a response while the body arrives (microhttpd.h, MHD_AccessHandlerCallback), and reading
    /// the rest only to discard it would let a client stream without end. So the 413 is written to the
    /// socket here, on the worker thread that owns the connection while nothing else is being sent,
    /// and MHD is told to close the connection.
    func refuseTooLargeMidUpload(
        _ connection: OpaquePointer, method: UnsafePointer<CChar>, request: HTTPRequestState
    ) -> MHD_Result {
        let response = tooLarge()
        let socket = statml_mhd_connection_socket(connection)
        if socket >= 0 {
            let reason = MHD_get_reason_phrase_for(413).map { String(cString: $0) } ?? "Content Too Large"
            var head = "HTTP/1.1 413 \(reason)\r\nDate: \(Self.httpDate())\r\n"
            head += "Content-Length: \(response.body.count)\r\n"
            for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
            let bytes = Array((head + "\r\n").utf8) + response.body
            let sent = bytes.withUnsafeBytes {
                send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent == bytes.count { CMicroHTTPD.shutdown(socket, Int32(SHUT_WR)) }
        }
        record(response, method: String(cString: method), request: request)
        return .NO
    }

    /// The whole request is in: run the handler and queue its response.
    func answer(
        _ connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
        request state: HTTPRequestState
    ) -> MHD_Result {
        let method = String(cString: method)
        var request = HTTPRequest(
            method: HTTPMethod(method), path: String(cString: url),
            queryItems: Self.values(of: .GET_ARGUMENT_KIND, on: connection),
            body: state.body, remoteAddress: Self.clientAddress(connection))
        state.body = []
        for (name, value) in Self.values(of: .HEADER_KIND, on: connection) {
            request.headers.add(name: name, value: value)
        }
        return queue(handler(request), on: connection, method: method, request: state)
    }

    private func queue(
        _ response: HTTPResponse, on connection: OpaquePointer, method: String, request: HTTPRequestState
    )
        -> MHD_Result
    {
        var response = response
        if isDraining.load(ordering: .relaxed) { response.headers["Connection"] = "close" }
        guard let mhdResponse = Self.makeResponse(&response) else { return .NO }
        defer { MHD_destroy_response(mhdResponse) }
        let queued = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        if queued == .YES { record(response, method: method, request: request) }
        return queued
    }

    private func record(_ response: HTTPResponse, method: String, request: HTTPRequestState) {
        guard let requestMetrics else { return }
        let seconds = Double((ContinuousClock.now - request.started) / .nanoseconds(1)) / 1e9
        requestMetrics.record(method: method, route: response.route, status: response.status, seconds: seconds)
    }

    /// MHD's copy of `response`. A status MHD cannot send or a header it refuses (a line break in a
    /// value) turns the response into a 500, so that a handler's mistake still gets an answer.
    private static func makeResponse(_ response: inout HTTPResponse) -> OpaquePointer? {
        if let made = makeResponseAsIs(response) { return made }
        var failure = HTTPResponse.error(
            status: 500, code: StatMLError.Code.internal.rawValue, message: "the server produced an invalid response")
        failure.route = response.route
        response = failure
        return makeResponseAsIs(response)
    }

    private static func makeResponseAsIs(_ response: HTTPResponse) -> OpaquePointer? {
        guard (100...599).contains(response.status) else { return nil }
        // MHD copies the bytes (MUST_COPY) and never writes through the pointer, which its C signature
        // declares mutable: borrowing the body read-only spares a second copy of a large answer.
        let made = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(
                bytes.count, bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }, .RESPMEM_MUST_COPY)
        }
        guard let made else { return nil }
        // MHD writes Content-Length itself from the body.
        for (name, value) in response.headers where !HTTPHeaders.sameName(name, "Content-Length") {
            guard MHD_add_response_header(made, name, value) == .YES else {
                MHD_destroy_response(made)
                return nil
            }
        }
        return made
    }

    /// The current time as an HTTP date (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
    private static func httpDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The request headers or its decoded query parameters, in order.
    private static func values(of kind: MHD_ValueKind, on connection: OpaquePointer) -> [(name: String, value: String)]
    {
        var values: [(name: String, value: String)] = []
        withUnsafeMutablePointer(to: &values) { pointer in
            _ = MHD_get_connection_values(
                connection, kind,
                { context, _, key, value in
                    guard let context, let key else { return .YES }
                    let values = context.assumingMemoryBound(to: [(name: String, value: String)].self)
                    values.pointee.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
                    return .YES
                }, pointer)
        }
        return values
    }

    private static func clientAddress(_ connection: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        guard statml_mhd_client_address(connection, &buffer, buffer.count) else { return nil }
        return String(cString: buffer)
    }
}
