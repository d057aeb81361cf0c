import Glibc
import StatMLCore
import Text

/// Labelled texts for training or evaluation, with the input line of each (for messages that name rows).
public struct CodingExamples: Sendable {
    public var texts: [String?]
    public var labels: [String?]
    public var lines: [Int]
    /// The file they came from, for messages.
    public var source: String

    public init(texts: [String?], labels: [String?], lines: [Int]? = nil, source: String = "<memory>") {
        self.texts = texts
        self.labels = labels
        self.lines = lines ?? (0..<texts.count).map { $0 + 1 }
        self.source = source
    }

    /// Reads the text and label columns of a CSV or JSON Lines file, with the line each record starts on.
    public static func read(path: String, textColumn: String, labelColumn: String?) throws -> CodingExamples {
        var texts: [String?] = []
        var labels: [String?] = []
        var lines: [Int] = []
        switch TableFormat.detect(path: path) {
        case .csv:
            let reader = try CSVReader(path: path)
            guard let t = reader.header.firstIndex(of: textColumn) else {
                throw Table.unknownColumn(textColumn, in: reader.header, file: reader.name)
            }
            var l: Int?
            if let labelColumn {
                guard let index = reader.header.firstIndex(of: labelColumn) else {
                    throw Table.unknownColumn(labelColumn, in: reader.header, file: reader.name)
                }
                l = index
            }
            try reader.forEachRecord { record in
                texts.append(t < record.count ? record.string(t) : nil)
                labels.append(l.flatMap { $0 < record.count ? record.string($0) : nil })
                lines.append(record.line)
            }
        case .jsonl:
            let reader = try JSONLinesReader(path: path)
            func text(_ v: JSONValue?) -> String? {
                switch v {
                case nil, .null?: return nil
                case .string(let s)?: return s
                case let other?: return other.serialized()
                }
            }
            try reader.forEachObject { object, line in
                texts.append(text(object[textColumn]))
                labels.append(labelColumn.flatMap { text(object[$0]) })
                lines.append(line)
            }
            if !texts.isEmpty, texts.allSatisfy({ $0 == nil }) {
                throw StatMLError.notFound("no record of \(path) has the field '\(textColumn)'")
            }
        }
        return CodingExamples(texts: texts, labels: labels, lines: lines, source: path)
    }
}

public struct CodingTrainingOptions: Sendable {
    /// nil: train all and keep the best on validation.
    public var algorithm: CodingAlgorithm?
    public var targetPrecision: Double = 0.97
    public var perClassThresholds = false
    public var seed: UInt64 = 1
    public var threads = 1
    public var normalizer = TextNormalizer()
    public var features = FeatureSpec(headFeatures: true)
    public var fastText = FastTextClassifier.Parameters()
    public var linear = LinearSVM.Parameters()
    /// Weight of the multinomial naive Bayes model pooled with the SVM in the linear model (0: SVM alone);
    /// see `NaiveBayes`.
    public var naiveBayesWeight: Float = 0.5
    /// Features seen in fewer training records than this are dropped.
    public var minCount = 1
    /// Share of each class held out for calibration when no validation file is given.
    public var holdout = 0.1
    /// After calibrating on the held-out share, train again on all the data (keeping calibration and threshold).
    public var refit = true
    public var hierarchy: Hierarchy?
    /// Provenance stored in the model (e.g. source file names, correction batches).
    public var provenance: JSONValue = .object(JSONObject())

    public init() {}
}

/// What training found, for the person who trained.
public struct CodingTrainingReport: Sendable {
    public var warnings: [String] = []
    public var algorithm: CodingAlgorithm = .linear
    /// Validation metrics of each algorithm tried.
    public var candidates: [(algorithm: CodingAlgorithm, accuracy: Double, logLoss: Double)] = []
    public var validationRows = 0
    public var threshold: Double?
    /// Share of validation records auto-coded at the threshold.
    public var coverage: Double = 0
    public var seconds: Double = 0
}

public enum CodingTrainer {
    public static func train(
        _ data: CodingExamples, validation: CodingExamples? = nil, options: CodingTrainingOptions,
        progress: ProgressReporter? = nil
    ) throws -> (CodingModel, CodingTrainingReport) {
        let start = monotonicSeconds()
        var report = CodingTrainingReport()
        let (texts, labels) = try clean(data, report: &report, role: "training")
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 else {
            throw StatMLError.invalidInput(
                "\(data.source): every record has the label '\(classes.first ?? "")'; a classifier needs at least two classes"
            )
        }
        if let hierarchy = options.hierarchy {
            let unknown = classes.filter { hierarchy.code(forLabel: $0) == nil }
            if !unknown.isEmpty {
                throw StatMLError.invalidInput(
                    "\(data.source): \(unknown.count) label(s) are not in the classification, e.g. "
                        + unknown.prefix(5).map {
                            "'\($0)'" + Suggestions.didYouMean($0, in: hierarchy.nodes.map(\.code))
                        }
                        .joined(separator: ", "))
            }
        }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Int32($0)) })
        let y = labels.map { classIndex[$0]! }
        let tokens = texts.map { options.normalizer.tokens($0) }
        let normalized = tokens.map { $0.joined(separator: " ") }
        let index = buildIndex(normalized: normalized, labels: y, classes: classes, data: data, report: &report)

        // Validation: the user's file, or a stratified share of the training data.
        var trainPart = Array(texts.indices)
        var validTokens: [[String]]
        var validLabels: [Int32?]
        if let validation {
            let (vt, vl) = try clean(validation, report: &report, role: "validation")
            validTokens = vt.map { options.normalizer.tokens($0) }
            validLabels = vl.map { classIndex[$0] }
            let unseen = vl.filter { classIndex[$0] == nil }
            if !unseen.isEmpty {
                report.warnings.append(
                    "\(validation.source): \(unseen.count) record(s) have labels the training data lacks (counted as errors), e.g. '\(unseen[0])'"
                )
            }
        } else {
            let (train, held) = stratifiedSplit(
                labels: y, classCount: classes.count, share: options.holdout, seed: options.seed)
            guard !held.isEmpty else {
                throw StatMLError.invalidInput(
                    "\(data.source): too few records to hold out \(Int(options.holdout * 100))% for calibration; give --valid FILE"
                )
            }
            trainPart = train
            validTokens = held.map { tokens[$0] }
            validLabels = held.map { y[$0] }
        }
        report.validationRows = validTokens.count

        // Fit on the training part, score the validation part.
        var fitted = fit(
            tokens: trainPart.map { tokens[$0] }, labels: trainPart.map { y[$0] }, classCount: classes.count,
            algorithm: options.algorithm, options: options, progress: progress)
        let outputs = fitted.validationOutputs(validTokens, features: options.features)
        let labelled = validLabels.indices.filter { validLabels[$0] != nil }
        let known = labelled.map { Int32(validLabels[$0]!) }

        // The linear model: the SVM's decision values, pooled with naive Bayes' log-posteriors when there is
        // one, each scaled by its own temperature on the held-out share (the pooled score is linear in the
        // features, so the two fold into one weight matrix after the refit: `NaiveBayes.pool`).
        var linearOutputs = outputs.linear
        var pooling: (svm: Float, naiveBayes: Float)?
        if let svmScores = outputs.linear, let nbScores = outputs.naiveBayes {
            let t = (
                svm: TemperatureScaling(scores: labelled.map { svmScores[$0] }, labels: known).temperature,
                naiveBayes: TemperatureScaling(scores: labelled.map { nbScores[$0] }, labels: known).temperature
            )
            let w = options.naiveBayesWeight
            linearOutputs = zip(svmScores, nbScores).map { s, b in zip(s, b).map { $0 / t.svm + w * $1 / t.naiveBayes }
            }
            pooling = t
        }
        let fastTextCalibration =
            outputs.fastText.map { ft in
                TemperatureScaling(scores: labelled.map { ft[$0].map { logf(max($0, 1e-30)) } }, labels: known)
            } ?? TemperatureScaling()
        let linearCalibration =
            linearOutputs.map { lin in TemperatureScaling(scores: labelled.map { lin[$0] }, labels: known) }
            ?? TemperatureScaling()
        let ftProbabilities = outputs.fastText?.map { p -> [Float] in
            var q = p
            fastTextCalibration.rescaled(probabilities: &q)
            return q
        }
        let linProbabilities = linearOutputs?.map { s -> [Float] in
            var q = s
            linearCalibration.probabilities(&q)
            return q
        }

        // Candidates: each model alone and (when both exist) the best mixture by validation log-loss.
        var choices: [(CodingAlgorithm, Float, [[Float]])] = []
        if let ft = ftProbabilities { choices.append((.fasttext, 1, ft)) }
        if let lin = linProbabilities { choices.append((.linear, 0, lin)) }
        if let ft = ftProbabilities, let lin = linProbabilities {
            var best: (Float, Double, [[Float]])?
            for step in 1...9 {
                let w = Float(step) / 10
                let mix = zip(ft, lin).map { a, b in zip(a, b).map { w * $0 + (1 - w) * $1 } }
                let loss = logLoss(mix, validLabels)
                if best == nil || loss < best!.1 { best = (w, loss, mix) }
            }
            choices.append((.ensemble, best!.0, best!.2))
        }
        for (algorithm, _, probabilities) in choices {
            report.candidates.append(
                (algorithm, accuracy(probabilities, validLabels), logLoss(probabilities, validLabels)))
        }
        let chosenIndex: Int
        if let wanted = options.algorithm {
            chosenIndex = choices.firstIndex { $0.0 == wanted }!
        } else {
            chosenIndex = CodingTrainer.choose(report.candidates, validationRows: labelled.count)
        }
        let (algorithm, weight, chosen) = choices[chosenIndex]
        report.algorithm = algorithm
        let finalCalibration: TemperatureScaling
        switch algorithm {
        case .fasttext: finalCalibration = fastTextCalibration
        case .linear: finalCalibration = linearCalibration
        case .ensemble:
            finalCalibration = TemperatureScaling(
                scores: labelled.map { chosen[$0].map { logf(max($0, 1e-30)) } }, labels: known)
        }
        var final = chosen
        if algorithm == .ensemble { for i in final.indices { finalCalibration.rescaled(probabilities: &final[i]) } }

        // The auto-coding threshold on validation.
        let predicted = final.map { p in p.indices.max { p[$0] < p[$1] }! }
        let correct = final.indices.map { validLabels[$0] == Int32(predicted[$0]) }
        let margins = final.map(MarginCalibration.margin)
        let marginCalibration = MarginCalibration(margins: margins, correct: correct)
        let confidence = final.indices.map { i in
            marginCalibration.map { $0.confidence(margin: margins[i]) } ?? Double(final[i][predicted[i]])
        }
        let threshold = Evaluation.threshold(
            confidence: confidence, correct: correct, precision: options.targetPrecision)
        report.threshold = threshold
        var classThresholds = [Double?](repeating: nil, count: classes.count)
        if options.perClassThresholds {
            for c in classes.indices {
                let members = predicted.indices.filter { predicted[$0] == c }
                guard members.count >= 30 else { continue }  // too few to set a class's own threshold
                classThresholds[c] =
                    Evaluation.threshold(
                        confidence: members.map { confidence[$0] }, correct: members.map { correct[$0] },
                        precision: options.targetPrecision) ?? 1.0000001
            }
        }
        let autoCoded = predicted.indices.filter { i in
            let t = classThresholds[predicted[i]] ?? threshold
            return t.map { confidence[i] >= $0 } ?? false
        }
        report.coverage = final.isEmpty ? 0 : Double(autoCoded.count) / Double(final.count)
        let evaluation = Evaluation(
            truth: validLabels.map { $0.map { classes[Int($0)] } ?? "\u{0}unseen" },
            predicted: predicted.map { classes[$0] }, confidence: confidence)

        // Refit on everything when the validation part came out of the training data.
        if validation == nil && options.refit {
            // The SVM's refit starts from its fit without the held-out share (same optimum, fewer passes).
            var warmStart: [Float]?
            if let dual = fitted.linear?.dual, !dual.isEmpty {
                let n = tokens.count
                let part = trainPart.count
                var start = [Float](repeating: 0, count: classes.count * n)
                for c in 0..<classes.count {
                    for (j, i) in trainPart.enumerated() { start[c * n + i] = dual[c * part + j] }
                }
                warmStart = start
            }
            fitted = fit(
                tokens: tokens, labels: y, classCount: classes.count, algorithm: algorithm, options: options,
                linearWarmStart: warmStart, progress: progress)
        }
        if let t = pooling, let svm = fitted.linear, let naiveBayes = fitted.naiveBayes {
            fitted.linear = NaiveBayes.pool(
                svm: svm, svmTemperature: t.svm, naiveBayes: naiveBayes, naiveBayesTemperature: t.naiveBayes,
                weight: options.naiveBayesWeight)
        }
        var counts = [Int](repeating: 0, count: classes.count)
        for label in y { counts[Int(label)] += 1 }

        var validationJSON = JSONObject()
        validationJSON["rows"] = .number(Double(final.count))
        validationJSON["accuracy"] = .number(evaluation.accuracy)
        validationJSON["macro_f1"] = .number(evaluation.macroF1)
        validationJSON["coverage_at_threshold"] = .number(report.coverage)
        var coverage = JSONObject()
        for (p, c) in evaluation.coverageAtPrecision { coverage[String(p)] = .number(c) }
        validationJSON["coverage_at_precision"] = .object(coverage)
        validationJSON["source"] = .string(
            validation?.source ?? "\(Int(options.holdout * 100))% held out of \(data.source)")

        let info = CodingModelInfo(
            statmlVersion: StatMLVersion.current, algorithm: algorithm, trainingRows: texts.count,
            trainingDataHash: trainingHash(texts: texts, labels: labels), targetPrecision: options.targetPrecision,
            validation: .object(validationJSON), provenance: options.provenance)
        let model = CodingModel(
            info: info, classes: classes, normalizer: options.normalizer, features: options.features,
            vocabulary: fitted.vocabulary, fastText: algorithm == .linear ? nil : fitted.fastText,
            linear: algorithm == .fasttext ? nil : fitted.linear, fastTextCalibration: fastTextCalibration,
            linearCalibration: linearCalibration, ensembleWeight: weight, finalCalibration: finalCalibration,
            marginCalibration: marginCalibration,
            threshold: threshold, classThresholds: classThresholds, index: CodingIndexTable(index),
            hierarchy: options.hierarchy,
            classCounts: counts)
        report.seconds = monotonicSeconds() - start
        return (model, report)
    }

    /// The candidate to keep: the most accurate on validation (then the lowest log-loss), except that the
    /// ensemble, which costs both models' time to train and to run, is kept only when it beats the best
    /// single model by more than one standard error of the validation accuracy, √(p(1−p)/n) — the
    /// "one-standard-error rule" (Breiman, Friedman, Olshen, Stone 1984, "Classification and Regression
    /// Trees", §3.4.3). In 5-fold cross-validation on ECOICOP the ensemble did not beat the linear model
    /// (accuracy 0.9302 vs 0.9309, coverage at 0.97 precision 0.904 vs 0.904).
    static func choose(
        _ candidates: [(algorithm: CodingAlgorithm, accuracy: Double, logLoss: Double)], validationRows n: Int
    ) -> Int {
        func best(_ indices: [Int]) -> Int? {
            indices.max {
                let a = candidates[$0]
                let b = candidates[$1]
                return a.accuracy != b.accuracy ? a.accuracy < b.accuracy : a.logLoss > b.logLoss
            }
        }
        let all = Array(candidates.indices)
        let overall = best(all)!
        guard candidates[overall].algorithm == .ensemble,
            let single = best(all.filter { candidates[$0].algorithm != .ensemble })
        else { return overall }
        let p = candidates[single].accuracy
        let standardError = (p * (1 - p) / Double(max(n, 1))).squareRoot()
        return candidates[overall].accuracy - p > standardError ? overall : single
    }

    /// The models fitted on one part of the data.
    struct Fitted {
        var vocabulary: FeatureVocabulary
        var fastText: FastTextClassifier?
        var linear: LinearSVM?
        /// Multinomial naive Bayes on the same TF-IDF vectors, as a linear scorer (log-posterior up to a
        /// per-record constant).
        var naiveBayes: LinearSVM?

        /// Raw outputs on validation texts: fastText probabilities, SVM decision values and naive Bayes
        /// log-posteriors.
        func validationOutputs(_ tokens: [[String]], features: FeatureSpec) -> (
            fastText: [[Float]]?, linear: [[Float]]?, naiveBayes: [[Float]]?
        ) {
            var ft: [[Float]] = []
            var lin: [[Float]] = []
            var nb: [[Float]] = []
            var hashed: [HashedFeature] = []
            var rows: [Int32] = []
            var buffer: [Float] = []
            var counts: [Int32] = []
            for t in tokens {
                hashed.removeAll(keepingCapacity: true)
                FeatureHashing.features(of: t, spec: features, into: &hashed)
                vocabulary.rows(hashed, into: &rows)
                if let fastText {
                    fastText.probabilities(rows: rows, into: &buffer)
                    ft.append(buffer)
                }
                if linear != nil || naiveBayes != nil {
                    let x = vocabulary.tfidf(rows, scratch: &counts)
                    if let linear {
                        linear.scores(x, into: &buffer)
                        lin.append(buffer)
                    }
                    if let naiveBayes {
                        naiveBayes.scores(x, into: &buffer)
                        nb.append(buffer)
                    }
                }
            }
            return (fastText == nil ? nil : ft, linear == nil ? nil : lin, naiveBayes == nil ? nil : nb)
        }
    }

    static func fit(
        tokens: [[String]], labels: [Int32], classCount: Int, algorithm: CodingAlgorithm?,
        options: CodingTrainingOptions, linearWarmStart: [Float]? = nil,
        progress: ProgressReporter?
    ) -> Fitted {
        var hashed: [[HashedFeature]] = []
        hashed.reserveCapacity(tokens.count)
        for t in tokens {
            var f: [HashedFeature] = []
            FeatureHashing.features(of: t, spec: options.features, into: &f)
            hashed.append(f)
        }
        let vocabulary = FeatureVocabulary(documents: hashed, minCount: options.minCount)
        var rows: [[Int32]] = []
        rows.reserveCapacity(hashed.count)
        for h in hashed {
            var r: [Int32] = []
            vocabulary.rows(h, into: &r)
            rows.append(r)
        }
        var fastText: FastTextClassifier?
        var linear: LinearSVM?
        var naiveBayes: LinearSVM?
        if algorithm != .linear {
            var p = options.fastText
            p.seed = options.seed
            p.threads = options.threads
            fastText = FastTextClassifier(
                rows: rows, labels: labels, featureCount: vocabulary.count, classCount: classCount, parameters: p)
        }
        if algorithm != .fasttext {
            var p = options.linear
            p.seed = options.seed
            p.threads = options.threads
            var counts: [Int32] = []
            let vectors = rows.map { vocabulary.tfidf($0, scratch: &counts) }
            linear = LinearSVM(
                vectors: vectors, labels: labels, featureCount: vocabulary.count, classCount: classCount, parameters: p,
                warmStart: linearWarmStart)
            if options.naiveBayesWeight > 0 {
                naiveBayes = NaiveBayes.fit(
                    vectors: vectors, labels: labels, featureCount: vocabulary.count, classCount: classCount)
            }
        }
        progress?.advance(by: 1)
        return Fitted(vocabulary: vocabulary, fastText: fastText, linear: linear, naiveBayes: naiveBayes)
    }

    /// Drops records without text (a warning names them) and rejects records without a label.
    static func clean(_ data: CodingExamples, report: inout CodingTrainingReport, role: String) throws -> (
        [String], [String]
    ) {
        guard !data.texts.isEmpty else {
            throw StatMLError.invalidInput("\(data.source): the \(role) file has no records")
        }
        var texts: [String] = []
        var labels: [String] = []
        var noText: [Int] = []
        var noLabel: [Int] = []
        for i in data.texts.indices {
            guard let label = data.labels[i], !label.isEmpty else {
                noLabel.append(data.lines[i])
                continue
            }
            guard let text = data.texts[i], !text.allSatisfy({ $0.isWhitespace }) else {
                noText.append(data.lines[i])
                continue
            }
            texts.append(text)
            labels.append(label)
        }
        if !noLabel.isEmpty {
            throw StatMLError.invalidInput(
                "\(data.source): \(noLabel.count) \(role) record(s) have no label, on lines " + listed(noLabel))
        }
        if !noText.isEmpty {
            report.warnings.append(
                "\(data.source): skipped \(noText.count) \(role) record(s) with an empty text, on lines "
                    + listed(noText))
        }
        guard !texts.isEmpty else { throw StatMLError.invalidInput("\(data.source): no \(role) record has a text") }
        return (texts, labels)
    }

    static func listed(_ lines: [Int]) -> String {
        lines.prefix(10).map(String.init).joined(separator: ", ") + (lines.count > 10 ? ", ..." : "")
    }

    /// Normalised texts that always carry the same label; conflicting ones are left out and reported.
    static func buildIndex(
        normalized: [String], labels: [Int32], classes: [String], data: CodingExamples,
        report: inout CodingTrainingReport
    ) -> [String: Int32] {
        var seen: [String: (label: Int32, conflict: Bool, first: Int)] = [:]
        var conflicts: [String] = []
        for (i, text) in normalized.enumerated() where !text.isEmpty {
            if let entry = seen[text] {
                if entry.label != labels[i] && !entry.conflict {
                    seen[text]!.conflict = true
                    conflicts.append(
                        "'\(text)' (line \(data.lines[entry.first]): \(classes[Int(entry.label)]); line \(data.lines[i]): \(classes[Int(labels[i])]))"
                    )
                }
            } else {
                seen[text] = (labels[i], false, i)
            }
        }
        if !conflicts.isEmpty {
            report.warnings.append(
                "\(data.source): \(conflicts.count) text(s) carry different labels (left out of the coding index), e.g. "
                    + conflicts.prefix(3).joined(separator: "; "))
        }
        return seen.compactMapValues { $0.conflict ? nil : $0.label }
    }

    /// Per class, `share` of its records (rounded down) go to validation; the order is seeded.
    static func stratifiedSplit(labels: [Int32], classCount: Int, share: Double, seed: UInt64) -> ([Int], [Int]) {
        var rng = SeededGenerator(seed: seed ^ 0x5EED)
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() { byClass[Int(l)].append(i) }
        var train: [Int] = []
        var held: [Int] = []
        for var members in byClass {
            rng.shuffle(&members)
            let k = Int(Double(members.count) * share)
            held += members.prefix(k)
            train += members.dropFirst(k)
        }
        return (train.sorted(), held.sorted())
    }

    static func accuracy(_ p: [[Float]], _ labels: [Int32?]) -> Double {
        guard !p.isEmpty else { return 0 }
        var hits = 0
        for (probs, y) in zip(p, labels) where y != nil {
            if probs.indices.max(by: { probs[$0] < probs[$1] }) == Int(y!) { hits += 1 }
        }
        return Double(hits) / Double(p.count)
    }

    static func logLoss(_ p: [[Float]], _ labels: [Int32?]) -> Double {
        var total = 0.0
        var n = 0
        for (probs, y) in zip(p, labels) {
            guard let y else { continue }
            total -= log(Double(max(probs[Int(y)], 1e-12)))
            n += 1
        }
        return n > 0 ? total / Double(n) : 0
    }

    static func trainingHash(texts: [String], labels: [String]) -> String {
        var sha = SHA256()
        for (t, l) in zip(texts, labels) {
            sha.update(t.utf8)
            sha.update([0x09])
            sha.update(l.utf8)
            sha.update([0x0A])
        }
        return SHA256.hex(sha.finalize())
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
