import Glibc
import Text

/// Per-word partial results for prediction, so that a word seen before costs one cache look-up instead
/// of vocabulary look-ups and weight-row reads for itself and each of its ~25 character n-grams.
///
/// Short texts such as product names reuse a small set of words, and most of a text's features are its
/// words and their character n-grams. Both models are linear in the features up to document-level
/// terms, so a word's contribution can be summed once and kept:
/// - fastText averages the input rows of all features: a word contributes the sum of its own row and its
///   n-grams' rows, and their number, exactly.
/// - The SVM scores TF-IDF with sublinear tf, `(1 + ln tf) · idf`, with the word block and the character
///   block each scaled to unit length. A word contributes `idf · w` of its own row to the word block (times
///   `1 + ln m` when it occurs m times), and `Σ (1 + ln c) · idf · w` and `Σ ((1 + ln c) · idf)²` over its
///   distinct n-grams (c = count within the word) to the character block. When an n-gram occurs in several
///   words of one text its tf is the total count, so `CachedScorer` corrects those few n-grams from their
///   weight rows. The result is the uncached computation's up to the order of floating-point additions.
final class WordScoreCache {
    /// One word: its row (-1 when unknown), its known character n-gram rows with their counts within the
    /// word (at `rowsStart..<rowsEnd` of `rows`/`rowCounts`), and how many known features it has in all.
    struct Entry {
        var row: Int32
        var rowsStart: Int
        var rowsEnd: Int
        var featureCount: Int
    }

    /// Emptied before a text that would take it past this many words (never in the middle of a text, whose
    /// entries are in use): words are summed again as they come back. Bounds memory whatever the input.
    let capacity: Int
    private let classCount: Int
    private let dimension: Int

    private var table: FeatureTable
    private(set) var entries: [Entry] = []
    private(set) var rows: [Int32] = []
    private(set) var rowCounts: [Int32] = []
    /// Per entry, `classCount` floats each: `idf · w` of the word's own row, and the character n-grams' sum.
    private(set) var wordScores: [Float] = []
    private(set) var characterScores: [Float] = []
    private(set) var characterSquares: [Float] = []
    /// Per entry, `dimension` floats: the sum of the fastText input rows of the word and its n-grams.
    private(set) var fastTextSums: [Float] = []

    init(classCount: Int, dimension: Int, capacity: Int) {
        self.classCount = classCount
        self.dimension = dimension
        self.capacity = capacity
        table = FeatureTable(capacity: min(capacity, 4096))
    }

    @inline(__always)
    func find(_ word: UInt64) -> Int? { table.find(word).map(Int.init) }

    /// Adds a word from its own row (-1: unknown) and the rows of its character n-grams (with repeats,
    /// unknown n-grams dropped).
    func insert(
        _ word: UInt64, row: Int32, characterRows: UnsafeBufferPointer<Int32>, vocabulary: FeatureVocabulary,
        linear: LinearSVM?, fastText: FastTextClassifier?
    ) -> Int {
        let start = rows.count
        // Distinct rows with their counts: a word has a few dozen n-grams, so a linear scan is cheapest.
        for r in characterRows {
            if let k = rows[start...].firstIndex(of: r) {
                rowCounts[k] += 1
            } else {
                rows.append(r)
                rowCounts.append(1)
            }
        }
        let id = entries.count
        entries.append(
            Entry(
                row: row, rowsStart: start, rowsEnd: rows.count, featureCount: characterRows.count + (row < 0 ? 0 : 1)))
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
                        let r = Int(rows[i])
                        let v = WordScoreCache.sublinear(rowCounts[i]) * vocabulary.idf[r]
                        squares += v * v
                        VectorKernels.axpy(v, w.baseAddress! + r * k, sums.baseAddress! + base, k)
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

    /// TF-IDF's sublinear term frequency, 1 + ln(tf), as `FeatureVocabulary.tfidf` computes it.
    @inline(__always)
    static func sublinear(_ count: Int32) -> Float { count == 1 ? 1 : 1 + logf(Float(count)) }

    /// Empties the cache if `words` more entries would take it past its capacity.
    func makeRoom(for words: Int) {
        if entries.count + words > capacity { flush() }
    }

    private func flush() {
        table = FeatureTable(capacity: min(capacity, 4096))
        entries.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        rowCounts.removeAll(keepingCapacity: true)
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
    /// Cache entry of each token of the current text, and the rows of its word n-grams (n ≥ 2).
    private var tokenEntries: [Int] = []
    private var ngramRows: [Int32] = []
    private var hidden: [Float] = []
    private var wordScores: [Float] = []
    private var characterScores: [Float] = []
    private var duplicates: [(row: Int32, count: Int32, sum: Float, squares: Float)] = []
    private let rowCounter = SmallRowCounter()

    init(model: CodingModel, capacity: Int = 1 << 16) {
        self.model = model
        cache = WordScoreCache(
            classCount: model.classes.count, dimension: model.fastText?.dimension ?? 0, capacity: capacity)
    }

    /// fastText's probabilities and the SVM's decision values, for the models `model` has, of the text
    /// whose features `featurizer` appended last (`hashed`).
    func outputs(
        of hashed: [HashedFeature], featurizer: TextFeaturizer, fastText fastTextOut: inout [Float],
        linear linearOut: inout [Float]
    ) {
        let vocabulary = model.vocabulary
        let tokens = featurizer.tokenCount
        ngramRows.removeAll(keepingCapacity: true)
        for f in hashed[tokens..<featurizer.wordFeatureCount] {
            if let r = vocabulary.index(of: f.hash) { ngramRows.append(r) }
        }
        tokenEntries.removeAll(keepingCapacity: true)
        cache.makeRoom(for: tokens)
        for k in 0..<tokens {
            let word = featurizer.wordHash(ofToken: k)
            if let id = cache.find(word) {
                tokenEntries.append(id)
                continue
            }
            let range = featurizer.characterFeatureRange(ofToken: k)
            let id = withUnsafeTemporaryAllocation(of: Int32.self, capacity: range.count) { buffer in
                var n = 0
                for f in hashed[range] {
                    if let r = vocabulary.index(of: f.hash) {
                        buffer[n] = r
                        n += 1
                    }
                }
                return cache.insert(
                    word, row: vocabulary.index(of: word) ?? -1,
                    characterRows: UnsafeBufferPointer(rebasing: buffer[0..<n]), vocabulary: vocabulary,
                    linear: model.linear, fastText: model.fastText)
            }
            tokenEntries.append(id)
        }
        if let fastText = model.fastText { fastTextProbabilities(fastText, into: &fastTextOut) }
        if let linear = model.linear { linearScores(linear, into: &linearOut) }
    }

    private func fastTextProbabilities(_ fastText: FastTextClassifier, into out: inout [Float]) {
        let d = fastText.dimension
        let entries = cache.entries
        var n = ngramRows.count
        for id in tokenEntries { n += entries[id].featureCount }
        guard n > 0 else {
            fastText.probabilities(rows: [], into: &out)
            return
        }
        hidden.removeAll(keepingCapacity: true)
        hidden.append(contentsOf: repeatElement(0, count: d))
        hidden.withUnsafeMutableBufferPointer { h in
            fastText.input.withUnsafeBufferPointer { input in
                for r in ngramRows { VectorKernels.axpy(1, input.baseAddress! + Int(r) * d, h.baseAddress!, d) }
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
        wordScores.removeAll(keepingCapacity: true)
        wordScores.append(contentsOf: repeatElement(0, count: k))
        characterScores.removeAll(keepingCapacity: true)
        characterScores.append(contentsOf: repeatElement(0, count: k))
        var wordSquares: Float = 0
        var characterSquares: Float = 0
        let counter = rowCounter

        linear.weights.withUnsafeBufferPointer { w in
            wordScores.withUnsafeMutableBufferPointer { s in
                // Words: each distinct known word once, with tf = how often it occurs in the text.
                counter.reset(room: tokenEntries.count + ngramRows.count)
                for id in tokenEntries where entries[id].row >= 0 { counter.values[counter.slot(entries[id].row)] += 1 }
                cache.wordScores.withUnsafeBufferPointer { sums in
                    for id in tokenEntries where entries[id].row >= 0 {
                        let slot = counter.slot(entries[id].row)
                        let m = counter.values[slot]
                        guard m > 0 else { continue }
                        counter.values[slot] = 0
                        let g = WordScoreCache.sublinear(m)
                        let v = g * idf[Int(entries[id].row)]
                        wordSquares += v * v
                        VectorKernels.axpy(g, sums.baseAddress! + id * k, s.baseAddress!, k)
                    }
                }
                // Word n-grams: few, read from the weights.
                for r in ngramRows { counter.values[counter.slot(r)] += 1 }
                for r in ngramRows {
                    let slot = counter.slot(r)
                    let m = counter.values[slot]
                    guard m > 0 else { continue }
                    counter.values[slot] = 0
                    let v = WordScoreCache.sublinear(m) * idf[Int(r)]
                    wordSquares += v * v
                    VectorKernels.axpy(v, w.baseAddress! + Int(r) * k, s.baseAddress!, k)
                }
            }
            characterSquares = characterBlock(w.baseAddress!, k, idf, counter: counter)
        }

        let blocks = Float((wordSquares > 0 ? 1 : 0) + (characterSquares > 0 ? 1 : 0))
        let wordScale = wordSquares > 0 ? 1 / (wordSquares.squareRoot() * blocks.squareRoot()) : 0
        let characterScale = characterSquares > 0 ? 1 / (characterSquares.squareRoot() * blocks.squareRoot()) : 0
        out.removeAll(keepingCapacity: true)
        for c in 0..<k { out.append(linear.bias[c] + wordScale * wordScores[c] + characterScale * characterScores[c]) }
    }

    /// Sums the words' character blocks into `characterScores`, corrects n-grams found in several words,
    /// and returns the block's squared length.
    private func characterBlock(
        _ w: UnsafePointer<Float>, _ k: Int, _ idf: [Float], counter: SmallRowCounter
    ) -> Float {
        let entries = cache.entries
        let rows = cache.rows
        let rowCounts = cache.rowCounts
        var squares: Float = 0
        var room = 0
        for id in tokenEntries { room += entries[id].rowsEnd - entries[id].rowsStart }
        counter.reset(room: room)
        // How many words of the text hold each row; for rows in several, the slot's value then becomes
        // -(index in `duplicates`) - 1.
        for id in tokenEntries {
            for i in entries[id].rowsStart..<entries[id].rowsEnd { counter.values[counter.slot(rows[i])] += 1 }
        }
        duplicates.removeAll(keepingCapacity: true)
        // Rows shared between words need two or more words.
        if tokenEntries.count > 1 {
            for id in tokenEntries {
                for i in entries[id].rowsStart..<entries[id].rowsEnd {
                    let slot = counter.slot(rows[i])
                    let seen = counter.values[slot]
                    if seen == 1 { continue }
                    let g = WordScoreCache.sublinear(rowCounts[i])
                    if seen > 1 {
                        counter.values[slot] = -Int32(duplicates.count) - 1
                        duplicates.append((rows[i], rowCounts[i], g, g * g))
                    } else {
                        let d = Int(-seen - 1)
                        duplicates[d].count += rowCounts[i]
                        duplicates[d].sum += g
                        duplicates[d].squares += g * g
                    }
                }
            }
        }
        let cachedSquares = cache.characterSquares
        characterScores.withUnsafeMutableBufferPointer { s in
            cache.characterScores.withUnsafeBufferPointer { sums in
                for id in tokenEntries {
                    VectorKernels.axpy(1, sums.baseAddress! + id * k, s.baseAddress!, k)
                    squares += cachedSquares[id]
                }
            }
            // An n-gram in several words has tf = its total count: replace the words' separate terms.
            for d in duplicates {
                let v = idf[Int(d.row)]
                let g = WordScoreCache.sublinear(d.count)
                VectorKernels.axpy((g - d.sum) * v, w + Int(d.row) * k, s.baseAddress!, k)
                squares += (g * g - d.squares) * v * v
            }
        }
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
