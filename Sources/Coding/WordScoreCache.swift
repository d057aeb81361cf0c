import CPrefetch
import Glibc
import StatMLCore
import Text

/// Per-word partial results for prediction, so that a word seen before costs one cache look-up instead
/// of vocabulary look-ups and weight-row reads for itself and each of its ~25 character n-grams.
///
/// Short texts such as product names reuse a small set of words, and most of a text's features are its
/// words and their character n-grams. Both models are linear in the features up to document-level
/// terms, so a word's contribution can be summed once and kept:
/// - fastText averages the input rows of all features: a word contributes the sum of its own row and its
///   n-grams' rows, and their number, exactly.
/// - The SVM scores TF-IDF with the word block and the character block each scaled to unit length. A word
///   contributes `idf · w` of its own row to the word block (times `1 + ln m` when it occurs m times, as
///   words have sublinear tf). Character n-grams have raw tf (`FeatureVocabulary.TermFrequency.raw`), so the
///   character block of a text is exactly the sum of its words' blocks `Σ c · idf · w` (c = count within
///   the word); only its squared length needs the words' overlap, `‖Σ v‖² = Σ ‖v‖² + 2 Σ ⟨v, v'⟩`, and the
///   dot product of two words' blocks is kept per pair of words. The result is the uncached computation's
///   up to the order of floating-point additions.
final class WordScoreCache {
    /// One word: its row (-1 when unknown) and that row's idf (0 when unknown), its distinct known character
    /// n-gram rows with their TF-IDF values within the word (at `rowsStart..<rowsEnd` of `rows`/`rowValues`),
    /// and how many known features it has in all. 20 bytes, so that a text's entries take few cache lines.
    struct Entry {
        var row: Int32
        var idf: Float
        var rowsStart: Int32
        var rowsEnd: Int32
        var featureCount: Int32
    }

    /// Emptied before a text that would take it past this many words (never in the middle of a text, whose
    /// entries are in use): words are summed again as they come back. Bounds memory whatever the input.
    let capacity: Int
    private let classCount: Int
    private let dimension: Int

    private var table: FeatureTable
    private(set) var entries: [Entry] = []
    private(set) var rows: [Int32] = []
    private(set) var rowValues: [Float] = []
    /// Per entry, `classCount` floats each: `idf · w` of the word's own row, and the character n-grams' sum
    /// `Σ c · idf · w`; and that block's squared length `Σ (c · idf)²`.
    private(set) var wordScores: [Float] = []
    private(set) var characterScores: [Float] = []
    private(set) var characterSquares: [Float] = []
    /// Per entry, `dimension` floats: the sum of the fastText input rows of the word and its n-grams.
    private(set) var fastTextSums: [Float] = []
    /// Pairs of entries → the dot product of their character blocks (`sharedDots`), as the bits of a
    /// `Float` in the slot's `extra`, so that a look-up reads one cache line.
    private var pairTable: FeatureTable
    /// Scratch of `sharedDots`: the entries involved, their pairs' dots, and the rows' occurrences.
    private var local: [Int] = []
    private var pairDots: [Float] = []
    private var occurrences: [Occurrence] = []
    private struct Occurrence {
        var entry: Int32 = 0
        var value: Float = 0
        var previous: Int32 = -1
    }

    init(classCount: Int, dimension: Int, capacity: Int) {
        self.classCount = classCount
        self.dimension = dimension
        self.capacity = capacity
        table = FeatureTable(capacity: min(capacity, 4096))
        pairTable = FeatureTable(capacity: min(4 * capacity, 4096))
    }

    @inline(__always)
    func find(_ word: UInt64) -> Int? { table.find(word).map(Int.init) }

    /// `find` for a loop of many look-ups, with no `insert` meanwhile (see `FeatureTable.Lookup`).
    @inline(__always)
    func withLookup<R>(_ body: (FeatureTable.Lookup) throws -> R) rethrows -> R { try table.withLookup(body) }

    /// Adds a word from its own row (-1: unknown) and the rows of its character n-grams (with repeats,
    /// unknown n-grams dropped).
    func insert(
        _ word: UInt64, row: Int32, characterRows: UnsafeBufferPointer<Int32>, vocabulary: FeatureVocabulary,
        linear: LinearSVM?, fastText: FastTextClassifier?, counter: SmallRowCounter
    ) -> Int {
        let start = rows.count
        // Distinct rows, in order of first occurrence, with their values c · idf (c = count in the word).
        // Slot value: 1 + the row's index in `distinct`.
        counter.reset(room: characterRows.count)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: characterRows.count) { distinct in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: characterRows.count) { values in
                var n = 0
                for r in characterRows {
                    let slot = counter.slot(r)
                    var i = Int(counter.values[slot]) - 1
                    if i < 0 {
                        distinct[n] = r
                        values[n] = 0
                        i = n
                        n += 1
                        counter.values[slot] = Int32(n)
                    }
                    values[i] += 1
                }
                vocabulary.idf.withUnsafeBufferPointer { idf in
                    for i in 0..<n { values[i] *= idf[Int(distinct[i])] }
                }
                rows.append(contentsOf: distinct[0..<n])
                rowValues.append(contentsOf: values[0..<n])
            }
        }
        let id = entries.count
        entries.append(
            Entry(
                row: row, idf: row < 0 ? 0 : vocabulary.idf[Int(row)], rowsStart: Int32(start),
                rowsEnd: Int32(rows.count), featureCount: Int32(characterRows.count + (row < 0 ? 0 : 1))))
        if let linear {
            let k = classCount
            let base = characterScores.count
            wordScores.append(contentsOf: repeatElement(0, count: k))
            characterScores.append(contentsOf: repeatElement(0, count: k))
            var squares: Float = 0
            linear.weights.withUnsafeBufferPointer { w in
                wordScores.withUnsafeMutableBufferPointer { sums in
                    if row >= 0 {
                        VectorKernels.axpy(
                            vocabulary.idf[Int(row)], w.baseAddress! + Int(row) * k, sums.baseAddress! + base, k)
                    }
                }
                characterScores.withUnsafeMutableBufferPointer { sums in
                    for i in start..<rows.count {
                        let v = rowValues[i]
                        squares += v * v
                        VectorKernels.axpy(v, w.baseAddress! + Int(rows[i]) * k, sums.baseAddress! + base, k)
                    }
                }
            }
            characterSquares.append(squares)
        }
        if let fastText {
            let d = dimension
            let base = fastTextSums.count
            fastTextSums.append(contentsOf: repeatElement(0, count: d))
            fastText.input.withUnsafeBufferPointer { input in
                fastTextSums.withUnsafeMutableBufferPointer { sums in
                    if row >= 0 {
                        VectorKernels.axpy(1, input.baseAddress! + Int(row) * d, sums.baseAddress! + base, d)
                    }
                    for r in characterRows {
                        VectorKernels.axpy(1, input.baseAddress! + Int(r) * d, sums.baseAddress! + base, d)
                    }
                }
            }
        }
        table.insert(word, value: Int32(id))
        return id
    }

    /// Empties the cache if `words` more entries, or `pairs` more word pairs, would take it past its
    /// capacity (pairs may be four times as many as words), or its row lists near what an `Int32` range
    /// holds; true when it did.
    @discardableResult
    func makeRoom(for words: Int, pairs: Int = 0) -> Bool {
        guard
            entries.count + words > capacity || pairTable.count + pairs > 4 * capacity
                || rows.count > Int(Int32.max) / 2
        else { return false }
        flush()
        return true
    }

    /// The sum of the dot products of the character blocks of `pairs` of entries (`a < b`, pairs not in
    /// the pair table yet; a pair twice, as in a text that repeats two words, counts twice), each computed
    /// and kept in the pair table.
    ///
    /// One pass over the rows of the entries they involve finds every row two of them share (a merge per
    /// pair cost t² passes, and its branches were as good as random): each row's occurrences so far are
    /// chained from its `counter` slot, and a new occurrence adds its product with each of them to that
    /// pair's dot. Few rows are in more than one word, so the chains are short.
    func sharedDots(_ pairs: [(Int, Int)], counter: SmallRowCounter) -> Float {
        // The entries involved, at most `CachedScorer.pairLimit`, each once; `local` holds their indices.
        local.removeAll(keepingCapacity: true)
        var room = 0
        func involve(_ e: Int) {
            guard !local.contains(e) else { return }
            local.append(e)
            room += Int(entries[e].rowsEnd - entries[e].rowsStart)
        }
        for (a, b) in pairs {
            involve(a)
            involve(b)
        }
        let m = local.count
        if pairDots.count < m * m { pairDots = [Float](repeating: 0, count: m * m) }
        if occurrences.count < room { occurrences = [Occurrence](repeating: Occurrence(), count: room) }
        counter.reset(room: room)
        pairDots.withUnsafeMutableBufferPointer { dots in
            dots.update(repeating: 0)
            occurrences.withUnsafeMutableBufferPointer { occurrences in
                rows.withUnsafeBufferPointer { rows in
                    rowValues.withUnsafeBufferPointer { values in
                        // Slot value: 1 + the index in `occurrences` of the row's last occurrence so far.
                        var n = 0
                        for (i, e) in local.enumerated() {
                            for p in Int(entries[e].rowsStart)..<Int(entries[e].rowsEnd) {
                                let slot = counter.slot(rows[p])
                                let last = Int32(counter.values[slot]) - 1
                                var o = Int(last)
                                while o >= 0 {
                                    let earlier = occurrences[o]
                                    dots[Int(earlier.entry) * m + i] += earlier.value * values[p]
                                    o = Int(earlier.previous)
                                }
                                occurrences[n] = Occurrence(entry: Int32(i), value: values[p], previous: last)
                                n += 1
                                counter.values[slot] = Int32(n)
                            }
                        }
                    }
                }
            }
        }
        var sum: Float = 0
        for (a, b) in pairs {
            let i = local.firstIndex(of: a)!
            let j = local.firstIndex(of: b)!
            let dot = pairDots[min(i, j) * m + max(i, j)]
            let key = WordScoreCache.pairKey(a, b)
            if pairTable.find(key) == nil {
                pairTable.insert(key, value: 0, extra: Int32(bitPattern: dot.bitPattern))
            }
            sum += dot
        }
        return sum
    }

    /// The dot product a pair-table slot keeps.
    @inline(__always)
    static func dot(_ slot: (value: Int32, extra: Int32)) -> Float { Float(bitPattern: UInt32(bitPattern: slot.extra)) }

    /// How many pairs of words the pair table keeps.
    var pairCount: Int { pairTable.count }

    /// Look-ups of pairs already seen, for a loop of many, with no `sharedDots` meanwhile: a pair's slot is
    /// at `pairKey(a, b)` (see `FeatureTable.Lookup`).
    @inline(__always)
    func withPairLookup<R>(_ body: (FeatureTable.Lookup) throws -> R) rethrows -> R { try pairTable.withLookup(body) }

    /// The pair table's key of entries `a` and `b`: splitmix64's finaliser, a bijection, so that pair keys
    /// are distinct and spread over the table's slots.
    @inline(__always)
    static func pairKey(_ a: Int, _ b: Int) -> UInt64 {
        SplitMix64.finalize(UInt64(a) << 32 | UInt64(b))
    }

    private func flush() {
        table = FeatureTable(capacity: min(capacity, 4096))
        pairTable = FeatureTable(capacity: min(4 * capacity, 4096))
        entries.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        rowValues.removeAll(keepingCapacity: true)
        wordScores.removeAll(keepingCapacity: true)
        characterScores.removeAll(keepingCapacity: true)
        characterSquares.removeAll(keepingCapacity: true)
        fastTextSums.removeAll(keepingCapacity: true)
    }
}

/// The models' raw outputs for one text through a `WordScoreCache`: what `FastTextClassifier.probabilities`
/// and `LinearSVM.scores(vocabulary.tfidf(...))` give for the same features, computed per word.
final class CachedScorer {
    let model: CodingModel
    private let cache: WordScoreCache
    /// Cache entry of each token of the current text, the rows of its word n-grams (n ≥ 2) and of its
    /// position features.
    private var tokenEntries: [Int] = []
    /// The current text's words not in the cache yet: token, own row (-1: unknown), and the range of their
    /// character n-grams' rows in `rowsOfNewWords` (see `insertMissingWords`).
    private var newWords: [(token: Int, row: Int32, rows: Range<Int>)] = []
    private var rowsOfNewWords: [Int32] = []
    private var ngramRows: [Int32] = []
    private var headRows: [Int32] = []
    private var hidden: [Float] = []
    /// The SVM's three blocks of class scores for the current text (words, character n-grams, position
    /// features), `classCount` floats each, end to end: raw memory owned here, so that clearing and
    /// summing into them costs no copy-on-write checks.
    private let blocks: UnsafeMutablePointer<Float>
    /// Pairs of the text's words (first entry < second) whose dot product is not kept yet.
    private var unseenPairs: [(Int, Int)] = []
    /// A long text's character n-gram values summed over its words, one per distinct row.
    private var rowTotals: [Float] = []
    /// Up to this many tokens, the character block's length comes from the cached pairs of words (a text
    /// has t(t-1)/2 pairs); longer texts sum all their rows.
    static let pairLimit = 12
    private let rowCounter = SmallRowCounter()

    init(model: CodingModel, capacity: Int = 1 << 16) {
        precondition(
            model.linear == nil || model.vocabulary.characterTermFrequency == .raw,
            "the word cache sums character blocks, which needs raw term frequencies")
        self.model = model
        cache = WordScoreCache(
            classCount: model.classes.count, dimension: model.fastText?.dimension ?? 0, capacity: capacity)
        blocks = .allocate(capacity: 3 * model.classes.count)
    }

    deinit { blocks.deallocate() }

    /// Whether `word`'s results are kept: its character n-grams are not needed (see `prepare`).
    @inline(__always)
    func knows(word: UInt64) -> Bool { cache.find(word) != nil }

    /// Makes room for a text of `tokens` tokens before `outputs`. False when that emptied the cache: the
    /// text must then be featurised again with all its character n-grams, as the words `knows` accepted
    /// are gone.
    func prepare(tokens: Int) -> Bool {
        !cache.makeRoom(for: tokens, pairs: tokens <= CachedScorer.pairLimit ? tokens * (tokens - 1) / 2 : 0)
    }

    /// fastText's probabilities and the SVM's decision values, for the models `model` has, of the text
    /// whose features `featurizer` appended last (`hashed`), after `prepare`. The character n-grams of the
    /// words `knows` accepted may be missing from `hashed`.
    func outputs(
        of hashed: [HashedFeature], featurizer: TextFeaturizer, fastText fastTextOut: inout [Float],
        linear linearOut: inout [Float]
    ) {
        let vocabulary = model.vocabulary
        let tokens = featurizer.tokenCount
        let wordFeatures = tokens..<featurizer.wordFeatureCount
        let headFeatures = featurizer.headFeatureRange
        ngramRows.removeAll(keepingCapacity: true)
        headRows.removeAll(keepingCapacity: true)
        tokenEntries.removeAll(keepingCapacity: true)
        // The look-ups and weight rows below are at random places of tables of megabytes: their loads
        // are started together first, so that they overlap instead of following one another. Words not
        // in the cache yet get -1 here and are added after the loop (which must not change the cache).
        var missing = false
        hashed.withUnsafeBufferPointer { hashed in
            vocabulary.withLookup { features in
                cache.withLookup { words in
                    for f in hashed[wordFeatures] { features.prefetch(f.hash) }
                    for f in hashed[headFeatures] { features.prefetch(f.hash) }
                    for k in 0..<tokens { words.prefetch(featurizer.wordHash(ofToken: k)) }
                    for f in hashed[wordFeatures] {
                        if let r = features.find(f.hash) { ngramRows.append(r) }
                    }
                    for f in hashed[headFeatures] {
                        if let r = features.find(f.hash) { headRows.append(r) }
                    }
                    for k in 0..<tokens {
                        let id = words.find(featurizer.wordHash(ofToken: k)).map(Int.init) ?? -1
                        missing = missing || id < 0
                        tokenEntries.append(id)
                    }
                }
            }
        }
        if missing { insertMissingWords(of: hashed, featurizer) }
        if let linear = model.linear {
            let k = linear.classCount
            let t = tokenEntries.count
            if t > 1 && t <= CachedScorer.pairLimit {
                cache.withPairLookup { pairs in
                    for i in 0..<t {
                        for j in (i + 1)..<t {
                            let a = tokenEntries[i]
                            let b = tokenEntries[j]
                            pairs.prefetch(WordScoreCache.pairKey(min(a, b), max(a, b)))
                        }
                    }
                }
            }
            cache.entries.withUnsafeBufferPointer { e in
                for id in tokenEntries { statml_prefetch(e.baseAddress! + id) }
            }
            vocabulary.idf.withUnsafeBufferPointer { idf in
                for r in ngramRows { statml_prefetch(idf.baseAddress! + Int(r)) }
                for r in headRows { statml_prefetch(idf.baseAddress! + Int(r)) }
            }
            linear.weights.withUnsafeBufferPointer { w in
                for r in ngramRows { Self.prefetch(w.baseAddress! + Int(r) * k, count: k) }
                for r in headRows { Self.prefetch(w.baseAddress! + Int(r) * k, count: k) }
            }
            cache.wordScores.withUnsafeBufferPointer { w in
                for id in tokenEntries { Self.prefetch(w.baseAddress! + id * k, count: k) }
            }
            cache.characterScores.withUnsafeBufferPointer { w in
                for id in tokenEntries { Self.prefetch(w.baseAddress! + id * k, count: k) }
            }
        }
        if let fastText = model.fastText { fastTextProbabilities(fastText, into: &fastTextOut) }
        if let linear = model.linear { linearScores(linear, into: &linearOut) }
    }

    /// Adds the words of the tokens `outputs` found no entry for (-1 in `tokenEntries`) to the cache, from
    /// their character n-grams in `hashed`, and sets their entries.
    ///
    /// A new word reads ~25 vocabulary slots and as many weight rows, all at random places of tables of
    /// megabytes, and a text of new words costs several times one of known words. Word by word, n-gram by
    /// n-gram, those reads came one after another; here they go in phases over all the text's new words,
    /// each phase starting the loads the next one needs: vocabulary slots, then rows (`rowsOfNewWords`),
    /// then the weight rows `WordScoreCache.insert` sums (~8% less time a record on texts of new words).
    private func insertMissingWords(of hashed: [HashedFeature], _ featurizer: TextFeaturizer) {
        let vocabulary = model.vocabulary
        newWords.removeAll(keepingCapacity: true)
        rowsOfNewWords.removeAll(keepingCapacity: true)
        vocabulary.withLookup { features in
            for k in tokenEntries.indices where tokenEntries[k] < 0 {
                features.prefetch(featurizer.wordHash(ofToken: k))
                for f in hashed[featurizer.characterFeatureRange(ofToken: k)] { features.prefetch(f.hash) }
            }
            for k in tokenEntries.indices where tokenEntries[k] < 0 {
                let start = rowsOfNewWords.count
                for f in hashed[featurizer.characterFeatureRange(ofToken: k)] {
                    if let r = features.find(f.hash) { rowsOfNewWords.append(r) }
                }
                let row = features.find(featurizer.wordHash(ofToken: k)) ?? -1
                newWords.append((token: k, row: row, rows: start..<rowsOfNewWords.count))
            }
        }
        if let linear = model.linear {
            let k = linear.classCount
            linear.weights.withUnsafeBufferPointer { w in
                for r in rowsOfNewWords { Self.prefetch(w.baseAddress! + Int(r) * k, count: k) }
            }
        }
        rowsOfNewWords.withUnsafeBufferPointer { rows in
            for word in newWords {
                // (A word twice in the text is in the cache by its second time.)
                let hash = featurizer.wordHash(ofToken: word.token)
                tokenEntries[word.token] =
                    cache.find(hash)
                    ?? cache.insert(
                        hash, row: word.row, characterRows: UnsafeBufferPointer(rebasing: rows[word.rows]),
                        vocabulary: vocabulary, linear: model.linear, fastText: model.fastText, counter: rowCounter)
            }
        }
    }

    /// Starts loading the cache lines of `count` floats from `start`.
    @inline(__always)
    static func prefetch(_ start: UnsafePointer<Float>, count: Int) {
        let bytes = UnsafeRawPointer(start)
        var offset = 0
        while offset < count * 4 {
            statml_prefetch(bytes + offset)
            offset += 64
        }
        statml_prefetch(bytes + (count * 4 - 1))
    }

    private func fastTextProbabilities(_ fastText: FastTextClassifier, into out: inout [Float]) {
        let d = fastText.dimension
        let entries = cache.entries
        var n = ngramRows.count + headRows.count
        for id in tokenEntries { n += Int(entries[id].featureCount) }
        guard n > 0 else {
            fastText.probabilities(rows: [], into: &out)
            return
        }
        hidden.removeAll(keepingCapacity: true)
        hidden.append(contentsOf: repeatElement(0, count: d))
        hidden.withUnsafeMutableBufferPointer { h in
            fastText.input.withUnsafeBufferPointer { input in
                for r in ngramRows { VectorKernels.axpy(1, input.baseAddress! + Int(r) * d, h.baseAddress!, d) }
                for r in headRows { VectorKernels.axpy(1, input.baseAddress! + Int(r) * d, h.baseAddress!, d) }
            }
            cache.fastTextSums.withUnsafeBufferPointer { sums in
                for id in tokenEntries { VectorKernels.axpy(1, sums.baseAddress! + id * d, h.baseAddress!, d) }
            }
            let scale = 1 / Float(n)
            for j in 0..<d { h[j] *= scale }
            fastText.probabilities(hidden: UnsafePointer(h.baseAddress!), into: &out)
        }
    }

    /// The SVM on TF-IDF as `FeatureVocabulary.tfidf` defines it, block by block.
    private func linearScores(_ linear: LinearSVM, into out: inout [Float]) {
        let k = linear.classCount
        let idf = model.vocabulary.idf
        let entries = cache.entries
        blocks.update(repeating: 0, count: 3 * k)
        let wordScores = blocks
        let characterScores = blocks + k
        let headScores = blocks + 2 * k
        var headSquares: Float = 0
        var wordSquares: Float = 0
        var characterSquares: Float = 0
        let counter = rowCounter

        linear.weights.withUnsafeBufferPointer { w in
            do {
                let s = wordScores
                // Words: each distinct known word once, with tf = how often it occurs in the text.
                counter.reset(room: tokenEntries.count + ngramRows.count)
                for id in tokenEntries where entries[id].row >= 0 { counter.values[counter.slot(entries[id].row)] += 1 }
                cache.wordScores.withUnsafeBufferPointer { sums in
                    for id in tokenEntries where entries[id].row >= 0 {
                        let slot = counter.slot(entries[id].row)
                        let m = counter.values[slot]
                        guard m > 0 else { continue }
                        counter.values[slot] = 0
                        let g = FeatureVocabulary.TermFrequency.sublinear(m)
                        let v = g * entries[id].idf
                        wordSquares += v * v
                        VectorKernels.axpy(g, sums.baseAddress! + id * k, s, k)
                    }
                }
                // Word n-grams: few, read from the weights.
                for r in ngramRows { counter.values[counter.slot(r)] += 1 }
                for r in ngramRows {
                    let slot = counter.slot(r)
                    let m = counter.values[slot]
                    guard m > 0 else { continue }
                    counter.values[slot] = 0
                    let v = FeatureVocabulary.TermFrequency.sublinear(m) * idf[Int(r)]
                    wordSquares += v * v
                    VectorKernels.axpy(v, w.baseAddress! + Int(r) * k, s, k)
                }
            }
            characterSquares = characterBlock(k, into: characterScores, counter: counter)
            // Position features: distinct (each has its own tag), tf 1.
            for r in headRows {
                let v = idf[Int(r)]
                headSquares += v * v
                VectorKernels.axpy(v, w.baseAddress! + Int(r) * k, headScores, k)
            }
        }

        let scale = FeatureVocabulary.blockScales(word: wordSquares, character: characterSquares, head: headSquares)
        if out.count != k { out = [Float](repeating: 0, count: k) }
        linear.bias.withUnsafeBufferPointer { bias in
            out.withUnsafeMutableBufferPointer { out in
                for c in 0..<k {
                    out[c] =
                        bias[c] + scale.word * wordScores[c] + scale.character * characterScores[c] + scale.head
                        * headScores[c]
                }
            }
        }
    }

    /// Sums the words' character blocks into `s` (`k` floats) and returns the block's squared length.
    private func characterBlock(_ k: Int, into s: UnsafeMutablePointer<Float>, counter: SmallRowCounter) -> Float {
        var squares: Float = 0
        let cachedSquares = cache.characterSquares
        cache.characterScores.withUnsafeBufferPointer { sums in
            for id in tokenEntries {
                VectorKernels.axpy(1, sums.baseAddress! + id * k, s, k)
                squares += cachedSquares[id]
            }
        }
        let t = tokenEntries.count
        if t > CachedScorer.pairLimit { return longTextSquares(counter: counter) }
        // ‖Σ v‖² = Σ ‖v‖² + 2 Σ over pairs of words ⟨v, v'⟩ (a word twice: its own ‖v‖²). Pairs not seen
        // before are computed together after the loop over the ones that were (`sharedDots`).
        var dots: Float = 0
        unseenPairs.removeAll(keepingCapacity: true)
        cache.withPairLookup { pairs in
            for i in 0..<t {
                for j in (i + 1)..<t {
                    let a = tokenEntries[i]
                    let b = tokenEntries[j]
                    if a == b {
                        dots += cachedSquares[a]
                    } else if let slot = pairs.findBoth(WordScoreCache.pairKey(min(a, b), max(a, b))) {
                        dots += WordScoreCache.dot(slot)
                    } else {
                        unseenPairs.append((min(a, b), max(a, b)))
                    }
                }
            }
        }
        if !unseenPairs.isEmpty { dots += cache.sharedDots(unseenPairs, counter: counter) }
        return squares + 2 * dots
    }

    /// The character block's squared length from all rows of all words (many tokens).
    private func longTextSquares(counter: SmallRowCounter) -> Float {
        let entries = cache.entries
        let rows = cache.rows
        let rowValues = cache.rowValues
        var room = 0
        for id in tokenEntries { room += Int(entries[id].rowsEnd - entries[id].rowsStart) }
        counter.reset(room: room)
        rowTotals.removeAll(keepingCapacity: true)
        // Slot value: 1 + the row's index in `rowTotals`.
        for id in tokenEntries {
            for i in Int(entries[id].rowsStart)..<Int(entries[id].rowsEnd) {
                let slot = counter.slot(rows[i])
                if counter.values[slot] == 0 {
                    rowTotals.append(0)
                    counter.values[slot] = Int32(rowTotals.count)
                }
                rowTotals[Int(counter.values[slot]) - 1] += rowValues[i]
            }
        }
        var squares: Float = 0
        for v in rowTotals { squares += v * v }
        return squares
    }
}

/// Counts rows within one text: a small open-addressing table (a text has a few hundred rows at most)
/// that stays in the first-level cache, unlike a vocabulary-sized array; emptied in O(1) by a stamp. Its
/// buffers are raw and owned here, so the hot loops pay no copy-on-write checks.
final class SmallRowCounter {
    private var keys = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var stamps = UnsafeMutablePointer<UInt32>.allocate(capacity: 0)
    /// The value kept for each slot; the caller decides what it means.
    private(set) var values = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var size = 0
    private var mask = 0
    private var stamp: UInt32 = 0

    deinit {
        keys.deallocate()
        stamps.deallocate()
        values.deallocate()
    }

    /// Empties the table, with room for `count` distinct rows.
    func reset(room count: Int) {
        if count * 2 > size {
            var newSize = 64
            while newSize < count * 2 { newSize <<= 1 }
            keys.deallocate()
            stamps.deallocate()
            values.deallocate()
            keys = .allocate(capacity: newSize)
            stamps = .allocate(capacity: newSize)
            stamps.initialize(repeating: 0, count: newSize)
            values = .allocate(capacity: newSize)
            size = newSize
            mask = newSize - 1
            stamp = 0
        }
        stamp &+= 1
        if stamp == 0 {
            stamps.update(repeating: 0, count: size)
            stamp = 1
        }
    }

    /// The slot of `row`, added with value 0 if absent.
    @inline(__always)
    func slot(_ row: Int32) -> Int {
        var i = Int(UInt32(bitPattern: row) &* 0x9E37_79B1 >> 7) & mask
        while stamps[i] == stamp {
            if keys[i] == row { return i }
            i = (i + 1) & mask
        }
        stamps[i] = stamp
        keys[i] = row
        values[i] = 0
        return i
    }
}
