/// The server's own metrics: requests counted by method, route and status, and timed from the arrival
/// of their headers to the queueing of their response.
struct HTTPRequestMetrics: Sendable {
    let requests: Metrics.Counter
    let duration: Metrics.Histogram

    init(_ metrics: Metrics) {
        requests = metrics.counter(
            "statml_http_requests_total", help: "HTTP requests answered.", labels: ["method", "route", "status"])
        duration = metrics.histogram(
            "statml_http_request_duration_seconds", help: "Time from a request's headers to its response.",
            labels: ["method", "route"])
    }

    func record(method: String, route: String?, status: Int, seconds: Double) {
        let route = route ?? "unmatched"
        requests.increment(labels: [method, route, String(status)])
        duration.observe(seconds, labels: [method, route])
    }
}
