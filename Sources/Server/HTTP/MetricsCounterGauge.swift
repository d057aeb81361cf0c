import Synchronization

extension Metrics {
    /// A value that only goes up, one per combination of label values.
    public final class Counter: MetricFamily, Sendable {
        public var name: String { series.name }
        public var help: String { series.help }
        public var labelNames: [String] { series.labelNames }
        let type = "counter"
        private let series: LabelledSeries

        init(name: String, help: String, labelNames: [String]) {
            series = LabelledSeries(name: name, help: help, labelNames: labelNames, kind: "counter")
        }

        /// Adds `amount` (not negative) to the series with these label values, given in the order of
        /// the label names.
        public func increment(by amount: Double = 1, labels: [String] = []) {
            precondition(amount >= 0, "counter '\(name)' cannot go down")
            series.update(labels) { $0 += amount }
        }

        public func value(labels: [String] = []) -> Double { series.value(labels) }

        func renderSamples(into text: inout String) { series.render(into: &text) }
    }

    /// A value that goes up and down, one per combination of label values.
    public final class Gauge: MetricFamily, Sendable {
        public var name: String { series.name }
        public var help: String { series.help }
        public var labelNames: [String] { series.labelNames }
        let type = "gauge"
        private let series: LabelledSeries

        init(name: String, help: String, labelNames: [String]) {
            series = LabelledSeries(name: name, help: help, labelNames: labelNames, kind: "gauge")
        }

        public func set(_ value: Double, labels: [String] = []) { series.update(labels) { $0 = value } }

        public func add(_ amount: Double, labels: [String] = []) { series.update(labels) { $0 += amount } }

        public func value(labels: [String] = []) -> Double { series.value(labels) }

        func renderSamples(into text: inout String) { series.render(into: &text) }
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

/// One value per combination of label values, shared by counters and gauges.
final class LabelledSeries: Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    let kind: String
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String], kind: String) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.kind = kind
    }

    /// Changes the value of the series with these label values (0 before its first change).
    func update(_ labels: [String], _ change: (inout Double) -> Void) {
        precondition(labels.count == labelNames.count, "\(kind) '\(name)' takes labels \(labelNames)")
        values.withLock { change(&$0[labels, default: 0]) }
    }

    func value(_ labels: [String]) -> Double {
        values.withLock { $0[labels] ?? 0 }
    }

    func render(into text: inout String) {
        for (labels, value) in MetricText.sorted(values.withLock { $0 }) {
            text += "\(name)\(MetricText.labelSet(labelNames, labels)) \(MetricText.number(value))\n"
        }
    }
}
