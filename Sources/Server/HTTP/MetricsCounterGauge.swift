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
            // Only added to: each thread adds to its own stripe, and a read sums the stripes.
            series = LabelledSeries(name: name, help: help, labelNames: labelNames, kind: "counter", stripes: 8)
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
            // Set as well as added to: one stripe, so that a set replaces the one value.
            series = LabelledSeries(name: name, help: help, labelNames: labelNames, kind: "gauge", stripes: 1)
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

/// One value per combination of label values, shared by counters and gauges. With several stripes a
/// value is the sum of the stripes' (`Stripes`): for values that are only added to.
final class LabelledSeries: Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    let kind: String
    private let values: Stripes<[[String]: Double]>

    init(name: String, help: String, labelNames: [String], kind: String, stripes: Int) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.kind = kind
        values = Stripes(count: stripes) { [:] }
    }

    /// Changes the value of the series with these label values (0 before its first change).
    func update(_ labels: [String], _ change: (inout Double) -> Void) {
        precondition(labels.count == labelNames.count, "\(kind) '\(name)' takes labels \(labelNames)")
        values.withMine { change(&$0[labels, default: 0]) }
    }

    func value(_ labels: [String]) -> Double {
        var sum = 0.0
        values.forEach { sum += $0[labels] ?? 0 }
        return sum
    }

    private func merged() -> [[String]: Double] {
        var all: [[String]: Double] = [:]
        values.forEach { stripe in all.merge(stripe, uniquingKeysWith: +) }
        return all
    }

    func render(into text: inout String) {
        for (labels, value) in MetricText.sorted(merged()) {
            text += "\(name)\(MetricText.labelSet(labelNames, labels)) \(MetricText.number(value))\n"
        }
    }
}
