import StatMLCore
import Text

/// Which classifier a coding model uses.
public enum CodingAlgorithm: String, Sendable, CaseIterable {
    case fasttext
    case linear
    /// The average of both models' calibrated probabilities, weighted on validation data.
    case ensemble
}

/// Where a prediction's code came from.
public enum CodeSource: String, Sendable {
    /// The text (normalised) was coded before: the coding index answered.
    case index
    case model
}

/// One coded record.
public struct CodingPrediction: Sendable, Equatable {
    /// The code: a class of the model, or (with back-off) one of its ancestors; "" for an empty text.
    public var code: String
    /// Calibrated probability that `code` is right (1 for index hits).
    public var confidence: Double
    /// Whether the confidence reaches the auto-coding threshold; false means "send to a human coder".
    public var auto: Bool
    public var source: CodeSource
    /// Level of `code` in the classification (1 = top), when the model has one.
    public var level: Int?
    /// The most probable classes, best first.
    public var candidates: [(code: String, probability: Double)]
    /// `code`'s index among the model's classes; nil for an ancestor (back-off) or an empty text.
    var classIndex: Int? = nil

    public static func == (a: CodingPrediction, b: CodingPrediction) -> Bool {
        a.code == b.code && a.confidence == b.confidence && a.auto == b.auto && a.source == b.source
            && a.level == b.level
            && a.candidates.map(\.code) == b.candidates.map(\.code)
    }
}

/// Facts about a trained model that travel with it: where it came from and how good it was.
public struct CodingModelInfo: Sendable, Equatable {
    public var statmlVersion: String
    public var algorithm: CodingAlgorithm
    public var trainingRows: Int
    /// SHA-256 over the training pairs (text, label) in order: which data made this model.
    public var trainingDataHash: String
    public var targetPrecision: Double?
    /// Metrics on the validation data the threshold was chosen on.
    public var validation: JSONValue
    /// Free-form provenance (source files, corrections the model was trained with).
    public var provenance: JSONValue
}

/// A trained coding model: normalisation, features, classifier(s), calibration, auto-coding threshold,
/// coding index and (optionally) the classification's hierarchy.
public struct CodingModel: Sendable {
    public var info: CodingModelInfo
    public let classes: [String]
    public let normalizer: TextNormalizer
    public let features: FeatureSpec
    public let vocabulary: FeatureVocabulary
    public let fastText: FastTextClassifier?
    public let linear: LinearSVM?
    public let fastTextCalibration: TemperatureScaling
    public let linearCalibration: TemperatureScaling
    /// Weight of fastText in the ensemble (1 − weight goes to the linear model).
    public let ensembleWeight: Float
    /// Calibration of the final probabilities (after mixing, for the ensemble).
    public let finalCalibration: TemperatureScaling
    /// Turns the final probabilities' margin into the confidence that the top class is right; nil: the
    /// top class's probability is the confidence.
    public let marginCalibration: MarginCalibration?
    /// Records with confidence ≥ threshold are auto-coded; nil: none is.
    public var threshold: Double?
    /// Per-class thresholds overriding `threshold` for records predicted as that class.
    public var classThresholds: [Double?]
    /// Normalised text → class index, for texts coded consistently in the training data.
    public var index: [String: Int32] { indexTable.entries }
    /// How many texts `index` has.
    public var indexCount: Int { indexTable.count }
    /// The index as the prediction path looks it up.
    let indexTable: CodingIndexTable
    public let hierarchy: Hierarchy?
    /// Number of training records per class (rebuilds the hierarchical-softmax tree).
    public let classCounts: [Int]

    init(
        info: CodingModelInfo, classes: [String], normalizer: TextNormalizer, features: FeatureSpec,
        vocabulary: FeatureVocabulary, fastText: FastTextClassifier?, linear: LinearSVM?,
        fastTextCalibration: TemperatureScaling, linearCalibration: TemperatureScaling, ensembleWeight: Float,
        finalCalibration: TemperatureScaling, marginCalibration: MarginCalibration?, threshold: Double?,
        classThresholds: [Double?], index: CodingIndexTable,
        hierarchy: Hierarchy?, classCounts: [Int]
    ) {
        self.info = info
        self.classes = classes
        self.normalizer = normalizer
        self.features = features
        self.vocabulary = vocabulary
        self.fastText = fastText
        self.linear = linear
        self.fastTextCalibration = fastTextCalibration
        self.linearCalibration = linearCalibration
        self.ensembleWeight = ensembleWeight
        self.finalCalibration = finalCalibration
        self.marginCalibration = marginCalibration
        self.threshold = threshold
        self.classThresholds = classThresholds
        indexTable = index
        self.hierarchy = hierarchy
        self.classCounts = classCounts
    }

    /// The threshold that applies to a record predicted as class `c`.
    public func threshold(forClass c: Int) -> Double? {
        c < classThresholds.count ? (classThresholds[c] ?? threshold) : threshold
    }
}

/// Codes texts with a model. Holds scratch buffers, so each thread uses its own predictor; nothing is
/// allocated per record beyond the result.
public final class CodingPredictor {
    public let model: CodingModel
    /// Back off to the parent level when the leaf's confidence is under the threshold (needs a hierarchy).
    public var backoff: Bool
    /// How many candidates to return with each prediction.
    public var candidateCount: Int

    private let featurizer: TextFeaturizer
    private var hashed: [HashedFeature] = []
    private var rows: [Int32] = []
    private var fastTextProbabilities: [Float] = []
    private var linearScores: [Float] = []
    private var probabilities: [Float] = []
    private var counts: [Int32] = []
    private let cachedScorer: CachedScorer?

    /// `wordCache`: reuse each word's summed character n-grams from one record to the next (see
    /// `WordScoreCache`); the same probabilities up to floating-point rounding, several times faster.
    /// `wordCacheCapacity` words are kept; the cache starts over when it is full. The cache needs raw term
    /// frequencies of character n-grams for an SVM (`FeatureVocabulary.TermFrequency`): models of format 1–2
    /// are scored without it.
    public init(
        model: CodingModel, backoff: Bool = false, candidateCount: Int = 5, wordCache: Bool = true,
        wordCacheCapacity: Int = 1 << 16
    ) {
        self.model = model
        featurizer = TextFeaturizer(normalizer: model.normalizer)
        self.backoff = backoff && model.hierarchy != nil
        self.candidateCount = candidateCount
        let cacheable = model.linear == nil || model.vocabulary.characterTermFrequency == .raw
        cachedScorer =
            wordCache && cacheable ? CachedScorer(model: model, capacity: max(1, wordCacheCapacity)) : nil
    }

    public func predict(_ text: String) -> CodingPrediction {
        predict { hashed, skip in
            featurizer.featurize(text, spec: model.features, into: &hashed, skippingCharacterNgramsOf: skip)
        }
    }

    /// `predict` of a text given as UTF-8 bytes, such as a CSV field, with no String made of it; bytes that
    /// are not valid UTF-8 are read as `String(decoding:as:)` reads them.
    public func predict(utf8 text: UnsafeBufferPointer<UInt8>) -> CodingPrediction {
        predict { hashed, skip in
            featurizer.featurize(utf8: text, spec: model.features, into: &hashed, skippingCharacterNgramsOf: skip)
        }
    }

    /// The prediction for the text that `featurize` appends the features of (leaving out the character
    /// n-grams of the words its second argument accepts); it returns whether the text has tokens.
    private func predict(
        featurizing featurize: (inout [HashedFeature], (UInt64) -> Bool) -> Bool
    ) -> CodingPrediction {
        hashed.removeAll(keepingCapacity: true)
        var hasTokens: Bool
        if let cachedScorer {
            // The character n-grams of words seen before are not hashed again: their results are kept.
            hasTokens = featurize(&hashed) { cachedScorer.knows(word: $0) }
            if !cachedScorer.prepare(tokens: featurizer.tokenCount) {
                hashed.removeAll(keepingCapacity: true)
                hasTokens = featurize(&hashed) { _ in false }
            }
        } else {
            hasTokens = featurize(&hashed) { _ in false }
        }
        guard hasTokens else {
            return CodingPrediction(code: "", confidence: 0, auto: false, source: .model, level: nil, candidates: [])
        }
        if let c = featurizer.withNormalizedUTF8({ model.indexTable.find(utf8: $0) }) {
            let code = model.classes[Int(c)]
            return CodingPrediction(
                code: code, confidence: 1, auto: true, source: .index, level: level(of: code), candidates: [(code, 1)],
                classIndex: Int(c))
        }
        modelOutputs()
        if let prediction = decideFromLinearScores() { return prediction }
        calibratedProbabilities()
        return decide()
    }

    /// The models' raw outputs for the features in `hashed`: fastText's probabilities and the SVM's scores.
    private func modelOutputs() {
        if let cachedScorer {
            cachedScorer.outputs(
                of: hashed, featurizer: featurizer, fastText: &fastTextProbabilities, linear: &linearScores)
        } else {
            model.vocabulary.rows(hashed, into: &rows)
            if let fastText = model.fastText {
                fastText.probabilities(rows: rows, into: &fastTextProbabilities)
            }
            if let linear = model.linear {
                linear.scores(model.vocabulary.tfidf(rows, scratch: &counts), into: &linearScores)
            }
        }
    }

    /// Calibrated class probabilities from the models' outputs, into `probabilities`.
    private func calibratedProbabilities() {
        switch model.info.algorithm {
        case .fasttext:
            swap(&probabilities, &fastTextProbabilities)
            model.finalCalibration.rescaled(probabilities: &probabilities)
        case .linear:
            swap(&probabilities, &linearScores)
            model.finalCalibration.probabilities(&probabilities)
        case .ensemble:
            model.fastTextCalibration.rescaled(probabilities: &fastTextProbabilities)
            model.linearCalibration.probabilities(&linearScores)
            let w = model.ensembleWeight
            probabilities.removeAll(keepingCapacity: true)
            for c in 0..<model.classes.count {
                probabilities.append(w * fastTextProbabilities[c] + (1 - w) * linearScores[c])
            }
            model.finalCalibration.rescaled(probabilities: &probabilities)
        }
    }

    private func level(of code: String) -> Int? { model.hierarchy?.level(of: code) }

    /// The `k` most probable classes, best first (the lower index first among equals): one pass with a
    /// short sorted list, not a sort of every class.
    private func topClasses(_ k: Int) -> [Int] {
        var top: [Int] = []
        top.reserveCapacity(k + 1)
        for c in probabilities.indices {
            let p = probabilities[c]
            guard top.count < k || p > probabilities[top[top.count - 1]] else { continue }
            var i = top.count
            while i > 0 && probabilities[top[i - 1]] < p { i -= 1 }
            top.insert(c, at: i)
            if top.count > k { top.removeLast() }
        }
        return top
    }

    /// A linear model's prediction straight from its scores s, when nothing else needs the class
    /// probabilities (no candidates asked for, no back-off to do). Its probabilities are softmax(s / T),
    /// whose order is the scores' and whose margin ln(p₁/p₂) is (s₁ − s₂) / T, so the margin calibration
    /// needs only the top two scores and no exponential. Nil: `decide` must do it.
    private func decideFromLinearScores() -> CodingPrediction? {
        guard model.info.algorithm == .linear, candidateCount == 0, let calibration = model.marginCalibration else {
            return nil
        }
        var best = 0
        var first = -Float.infinity
        var second = -Float.infinity
        linearScores.withUnsafeBufferPointer { scores in
            for c in scores.indices {
                let v = scores[c]
                if v > first {
                    second = first
                    first = v
                    best = c
                } else if v > second {
                    second = v
                }
            }
        }
        let margin = (Double(first) - Double(second)) / Double(model.finalCalibration.temperature)
        // As `MarginCalibration.margin` bounds it (its probabilities are clamped at 1e-30).
        let confidence = calibration.confidence(margin: min(margin, MarginCalibration.largestMargin))
        let auto = model.threshold(forClass: best).map { confidence >= $0 } ?? false
        if !auto && backoff { return nil }
        let code = model.classes[best]
        return CodingPrediction(
            code: code, confidence: confidence, auto: auto, source: .model, level: level(of: code), candidates: [],
            classIndex: best)
    }

    private func decide() -> CodingPrediction {
        var best = 0
        for c in 1..<probabilities.count where probabilities[c] > probabilities[best] { best = c }
        let confidence =
            model.marginCalibration.map { $0.confidence(margin: MarginCalibration.margin(probabilities)) }
            ?? Double(probabilities[best])
        var candidates: [(code: String, probability: Double)] = []
        if candidateCount > 0 {
            candidates = topClasses(candidateCount).map { (model.classes[$0], Double(probabilities[$0])) }
        }
        let code = model.classes[best]
        let threshold = model.threshold(forClass: best)
        let auto = threshold.map { confidence >= $0 } ?? false
        if !auto, backoff, let hierarchy = model.hierarchy, let threshold {
            // Sum the probabilities of the classes under each ancestor and take the first level that is sure enough.
            var mass: [String: Double] = [:]
            for (c, p) in probabilities.enumerated() {
                for ancestor in hierarchy.lineage(of: model.classes[c]).dropFirst() {
                    mass[ancestor, default: 0] += Double(p)
                }
            }
            for ancestor in hierarchy.lineage(of: code).dropFirst() {
                // The most probable node at this level may differ from the leaf's own ancestor.
                let level = hierarchy.level(of: ancestor)
                let sameLevel = mass.filter { hierarchy.level(of: $0.key) == level }
                if let top = sameLevel.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
                    top.value >= threshold
                {
                    return CodingPrediction(
                        code: top.key, confidence: top.value, auto: true, source: .model, level: level,
                        candidates: candidates)
                }
            }
        }
        return CodingPrediction(
            code: code, confidence: confidence, auto: auto, source: .model, level: level(of: code),
            candidates: candidates, classIndex: best)
    }
}
