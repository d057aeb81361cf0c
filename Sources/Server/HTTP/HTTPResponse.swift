import StatMLCore

/// One HTTP response. The server adds `Content-Length` (and `Date`) itself.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The route pattern that produced the response, used as the `route` label of the request metrics
    /// so that labels stay few; `Router` sets it.
    public var route: String?

    public init(status: Int = 200, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "application/json; charset=utf-8"],
            body: Array(value.serialized().utf8))
    }

    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    public static func html(_ html: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.utf8))
    }

    /// `{"error":{"code":...,"message":...}}`, the body of every error the API answers (STYLE.md §3).
    public static func error(status: Int, code: String, message: String) -> HTTPResponse {
        .json(["error": ["code": .string(code), "message": .string(message)]], status: status)
    }

    /// The JSON error for a thrown error: a `StatMLError` keeps its code and message and gets the
    /// matching status; any other error is a 500 that tells the client nothing about the server's
    /// internals.
    public static func error(_ error: any Error) -> HTTPResponse {
        guard let error = error as? StatMLError else {
            return .error(status: 500, code: StatMLError.Code.internal.rawValue, message: "internal server error")
        }
        return .error(status: error.code.httpStatus, code: error.code.rawValue, message: error.description)
    }
}

extension StatMLError.Code {
    /// The HTTP status the API answers with for an error of this kind.
    public var httpStatus: Int {
        switch self {
        case .invalidInput, .usage: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        // The request is well-formed but names a model or file this version cannot use.
        case .incompatible: 422
        case .io, .library, .internal: 500
        }
    }
}
