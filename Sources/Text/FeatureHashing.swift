/// Which n-grams of a normalised text become features (fastText's word n-grams and subword character
/// n-grams: Joulin et al. 2017 "Bag of Tricks", Bojanowski et al. 2017 "Enriching Word Vectors").
public struct FeatureSpec: Sendable, Equatable {
    /// 1: words only; 2: words and pairs of adjacent words; and so on.
    public var wordNgrams: Int
    /// Character n-grams of each token wrapped as `<token>`, from `minCharN` to `maxCharN` characters;
    /// `maxCharN == 0` turns them off.
    public var minCharN: Int
    public var maxCharN: Int

    public init(wordNgrams: Int = 2, minCharN: Int = 2, maxCharN: Int = 5) {
        self.wordNgrams = wordNgrams
        self.minCharN = minCharN
        self.maxCharN = maxCharN
    }
}

/// A feature: a 64-bit FNV-1a hash of its text, and whether it is a word feature or a character one.
/// The hash is the same on every machine and in every process (unlike Swift's seeded `Hasher`), so
/// model files that store hashes stay valid anywhere.
public struct HashedFeature: Sendable, Equatable {
    public var hash: UInt64
    public var isCharacterNgram: Bool
}

public enum FeatureHashing {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x100_0000_01b3

    @inline(__always)
    static func mix(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* prime }

    /// FNV-1a over a tag byte and then the bytes (Fowler, Noll, Vo; IETF draft-eastlake-fnv).
    public static func hash(_ tag: UInt8, _ bytes: some Sequence<UInt8>) -> UInt64 {
        var h = mix(offsetBasis, tag)
        for b in bytes { h = mix(h, b) }
        return h
    }

    /// Appends the features of a token list to `out`.
    public static func features(of tokens: [String], spec: FeatureSpec, into out: inout [HashedFeature]) {
        var wordHashes: [UInt64] = []
        wordHashes.reserveCapacity(tokens.count)
        for token in tokens {
            let h = hash(UInt8(ascii: "w"), token.utf8)
            wordHashes.append(h)
            out.append(HashedFeature(hash: h, isCharacterNgram: false))
        }
        if spec.wordNgrams > 1 {
            for n in 2...spec.wordNgrams where tokens.count >= n {
                for start in 0...(tokens.count - n) {
                    // Combine the words' own hashes: order matters, and the tag keeps n-grams apart from words.
                    var h = mix(offsetBasis, UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n))
                    for k in start..<(start + n) {
                        var w = wordHashes[k]
                        for _ in 0..<8 {
                            h = mix(h, UInt8(truncatingIfNeeded: w))
                            w >>= 8
                        }
                    }
                    out.append(HashedFeature(hash: h, isCharacterNgram: false))
                }
            }
        }
        guard spec.maxCharN > 0 else { return }
        var bytes: [UInt8] = []
        var starts: [Int] = []
        for token in tokens {
            bytes.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            bytes.append(UInt8(ascii: "<"))
            bytes.append(contentsOf: token.utf8)
            bytes.append(UInt8(ascii: ">"))
            for (i, b) in bytes.enumerated() where b & 0xC0 != 0x80 { starts.append(i) }
            starts.append(bytes.count)
            let chars = starts.count - 1
            for first in 0..<chars {
                var h = mix(offsetBasis, UInt8(ascii: "c"))
                var n = 0
                var end = first
                while n < spec.maxCharN, end < chars {
                    for i in starts[end]..<starts[end + 1] { h = mix(h, bytes[i]) }
                    end += 1
                    n += 1
                    // Skip the lone boundary markers "<" and ">" (as fastText does), and n-grams too short.
                    if n < spec.minCharN || (n == 1 && (first == 0 || first == chars - 1)) { continue }
                    out.append(HashedFeature(hash: h, isCharacterNgram: true))
                }
            }
        }
    }
}
