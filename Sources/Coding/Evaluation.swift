/// Accuracy, macro-F1, per-class precision and recall, and coverage at a target precision: how coding
/// quality is reported, on validation when a model is trained and on any labelled file afterwards.
public struct Evaluation: Sendable {
    public struct ClassMetrics: Sendable, Equatable {
        public var label: String
        public var support: Int
        public var predicted: Int
        public var correct: Int
        public var precision: Double { predicted > 0 ? Double(correct) / Double(predicted) : 0 }
        public var recall: Double { support > 0 ? Double(correct) / Double(support) : 0 }
        public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
    }

    public var count: Int
    public var accuracy: Double
    /// Mean F1 over the classes that occur in the truth or the predictions (scikit-learn's `average="macro"`).
    public var macroF1: Double
    public var perClass: [ClassMetrics]
    /// Coverage at precision 0.95, 0.97, 0.99 (and any others asked for).
    public var coverageAtPrecision: [(precision: Double, coverage: Double)]

    public init(truth: [String], predicted: [String], confidence: [Double], precisions: [Double] = [0.95, 0.97, 0.99]) {
        count = truth.count
        var metrics: [String: ClassMetrics] = [:]
        var correct = [Bool]()
        correct.reserveCapacity(truth.count)
        for (t, p) in zip(truth, predicted) {
            metrics[t, default: ClassMetrics(label: t, support: 0, predicted: 0, correct: 0)].support += 1
            metrics[p, default: ClassMetrics(label: p, support: 0, predicted: 0, correct: 0)].predicted += 1
            if t == p { metrics[t]!.correct += 1 }
            correct.append(t == p)
        }
        perClass = metrics.values.sorted { $0.label < $1.label }
        accuracy = truth.isEmpty ? 0 : Double(correct.filter { $0 }.count) / Double(truth.count)
        macroF1 = perClass.isEmpty ? 0 : perClass.map(\.f1).reduce(0, +) / Double(perClass.count)
        coverageAtPrecision = precisions.map {
            ($0, Evaluation.coverage(confidence: confidence, correct: correct, precision: $0))
        }
    }

    /// The largest share of records, taken in decreasing confidence, whose precision is at least `precision`.
    /// Records of equal confidence are taken together (a threshold cannot separate them).
    public static func coverage(confidence: [Double], correct: [Bool], precision: Double) -> Double {
        guard let k = autoCodedCount(confidence: confidence, correct: correct, precision: precision) else { return 0 }
        return Double(k) / Double(confidence.count)
    }

    /// How many records (the most confident first) can be auto-coded at `precision`, and nil if none can.
    static func autoCodedCount(confidence: [Double], correct: [Bool], precision: Double) -> Int? {
        let order = confidence.indices.sorted { confidence[$0] > confidence[$1] }
        var hits = 0
        var best: Int?
        for (rank, i) in order.enumerated() {
            if correct[i] { hits += 1 }
            let k = rank + 1
            let boundary = k == order.count || confidence[order[k]] < confidence[i]
            if boundary, Double(hits) >= precision * Double(k) - 1e-12 { best = k }
        }
        return best
    }

    /// The most frequent (true label, predicted code) pairs among the errors, most frequent first (ties by
    /// label, then code): which classes the model mixes up, and which way.
    public static func confusions(truth: [String], predicted: [String], limit: Int) -> [(
        label: String, code: String, count: Int
    )] {
        var counts: [Pair: Int] = [:]
        for (t, p) in zip(truth, predicted) where t != p { counts[Pair(label: t, code: p), default: 0] += 1 }
        let sorted = counts.sorted {
            $0.value != $1.value
                ? $0.value > $1.value : ($0.key.label, $0.key.code) < ($1.key.label, $1.key.code)
        }
        return sorted.prefix(max(limit, 0)).map { ($0.key.label, $0.key.code, $0.value) }
    }

    private struct Pair: Hashable {
        var label: String
        var code: String
    }

    /// The indices of the records whose prediction is not their label, the most confident first (ties in
    /// record order). A confident disagreement with the label is often a wrong label rather than a wrong
    /// model: the top of this list is where label errors are likeliest ("confident learning": Northcutt, Jiang and
    /// Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 70, 2021).
    public static func errorsByConfidence(truth: [String], predicted: [String], confidence: [Double]) -> [Int] {
        truth.indices.filter { truth[$0] != predicted[$0] }.sorted {
            confidence[$0] != confidence[$1] ? confidence[$0] > confidence[$1] : $0 < $1
        }
    }

    /// The confidence threshold that auto-codes the most records with precision ≥ `precision` on these
    /// data: records with confidence ≥ threshold are auto-coded. Nil when no threshold reaches it.
    public static func threshold(confidence: [Double], correct: [Bool], precision: Double) -> Double? {
        guard let k = autoCodedCount(confidence: confidence, correct: correct, precision: precision) else { return nil }
        return confidence.sorted(by: >)[k - 1]
    }
}
