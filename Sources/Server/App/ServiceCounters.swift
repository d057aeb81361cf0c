import Platform
import StatMLCore

/// The service's own metrics, next to the HTTP server's request counts and latencies.
struct ServiceCounters: Sendable {
    let records: Metrics.Counter
    let requests: Metrics.Counter
    let decisions: Metrics.Counter

    init(metrics: Metrics, store: Store) {
        records = metrics.counter(
            "statml_coding_records_total",
            help: "Records coded, by where the code came from and whether it was automatic",
            labels: ["source", "auto"])
        requests = metrics.counter("statml_coding_requests_total", help: "Coding requests answered")
        decisions = metrics.counter(
            "statml_review_decisions_total", help: "Review decisions recorded", labels: ["decision"])
        let records = records
        metrics.gauge("statml_coding_auto_ratio", help: "Share of coded records coded automatically since start") {
            var auto = 0.0
            var all = 0.0
            for source in ["index", "model"] {
                auto += records.value(labels: [source, "true"])
                all += records.value(labels: [source, "true"]) + records.value(labels: [source, "false"])
            }
            return all > 0 ? auto / all : 0
        }
        metrics.gauge("statml_review_queue_length", help: "Records waiting for review, all tenants") {
            let total = try? store.tenants().reduce(0) { $0 + (try store.queueLength(tenant: $1)) }
            return Double(total ?? 0)
        }
    }
}
