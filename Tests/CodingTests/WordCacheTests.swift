import StatMLCore
import Testing

@testable import Coding

/// The word cache (`WordScoreCache`, `CachedScorer`) must give what the direct computation gives —
/// `FastTextClassifier.probabilities(rows:)` and `LinearSVM.scores(vocabulary.tfidf(...))` over all of a
/// text's features — for every model kind, whatever the words repeat or share.
@Suite("Coding: word cache gives the direct computation's probabilities")
struct WordCacheTests {
    static let examples = SyntheticProducts(seed: 11).examples(count: 1200)

    static func model(_ algorithm: CodingAlgorithm) throws -> CodingModel {
        var o = CodingTrainingOptions()
        o.algorithm = algorithm
        o.fastText.dimension = 16
        o.fastText.epochs = 5
        o.holdout = 0.2
        let data = CodingExamples(texts: examples.map(\.text), labels: examples.map(\.code))
        return try CodingTrainer.train(data, options: o).0
    }

    /// Awkward texts: a word repeated (its tf is 2), words sharing character n-grams (the block's length
    /// needs their dot product), unknown words, non-Latin letters, no words at all.
    static let awkward = [
        "mleko mleko 1l", "ser serek sery serowy", "aaaa aaa aa a", "jogurt jogurt jogurt naturalny",
        "qqqq zzzz xxxx", "żółć gęślą jaźń", "Молоко 3,2%", "", "   ", "1l 1l 500g", "sok sok sok sok sok sok",
        // Three words sharing n-grams, a repeat among them, and texts past `CachedScorer.pairLimit` tokens
        // (whose block length is summed row by row).
        "serek ser serek sery", "mleko jogurt mleko kefir jogurt mleko",
        "a b c d e f g h i j k l m n o p ser serek", "mleko " + String(repeating: "ser serek ", count: 8),
    ]

    static func texts() -> [String] {
        awkward + SyntheticProducts(seed: 12).examples(count: 300).map(\.text)
    }

    /// Every class's probability, and the confidence, with and without the cache.
    func expectSameOutputs(_ model: CodingModel, capacity: Int) {
        let direct = CodingPredictor(model: model, candidateCount: model.classes.count, wordCache: false)
        let cached = CodingPredictor(
            model: model, candidateCount: model.classes.count, wordCache: true, wordCacheCapacity: capacity)
        // Twice through, so that the second pass reads words the first put in the cache.
        for text in Self.texts() + Self.texts() {
            let a = direct.predict(text)
            let b = cached.predict(text)
            #expect(a.code == b.code, "\(model.info.algorithm) \(text.debugDescription)")
            #expect(abs(a.confidence - b.confidence) < 1e-5, "\(model.info.algorithm) \(text.debugDescription)")
            let pa = Dictionary(uniqueKeysWithValues: a.candidates.map { ($0.code, $0.probability) })
            for (code, p) in b.candidates {
                #expect(abs((pa[code] ?? -1) - p) < 1e-5, "\(model.info.algorithm) \(text.debugDescription) \(code)")
            }
        }
    }

    @Test(arguments: [CodingAlgorithm.linear, .fasttext, .ensemble])
    func sameProbabilities(_ algorithm: CodingAlgorithm) throws {
        let model = try Self.model(algorithm)
        #expect(model.info.algorithm == algorithm)
        expectSameOutputs(model, capacity: 1 << 16)
        // A cache that fills up every few records starts over and still gives the same results.
        expectSameOutputs(model, capacity: 3)
    }

    /// A linear model's prediction read off its top two scores (when no candidates are asked for) is the
    /// one its class probabilities give: same code, auto decision and level, the same confidence.
    @Test func linearShortcutGivesTheProbabilitiesPrediction() throws {
        // Every fifth label swapped for another record's, so that validation has errors to calibrate on.
        var o = CodingTrainingOptions()
        o.algorithm = .linear
        o.holdout = 0.2
        let labels = Self.examples.indices.map { i in
            Self.examples[i % 5 == 0 ? (i * 7 + 3) % Self.examples.count : i].code
        }
        let model = try CodingTrainer.train(
            CodingExamples(texts: Self.examples.map(\.text), labels: labels), options: o
        ).0
        try #require(model.marginCalibration != nil)
        let shortcut = CodingPredictor(model: model, candidateCount: 0)
        let full = CodingPredictor(model: model, candidateCount: 1)
        var auto = 0
        for text in Self.texts() {
            let a = shortcut.predict(text)
            let b = full.predict(text)
            #expect(a.code == b.code && a.auto == b.auto && a.source == b.source && a.level == b.level)
            #expect(abs(a.confidence - b.confidence) < 1e-6, "\(text.debugDescription)")
            if a.auto { auto += 1 }
        }
        #expect(auto > 0 && auto < Self.texts().count)
    }

    /// A text given as UTF-8 bytes (as `statml code predict` reads CSV fields) is coded as its String is.
    @Test func utf8BytesAreCodedAsTheirString() throws {
        let model = try Self.model(.linear)
        let strings = CodingPredictor(model: model, candidateCount: 0)
        let bytes = CodingPredictor(model: model, candidateCount: 0)
        for text in Self.texts() + Self.examples.prefix(50).map(\.text) {
            let utf8 = Array(text.utf8)
            #expect(utf8.withUnsafeBufferPointer { bytes.predict(utf8: $0) } == strings.predict(text), "\(text)")
        }
    }

    /// Words' character rows with repeats (c · idf values) and the dot products of pairs of words, against
    /// sums written out: rows shared by two, three and four words, a word sharing nothing, pairs asked for
    /// in any order, and the pair table answering the same afterwards.
    @Test func wordRowsAndPairDotsMatchTheirSums() throws {
        let features = 40
        let idf = (0..<features).map { Float(1 + $0 % 5) / 2 }
        let vocabulary = try FeatureVocabulary(
            hashes: (0..<features).map { UInt64($0) * 0x9E37_79B9 + 1 },
            isCharacter: [Bool](repeating: true, count: features),
            idf: idf)
        let cache = WordScoreCache(classCount: 3, dimension: 0, capacity: 100)
        let counter = SmallRowCounter()
        let words: [[Int32]] = [[1, 2, 2, 3, 7], [2, 7, 7, 7, 9], [7, 2, 11, 30], [20, 21], [2, 30, 7, 5, 5]]
        var entries: [Int] = []
        for (w, rows) in words.enumerated() {
            let id = rows.withUnsafeBufferPointer {
                cache.insert(
                    UInt64(1000 + w), row: -1, characterRows: $0, vocabulary: vocabulary, linear: nil, fastText: nil,
                    counter: counter)
            }
            entries.append(id)
        }
        func values(_ rows: [Int32]) -> [Int32: Float] {
            var out: [Int32: Float] = [:]
            for r in rows { out[r, default: 0] += idf[Int(r)] }
            return out
        }
        for (w, id) in entries.enumerated() {
            let e = cache.entries[id]
            let kept = Dictionary(
                uniqueKeysWithValues: (Int(e.rowsStart)..<Int(e.rowsEnd)).map { (cache.rows[$0], cache.rowValues[$0]) })
            #expect(kept == values(words[w]), "word \(w)")
        }
        func dot(_ a: Int, _ b: Int) -> Float {
            let x = values(words[a])
            return values(words[b]).reduce(0) { $0 + $1.value * (x[$1.key] ?? 0) }
        }
        // (0, 1) twice, as a text "w0 w1 w0 w1" has it: it counts twice and is kept once.
        let pairs = [(0, 1), (0, 2), (1, 2), (0, 4), (2, 4), (3, 4), (1, 3), (0, 1)]
        let total = cache.sharedDots(pairs.map { (entries[$0.0], entries[$0.1]) }, counter: counter)
        #expect(abs(total - pairs.reduce(0) { $0 + dot($1.0, $1.1) }) < 1e-4)
        #expect(cache.pairCount == 7)
        for (a, b) in pairs {
            let slot = try #require(
                cache.withPairLookup { $0.findBoth(WordScoreCache.pairKey(entries[a], entries[b])) })
            #expect(abs(WordScoreCache.dot(slot) - dot(a, b)) < 1e-5, "pair \(a), \(b)")
        }
        #expect(dot(0, 1) > 0 && dot(3, 4) == 0)
    }

    @Test func rowCounterCountsAndStartsOver() {
        let counter = SmallRowCounter()
        let rows: [Int32] = [5, 9, 5, 1_000_000, 9, 5, 63, 127, 191]  // 63/127/191 collide in a 64-slot table
        counter.reset(room: rows.count)
        for r in rows { counter.values[counter.slot(r)] += 1 }
        #expect(counter.values[counter.slot(5)] == 3)
        #expect(counter.values[counter.slot(9)] == 2)
        #expect(counter.values[counter.slot(1_000_000)] == 1)
        #expect(counter.values[counter.slot(191)] == 1)
        counter.reset(room: 2)
        #expect(counter.values[counter.slot(5)] == 0)
        // Growing past the first table keeps counting right.
        counter.reset(room: 1000)
        for r in 0..<1000 { counter.values[counter.slot(Int32(r * 7))] += Int32(r % 3 + 1) }
        #expect((0..<1000).allSatisfy { counter.values[counter.slot(Int32($0 * 7))] == Int32($0 % 3 + 1) })
    }
}
