import Synchronization

extension Metrics {
    /// Counts of observations in fixed buckets, with their sum, one set per combination of label
    /// values. Rendered as cumulative `_bucket{le="..."}` series, `_sum` and `_count`.
    public final class Histogram: MetricFamily, Sendable {
        /// Request latencies from half a millisecond to five seconds.
        public static let latencySecondsBuckets: [Double] = [
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        ]

        public let name: String
        public let help: String
        public let labelNames: [String]
        /// The finite upper bounds, ascending; the `+Inf` bucket is implied.
        public let buckets: [Double]
        let type = "histogram"
        /// Each thread observes into its own stripe; reads add the stripes up.
        private let series = Stripes<[[String]: Series]> { [:] }

        struct Series: Sendable {
            /// Observations per bucket, not cumulative; the last slot is the `+Inf` bucket.
            var counts: [UInt64]
            var sum: Double = 0
        }

        init(name: String, help: String, labelNames: [String], buckets: [Double]) {
            precondition(!labelNames.contains("le"), "histogram '\(name)' cannot have a label named 'le'")
            let finite = buckets.filter(\.isFinite)
            precondition(
                !finite.isEmpty && zip(finite, finite.dropFirst()).allSatisfy { $0 < $1 },
                "histogram '\(name)' needs ascending, distinct bucket bounds")
            self.name = name
            self.help = help
            self.labelNames = labelNames
            self.buckets = finite
        }

        public func observe(_ value: Double, labels: [String] = []) {
            precondition(labels.count == labelNames.count, "histogram '\(name)' takes labels \(labelNames)")
            let bucket = buckets.firstIndex { value <= $0 } ?? buckets.count
            let slots = buckets.count + 1
            series.withMine { series in
                series[labels, default: Series(counts: Array(repeating: 0, count: slots))].counts[bucket] += 1
                series[labels]?.sum += value
            }
        }

        /// The number of observations and their sum for these label values.
        public func summary(labels: [String] = []) -> (count: UInt64, sum: Double) {
            let one = merged()[labels]
            return (one?.counts.reduce(0, +) ?? 0, one?.sum ?? 0)
        }

        private func merged() -> [[String]: Series] {
            var all: [[String]: Series] = [:]
            series.forEach { stripe in
                all.merge(stripe) { a, b in Series(counts: zip(a.counts, b.counts).map { $0 + $1 }, sum: a.sum + b.sum)
                }
            }
            return all
        }

        func renderSamples(into text: inout String) {
            let bounds = buckets.map(MetricText.number) + ["+Inf"]
            for (labels, one) in MetricText.sorted(merged()) {
                var cumulative: UInt64 = 0
                for (bound, count) in zip(bounds, one.counts) {
                    cumulative += count
                    let set = MetricText.labelSet(labelNames + ["le"], labels + [bound])
                    text += "\(name)_bucket\(set) \(cumulative)\n"
                }
                let set = MetricText.labelSet(labelNames, labels)
                text += "\(name)_sum\(set) \(MetricText.number(one.sum))\n"
                text += "\(name)_count\(set) \(cumulative)\n"
            }
        }
    }
}
