import Testing

@testable import Text

@Suite("Text normalisation")
struct TextNormalizerTests {
    let n = TextNormalizer()

    @Test func numbersAndUnitsBecomeStableTokens() {
        #expect(n.tokens("Mleko 3,2% 1l") == ["mleko", "3.2%", "1l"])
        #expect(n.tokens("MLEKO 3.2 % 1 L") == ["mleko", "3.2%", "1l"])
        #expect(n.tokens("Cukier 500 g") == n.tokens("cukier 500g"))
        #expect(n.tokens("Sok 0,50 l") == ["sok", "0.5l"])
        #expect(n.tokens("Woda 1.5L, 6 szt.") == ["woda", "1.5l", "6szt"])
        #expect(n.tokens("007 agent") == ["7", "agent"])
        #expect(n.tokens("2x100g") == ["2x100g"])  // not a single number and unit: kept whole
    }

    @Test func caseFoldingAndNFKC() {
        #expect(n.tokens("ŻÓŁTY Ser") == ["żółty", "ser"])
        #expect(n.tokens("Straße") == ["strasse"])
        #expect(n.tokens("ﬁlet") == ["filet"])  // the ligature ﬁ (U+FB01) under NFKC
        #expect(n.tokens("½ kg") == ["1", "2kg"])  // ½ is 1⁄2 under NFKC; the fraction slash separates
        #expect(n.tokens("e\u{301}clair") == n.tokens("\u{E9}clair"))  // decomposed and composed é
    }

    @Test func diacriticFoldingIsOptional() {
        let folding = TextNormalizer(foldDiacritics: true)
        #expect(folding.tokens("Żółty ŁOSOŚ łódź") == ["zolty", "losos", "lodz"])
        #expect(folding.tokens("Crème brûlée") == ["creme", "brulee"])
        #expect(n.tokens("Żółty") == ["żółty"])
    }

    @Test func punctuationSeparatesAndStopWordsGo() {
        let s = TextNormalizer(stopWords: ["i", "z", "W"])
        #expect(s.tokens("Ser z szynką i ziołami (w plastrach)") == ["ser", "szynką", "ziołami", "plastrach"])
        #expect(n.tokens("Kamis - sól; morska/jodowana") == ["kamis", "sól", "morska", "jodowana"])
        #expect(n.tokens("   ") == [])
        #expect(n.normalize("  Sok,  jabłkowy ") == "sok jabłkowy")
    }
}

@Suite("Feature hashing")
struct FeatureHashingTests {
    @Test func fnv1aMatchesPublishedVectors() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (draft-eastlake-fnv test vectors); our hash puts a tag
        // byte first, so hash(tag "a", "") equals FNV-1a("a").
        #expect(FeatureHashing.hash(UInt8(ascii: "a"), []) == 0xaf63_dc4c_8601_ec8c)
        #expect(FeatureHashing.hash(UInt8(ascii: "f"), Array("oobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    @Test func countsOfEachKind() {
        var out: [HashedFeature] = []
        // "ab cd": 2 words + 1 bigram; char n-grams of "<ab>" (4 chars) and "<cd>" with n in 2...3:
        // 2-grams: 3 each, 3-grams: 2 each → 5 per word.
        FeatureHashing.features(
            of: ["ab", "cd"], spec: FeatureSpec(wordNgrams: 2, minCharN: 2, maxCharN: 3), into: &out)
        #expect(out.filter { !$0.isCharacterNgram }.count == 3)
        #expect(out.filter(\.isCharacterNgram).count == 10)
        var again: [HashedFeature] = []
        FeatureHashing.features(
            of: ["ab", "cd"], spec: FeatureSpec(wordNgrams: 2, minCharN: 2, maxCharN: 3), into: &again)
        #expect(again == out)
        var swapped: [HashedFeature] = []
        FeatureHashing.features(
            of: ["cd", "ab"], spec: FeatureSpec(wordNgrams: 2, minCharN: 2, maxCharN: 3), into: &swapped)
        #expect(Set(swapped.map(\.hash)) != Set(out.map(\.hash)))  // the bigram depends on word order
    }

    @Test func multibyteCharactersCountAsOne() {
        var out: [HashedFeature] = []
        // "<żó>" has 4 characters: 2-grams "<ż", "żó", "ó>" = 3.
        FeatureHashing.features(of: ["żó"], spec: FeatureSpec(wordNgrams: 1, minCharN: 2, maxCharN: 2), into: &out)
        #expect(out.filter(\.isCharacterNgram).count == 3)
    }
}

@Suite("Position features")
struct PositionFeatureTests {
    static func head(_ tokens: [String], on: Bool = true) -> [HashedFeature] {
        var out: [HashedFeature] = []
        FeatureHashing.features(of: tokens, spec: FeatureSpec(headFeatures: on), into: &out)
        return out.filter(\.isHead)
    }

    /// First word, first two words (a space between) and last word, each under a tag of its own, so that
    /// none equals a word or word n-gram feature; one word gives the first and the last; none gives none.
    @Test func firstFirstTwoAndLastWord() {
        let tag = { (c: Character) in UInt8(ascii: c.unicodeScalars.first!) }
        #expect(
            Self.head(["mleko", "uht", "3.2%"]).map(\.hash) == [
                FeatureHashing.hash(tag("F"), "mleko".utf8), FeatureHashing.hash(tag("T"), "mleko uht".utf8),
                FeatureHashing.hash(tag("L"), "3.2%".utf8),
            ])
        #expect(
            Self.head(["ser"]).map(\.hash) == [
                FeatureHashing.hash(tag("F"), "ser".utf8), FeatureHashing.hash(tag("L"), "ser".utf8),
            ])
        #expect(Self.head([]).isEmpty)
        #expect(Self.head(["mleko", "uht"], on: false).isEmpty)
        // The other features are the same with and without them.
        var with: [HashedFeature] = []
        var without: [HashedFeature] = []
        FeatureHashing.features(
            of: ["jogurt", "naturalny", "400g"], spec: FeatureSpec(headFeatures: true), into: &with)
        FeatureHashing.features(of: ["jogurt", "naturalny", "400g"], spec: FeatureSpec(), into: &without)
        #expect(with.filter { !$0.isHead } == without)
        #expect(Set(with.filter(\.isHead).map(\.hash)).isDisjoint(with: without.map(\.hash)))
    }

    /// The featurizer (fast path for Latin text, general path otherwise) gives the same position features
    /// as hashing the normalised tokens, and says where they are.
    @Test func featurizerAgreesAndLocatesThem() {
        let normalizer = TextNormalizer()
        let featurizer = TextFeaturizer(normalizer: normalizer)
        for text in ["Mleko UHT 3,2% 1l", "Молоко 1л", "ser", "  ", "Jogurt naturalny - Bakoma 400 g"] {
            var fast: [HashedFeature] = []
            featurizer.features(of: text, spec: FeatureSpec(headFeatures: true), into: &fast)
            #expect(Array(fast[featurizer.headFeatureRange]) == Self.head(normalizer.tokens(text)), "\(text)")
            #expect(fast.filter(\.isHead).count == featurizer.headFeatureRange.count, "\(text)")
        }
    }

    /// A text given as UTF-8 bytes gets the features, normalised text and token layout of the String
    /// `String(decoding:as:)` makes of the bytes, valid or not (a lone continuation byte, a truncated or
    /// overlong two-byte sequence, a stray lead byte, a surrogate's encoding).
    @Test func featurizerReadsUTF8BytesAsTheirString() {
        let featurizer = TextFeaturizer(normalizer: TextNormalizer())
        let spec = FeatureSpec(headFeatures: true)
        var inputs = ["Mleko UHT 3,2% 1l", "Żółty ser gouda 150 g", "Молоко 1л", "  ", "", "ｍｌｅｋｏ ①"].map {
            Array($0.utf8)
        }
        let ser = Array("ser ".utf8)
        inputs += [
            ser + [0x80] + Array("ek".utf8), ser + [0xC5], ser + [0xC5, 0x41], ser + [0xC0, 0x80] + ser,
            ser + [0xC1, 0xBF], [0xFF] + ser, ser + [0xED, 0xA0, 0x80], ser + [0xE2, 0x82], [0xC5, 0xBC] + ser,
        ]
        for bytes in inputs {
            let text = String(decoding: bytes, as: UTF8.self)
            var fromString: [HashedFeature] = []
            let hasTokens = featurizer.featurize(text, spec: spec, into: &fromString)
            let normalized = featurizer.withNormalizedUTF8 { Array($0) }
            let layout = (0..<featurizer.tokenCount).map {
                (featurizer.wordHash(ofToken: $0), featurizer.characterFeatureRange(ofToken: $0))
            }
            var fromBytes: [HashedFeature] = []
            let bytesHaveTokens = bytes.withUnsafeBufferPointer {
                featurizer.featurize(utf8: $0, spec: spec, into: &fromBytes)
            }
            #expect(bytesHaveTokens == hasTokens && fromBytes == fromString, "\(bytes)")
            #expect(featurizer.withNormalizedUTF8 { Array($0) } == normalized, "\(bytes)")
            #expect(featurizer.tokenCount == layout.count, "\(bytes)")
            for (k, (word, range)) in layout.enumerated() where k < featurizer.tokenCount {
                #expect(
                    featurizer.wordHash(ofToken: k) == word && featurizer.characterFeatureRange(ofToken: k) == range)
            }
        }
    }

    /// Leaving out some words' character n-grams (a caller with per-word results) drops exactly those,
    /// on the fast path and the general one, and leaves the other features and their ranges as they were.
    @Test func featurizerSkipsTheCharacterNgramsOfTheWordsAsked() {
        let featurizer = TextFeaturizer(normalizer: TextNormalizer())
        let spec = FeatureSpec(headFeatures: true)
        for text in ["Mleko UHT 3,2% 1l mleko", "Молоко 1л молоко", "ser serek", "  "] {
            var all: [HashedFeature] = []
            featurizer.features(of: text, spec: spec, into: &all)
            let tokens = featurizer.tokenCount
            let words = (0..<tokens).map { featurizer.wordHash(ofToken: $0) }
            let ranges = (0..<tokens).map { featurizer.characterFeatureRange(ofToken: $0) }
            let skipped = Set(words.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            var some: [HashedFeature] = []
            featurizer.features(of: text, spec: spec, into: &some) { skipped.contains($0) }
            #expect(featurizer.tokenCount == tokens)
            #expect(
                Array(some[0..<featurizer.headFeatureRange.upperBound])
                    == Array(all[0..<featurizer.headFeatureRange.upperBound]))
            for k in 0..<tokens {
                let range = featurizer.characterFeatureRange(ofToken: k)
                if skipped.contains(words[k]) {
                    #expect(range.isEmpty, "\(text) token \(k)")
                } else {
                    #expect(!range.isEmpty && Array(some[range]) == Array(all[ranges[k]]), "\(text) token \(k)")
                }
            }
            let kept = ranges.indices.filter { !skipped.contains(words[$0]) }.map { ranges[$0].count }.reduce(0, +)
            #expect(some.count == featurizer.headFeatureRange.upperBound + kept, "\(text)")
        }
    }
}
