import Server
import Testing

@Suite("Prometheus metrics")
struct HTTPMetricsTests {
    @Test func rendersTheTextExpositionFormat() {
        let metrics = Metrics()
        let jobs = metrics.counter("statml_jobs_total", help: "Jobs run.\nBy kind.", labels: ["kind"])
        jobs.increment(labels: ["train"])
        jobs.increment(by: 2, labels: ["code \"x\"\\"])
        let open = metrics.gauge("statml_open", help: "Open things.")
        open.set(3)
        open.add(-1.5)
        metrics.gauge("statml_cache_bytes", help: "Cache size.") { 1024 }
        let latency = metrics.histogram("statml_latency_seconds", help: "Latency.", buckets: [0.25, 0.5, 1])
        for value in [0.125, 0.25, 0.375, 0.75, 4] { latency.observe(value) }

        #expect(
            metrics.render() == """
                # HELP statml_jobs_total Jobs run.\\nBy kind.
                # TYPE statml_jobs_total counter
                statml_jobs_total{kind="code \\"x\\"\\\\"} 2
                statml_jobs_total{kind="train"} 1
                # HELP statml_open Open things.
                # TYPE statml_open gauge
                statml_open 1.5
                # HELP statml_cache_bytes Cache size.
                # TYPE statml_cache_bytes gauge
                statml_cache_bytes 1024
                # HELP statml_latency_seconds Latency.
                # TYPE statml_latency_seconds histogram
                statml_latency_seconds_bucket{le="0.25"} 2
                statml_latency_seconds_bucket{le="0.5"} 3
                statml_latency_seconds_bucket{le="1"} 4
                statml_latency_seconds_bucket{le="+Inf"} 5
                statml_latency_seconds_sum 5.5
                statml_latency_seconds_count 5

                """)
        #expect(latency.summary().count == 5 && latency.summary().sum == 5.5)
    }

    @Test func registeringANameAgainReturnsTheSameMetric() {
        let metrics = Metrics()
        let first = metrics.counter("statml_x_total", help: "X.", labels: ["a"])
        let second = metrics.counter("statml_x_total", help: "X.", labels: ["a"])
        first.increment(labels: ["1"])
        #expect(second.value(labels: ["1"]) == 1)
        #expect(first === second)
    }

    @Test func countsUnderConcurrentUpdates() {
        let metrics = Metrics()
        let counter = metrics.counter("statml_hits_total", help: "Hits.", labels: ["thread"])
        let histogram = metrics.histogram("statml_d_seconds", help: "D.")
        onThreads(8) { thread in
            for k in 0..<1000 {
                counter.increment(labels: [String(thread % 2)])
                histogram.observe(Double(k) / 1000)
            }
        }
        #expect(counter.value(labels: ["0"]) == 4000 && counter.value(labels: ["1"]) == 4000)
        #expect(histogram.summary().count == 8000)
        // Each thread counts in its own stripe; the exposition adds them up.
        let text = metrics.render()
        #expect(text.contains("statml_hits_total{thread=\"0\"} 4000\n"), "\(text)")
        #expect(text.contains("statml_d_seconds_count 8000\n"), "\(text)")
        #expect(text.contains("statml_d_seconds_bucket{le=\"+Inf\"} 8000\n"), "\(text)")
    }

    @Test func theServerCountsAndTimesRequestsByRoute() throws {
        let metrics = Metrics()
        var router = Router()
        router.get("/items/{id}") { .text("item \($0.pathParameters["id"] ?? "")") }
        router.get("/metrics") { _ in .metrics(metrics) }
        try withHTTPServer(maxBodyBytes: 100, metrics: metrics, handler: { [router] in router.handle($0) }) { server in
            let client = HTTPTestClient(port: server.port)
            for k in 0..<5 { #expect(try client.request(path: "/items/\(k)").status == 200) }
            for _ in 0..<2 { #expect(try client.request(path: "/nope").status == 404) }
            #expect(try client.request(method: "DELETE", path: "/items/1").status == 405)
            let tooLarge = try client.request(method: "POST", path: "/items", body: Array(repeating: 1, count: 101))
            #expect(tooLarge.status == 413)
            // MHD reports the refused upload's end on its own thread, maybe after the client saw the 413.
            try waitUntil { server.inFlightRequests == 0 }

            let scrape = try client.request(path: "/metrics")
            #expect(scrape.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let exposition = try Exposition(scrape.text)
            func requests(_ method: String, _ route: String, _ status: String) -> Double? {
                exposition.value("statml_http_requests_total", ["method": method, "route": route, "status": status])
            }
            #expect(requests("GET", "/items/{id}", "200") == 5)
            #expect(requests("GET", "unmatched", "404") == 2)
            #expect(requests("DELETE", "/items/{id}", "405") == 1)
            #expect(requests("POST", "unmatched", "413") == 1)
            #expect(exposition.value("statml_http_requests_in_flight", [:]) == 1)
            #expect(exposition.types["statml_http_request_duration_seconds"] == "histogram")

            let series = ["method": "GET", "route": "/items/{id}"]
            let buckets = exposition.samples
                .filter { $0.name == "statml_http_request_duration_seconds_bucket" }
                .filter { $0.labels["method"] == "GET" && $0.labels["route"] == "/items/{id}" }
            #expect(buckets.count == Metrics.Histogram.latencySecondsBuckets.count + 1)
            #expect(buckets.last?.labels["le"] == "+Inf")
            let bounds = buckets.compactMap { $0.labels["le"] == "+Inf" ? .infinity : Double($0.labels["le"] ?? "") }
            #expect(bounds == Metrics.Histogram.latencySecondsBuckets + [.infinity])
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value })
            #expect(buckets.last?.value == 5)
            #expect(exposition.value("statml_http_request_duration_seconds_count", series) == 5)
            let sum = try #require(exposition.value("statml_http_request_duration_seconds_sum", series))
            #expect(sum > 0 && sum < 5 * 5)
        }
    }
}

/// A parsed Prometheus text exposition; parsing fails on a malformed line or a sample whose metric
/// has no `TYPE` line before it.
struct Exposition {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var types: [String: String] = [:]
    var samples: [Sample] = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw HTTPTestClientError("bad TYPE line \(line)") }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            let sample = try Self.parseSample(line)
            let family = ["_bucket", "_sum", "_count"].reduce(sample.name) { name, suffix in
                types[name] == nil && name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
            }
            guard types[family] != nil else { throw HTTPTestClientError("no TYPE before \(line)") }
            samples.append(sample)
        }
    }

    func value(_ name: String, _ labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private static func parseSample(_ line: Substring) throws -> Sample {
        var rest = line
        let name = rest.prefix { $0 != "{" && $0 != " " }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(key.count)
                guard rest.hasPrefix("=\"") else { throw HTTPTestClientError("bad labels in \(line)") }
                rest = rest.dropFirst(2)
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        rest = rest.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(character)
                    }
                }
                rest = rest.dropFirst()
                labels[String(key)] = value
                if rest.first == "," { rest = rest.dropFirst() }
                guard !rest.isEmpty else { throw HTTPTestClientError("unterminated labels in \(line)") }
            }
            rest = rest.dropFirst()
        }
        let valueText = rest.drop { $0 == " " }
        let value = valueText == "+Inf" ? Double.infinity : Double(valueText)
        guard let value else { throw HTTPTestClientError("bad value in \(line)") }
        return Sample(name: String(name), labels: labels, value: value)
    }
}
