import Foundation
import Platform
import Server
import StatMLCore
import Synchronization
import Testing

// MARK: - The server under test

/// What a review item ended up as in the server's storage.
struct StoredDecision: Equatable, CustomStringConvertible {
    var code: String
    /// "accepted" (the model's code) or "corrected".
    var decision: String

    var description: String { "\(code) (\(decision))" }
}

/// The server the browser test drives and what the test must know about it that the API does not say.
///
/// Contract for the fixture: `key` is a coder's key; the review queue holds exactly four pending items;
/// the second item's first suggestion is its predicted code; `correctionQuery` matches at least two
/// codes of the classification, and the second of them is not the first item's predicted code.
struct ServerUnderTest {
    let server: HTTPServer
    let key: String
    let correctionQuery: String
    /// The stored decision on review item `id`; nil while it is pending.
    let storedDecision: (_ id: Int) throws -> StoredDecision?
    /// Shuts the server down and releases what it holds.
    let stop: () -> Void

    var origin: String { "http://127.0.0.1:\(server.port)" }
}

/// The server under test: the real coding service (`ServiceFixture` in CodingServiceTests.swift) with
/// four records its model is unsure of in tenant a's review queue.
func makeServerUnderTest() throws -> ServerUnderTest {
    let f = try ServiceFixture()
    _ = try f.code(Array(gibberish.prefix(4)))
    let router = f.router
    let server = HTTPServer(
        host: "127.0.0.1", port: 0, threads: 4, maxBodyBytes: 1 << 20, connectionTimeoutSeconds: 30,
        handler: { router.handle($0) })
    try server.start()
    return ServerUnderTest(
        server: server, key: try #require(f.keys["a.coder"]), correctionQuery: "01.2.1",
        storedDecision: { id in
            guard case .decided(let d) = try f.store.reviewItem(tenant: f.a, id: Int64(id)).state else { return nil }
            return StoredDecision(code: d.code, decision: d.kind.rawValue)
        },
        stop: {
            server.shutdown(graceTimeout: .seconds(2))
            _ = f
        })
}

// MARK: - Tests

@Suite("Review workbench page")
struct ReviewWorkbenchTests {
    @Test func thePageIsSelfContained() {
        let html = ReviewPage.html
        #expect(!html.contains("http://") && !html.contains("https://"), "no CDN or other origin")
        #expect(!html.contains("<script src") && !html.contains("<link rel=\"stylesheet\""))
        #expect(!html.contains("innerHTML") && !html.contains("eval(") && !html.contains("new Function"))
        #expect(!html.contains("localStorage"), "the key lives in sessionStorage only")
        #expect(ReviewPage.contentSecurityPolicy.hasPrefix("default-src 'none';"))
        let response = ReviewPage.response()
        #expect(response.headers["Content-Security-Policy"] == ReviewPage.contentSecurityPolicy)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
    }

    /// A coder's day in headless Chromium: a refused key, then login; a correction through the
    /// classification search; an acceptance with `Enter`; a skip; a correction with the mouse; the
    /// skipped record again; the empty queue; logout; and a stored key the server refuses.
    @Test(
        .enabled(
            if: BrowserTools.areInstalled,
            "needs Chromium and its WebDriver: apt-get install -y chromium chromium-driver (make deps does)"))
    func aCoderReviewsTheQueueWithTheKeyboard() throws {
        let sut = try makeServerUnderTest()
        defer { sut.stop() }

        // What the page should show, read from the API itself.
        let api = ReviewAPI(port: sut.server.port, key: sut.key)
        let me = try api.get("/v1/whoami")
        let queue = try api.get("/v1/review/next?limit=10")
        try #require(queue["queue_length"]?.intValue == 4, "the fixture queues four records")
        let items = try #require(queue["items"]?.arrayValue.map { $0.map(ExpectedItem.init) })
        try #require(items.count == 4)
        let query = try #require(sut.correctionQuery.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let matches = try #require(api.get("/v1/classification?q=\(query)&limit=20")["codes"]?.arrayValue)
            .compactMap { $0["code"]?.stringValue }
        try #require(matches.count >= 2 && matches[1] != items[0].predictedCode)
        try #require(items[1].suggestions.first?.code == items[1].predictedCode)
        let refusal = try api.errorMessage("/v1/whoami", key: "sml_00000000_not-a-key")

        try withBrowser { browser in
            let page = ReviewPageDriver(browser: browser, items: items)
            try browser.navigate(to: sut.origin + "/review")
            try page.waitUntil("the login box shows") { $0.loginVisible && !$0.workbenchVisible }

            // A wrong key keeps the coder at the login box with the server's message.
            try browser.sendKeys("sml_00000000_not-a-key" + WebDriverKey.enter, to: "#api-key")
            try page.waitUntil("the login error shows") { $0.loginError.contains(refusal) }
            #expect(try browser.text("#login-error").contains(refusal), "the message is visible")
            #expect(try !page.snapshot().workbenchVisible)

            try browser.clear("#api-key")
            try browser.sendKeys(sut.key + WebDriverKey.enter, to: "#api-key")
            try page.waitForItem(0)
            var shown = try page.snapshot()
            #expect(!shown.loginVisible)
            #expect(shown.tenant == me["tenant"]?.stringValue && shown.role == me["role"]?.stringValue)
            #expect(shown.queueLength == "4")
            #expect(shown.storedKey == sut.key)
            #expect(try !browser.currentURL.contains(sut.key), "the key never goes into a URL")
            #expect(shown.suggestions.map(\.code) == items[0].suggestions.prefix(5).map(\.code))
            #expect(shown.suggestions.map(\.percent) == items[0].suggestions.prefix(5).map(\.percentText))
            #expect(shown.highlighted == 0)

            // `/` opens the search, typing filters, `Esc` leaves it and puts the focus back on the record.
            try browser.pressKeys("/")
            #expect(try page.snapshot().activeElement == "search")
            try browser.pressKeys(sut.correctionQuery)
            try page.waitUntil("the search shows results") { !$0.searchResults.isEmpty }
            try browser.pressKeys(WebDriverKey.escape)
            shown = try page.snapshot()
            #expect(shown.activeElement == "record" && shown.searchText.isEmpty && shown.searchResults.isEmpty)

            // Correction: search again, ↓ moves to the second match, Enter saves it.
            try browser.pressKeys("/" + sut.correctionQuery)
            try page.waitUntil("the search shows \(matches)") {
                $0.searchResults == matches && $0.selectedResult == 0
            }
            try browser.pressKeys(WebDriverKey.arrowDown)
            #expect(try page.snapshot().selectedResult == 1)
            try browser.pressKeys(WebDriverKey.enter)
            try page.waitForItem(1)
            #expect(try sut.storedDecision(items[0].id) == StoredDecision(code: matches[1], decision: "corrected"))
            shown = try page.snapshot()
            #expect(shown.status.contains("corrected") && shown.queueLength == "3")
            #expect(shown.activeElement == "record" && shown.searchResults.isEmpty)

            // The record's text is shown as text, whatever markup it holds.
            #expect(shown.recordTextChildElements == 0)

            // `3` moves the highlight, `1` brings it back, Enter accepts the model's code.
            try browser.pressKeys("3")
            #expect(try page.snapshot().highlighted == 2)
            try browser.pressKeys("1" + WebDriverKey.enter)
            try page.waitForItem(2)
            let accepted = StoredDecision(code: items[1].predictedCode ?? "", decision: "accepted")
            #expect(try sut.storedDecision(items[1].id) == accepted)

            // `s` skips: the next record shows and the skipped one stays pending.
            try browser.pressKeys("s")
            try page.waitForItem(3)
            #expect(try sut.storedDecision(items[2].id) == nil)
            #expect(try page.snapshot().queueLength == "2")

            // With the mouse: click the second suggestion, then the save button.
            let second = try #require(browser.findElements("[data-testid=suggestion]").dropFirst().first)
            try browser.click(second)
            try browser.click("#accept")
            // Only the skipped record is left: it comes back.
            try page.waitForItem(2)
            let corrected = StoredDecision(code: items[3].suggestions[1].code, decision: "corrected")
            #expect(try sut.storedDecision(items[3].id) == corrected)
            #expect(try page.snapshot().status.contains("skipped"))

            try browser.pressKeys(WebDriverKey.enter)
            try page.waitUntil("the empty queue shows") { $0.emptyQueueVisible && !$0.recordVisible }
            #expect(try sut.storedDecision(items[2].id)?.code == items[2].suggestions.first?.code)
            #expect(try page.snapshot().queueLength == "0")

            // Every request the page made went to its own origin.
            let resources = try browser.execute("return performance.getEntriesByType('resource').map(e => e.name)")
            let urls = (resources.arrayValue ?? []).compactMap(\.stringValue)
            #expect(urls.contains { $0.hasPrefix(sut.origin + "/v1/review/next") })
            #expect(urls.allSatisfy { $0.hasPrefix(sut.origin + "/") }, "requests to other origins: \(urls)")

            try browser.click("#logout")
            try page.waitUntil("the login box shows after logout") { $0.loginVisible && !$0.workbenchVisible }
            #expect(try page.snapshot().storedKey == nil)

            // A stored key the server refuses sends the coder back to the login box.
            try browser.execute("sessionStorage.setItem('statml.review.key', arguments[0])", ["sml_00000000_revoked"])
            try browser.navigate(to: sut.origin + "/review")
            try page.waitUntil("the refused key shows at login") { $0.loginVisible && $0.loginError.contains(refusal) }
            #expect(try page.snapshot().storedKey == nil)
        }
    }
}

// MARK: - Reading the API and the page

/// A review item as the API described it, and what the page should show of it.
struct ExpectedItem {
    struct Suggestion {
        var code: String
        var confidence: Double
        /// The page's rounding: whole percents, "<1%" for a non-zero share below one.
        var percentText: String {
            let value = min(max(confidence, 0), 1) * 100
            return value > 0 && value < 1 ? "<1%" : "\(Int(value.rounded()))%"
        }
    }

    var id: Int
    var text: String
    var predictedCode: String?
    var suggestions: [Suggestion]

    init(_ json: JSONValue) {
        id = json["id"]?.intValue ?? -1
        text = json["text"]?.stringValue ?? ""
        predictedCode = json["predicted_code"]?.stringValue
        suggestions = (json["suggestions"]?.arrayValue ?? []).map {
            Suggestion(code: $0["code"]?.stringValue ?? "", confidence: $0["confidence"]?.doubleValue ?? 0)
        }
    }
}

/// Calls the JSON API the way the page does, with the key as a bearer token.
struct ReviewAPI {
    let client: HTTPTestClient
    let key: String

    init(port: UInt16, key: String) {
        client = HTTPTestClient(port: port)
        self.key = key
    }

    func get(_ path: String) throws -> JSONValue {
        let response = try client.request(path: path, headers: ["Authorization": "Bearer \(key)"])
        guard response.status == 200, let body = json(response) else {
            throw HTTPTestClientError("GET \(path): HTTP \(response.status) \(response.text)")
        }
        return body
    }

    /// The `error.message` the API answers `path` with when called with `key`.
    func errorMessage(_ path: String, key: String) throws -> String {
        let response = try client.request(path: path, headers: ["Authorization": "Bearer \(key)"])
        guard let message = json(response)?["error"]?["message"]?.stringValue else {
            throw HTTPTestClientError("GET \(path) with a bad key: expected an error, got HTTP \(response.status)")
        }
        return message
    }
}

/// What the review page shows, read in one script call.
struct ReviewPageSnapshot {
    struct Suggestion: Equatable {
        var code: String
        var percent: String
    }

    var loginVisible: Bool
    var loginError: String
    var workbenchVisible: Bool
    var status: String
    var error: String
    var tenant: String
    var role: String
    var queueLength: String
    var recordVisible: Bool
    var itemID: String
    var recordText: String
    var recordTextChildElements: Int
    var suggestions: [Suggestion]
    var highlighted: Int?
    var searchText: String
    var searchResults: [String]
    var selectedResult: Int?
    var emptyQueueVisible: Bool
    var activeElement: String
    var storedKey: String?

    static let script = """
        const byId = (id) => document.getElementById(id);
        const visible = (id) => byId(id).getClientRects().length > 0;
        const text = (id) => byId(id).textContent;
        const rows = [...document.querySelectorAll('[data-testid=suggestion]')];
        const results = [...document.querySelectorAll('[data-testid=search-result]')];
        return {
          loginVisible: visible('login'), loginError: text('login-error'), workbenchVisible: visible('workbench'),
          status: text('status'), error: text('error'), tenant: text('tenant'), role: text('role'),
          queueLength: text('queue-length'), recordVisible: visible('record'), itemID: text('item-id'),
          recordText: text('record-text'), recordTextChildElements: byId('record-text').children.length,
          suggestions: rows.map((row) => ({ code: row.dataset.code, percent: row.querySelector('.pct').textContent })),
          highlighted: rows.findIndex((row) => row.getAttribute('aria-current') === 'true'),
          searchText: byId('search').value, searchResults: results.map((option) => option.dataset.code),
          selectedResult: results.findIndex((option) => option.getAttribute('aria-selected') === 'true'),
          emptyQueueVisible: visible('empty-queue'), activeElement: document.activeElement.id,
          storedKey: sessionStorage.getItem('statml.review.key')
        };
        """

    init(_ json: JSONValue) {
        func string(_ key: String) -> String { json[key]?.stringValue ?? "" }
        func flag(_ key: String) -> Bool { json[key]?.boolValue ?? false }
        func index(_ key: String) -> Int? { json[key]?.intValue.flatMap { $0 >= 0 ? $0 : nil } }
        loginVisible = flag("loginVisible")
        loginError = string("loginError")
        workbenchVisible = flag("workbenchVisible")
        status = string("status")
        error = string("error")
        tenant = string("tenant")
        role = string("role")
        queueLength = string("queueLength")
        recordVisible = flag("recordVisible")
        itemID = string("itemID")
        recordText = string("recordText")
        recordTextChildElements = json["recordTextChildElements"]?.intValue ?? -1
        suggestions = (json["suggestions"]?.arrayValue ?? []).map {
            Suggestion(code: $0["code"]?.stringValue ?? "", percent: $0["percent"]?.stringValue ?? "")
        }
        highlighted = index("highlighted")
        searchText = string("searchText")
        searchResults = (json["searchResults"]?.arrayValue ?? []).compactMap(\.stringValue)
        selectedResult = index("selectedResult")
        emptyQueueVisible = flag("emptyQueueVisible")
        activeElement = string("activeElement")
        storedKey = json["storedKey"]?.stringValue
    }
}

/// Reads the review page and waits for it, naming what the page showed when a wait times out.
struct ReviewPageDriver {
    let browser: WebDriverSession
    let items: [ExpectedItem]

    func snapshot() throws -> ReviewPageSnapshot {
        ReviewPageSnapshot(try browser.execute(ReviewPageSnapshot.script))
    }

    func waitUntil(_ description: String, _ condition: (ReviewPageSnapshot) -> Bool) throws {
        do {
            try browser.waitUntil(description) { condition(try snapshot()) }
        } catch {
            let page = try? snapshot()
            throw WebDriverError(
                "\(error); the page showed status \(page?.status.debugDescription ?? "?"), error "
                    + "\(page?.error.debugDescription ?? "?"), login error \(page?.loginError.debugDescription ?? "?"), "
                    + "item \(page?.itemID ?? "?")")
        }
    }

    /// Waits until `items[index]` is the record on screen, its text and suggestions shown, the first
    /// highlighted.
    func waitForItem(_ index: Int) throws {
        let item = items[index]
        try waitUntil("record \(item.id) shows") {
            $0.recordVisible && $0.itemID == String(item.id) && $0.recordText == item.text
                && $0.suggestions.map(\.code) == item.suggestions.prefix(5).map(\.code) && $0.highlighted == 0
        }
    }
}
