import Synchronization

extension Metrics {
    /// A value that only goes up, one per combination of label values.
    public final class Counter: MetricFamily, Sendable {
        public let name: String
        public let help: String
        public let labelNames: [String]
        let type = "counter"
        private let series = Mutex<[[String]: Double]>([:])

        init(name: String, help: String, labelNames: [String]) {
            self.name = name
            self.help = help
            self.labelNames = labelNames
        }

        /// Adds `amount` (not negative) to the series with these label values, given in the order of
        /// the label names.
        public func increment(by amount: Double = 1, labels: [String] = []) {
            precondition(amount >= 0, "counter '\(name)' cannot go down")
            precondition(labels.count == labelNames.count, "counter '\(name)' takes labels \(labelNames)")
            series.withLock { $0[labels, default: 0] += amount }
        }

        public func value(labels: [String] = []) -> Double {
            series.withLock { $0[labels] ?? 0 }
        }

        func renderSamples(into text: inout String) {
            for (labels, value) in MetricText.sorted(series.withLock { $0 }) {
                text += "\(name)\(MetricText.labelSet(labelNames, labels)) \(MetricText.number(value))\n"
            }
        }
    }

    /// A value that goes up and down, one per combination of label values.
    public final class Gauge: MetricFamily, Sendable {
        public let name: String
        public let help: String
        public let labelNames: [String]
        let type = "gauge"
        private let series = Mutex<[[String]: Double]>([:])

        init(name: String, help: String, labelNames: [String]) {
            self.name = name
            self.help = help
            self.labelNames = labelNames
        }

        public func set(_ value: Double, labels: [String] = []) {
            precondition(labels.count == labelNames.count, "gauge '\(name)' takes labels \(labelNames)")
            series.withLock { $0[labels] = value }
        }

        public func add(_ amount: Double, labels: [String] = []) {
            precondition(labels.count == labelNames.count, "gauge '\(name)' takes labels \(labelNames)")
            series.withLock { $0[labels, default: 0] += amount }
        }

        public func value(labels: [String] = []) -> Double {
            series.withLock { $0[labels] ?? 0 }
        }

        func renderSamples(into text: inout String) {
            for (labels, value) in MetricText.sorted(series.withLock { $0 }) {
                text += "\(name)\(MetricText.labelSet(labelNames, labels)) \(MetricText.number(value))\n"
            }
        }
    }

    /// A gauge without labels read from its owner at each render.
    final class CallbackGauge: MetricFamily {
        let name: String
        let help: String
        let labelNames: [String] = []
        let type = "gauge"
        private let read: @Sendable () -> Double

        init(name: String, help: String, read: @escaping @Sendable () -> Double) {
            self.name = name
            self.help = help
            self.read = read
        }

        func renderSamples(into text: inout String) {
            text += "\(name) \(MetricText.number(read()))\n"
        }
    }
}
