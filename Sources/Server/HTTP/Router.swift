/// Dispatches requests to handlers by method and path pattern (`/v1/models/{version}/promote`).
///
/// Unknown paths get a 404 JSON error; a known path asked with a method it does not serve gets a 405
/// with an `Allow` header. `HEAD` is served by the `GET` handler when no `HEAD` route is registered
/// (the server sends no body for `HEAD`). A handler's thrown error becomes the JSON error
/// `HTTPResponse.error(_:)` makes of it. Every response carries the matched pattern in `route`, for
/// metrics labels.
///
/// Register every route before the server starts; after that the router is only read, from many
/// threads at once.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse

    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// Registers `handler` for `method` on `pattern`. A malformed pattern, or a second handler for the
    /// same method and paths, is a programming error and stops the program.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        guard let parsed = RoutePattern(pattern) else {
            preconditionFailure("malformed route pattern '\(pattern)'")
        }
        precondition(
            !routes.contains { $0.method == method && $0.pattern.hasSameShape(as: parsed) },
            "route \(method) \(pattern) is registered twice")
        routes.append(Route(method: method, pattern: parsed, handler: handler))
    }

    /// Every registered route as (method, pattern), in registration order: for documents that must list
    /// them all (the OpenAPI document is checked against this).
    public var registeredRoutes: [(method: HTTPMethod, pattern: String)] {
        routes.map { ($0.method, $0.pattern.text) }
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { add(.get, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { add(.post, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping Handler) { add(.put, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { add(.delete, pattern, handler) }

    /// The response for `request`; never throws. Among the routes that match the path and serve the
    /// method, the most specific pattern wins (`/models/latest` over `/models/{version}`).
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var matches: [(route: Route, parameters: [String: String])] = []
        for route in routes {
            if let parameters = route.pattern.match(path) { matches.append((route, parameters)) }
        }
        func mostSpecific(serving method: HTTPMethod) -> (route: Route, parameters: [String: String])? {
            matches.filter { $0.route.method == method }.min { $0.route.pattern.isMoreSpecific(than: $1.route.pattern) }
        }
        guard
            let (route, parameters) = mostSpecific(serving: request.method)
                ?? (request.method == .head ? mostSpecific(serving: .get) : nil)
        else {
            return refusal(request, matches.map(\.route))
        }
        var request = request
        request.pathParameters = parameters
        request.route = route.pattern.text
        var response: HTTPResponse
        do {
            response = try route.handler(request)
        } catch {
            response = .error(error)
        }
        response.route = route.pattern.text
        return response
    }

    /// 404 when no route has the path, 405 with `Allow` when routes have it for other methods.
    private func refusal(_ request: HTTPRequest, _ pathMatches: [Route]) -> HTTPResponse {
        guard let best = pathMatches.min(by: { $0.pattern.isMoreSpecific(than: $1.pattern) }) else {
            return .error(
                status: 404, code: "not_found", message: "no such resource: \(request.method) \(request.path)")
        }
        var allowed = Set(pathMatches.map(\.method.rawValue))
        if allowed.contains(HTTPMethod.get.rawValue) { allowed.insert(HTTPMethod.head.rawValue) }
        let allow = allowed.sorted().joined(separator: ", ")
        var response = HTTPResponse.error(
            status: 405, code: "method_not_allowed",
            message: "\(request.method) is not allowed on \(request.path); allowed: \(allow)")
        response.headers["Allow"] = allow
        response.route = best.pattern.text
        return response
    }
}
