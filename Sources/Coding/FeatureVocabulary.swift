import CPrefetch
import Glibc
import StatMLCore
import Text

/// Hash → row look-up by open addressing (linear probing). The keys are already well-mixed 64-bit
/// hashes, so no second hash is needed; key and row share one 16-byte slot, so a look-up usually
/// touches one cache line.
struct FeatureTable: Sendable {
    struct Slot: Sendable {
        var key: UInt64
        var value: Int32  // -1: empty
        /// A second value some tables keep beside the first, in the same cache line (else 0).
        var extra: Int32 = 0
    }

    private(set) var slots: [Slot]
    private(set) var count = 0
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = HugePages.array(repeating: Slot(key: 0, value: -1), count: size)
        mask = size - 1
    }

    @inline(__always)
    func find(_ key: UInt64) -> Int32? { findBoth(key)?.value }

    /// Both values of `key`'s slot, if it is there.
    @inline(__always)
    func findBoth(_ key: UInt64) -> (value: Int32, extra: Int32)? { withLookup { $0.findBoth(key) } }

    /// Look-ups over the table's slots as they are, for a loop of many: the slots' buffer is held once for
    /// the whole loop instead of once per look-up (the table must not change meanwhile).
    struct Lookup {
        let slots: UnsafePointer<Slot>
        let mask: Int

        @inline(__always)
        func find(_ key: UInt64) -> Int32? { findBoth(key)?.value }

        @inline(__always)
        func findBoth(_ key: UInt64) -> (value: Int32, extra: Int32)? {
            var slot = Int(truncatingIfNeeded: key) & mask
            while true {
                let s = slots[slot]
                if s.value < 0 { return nil }
                if s.key == key { return (s.value, s.extra) }
                slot = (slot + 1) & mask
            }
        }

        /// Starts loading the slot where a look-up of `key` begins (`find` soon after finds it in cache).
        @inline(__always)
        func prefetch(_ key: UInt64) { statml_prefetch(slots + (Int(truncatingIfNeeded: key) & mask)) }
    }

    @inline(__always)
    func withLookup<R>(_ body: (Lookup) throws -> R) rethrows -> R {
        try slots.withUnsafeBufferPointer { try body(Lookup(slots: $0.baseAddress!, mask: mask)) }
    }

    /// Inserts a new key (the caller checks it is absent).
    mutating func insert(_ key: UInt64, value: Int32, extra: Int32 = 0) {
        precondition(value >= 0, "FeatureTable values are not negative")
        if (count + 1) * 2 > slots.count { grow() }
        var slot = Int(truncatingIfNeeded: key) & mask
        while slots[slot].value >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Slot(key: key, value: value, extra: extra)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        self = FeatureTable(capacity: slots.count)
        for s in old where s.value >= 0 { insert(s.key, value: s.value, extra: s.extra) }
    }
}

/// A sparse feature vector: row indices into a vocabulary and their weights.
public struct SparseVector: Sendable, Equatable {
    public var indices: [Int32]
    public var values: [Float]

    public init(indices: [Int32] = [], values: [Float] = []) {
        self.indices = indices
        self.values = values
    }
}

/// The features seen in training, their document frequencies and TF-IDF weights. Features never seen
/// in training carry no trained weight in any model and are dropped when texts are encoded.
public struct FeatureVocabulary: Sendable {
    public private(set) var hashes: [UInt64] = []
    public private(set) var isCharacter: [Bool] = []
    /// Position features (`FeatureSpec.headFeatures`): a third TF-IDF block.
    public private(set) var isHead: [Bool] = []
    /// Smoothed inverse document frequency, as scikit-learn's `smooth_idf`: ln((1+n)/(1+df)) + 1.
    public private(set) var idf: [Float] = []
    /// How a character n-gram's count in a text becomes its term frequency (words always use 1 + ln tf).
    public private(set) var characterTermFrequency = TermFrequency.raw
    private var table = FeatureTable()

    /// Term frequency from a feature's count in one text.
    public enum TermFrequency: String, Sendable {
        /// 1 + ln(count): what models of format 1–2 used for character n-grams.
        case sublinear
        /// The count itself. A text's character block is then the sum of its words' blocks, which lets the
        /// predictor add up cached per-word scores without correcting the n-grams that several words share
        /// (`CachedScorer`). In 5-fold cross-validation on ECOICOP (Benchmarks/coding/cv.py, same folds) it
        /// scored as the sublinear form did: accuracy 0.9306 against 0.9309, coverage at 0.97 precision
        /// 0.9042 for both.
        case raw

        @inline(__always)
        func callAsFunction(_ count: Int32) -> Float {
            switch self {
            case .raw: Float(count)
            case .sublinear: count == 1 ? 1 : 1 + logf(Float(count))
            }
        }
    }

    public var count: Int { hashes.count }

    /// Builds the vocabulary from training documents, keeping features seen in at least `minCount` documents.
    public init(documents: [[HashedFeature]], minCount: Int = 1) {
        var df: [UInt64: (count: Int, character: Bool, head: Bool)] = [:]
        for doc in documents {
            var seen = Set<UInt64>()
            for f in doc where seen.insert(f.hash).inserted {
                df[f.hash, default: (0, f.isCharacterNgram, f.isHead)].count += 1
            }
        }
        // Sorted by hash so the vocabulary's order does not depend on dictionary iteration order.
        let kept = df.filter { $0.value.count >= minCount }.sorted { $0.key < $1.key }
        table = FeatureTable(capacity: kept.count)
        let n = Float(documents.count)
        for (i, entry) in kept.enumerated() {
            hashes.append(entry.key)
            isCharacter.append(entry.value.character)
            isHead.append(entry.value.head)
            idf.append(logf((1 + n) / (1 + Float(entry.value.count))) + 1)
            table.insert(entry.key, value: Int32(i))
        }
    }

    /// Restores a vocabulary from a model file (`isHead` nil: a model from before position features).
    public init(
        hashes: [UInt64], isCharacter: [Bool], isHead: [Bool]? = nil, idf: [Float],
        characterTermFrequency: TermFrequency = .raw
    ) throws {
        let isHead = isHead ?? [Bool](repeating: false, count: hashes.count)
        guard hashes.count == isCharacter.count, hashes.count == idf.count, hashes.count == isHead.count else {
            throw StatMLError(.incompatible, "model file is corrupt: vocabulary arrays differ in length")
        }
        self.hashes = hashes
        self.isCharacter = isCharacter
        self.isHead = isHead
        self.idf = idf
        self.characterTermFrequency = characterTermFrequency
        table = FeatureTable(capacity: hashes.count)
        for (i, h) in hashes.enumerated() {
            guard table.find(h) == nil else {
                throw StatMLError(.incompatible, "model file is corrupt: vocabulary repeats a feature")
            }
            table.insert(h, value: Int32(i))
        }
    }

    @inline(__always)
    public func index(of hash: UInt64) -> Int32? { table.find(hash) }

    /// `index(of:)` for a loop of many look-ups (see `FeatureTable.Lookup`).
    @inline(__always)
    func withLookup<R>(_ body: (FeatureTable.Lookup) throws -> R) rethrows -> R { try table.withLookup(body) }

    /// Rows of the known features, repeated as often as they occur (fastText averages over occurrences).
    public func rows(_ features: [HashedFeature], into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        for f in features { if let i = table.find(f.hash) { out.append(i) } }
    }

    /// TF-IDF with sublinear term frequency for words and `characterTermFrequency` for character n-grams,
    /// the word block and the character block each L2-normalised and scaled by 1/√2, so that together they
    /// have unit length (as stacking two scikit-learn `TfidfVectorizer` outputs would, up to that scale);
    /// the position block, when there is one, L2-normalised and scaled by `headScale`.
    public func tfidf(_ rows: [Int32], scratch counts: inout [Int32]) -> SparseVector {
        // `counts` has one zeroed slot per feature; the slots used here are zeroed again before returning,
        // so the counting is linear in the document's length whatever the vocabulary's size.
        if counts.count != count { counts = [Int32](repeating: 0, count: count) }
        var indices: [Int32] = []
        indices.reserveCapacity(rows.count)
        counts.withUnsafeMutableBufferPointer { c in
            for r in rows {
                if c[Int(r)] == 0 { indices.append(r) }
                c[Int(r)] += 1
            }
        }
        var values = [Float](repeating: 0, count: indices.count)
        var wordNorm: Float = 0
        var charNorm: Float = 0
        var headNorm: Float = 0
        counts.withUnsafeMutableBufferPointer { c in
            idf.withUnsafeBufferPointer { idf in
                isCharacter.withUnsafeBufferPointer { isCharacter in
                    isHead.withUnsafeBufferPointer { isHead in
                        for (k, r) in indices.enumerated() {
                            let run = c[Int(r)]
                            c[Int(r)] = 0
                            let v: Float
                            if isCharacter[Int(r)] {
                                v = characterTermFrequency(run) * idf[Int(r)]
                                charNorm += v * v
                            } else {
                                v = TermFrequency.sublinear(run) * idf[Int(r)]
                                if isHead[Int(r)] { headNorm += v * v } else { wordNorm += v * v }
                            }
                            values[k] = v
                        }
                        let scales = FeatureVocabulary.blockScales(word: wordNorm, character: charNorm, head: headNorm)
                        for (k, r) in indices.enumerated() {
                            values[k] *=
                                isCharacter[Int(r)] ? scales.character : isHead[Int(r)] ? scales.head : scales.word
                        }
                    }
                }
            }
        }
        return SparseVector(indices: indices, values: values)
    }

    /// Weight of the position block against the word and character blocks (which share unit length): half,
    /// as measured best among 0.3, 0.5, 0.8 and 1 on ECOICOP (scikit-learn study, Benchmarks/RESULTS.md).
    public static let headScale: Float = 0.5

    /// What each block's raw TF-IDF values are multiplied by, from the blocks' squared lengths: the word and
    /// character blocks to length 1/√(number of them that are non-empty), the position block to `headScale`.
    @inline(__always)
    static func blockScales(word: Float, character: Float, head: Float) -> (word: Float, character: Float, head: Float)
    {
        let blocks = Float((word > 0 ? 1 : 0) + (character > 0 ? 1 : 0)).squareRoot()
        return (
            word > 0 ? 1 / (word.squareRoot() * blocks) : 0, character > 0 ? 1 / (character.squareRoot() * blocks) : 0,
            head > 0 ? headScale / head.squareRoot() : 0
        )
    }
}
