import Coding
import Dispatch
import Foundation
import StatMLCore
import Text

/// `statml code ...`: automated coding of free text to a classification.
enum CodingCommands {
    static let group = Command(
        "code", abstract: "classify free text to statistical classifications (COICOP, ISCO, NACE, ...)",
        examples: [
            "statml code train --data train.csv --text text --label label --model coicop.statml",
            "statml code predict --model coicop.statml --data new.csv --output coded.csv",
            "statml code evaluate --model coicop.statml --data test.csv --text text --label label --json",
        ],
        subcommands: [train, predict, evaluate, info, sample])

    static let train = Command(
        "train", abstract: "train a coding model and choose its auto-coding threshold",
        discussion: """
            Trains a fastText-style model and a TF-IDF linear SVM on the texts, calibrates their confidence on \
            validation data (--valid, or 10% of each class held out), keeps the best of fasttext, linear and their \
            ensemble, and picks the confidence threshold whose precision on validation reaches --target-precision. \
            Texts coded consistently in the training data form a coding index that answers before the model.
            """,
        examples: [
            "statml code train --data train.csv --text text --label label --model coicop.statml",
            "statml code train --data train.csv --valid valid.csv --text text --label label --model m.statml --target-precision 0.99 --algorithm linear",
            "statml code train --data isco.csv --text job --label code --hierarchy isco08.csv --model isco.statml",
            "statml code train --data train.csv --corrections corrections.csv --model coicop-v2.statml",
        ],
        options: [
            .value("data", valueName: "FILE", help: "training data (CSV or JSON Lines)"),
            .value("valid", valueName: "FILE", help: "validation data; by default 10% of each class is held out"),
            .value("text", valueName: "COL", help: "the column with the text", default: "text"),
            .value("label", valueName: "COL", help: "the column with the code", default: "label"),
            .value("model", valueName: "OUT", help: "the model file to write"),
            .value(
                "target-precision", valueName: "P", help: "precision the auto-coded records must reach", default: "0.97"
            ),
            .value(
                "algorithm", valueName: "NAME", help: "classifier; by default the best on validation",
                choices: ["fasttext", "linear", "ensemble"]),
            .value("seed", valueName: "N", help: "random seed", default: "1"),
            .value("threads", valueName: "N", help: "threads (1 makes training exactly repeatable)", default: "1"),
            .value("hierarchy", valueName: "FILE", help: "classification file with columns code, parent, label"),
            .value(
                "corrections", valueName: "FILE",
                help:
                    "reviewer corrections exported by the service (columns id, text, code), added to the training data"),
            .flag(
                "per-class-thresholds", help: "also choose a threshold per class (classes with 30+ validation records)"),
            .flag("fold-diacritics", help: "fold letters with diacritics to their base (ż → z, é → e)"),
            .value("stop-words", valueName: "FILE", help: "words to ignore, one per line"),
            .value(
                "dim", valueName: "N", help: "fastText embedding dimension (32 makes fastText alone a little better)",
                default: "16"),
            .value(
                "epochs", valueName: "N", help: "fastText epochs (25 makes fastText alone a little better)",
                default: "10"),
            .value("lr", valueName: "RATE", help: "fastText learning rate", default: "0.5"),
            .value(
                "loss", valueName: "NAME", help: "fastText loss (hs for many classes)", default: "softmax",
                choices: ["softmax", "hs"]),
            .value("svm-c", valueName: "C", help: "linear SVM penalty", default: "1"),
            .value(
                "nb-weight", valueName: "W",
                help: "weight of multinomial naive Bayes pooled with the SVM in the linear model (0: SVM alone)",
                default: "0.5"),
            .flag(
                "no-position-features",
                help: "leave out the features of the first word, first two words and last word as such"),
            .value(
                "min-count", valueName: "N", help: "drop features seen in fewer than N training records", default: "1"),
            .value("word-ngrams", valueName: "N", help: "word n-grams up to N", default: "2"),
            .value(
                "char-ngrams", valueName: "MIN-MAX", help: "character n-grams of each word; 0 turns them off",
                default: "2-5"),
            .flag("no-refit", help: "keep the models fitted without the held-out share"),
            .flag("json", help: "print the training report as JSON"),
        ],
        run: { args in
            var options = CodingTrainingOptions()
            let dataPath = try args.required("data")
            let modelPath = try args.required("model")
            let textColumn = args.value("text")!
            let labelColumn = args.value("label")!
            options.algorithm = args.value("algorithm").flatMap(CodingAlgorithm.init(rawValue:))
            options.targetPrecision = try args.double("target-precision")!
            guard options.targetPrecision > 0, options.targetPrecision <= 1 else {
                throw StatMLError.usage("--target-precision must be in (0, 1], got \(options.targetPrecision)")
            }
            options.seed = UInt64(try positive(args, "seed", allowZero: true))
            options.threads = try positive(args, "threads")
            options.perClassThresholds = args.flag("per-class-thresholds")
            options.refit = !args.flag("no-refit")
            options.fastText.dimension = try positive(args, "dim")
            options.fastText.epochs = try positive(args, "epochs")
            options.fastText.learningRate = Float(try args.double("lr")!)
            options.fastText.loss = FastTextClassifier.Loss(rawValue: args.value("loss")!)!
            options.linear.c = Float(try args.double("svm-c")!)
            options.naiveBayesWeight = Float(try args.double("nb-weight")!)
            guard options.naiveBayesWeight >= 0, options.naiveBayesWeight.isFinite else {
                throw StatMLError.usage("--nb-weight must be 0 or more, got \(args.value("nb-weight")!)")
            }
            options.features.headFeatures = !args.flag("no-position-features")
            options.features.wordNgrams = try positive(args, "word-ngrams")
            options.minCount = try positive(args, "min-count")
            let charRange = args.value("char-ngrams")!.split(separator: "-").compactMap { Int($0) }
            if charRange == [0] {
                options.features.maxCharN = 0
            } else if charRange.count == 2, charRange[0] >= 1, charRange[0] <= charRange[1] {
                (options.features.minCharN, options.features.maxCharN) = (charRange[0], charRange[1])
            } else {
                throw StatMLError.usage(
                    "--char-ngrams expects MIN-MAX such as 2-5, or 0, got '\(args.value("char-ngrams")!)'")
            }
            var stopWords: Set<String> = []
            if let path = args.value("stop-words") {
                stopWords = Set(
                    try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map(
                        String.init))
            }
            options.normalizer = TextNormalizer(foldDiacritics: args.flag("fold-diacritics"), stopWords: stopWords)
            if let path = args.value("hierarchy") { options.hierarchy = try Hierarchy.read(path: path) }
            var provenance = JSONObject([
                ("data", .string(dataPath)), ("valid", args.value("valid").map { .string($0) } ?? .null),
                ("text_column", .string(textColumn)), ("label_column", .string(labelColumn)),
            ])

            var data = try CodingExamples.read(path: dataPath, textColumn: textColumn, labelColumn: labelColumn)
            if let path = args.value("corrections") {
                let corrections = try Corrections.read(path: path)
                data = corrections.appended(to: data)
                provenance["corrections"] = corrections.provenance
            }
            options.provenance = .object(provenance)
            let valid = try args.value("valid").map {
                try CodingExamples.read(path: $0, textColumn: textColumn, labelColumn: labelColumn)
            }
            let progress = ProgressReporter(label: "train", total: options.refit && valid == nil ? 2 : 1, unit: "fits")
            let (model, report) = try CodingTrainer.train(data, validation: valid, options: options, progress: progress)
            progress.finish()
            try CodingModelFile.write(model, to: modelPath)
            for warning in report.warnings { CommandLineTool.printError("warning: \(warning)") }
            if args.flag("json") {
                var o = JSONObject()
                o["model"] = .string(modelPath)
                o["algorithm"] = .string(report.algorithm.rawValue)
                o["training_rows"] = .number(Double(model.info.trainingRows))
                o["classes"] = .number(Double(model.classes.count))
                o["validation"] = model.info.validation
                o["threshold"] = report.threshold.map { .number($0) } ?? .null
                o["seconds"] = .number(report.seconds)
                o["candidates"] = .array(
                    report.candidates.map {
                        [
                            "algorithm": .string($0.algorithm.rawValue), "accuracy": .number($0.accuracy),
                            "log_loss": .number($0.logLoss),
                        ]
                    })
                o["warnings"] = .array(report.warnings.map { .string($0) })
                print(JSONValue.object(o).serialized())
            } else {
                print(
                    "trained \(report.algorithm.rawValue) on \(model.info.trainingRows) records, \(model.classes.count) classes, in \(String(format: "%.1f", report.seconds)) s"
                )
                for c in report.candidates {
                    print(
                        String(
                            format: "  %-9@ validation accuracy %.4f  log-loss %.4f", c.algorithm.rawValue as NSString,
                            c.accuracy, c.logLoss))
                }
                if let t = report.threshold {
                    print(
                        String(
                            format:
                                "auto-coding threshold %.4f: %.1f%% of %d validation records auto-coded at precision ≥ %.2f",
                            t, report.coverage * 100, report.validationRows, options.targetPrecision))
                } else {
                    print(
                        "no threshold reaches precision \(options.targetPrecision) on validation: every record goes to review"
                    )
                }
                print("model written to \(modelPath)")
            }
            return 0
        })

    static let predict = Command(
        "predict", abstract: "code a file of texts",
        discussion: """
            Writes every input column plus code, confidence (calibrated probability), auto (true when at or above \
            the model's threshold; false means human review) and source (index or model). Streams in constant \
            memory. --data - reads JSON Lines from standard input; --output - writes JSON Lines to standard output.
            """,
        examples: [
            "statml code predict --model coicop.statml --data new.csv --output coded.csv",
            "cat new.jsonl | statml code predict --model coicop.statml --data - --output - --text name",
        ],
        options: [
            .value("model", valueName: "FILE", help: "a model from 'statml code train'"),
            .value(
                "data", valueName: "FILE", help: "texts to code (CSV or JSON Lines; - for JSON Lines on standard input)"
            ),
            .value("text", valueName: "COL", help: "the column with the text; by default the model's training column"),
            .value(
                "output", valueName: "FILE",
                help: "coded output (CSV or JSON Lines by name; - for JSON Lines on standard output)"),
            .flag(
                "backoff",
                help:
                    "code uncertain records at a parent level when that is certain enough (needs --hierarchy at training)"
            ),
            .value("candidates", valueName: "K", help: "add a column with the K most probable codes", default: "0"),
            .value("threads", valueName: "N", help: "threads", default: "1"),
        ],
        run: { args in
            let model = try CodingModelFile.read(path: try args.required("model"))
            let input = try args.required("data")
            let output = try args.required("output")
            let textColumn = args.value("text") ?? model.info.provenance["text_column"]?.stringValue ?? "text"
            let coder = BatchCoder(
                model: model, backoff: args.flag("backoff"),
                candidates: try positive(args, "candidates", allowZero: true),
                threads: try positive(args, "threads"))
            let rows = try coder.codeFile(
                input: input, output: output, textColumn: textColumn, progressLabel: "predict")
            if output != "-" {
                CommandLineTool.printError(
                    String(
                        format: "coded %d records: %.1f%% auto-coded, the rest for review", rows.total,
                        rows.total > 0 ? 100 * Double(rows.auto) / Double(rows.total) : 0))
            }
            return 0
        })

    static let evaluate = Command(
        "evaluate", abstract: "measure a model on labelled data",
        discussion: """
            Accuracy, macro-F1, per-class precision and recall, coverage at precision 0.95, 0.97 and 0.99 \
            (the largest share of records, most confident first, whose precision reaches the target), how the \
            model's own threshold does, and the classes it mixes up most. Labels the model never saw count as \
            errors. With --errors, the misclassified records go to a CSV file, the most confident first: a \
            confident disagreement with the label is often a wrong label, so the top of that file is where to \
            review the labels.
            """,
        examples: [
            "statml code evaluate --model coicop.statml --data test.csv --text text --label label --json",
            "statml code evaluate --model coicop.statml --data test.csv --errors review.csv",
        ],
        options: [
            .value("model", valueName: "FILE", help: "a model from 'statml code train'"),
            .value("data", valueName: "FILE", help: "labelled data (CSV or JSON Lines)"),
            .value("text", valueName: "COL", help: "the column with the text", default: "text"),
            .value("label", valueName: "COL", help: "the column with the true code", default: "label"),
            .value("threads", valueName: "N", help: "threads", default: "1"),
            .flag("json", help: "print one JSON object"),
            .value(
                "errors", valueName: "FILE",
                help:
                    "write the misclassified records (CSV: line, text, label, code, confidence, auto, source), most confident first"
            ),
        ],
        run: { args in
            if args.value("errors") == "-" && args.flag("json") {
                throw StatMLError.usage(
                    "--errors - and --json would both write to standard output: give --errors a file name")
            }
            let model = try CodingModelFile.read(path: try args.required("model"))
            let data = try CodingExamples.read(
                path: try args.required("data"), textColumn: args.value("text")!, labelColumn: args.value("label")!)
            let coder = BatchCoder(model: model, backoff: false, candidates: 0, threads: try positive(args, "threads"))
            let predictions = coder.code(data.texts.map { $0 ?? "" })
            let truth = data.labels.map { $0 ?? "" }
            let evaluation = Evaluation(
                truth: truth, predicted: predictions.map(\.code), confidence: predictions.map(\.confidence))
            let auto = predictions.indices.filter { predictions[$0].auto }
            let autoCorrect = auto.filter { predictions[$0].code == truth[$0] }.count
            let unseen = Set(truth).subtracting(model.classes).subtracting([""])
            let codes = predictions.map(\.code)
            let confusions = Evaluation.confusions(truth: truth, predicted: codes, limit: 20)
            if let path = args.value("errors") {
                let errors = Evaluation.errorsByConfidence(
                    truth: truth, predicted: codes, confidence: predictions.map(\.confidence))
                let out = try CSVWriter(
                    path: path, header: ["line", "text", "label", "code", "confidence", "auto", "source"])
                for i in errors {
                    let p = predictions[i]
                    try out.write([
                        String(data.lines[i]), data.texts[i], data.labels[i], p.code, CellValue.format(p.confidence),
                        p.auto ? "true" : "false", p.source.rawValue,
                    ])
                }
                try out.close()
            }
            if args.flag("json") {
                var o = JSONObject()
                o["rows"] = .number(Double(evaluation.count))
                o["accuracy"] = .number(evaluation.accuracy)
                o["macro_f1"] = .number(evaluation.macroF1)
                var coverage = JSONObject()
                for (p, c) in evaluation.coverageAtPrecision { coverage[String(p)] = .number(c) }
                o["coverage_at_precision"] = .object(coverage)
                o["auto_coded"] = .number(Double(auto.count) / Double(max(evaluation.count, 1)))
                o["auto_precision"] = auto.isEmpty ? .null : .number(Double(autoCorrect) / Double(auto.count))
                o["index_hits"] = .number(Double(predictions.filter { $0.source == .index }.count))
                o["unseen_labels"] = .array(unseen.sorted().map { .string($0) })
                o["confusions"] = .array(
                    confusions.map {
                        ["label": .string($0.label), "code": .string($0.code), "count": .number(Double($0.count))]
                    })
                o["per_class"] = .array(
                    evaluation.perClass.map {
                        [
                            "label": .string($0.label), "support": .number(Double($0.support)),
                            "precision": .number($0.precision), "recall": .number($0.recall), "f1": .number($0.f1),
                        ]
                    })
                print(JSONValue.object(o).serialized())
            } else {
                print(
                    String(
                        format: "%d records: accuracy %.4f, macro-F1 %.4f", evaluation.count, evaluation.accuracy,
                        evaluation.macroF1))
                for (p, c) in evaluation.coverageAtPrecision {
                    print(String(format: "coverage at precision %.2f: %.1f%%", p, c * 100))
                }
                print(
                    String(
                        format: "model threshold: %.1f%% auto-coded with precision %.4f",
                        100 * Double(auto.count) / Double(max(evaluation.count, 1)),
                        auto.isEmpty ? 0 : Double(autoCorrect) / Double(auto.count)))
                if !unseen.isEmpty {
                    print("labels the model never saw (counted as errors): \(unseen.sorted().joined(separator: ", "))")
                }
                if !confusions.isEmpty {
                    print("\nmost frequent confusions (true label -> predicted code: records)")
                    for c in confusions.prefix(10) { print("  \(c.label) -> \(c.code): \(c.count)") }
                }
                print("\nclass  support  precision  recall  f1")
                for c in evaluation.perClass {
                    print(
                        String(
                            format: "%@  %d  %.3f  %.3f  %.3f", c.label as NSString, c.support, c.precision, c.recall,
                            c.f1))
                }
            }
            return 0
        })

    static let info = Command(
        "info", abstract: "show what a model file holds: classes, threshold, metrics, provenance",
        examples: ["statml code info coicop.statml"],
        positionals: [Positional("MODEL", help: "a model file")],
        run: { args in
            let model = try CodingModelFile.read(path: args.positional("MODEL")!)
            var o = JSONObject()
            o["statml_version"] = .string(model.info.statmlVersion)
            o["algorithm"] = .string(model.info.algorithm.rawValue)
            o["classes"] = .number(Double(model.classes.count))
            o["training_rows"] = .number(Double(model.info.trainingRows))
            o["training_data_sha256"] = .string(model.info.trainingDataHash)
            o["target_precision"] = model.info.targetPrecision.map { .number($0) } ?? .null
            o["threshold"] = model.threshold.map { .number($0) } ?? .null
            o["validation"] = model.info.validation
            o["provenance"] = model.info.provenance
            o["index_entries"] = .number(Double(model.indexCount))
            o["hierarchy_codes"] = .number(Double(model.hierarchy?.nodes.count ?? 0))
            print(JSONValue.object(o).serialized(pretty: true))
            return 0
        })

    static let sample = Command(
        "sample", abstract: "write generated product names with ECOICOP-style codes (for demos and trials)",
        examples: ["statml code sample products.csv --rows 5000 --seed 1 --hierarchy ecoicop-sample.csv"],
        options: [
            .value("rows", valueName: "N", help: "number of products", default: "1000"),
            .value("seed", valueName: "N", help: "random seed", default: "1"),
            .value("hierarchy", valueName: "FILE", help: "also write the classification (code, parent, label)"),
        ],
        positionals: [Positional("OUT", help: "CSV file with columns text, label; - for standard output")],
        run: { args in
            let rows = try positive(args, "rows", allowZero: true)
            let examples = SyntheticProducts(seed: UInt64(try positive(args, "seed", allowZero: true))).examples(
                count: rows)
            let writer = try CSVWriter(path: args.positional("OUT")!, header: ["text", "label"])
            for e in examples { try writer.write([e.text, e.code]) }
            try writer.close()
            if let path = args.value("hierarchy") {
                let h = try CSVWriter(path: path, header: ["code", "parent", "label"])
                for node in SyntheticProducts.hierarchy() { try h.write([node.code, node.parent, node.label]) }
                try h.close()
            }
            return 0
        })

    static func positive(_ args: ParsedArguments, _ name: String, allowZero: Bool = false) throws -> Int {
        guard let v = try args.int(name), v > 0 || (allowZero && v == 0) else {
            throw StatMLError.usage("--\(name) must be \(allowZero ? "0 or more" : "at least 1")")
        }
        return v
    }
}
