internal import CMicroHTTPD
import StatMLCore

// libmicrohttpd calls these C functions on its worker threads. They capture nothing: the server
// arrives as the daemon's context pointer and each request's state through MHD's `con_cls` slot.

/// One request from its headers to the end of its response.
final class HTTPRequestState {
    enum Phase {
        /// The body is arriving.
        case receiving
        /// The response is queued or sent; MHD does not call the access handler again.
        case answered
    }

    var phase = Phase.receiving
    var body: [UInt8] = []
    let started = ContinuousClock.now
}

/// MHD's access handler: called once when the headers have arrived, once per piece of body, and once
/// more without data when the request is complete.
let accessHandler: MHD_AccessHandlerCallback = {
    context, connection, url, method, _, uploadData, uploadSize, requestSlot in
    guard let context, let connection, let url, let method, let uploadSize, let requestSlot else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()

    guard let slot = requestSlot.pointee else {
        let request = HTTPRequestState()
        requestSlot.pointee = Unmanaged.passRetained(request).toOpaque()
        server.requestBegan()
        return server.headersArrived(connection, method: method, request: request)
    }
    let request = Unmanaged<HTTPRequestState>.fromOpaque(slot).takeUnretainedValue()

    let size = uploadSize.pointee
    uploadSize.pointee = 0
    guard case .receiving = request.phase else { return .NO }
    if size > 0 {
        guard request.body.count + size <= server.maxBodyBytes else {
            request.phase = .answered
            return server.refuseTooLargeMidUpload(connection, method: method, request: request)
        }
        if let uploadData {
            uploadData.withMemoryRebound(to: UInt8.self, capacity: size) {
                request.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
            }
        }
        return .YES
    }
    request.phase = .answered
    return server.answer(connection, url: url, method: method, request: request)
}

/// MHD's request-completed callback: the response is sent, the client went away, or the daemon is
/// stopping. Frees the request's state either way.
let requestCompleted: MHD_RequestCompletedCallback = { context, _, requestSlot, _ in
    guard let context, let requestSlot, let slot = requestSlot.pointee else { return }
    requestSlot.pointee = nil
    Unmanaged<HTTPRequestState>.fromOpaque(slot).release()
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().requestEnded()
}
