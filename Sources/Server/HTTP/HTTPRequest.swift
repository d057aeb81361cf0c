import StatMLCore

/// One HTTP request, its body read in full.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query string, percent-decoded ("/v1/models/3/promote").
    public var path: String
    /// Query parameters, percent-decoded, in order; a parameter without `=` has the value "".
    public var queryItems: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client's IP address ("127.0.0.1"), when the server could tell.
    public var remoteAddress: String?
    /// The parameters of the route pattern that matched (`version` for `/v1/models/{version}`); set by
    /// `Router`.
    public var pathParameters: [String: String] = [:]
    /// The route pattern that matched; set by `Router`.
    public var route: String?

    public init(
        method: HTTPMethod, path: String, queryItems: [(name: String, value: String)] = [],
        headers: HTTPHeaders = [:], body: [UInt8] = [], remoteAddress: String? = nil
    ) {
        self.method = method
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first value of the query parameter `name`.
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text (invalid bytes become U+FFFD).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON; a malformed body is an `invalidInput` error naming the request body.
    public func jsonBody() throws -> JSONValue {
        try JSONValue.parse(body, name: "request body")
    }
}
