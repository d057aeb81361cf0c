import Server
import StatMLCore
import Testing

@Suite("HTTP router")
struct HTTPRouterTests {
    static func reply(_ name: String) -> Router.Handler {
        { request in
            var response = HTTPResponse.text(name)
            for (key, value) in request.pathParameters { response.headers[key] = value }
            return response
        }
    }

    static let router: Router = {
        var router = Router()
        router.get("/v1/models", reply("list"))
        router.post("/v1/models", reply("create"))
        router.get("/v1/models/{version}", reply("show"))
        router.get("/v1/models/latest", reply("latest"))
        router.delete("/v1/models/{version}", reply("delete"))
        router.post("/v1/models/{version}/promote", reply("promote"))
        router.add("PATCH", "/v1/{kind}/{id}", reply("patch"))
        router.get("/", reply("home"))
        return router
    }()

    func call(_ method: HTTPMethod, _ path: String) -> HTTPResponse {
        Self.router.handle(HTTPRequest(method: method, path: path))
    }

    @Test func bindsParametersAndPrefersLiteralSegments() {
        let show = call(.get, "/v1/models/2024-05")
        #expect(String(decoding: show.body, as: UTF8.self) == "show")
        #expect(show.headers["version"] == "2024-05")
        #expect(show.route == "/v1/models/{version}")
        #expect(String(decoding: call(.get, "/v1/models/latest").body, as: UTF8.self) == "latest")
        // DELETE is only registered with a parameter: the literal route does not hide it.
        #expect(call(.delete, "/v1/models/latest").headers["version"] == "latest")
        let patch = call("PATCH", "/v1/models/9")
        #expect(patch.headers["kind"] == "models" && patch.headers["id"] == "9")
        #expect(call(.post, "/v1/models/x/promote").route == "/v1/models/{version}/promote")
    }

    @Test func ignoresEmptySegments() {
        #expect(call(.get, "/v1/models/").route == "/v1/models")
        #expect(call(.get, "//v1//models/3").headers["version"] == "3")
        #expect(call(.get, "/").route == "/")
    }

    @Test func servesHEADWithTheGETHandler() {
        let head = call(.head, "/v1/models/3")
        #expect(head.status == 200 && head.route == "/v1/models/{version}")
    }

    @Test func answers404ForUnknownPaths() throws {
        for path in ["/v2/models", "/v1/models/3/demote", "/v1/models/3/promote/now"] {
            let response = call(.get, path)
            #expect(response.status == 404)
            #expect(response.route == nil)
            let body = try JSONValue.parse(response.body)
            #expect(body["error"]?["code"] == "not_found")
        }
    }

    @Test func answers405WithTheMethodsThePathAllows() throws {
        let response = call(.put, "/v1/models/7")
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "DELETE, GET, HEAD, PATCH")
        #expect(response.route == "/v1/models/{version}")
        let body = try JSONValue.parse(response.body)
        #expect(body["error"]?["code"] == "method_not_allowed")
        #expect(call(.get, "/v1/models/7/promote").headers["allow"] == "POST")
    }

    @Test func mapsThrownErrorsToJSONErrors() throws {
        struct Hidden: Error { let detail = "/var/lib/secret.db" }
        var router = Router()
        router.get("/bad") { _ in throw StatMLError.invalidInput("field 'text' is missing") }
        router.get("/hidden") { _ in throw Hidden() }
        let bad = router.handle(HTTPRequest(method: .get, path: "/bad"))
        #expect(bad.status == 400 && bad.route == "/bad")
        #expect(try JSONValue.parse(bad.body)["error"]?["message"] == "field 'text' is missing")
        let hidden = router.handle(HTTPRequest(method: .get, path: "/hidden"))
        #expect(hidden.status == 500)
        #expect(!String(decoding: hidden.body, as: UTF8.self).contains("secret"))
    }
}
