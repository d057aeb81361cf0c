import Server
import StatMLCore
import Testing

@Suite("HTTP requests and responses")
struct HTTPResponseTests {
    @Test func mapsEveryErrorCodeToAStatus() {
        let expected: [(StatMLError.Code, Int)] = [
            (.invalidInput, 400), (.usage, 400), (.unauthorized, 401), (.forbidden, 403), (.notFound, 404),
            (.conflict, 409), (.incompatible, 422), (.io, 500), (.library, 500), (.internal, 500),
        ]
        for (code, status) in expected {
            let response = HTTPResponse.error(StatMLError(code, "m"))
            #expect(response.status == status, "\(code)")
            #expect(
                String(decoding: response.body, as: UTF8.self)
                    == #"{"error":{"code":"\#(code.rawValue)","message":"m"}}"#)
        }
    }

    @Test func errorMessagesNameTheInputLocation() throws {
        let error = StatMLError.invalidInput("expected a number", at: .init(file: "request body", line: 1, column: 9))
        let body = try JSONValue.parse(HTTPResponse.error(error).body)
        #expect(body["error"]?["message"] == "request body, line 1, column 9: expected a number")
    }

    @Test func helpersSetContentTypes() {
        #expect(HTTPResponse.json(["a": 1]).headers["content-type"] == "application/json; charset=utf-8")
        #expect(HTTPResponse.json(["a": 1], status: 201).body == Array(#"{"a":1}"#.utf8))
        #expect(HTTPResponse.text("x").headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(HTTPResponse.html("<p>", status: 404).status == 404)
    }

    @Test func headersIgnoreCaseAndKeepOrder() {
        var headers: HTTPHeaders = ["Accept": "a", "X-Tenant": "t1"]
        headers.add(name: "accept", value: "b")
        #expect(headers["ACCEPT"] == "a")
        #expect(headers.values(for: "Accept") == ["a", "b"])
        headers["aCCept"] = "c"
        #expect(headers.values(for: "accept") == ["c"])
        #expect(headers.map(\.name) == ["X-Tenant", "aCCept"])
        headers["x-tenant"] = nil
        #expect(headers.count == 1)
    }

    @Test func requestBodyParsesAsJSONOrSaysWhereItIsBroken() throws {
        let good = HTTPRequest(method: .post, path: "/", body: Array(#"{"text":"milk"}"#.utf8))
        #expect(try good.jsonBody()["text"] == "milk")
        let bad = HTTPRequest(method: .post, path: "/", body: Array(#"{"text":}"#.utf8))
        let error = try #require(throws: StatMLError.self) { try bad.jsonBody() }
        #expect(error.code == .invalidInput)
        #expect(error.description.hasPrefix("request body"))
        #expect(HTTPRequest(method: .get, path: "/", queryItems: [("a", "1"), ("a", "2")]).query("a") == "1")
    }
}
