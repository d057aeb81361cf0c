import Synchronization

/// A registry of metrics that renders them in the Prometheus text exposition format, version 0.0.4
/// (prometheus.io/docs/instrumenting/exposition_formats). Every metric is safe to update from many
/// threads at once.
///
/// Registering a name a second time with the same kind and label names returns the metric already
/// registered, so that two owners can share one; a clash of kinds or label names is a programming
/// error and stops the program.
public final class Metrics: Sendable {
    /// The `Content-Type` of `render()`'s text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let families = Mutex<[any MetricFamily]>([])

    public init() {}

    /// A counter: a value that only goes up (requests served, errors).
    public func counter(_ name: String, help: String, labels: [String] = []) -> Counter {
        register(Counter(name: name, help: help, labelNames: labels))
    }

    /// A gauge that is set and moved by its owner (connections open, models loaded).
    public func gauge(_ name: String, help: String, labels: [String] = []) -> Gauge {
        register(Gauge(name: name, help: help, labelNames: labels))
    }

    /// A gauge whose value `read` gives at each render (a queue length, a cache size). `read` runs
    /// while the registry renders: it must be quick and must not touch this registry.
    public func gauge(_ name: String, help: String, read: @escaping @Sendable () -> Double) {
        _ = register(CallbackGauge(name: name, help: help, read: read))
    }

    /// A histogram over fixed buckets, given as their upper bounds (`+Inf` is added).
    public func histogram(
        _ name: String, help: String, labels: [String] = [], buckets: [Double] = Histogram.latencySecondsBuckets
    ) -> Histogram {
        register(Histogram(name: name, help: help, labelNames: labels, buckets: buckets))
    }

    /// Every metric in the order it was registered, each with its `HELP` and `TYPE` lines.
    public func render() -> String {
        let families = families.withLock { $0 }
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(MetricText.escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.type)\n"
            family.renderSamples(into: &text)
        }
        return text
    }

    private func register<Family: MetricFamily>(_ family: Family) -> Family {
        precondition(MetricText.isValidName(family.name), "invalid metric name '\(family.name)'")
        for label in family.labelNames {
            precondition(
                MetricText.isValidLabelName(label) && !label.hasPrefix("__"),
                "invalid label name '\(label)' on metric '\(family.name)'")
        }
        return families.withLock { families in
            if let existing = families.first(where: { $0.name == family.name }) {
                guard let same = existing as? Family, same.labelNames == family.labelNames else {
                    preconditionFailure("metric '\(family.name)' is already registered as a different metric")
                }
                return same
            }
            families.append(family)
            return family
        }
    }
}

extension HTTPResponse {
    /// The registry's metrics as a Prometheus scrape answer.
    public static func metrics(_ metrics: Metrics) -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": Metrics.contentType], body: Array(metrics.render().utf8))
    }
}

/// One named metric with all its labelled series.
protocol MetricFamily: AnyObject, Sendable {
    var name: String { get }
    var help: String { get }
    var type: String { get }
    var labelNames: [String] { get }
    func renderSamples(into text: inout String)
}

/// The pieces of the text format: names, escapes, numbers.
enum MetricText {
    static func isValidName(_ name: String) -> Bool {
        isIdentifier(name, allowingColon: true)
    }

    static func isValidLabelName(_ name: String) -> Bool {
        isIdentifier(name, allowingColon: false)
    }

    private static func isIdentifier(_ name: String, allowingColon: Bool) -> Bool {
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard let first = name.utf8.first, !digits.contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || digits.contains(byte) || byte == UInt8(ascii: "_") || (allowingColon && byte == UInt8(ascii: ":"))
        }
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }

    static func escapeLabelValue(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n")
    }

    /// `{a="x",b="y"}`, or nothing without labels.
    static func labelSet(_ names: [String], _ values: [String]) -> String {
        guard !names.isEmpty else { return "" }
        let pairs = zip(names, values).map { "\($0)=\"\(escapeLabelValue($1))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    /// A sample value: integers without a fraction, `+Inf`, `-Inf`, `NaN` as Prometheus spells them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Series in a stable order, sorted by their label values.
    static func sorted<Value>(_ series: [[String]: Value]) -> [(labels: [String], value: Value)] {
        series.map { (labels: $0.key, value: $0.value) }.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
