import Foundation
import Glibc
import StatMLCore
import Testing
import Text

@testable import Coding

@Suite("Coding: training, prediction, model files, hierarchy")
struct TrainingTests {
    static let examples = SyntheticProducts(seed: 4).examples(count: 1500)

    static func options(_ algorithm: CodingAlgorithm? = nil) -> CodingTrainingOptions {
        var o = CodingTrainingOptions()
        o.algorithm = algorithm
        o.fastText.dimension = 16
        o.fastText.epochs = 10
        o.holdout = 0.2
        return o
    }

    static func data(_ pairs: [(text: String, code: String)]) -> CodingExamples {
        CodingExamples(texts: pairs.map(\.text), labels: pairs.map(\.code))
    }

    static let trained: (CodingModel, CodingTrainingReport) = {
        // swift-format-ignore: NeverUseForceTry
        try! CodingTrainer.train(data(examples), options: options())
    }()

    @Test func learnsGeneratedProductsAndChoosesAThreshold() throws {
        let (model, report) = Self.trained
        #expect(report.candidates.map(\.algorithm) == [.fasttext, .linear, .ensemble])
        #expect(report.candidates.allSatisfy { $0.accuracy > 0.9 })
        #expect(report.threshold != nil)
        let test = SyntheticProducts(seed: 99).examples(count: 400)
        let predictor = CodingPredictor(model: model)
        let predictions = test.map { predictor.predict($0.text) }
        let accuracy = Double(zip(predictions, test).filter { $0.code == $1.code }.count) / Double(test.count)
        #expect(accuracy > 0.9, "accuracy \(accuracy)")
        // Auto-coded records must be right far more often than the rest.
        let auto = zip(predictions, test).filter { $0.0.auto }
        let autoPrecision = Double(auto.filter { $0.0.code == $0.1.code }.count) / Double(max(auto.count, 1))
        #expect(autoPrecision >= 0.95, "auto precision \(autoPrecision) on \(auto.count)")
    }

    @Test func indexAnswersForTextsSeenInTraining() {
        let (model, _) = Self.trained
        let predictor = CodingPredictor(model: model)
        let seen = Self.examples.first { model.index[model.normalizer.normalize($0.text)] != nil }!
        let p = predictor.predict("  " + seen.text.uppercased() + " ")
        #expect(p.source == .index && p.confidence == 1 && p.auto && p.code == seen.code)
        let empty = predictor.predict("   ")
        #expect(empty.code == "" && !empty.auto)
    }

    @Test func modelFileRoundTripsAndRejectsDamage() throws {
        let (model, _) = Self.trained
        let dir = temporaryDirectory()
        let path = "\(dir)/m.statml"
        try CodingModelFile.write(model, to: path)
        let loaded = try CodingModelFile.read(path: path)
        let a = CodingPredictor(model: model)
        let b = CodingPredictor(model: loaded)
        for e in SyntheticProducts(seed: 7).examples(count: 200) { #expect(a.predict(e.text) == b.predict(e.text)) }
        #expect(loaded.info.trainingDataHash == model.info.trainingDataHash)
        #expect(loaded.info.trainingDataHash.count == 64)
        #expect(loaded.index == model.index && !model.index.isEmpty)
        #expect(try CodingModelFile.readAll(path) == CodingModelFile.encode(loaded), "one model, one file")

        var bytes = try CodingModelFile.readAll(path)
        // From a named pipe (no size to go by): the same model, and the pipe is opened once only (a second
        // open of a FIFO whose writer has finished waits for ever).
        let fifo = "\(dir)/m.fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        let modelBytes = bytes
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            guard fd >= 0 else { return }
            modelBytes.withUnsafeBytes { all in
                var done = 0
                while done < all.count {
                    let n = write(fd, all.baseAddress! + done, all.count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
            close(fd)
        }
        writer.start()
        let piped = try CodingModelFile.read(path: fifo)
        #expect(piped.info.trainingDataHash == model.info.trainingDataHash)
        func expectError(_ mutated: [UInt8], _ fragment: String) throws {
            let bad = "\(dir)/bad.statml"
            let sink = try ByteSink(path: bad)
            try sink.write(mutated)
            try sink.close()
            do {
                _ = try CodingModelFile.read(path: bad)
                Issue.record("expected an error containing \(fragment)")
            } catch let error as StatMLError {
                #expect(error.code == .incompatible)
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        var flipped = bytes
        flipped[flipped.count / 2] ^= 0x01
        try expectError(flipped, "checksum")
        try expectError(Array(bytes.prefix(bytes.count - 100)), "checksum")
        // Damage in the header (read before the checksum is known) still says the checksum fails.
        var header = bytes
        header[17] = UInt8(ascii: "}")
        try expectError(header, "checksum")
        try expectError(Array(bytes.prefix(40)) + Array(repeating: 0, count: 40), "checksum")
        try expectError(Array("text,label\nmilk,01\n".utf8), "signature")
        bytes[8] = 99  // a format from the future
        try expectError(bytes, "newer StatML")
        #expect(throws: StatMLError.self) { _ = try CodingModelFile.read(path: dir) }
        do { _ = try CodingModelFile.read(path: dir) } catch let error as StatMLError {
            #expect(error.message.contains("is a directory"), "\(error.message)")
        }
    }

    /// `bytes` (a model file) with its header changed by `edit`, its format set to `format`, and a new
    /// checksum: a file as another StatML version would have written it.
    static func rewritten(_ bytes: [UInt8], format: UInt32, _ edit: (inout JSONObject) -> Void) throws -> [UInt8] {
        let headerLength = bytes[12..<16].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard case .object(var header) = try JSONValue.parse(Array(bytes[16..<16 + headerLength])) else {
            throw StatMLError.usage("not a model header")
        }
        edit(&header)
        let headerBytes = Array(header.serializedJSON().utf8)
        var out = Array(bytes[0..<8])
        for value in [format, UInt32(headerBytes.count)] {
            out += (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
        }
        out += headerBytes + bytes[(16 + headerLength)..<(bytes.count - 32)]
        return out + SHA256.hash(out)
    }

    /// Models of format 1–2 weighted character n-grams by 1 + ln tf: they still read that way and are
    /// scored without the word cache (which sums raw-tf word blocks); format 3 says which it uses.
    @Test func formatTwoModelsKeepSublinearCharacterWeights() throws {
        // Every fifth label swapped for another record's, so that the model is unsure enough for its
        // probabilities to show the weighting.
        let noisy = Self.examples.indices.map { i in
            (Self.examples[i].text, Self.examples[i % 5 == 0 ? (i * 7 + 3) % Self.examples.count : i].code)
        }
        let model = try CodingTrainer.train(Self.data(noisy), options: Self.options(.linear)).0
        #expect(model.vocabulary.characterTermFrequency == .raw)
        let dir = temporaryDirectory()
        let bytes = CodingModelFile.encode(model)
        func read(_ file: [UInt8]) throws -> CodingModel {
            let sink = try ByteSink(path: "\(dir)/m.statml")
            try sink.write(file)
            try sink.close()
            return try CodingModelFile.read(path: "\(dir)/m.statml")
        }
        let old = try read(
            try Self.rewritten(bytes, format: 2) { header in
                guard case .object(var features)? = header["features"] else { return }
                features["character_tf"] = nil
                header["features"] = .object(features)
                // Format 2 kept the coding index in the header.
                header["index"] = .array(
                    model.index.sorted { $0.key < $1.key }.map { .array([.string($0.key), .number(Double($0.value))]) })
            })
        #expect(old.vocabulary.characterTermFrequency == .sublinear)
        #expect(old.index == model.index && !model.index.isEmpty)

        // Each character n-gram's TF-IDF value is tf(count) · idf up to the block's scale, with the tf of the
        // model's weighting (words repeated, so that counts of 1 and more are both there).
        let words = model.normalizer.tokens(Self.examples[0].text)
        var hashed: [HashedFeature] = []
        FeatureHashing.features(of: words + words + [words[0]], spec: model.features, into: &hashed)
        var rows: [Int32] = []
        old.vocabulary.rows(hashed, into: &rows)
        for (vocabulary, tf) in [
            (old.vocabulary, { (c: Int32) in 1 + logf(Float(c)) }), (model.vocabulary, { Float($0) }),
        ] {
            var counts: [Int32] = []
            let x = vocabulary.tfidf(rows, scratch: &counts)
            let ratios = zip(x.indices, x.values).filter { vocabulary.isCharacter[Int($0.0)] }.map { r, value in
                value / (tf(Int32(rows.filter { $0 == r }.count)) * vocabulary.idf[Int(r)])
            }
            #expect(ratios.count > 10 && Set(rows.map { r in rows.filter { $0 == r }.count }).count > 1)
            #expect(ratios.allSatisfy { abs($0 / ratios[0] - 1) < 1e-5 }, "\(vocabulary.characterTermFrequency)")
        }

        // The old model's predictions are the direct computation's, and differ from the raw-tf model's
        // where n-grams repeat.
        let classes = model.classes.count
        let direct = CodingPredictor(model: old, candidateCount: classes, wordCache: false)
        let defaulted = CodingPredictor(model: old, candidateCount: classes)
        let raw = CodingPredictor(model: model, candidateCount: classes)
        var differs = 0
        let texts = ["mleko mleko 1l", "aaaa aaa aa a", "ser serek sery serowy"]
        for text in texts + SyntheticProducts(seed: 5).examples(count: 50).map(\.text) {
            #expect(direct.predict(text) == defaulted.predict(text))
            guard direct.predict(text).source == .model else { continue }
            let a = direct.predict(text).candidates.sorted { $0.code < $1.code }.map(\.probability)
            let b = raw.predict(text).candidates.sorted { $0.code < $1.code }.map(\.probability)
            if zip(a, b).contains(where: { abs($0 - $1) > 1e-6 }) { differs += 1 }
        }
        #expect(differs > 0)

        // Format 3 must say which weighting it uses.
        for (value, fragment) in [(JSONValue?.none, "character_tf is missing"), ("log", "\"log\", not")] {
            let file = try Self.rewritten(bytes, format: 3) { header in
                guard case .object(var features)? = header["features"] else { return }
                features["character_tf"] = value
                header["features"] = .object(features)
            }
            #expect(throws: StatMLError.self) { _ = try read(file) }
            do { _ = try read(file) } catch let error as StatMLError {
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
    }

    @Test func badTrainingDataGetsClearErrors() {
        func message(_ data: CodingExamples) -> String? {
            do {
                _ = try CodingTrainer.train(data, options: Self.options(.linear))
                return nil
            } catch let error as StatMLError { return error.message } catch { return "\(error)" }
        }
        #expect(message(CodingExamples(texts: [], labels: [])).map { $0.contains("no records") } == true)
        #expect(
            message(CodingExamples(texts: ["a", "b", "c"], labels: ["x", "x", "x"])).map {
                $0.contains("at least two classes")
            } == true)
        #expect(
            message(CodingExamples(texts: ["a", "b", "c"], labels: ["x", nil, "y"], lines: [2, 3, 4])).map {
                $0.contains("no label") && $0.contains("lines 3")
            } == true)
    }

    @Test func conflictingLabelsAreWarnedAndLeftOutOfTheIndex() throws {
        var pairs = Self.examples
        pairs.append(("Tesco mystery item 1l", "01.1.4.1"))
        pairs.append(("tesco  MYSTERY item 1 L", "01.2.2.1"))
        let (model, report) = try CodingTrainer.train(Self.data(pairs), options: Self.options(.linear))
        #expect(report.warnings.contains { $0.contains("different labels") && $0.contains("tesco mystery item 1l") })
        #expect(model.index["tesco mystery item 1l"] == nil)
    }

    @Test func backoffCodesAtTheParentWhenTheLeafIsUncertain() throws {
        let hierarchy = try Hierarchy(
            nodes: SyntheticProducts.hierarchy().map {
                Hierarchy.Node(code: $0.code, parent: $0.parent, label: $0.label)
            })
        var options = Self.options(.linear)
        options.hierarchy = hierarchy
        // Ambiguous records are 4% of the data and half of them wrong: a 99.5% target excludes them.
        options.targetPrecision = 0.995
        // Tea and coffee share their parent (01.2.1); texts naming both are uncertain between them.
        var pairs = Self.examples
        for i in 0..<60 { pairs.append(("coffee tea mix \(i % 3)", i % 2 == 0 ? "01.2.1.1" : "01.2.1.2")) }
        let (model, _) = try CodingTrainer.train(Self.data(pairs), options: options)
        let predictor = CodingPredictor(model: model, backoff: true)
        let p = predictor.predict("coffee tea mix")
        #expect(
            p.level == 3 && p.code == "01.2.1" && p.auto,
            "\(p.code) \(p.confidence) \(p.auto) \(p.candidates) threshold \(String(describing: model.threshold))")
        let leaf = predictor.predict("Lavazza ground coffee 250 g")
        #expect(leaf.level == 4)
    }

    @Test func hierarchyChecksItsStructure() throws {
        #expect(throws: StatMLError.self) {
            try Hierarchy(nodes: [.init(code: "a", parent: "b", label: "A"), .init(code: "b", parent: "a", label: "B")])
        }
        do {
            _ = try Hierarchy(nodes: [
                .init(code: "01", parent: nil, label: "x"), .init(code: "01.1", parent: "10", label: "y"),
            ])
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.message.contains("'10'") && error.message.contains("did you mean '01'"))
        }
        let h = try Hierarchy(
            nodes: SyntheticProducts.hierarchy().map {
                Hierarchy.Node(code: $0.code, parent: $0.parent, label: $0.label)
            })
        #expect(h.level(of: "01") == 1 && h.level(of: "01.2.1.2") == 4)
        #expect(h.lineage(of: "01.2.1.2") == ["01.2.1.2", "01.2.1", "01.2", "01"])
        #expect(h.code(forLabel: "Tea") == "01.2.1.2")
        #expect(h.search("coffee").map(\.code).contains("01.2.1.1"))
    }
}
