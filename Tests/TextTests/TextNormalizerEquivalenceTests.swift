import Foundation
import StatMLCore
import Testing

@testable import Text

/// The byte-level fast path (`TextNormalizer.withFastTokens`, `TextFeaturizer`) against the general path
/// (`tokensGeneral`) and against `referenceFeatures`, the feature hashing as it was before the fast path:
/// same tokens, same normalised text, same features in the same order, for real and random text.
@Suite("Fast path equals general path")
struct TextNormalizerEquivalenceTests {
    static let stopWords: Set<String> = ["i", "z", "w", "na", "do", "ze", "dla", "bez", "ŁÓDŹ", "Ser"]

    /// Every way of normalising that the tests compare.
    static let normalizers = [false, true].flatMap { fold in
        [TextNormalizer(foldDiacritics: fold), TextNormalizer(foldDiacritics: fold, stopWords: stopWords)]
    }

    /// fastText's 2–5 and 3–6, 1-character n-grams (the lone "<" and ">" rule), no character n-grams, and
    /// a range too wide for the fixed-length loops.
    static let specs = [
        FeatureSpec(), FeatureSpec(wordNgrams: 1, minCharN: 3, maxCharN: 6),
        FeatureSpec(wordNgrams: 3, minCharN: 1, maxCharN: 3), FeatureSpec(wordNgrams: 2, minCharN: 2, maxCharN: 0),
        FeatureSpec(wordNgrams: 2, minCharN: 0, maxCharN: 12),
    ]

    /// What differs between the paths for `texts`, as readable lines (empty when they agree; it stops at
    /// `limit` lines), and how many texts the fast path took.
    static func differences(
        _ texts: [String], normalizer: TextNormalizer, specs: [FeatureSpec] = specs, limit: Int = 5
    ) -> (lines: [String], fast: Int) {
        var lines: [String] = []
        var fast = 0
        let featurizer = TextFeaturizer(normalizer: normalizer)
        for text in texts {
            guard lines.count < limit else { break }
            let general = normalizer.tokensGeneral(text)
            if normalizer.withFastTokens(text, { _, _ in true }) != nil { fast += 1 }
            let tokens = normalizer.tokens(text)
            if tokens != general {
                lines.append("\(text.debugDescription): tokens \(tokens), general path \(general)")
                continue
            }
            let joined = general.joined(separator: " ")
            if normalizer.normalize(text) != joined {
                lines.append("\(text.debugDescription): normalize \(normalizer.normalize(text).debugDescription)")
            }
            for spec in specs {
                var expected: [HashedFeature] = []
                referenceFeatures(of: general, spec: spec, into: &expected)
                var fromTokens: [HashedFeature] = [HashedFeature(hash: 42, isCharacterNgram: true)]
                FeatureHashing.features(of: general, spec: spec, into: &fromTokens)
                var fromText: [HashedFeature] = [HashedFeature(hash: 42, isCharacterNgram: true)]
                let key = featurizer.features(of: text, spec: spec, into: &fromText)
                // `featurize` says whether there are tokens and keeps the same key as bytes.
                var again: [HashedFeature] = []
                let hasTokens = featurizer.featurize(text, spec: spec, into: &again)
                let keyBytes = featurizer.withNormalizedUTF8 { Array($0) }
                if Array(fromTokens.dropFirst()) != expected || Array(fromText.dropFirst()) != expected || key != joined
                    || again != expected || hasTokens != !general.isEmpty || keyBytes != Array(joined.utf8)
                {
                    lines.append(
                        "\(text.debugDescription) \(spec): \(expected.count) features expected, "
                            + "\(fromTokens.count - 1) from tokens, \(fromText.count - 1) from text, key \(key.debugDescription)"
                    )
                }
            }
        }
        return (lines, fast)
    }

    // MARK: Real text

    @Test(.enabled(if: ecoicopTexts != nil, "../shared/data/ecoicop/{train,valid}.csv are absent"))
    func ecoicopProductNames() throws {
        let texts = try #require(Self.ecoicopTexts)
        #expect(texts.count == 13_630 + 1_500)
        for (k, normalizer) in Self.normalizers.enumerated() {
            // Every spec for the default normaliser, the default spec for the others (time).
            let result = Self.differences(texts, normalizer: normalizer, specs: k == 0 ? Self.specs : [FeatureSpec()])
            #expect(result.lines.isEmpty, "\(normalizer): \(result.lines.joined(separator: "\n"))")
            // Almost all of these texts are Latin: the fast path must really be the one taken.
            if result.lines.isEmpty {
                #expect(
                    result.fast > texts.count * 99 / 100, "fast path taken for \(result.fast) of \(texts.count) texts")
            }
        }
    }

    /// The `text` column (the first field) of ../shared/data/ecoicop/train.csv and valid.csv, or nil.
    static let ecoicopTexts: [String]? = {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var texts: [String] = []
        for name in ["train.csv", "valid.csv"] {
            let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/ecoicop/\(name)")
            guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
            texts += firstFields(ofCSV: [UInt8](data)).dropFirst()  // the header
        }
        return texts
    }()

    /// The first field of every record of RFC 4180 CSV (quoted fields may hold commas, line breaks and
    /// doubled quotes).
    static func firstFields(ofCSV bytes: [UInt8]) -> [String] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var fieldIndex = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote {
                        if fieldIndex == 0 { field.append(quote) }
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else if fieldIndex == 0 {
                    field.append(b)
                }
            } else if b == quote {
                inQuotes = true
            } else if b == comma {
                fieldIndex += 1
            } else if b == newline {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll()
                fieldIndex = 0
            } else if fieldIndex == 0 && b != UInt8(ascii: "\r") {
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || fieldIndex > 0 { fields.append(String(decoding: field, as: UTF8.self)) }
        return fields
    }

    @Test func csvFirstFields() {
        let csv = "text,label\nMleko 3,2\nx\n\"Sok \"\"Kubuś\"\", 1,5 l\",\"a,b\"\r\n\"two\nlines\",c\n"
        #expect(
            Self.firstFields(ofCSV: Array(csv.utf8)) == ["text", "Mleko 3", "x", "Sok \"Kubuś\", 1,5 l", "two\nlines"])
    }

    // MARK: Random text

    /// Pieces of nasty text: ASCII letters, digits and punctuation, number and unit material, Polish
    /// letters, ß, ﬁ, ½, combining accents, Greek, CJK, emoji, no-break space, tabs, and Latin oddities
    /// (İ → i + U+0307, ŉ, ſ, Ǆ, Ⱥ → U+2C65, spacing diacritics, the ASCII diacritics ^ and `).
    static let latinPieces: [String] =
        (Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ").map(String.init))
        + Array("0123456789").map(String.init) + ["0", "00", "1", "5", "007", "3,2", "1.5", "0,50"]
        + Array(" .,.,%%-;:/()[]!?\"'*+=&#@_~^`|<>\\\t\n\r").map(String.init)
        + ["g", "kg", "ml", "l", "x", "szt", "kcal", "%", " ", "  ", "\u{A0}"]
        + Array("ąćęłńóśźżĄĆĘŁŃÓŚŹŻàéîõüÀÉÎÕÜçñøØåÅæÆœŒðþÞđĐħĦıĸŋŊ×÷¡¿«»°±·ßƀǍǎȀɁɏ").map(String.init)
    /// Pieces that send a text down the general path.
    static let otherPieces: [String] =
        Array("ſ¸¨´ª²³µ¹º¼¾ǅȺȾƁ").map(String.init) + [
            "ẞ", "ﬁ", "½", "\u{301}", "\u{307}", "\u{308}", "İ", "ŉ", "Ǆ", "ǆ", "Ĳ", "ĳ", "Ŀ", "ŀ", "ΑΒΓ", "αβγ", "ς",
            "Ωμέγα", "中文", "食品", "😀", "👍🏽", "\u{200B}", "\u{2013}", "\u{2019}", "\u{2026}", "\u{212A}", "\u{212B}", "Ⅻ",
            "①", "٣", "x\u{301}", "e\u{301}", "z\u{307}",
        ]

    static func randomTexts(count: Int, seed: UInt64, pieces: [String]) -> [String] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var text = ""
            for _ in 0..<generator.int(below: 25) { text += pieces[generator.int(below: pieces.count)] }
            return text
        }
    }

    @Test(arguments: [false, true])
    func randomNastyText(foldDiacritics: Bool) {
        // Half from Latin pieces only (the fast path), half with everything else mixed in.
        let texts =
            Self.randomTexts(count: 25_000, seed: foldDiacritics ? 11 : 12, pieces: Self.latinPieces)
            + Self.randomTexts(
                count: 25_000, seed: foldDiacritics ? 21 : 22, pieces: Self.latinPieces + Self.otherPieces)
        let normalizer = TextNormalizer(
            foldDiacritics: foldDiacritics, stopWords: Self.stopWords.union(["a", "b", "1"]))
        let result = Self.differences(texts, normalizer: normalizer, specs: [FeatureSpec(), Self.specs[2]])
        #expect(result.lines.isEmpty, "\(result.lines.joined(separator: "\n"))")
        if result.lines.isEmpty {
            #expect(result.fast > 25_000, "fast path taken for \(result.fast) of \(texts.count) texts")
            #expect(result.fast < 30_000, "general path taken for \(texts.count - result.fast) texts")
        }
    }

    /// Every scalar below U+0250 (and a few beyond), alone and between letters, digits and separators.
    @Test(arguments: [false, true])
    func everyLatinScalarInContext(foldDiacritics: Bool) {
        var texts: [String] = []
        for v in 0..<0x300 {
            guard let s = Unicode.Scalar(v) else { continue }
            let c = String(Character(s))
            texts += [
                c, "a\(c)b", "1\(c)2", "3\(c)", "\(c)4", "5,\(c)6", "7 \(c)%", "Ab \(c)kg", "\(c)\(c)", "İ\(c)",
                "\(c)ß",
            ]
        }
        let stopWords = TextNormalizer(foldDiacritics: foldDiacritics, stopWords: ["a", "b", "i̇", "ß"])
        for normalizer in [TextNormalizer(foldDiacritics: foldDiacritics), stopWords] {
            let result = Self.differences(texts, normalizer: normalizer, specs: [FeatureSpec(), Self.specs[2]])
            #expect(result.lines.isEmpty, "\(result.lines.joined(separator: "\n"))")
        }
    }

    /// The fast path maps each scalar through NFKC on its own; Foundation, which the general path calls,
    /// must agree for every pair of the scalars the fast path takes (none composes with the one before).
    @Test func fastPathScalarsNormaliseOneByOne() {
        let table = LatinFoldTable.caseFolded.entries
        let taken = (0..<LatinFoldTable.limit).filter { table[$0] & 7 != LatinFoldTable.Kind.generalPath.rawValue }
            .map { Unicode.Scalar($0)! }
        #expect(taken.count > 500)
        func image(_ s: Unicode.Scalar) -> String { s == "\u{A0}" ? " " : String(s) }
        var mismatches: [String] = []
        for a in taken {
            for b in taken {
                let pair = String(a) + String(b)
                if pair.precomposedStringWithCompatibilityMapping.unicodeScalars.elementsEqual(
                    (image(a) + image(b)).unicodeScalars)
                    == false
                {
                    mismatches.append(pair.debugDescription)
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// Stop words and units compare by canonical equivalence (`Set<String>`), also when they were set
    /// decomposed after initialisation.
    @Test func decomposedStopWordsAndUnits() {
        var normalizer = TextNormalizer()
        normalizer.stopWords = ["a\u{30A}", "z\u{307}aba", "\u{212B}"]
        normalizer.units = ["e\u{301}", "g"]
        let texts = ["å żaba Å", "5 é", "5é 7 e\u{301}", "żaba", "za\u{307}ba", "\u{212B} 1 g"]
        let result = Self.differences(texts, normalizer: normalizer)
        #expect(result.lines.isEmpty, "\(result.lines.joined(separator: "\n"))")
        #expect(normalizer.tokens("å żaba 5 é") == ["5é"])
    }

    /// Token lists no normaliser makes (empty tokens, 4-byte characters) and sizes past the scratch
    /// buffers' first capacity: long tokens, many tokens, long texts.
    @Test func unusualTokensAndSizes() {
        let long = String(repeating: "ab€😀ż", count: 40)
        let many = (0..<300).map { "t\($0)" }
        for tokens in [[], [""], ["", "a", ""], ["😀", "中文", "a😀b"], [long], many, many + [long, "x"]] {
            let odd = [
                FeatureSpec(wordNgrams: 5, minCharN: 7, maxCharN: 7),
                FeatureSpec(wordNgrams: 0, minCharN: 5, maxCharN: 3),
                FeatureSpec(wordNgrams: -1, minCharN: -5, maxCharN: 2),
                FeatureSpec(wordNgrams: 1, minCharN: 4, maxCharN: 11),
                FeatureSpec(wordNgrams: 1_000, minCharN: .max, maxCharN: .max),
            ]
            for spec in Self.specs + odd {
                var expected: [HashedFeature] = []
                referenceFeatures(of: tokens, spec: spec, into: &expected)
                var actual: [HashedFeature] = []
                FeatureHashing.features(of: tokens, spec: spec, into: &actual)
                #expect(actual == expected, "\(tokens.prefix(3)) \(spec)")
            }
        }
        let featurizer = TextFeaturizer(normalizer: TextNormalizer())
        for text in ["", "Mleko", String(repeating: "Mleko 3,2% 1l żółty ", count: 500), long, "krótki"] {
            let result = Self.differences([text], normalizer: featurizer.normalizer)
            #expect(result.lines.isEmpty, "\(result.lines.joined(separator: "\n"))")
            var features: [HashedFeature] = []
            var expected: [HashedFeature] = []
            referenceFeatures(of: featurizer.normalizer.tokensGeneral(text), spec: FeatureSpec(), into: &expected)
            featurizer.features(of: text, spec: FeatureSpec(), into: &features)
            #expect(features == expected)
        }
    }

    /// Hashes pinned from the implementation before the fast path: model files store them.
    @Test func featureHashesArePinned() {
        let texts = [
            "Mleko 3,2% 1l", "Żółty ser GOUDA 500 g", "Crème brûlée ½ kg", "ﬁlet z łososia 0,250kg",
            "Kamis - sól; morska/jodowana", "2x100g", "Straße 007", "MLEKO 3.2 % 1 L", "Sok\u{A0}jabłkowy 1,5 l",
            "Ǆem Ⱥ ŉ ſ İstanbul é",
        ]
        let cases = [
            (false, FeatureSpec(), 559, 0x1ba9_4964_19cd_3264 as UInt64),
            (true, FeatureSpec(wordNgrams: 3, minCharN: 1, maxCharN: 3), 520, 0x1c6e_9f6e_dfcc_b446),
        ]
        for (fold, spec, count, digest) in cases {
            let featurizer = TextFeaturizer(normalizer: TextNormalizer(foldDiacritics: fold, stopWords: ["z"]))
            var features: [HashedFeature] = []
            for text in texts { featurizer.features(of: text, spec: spec, into: &features) }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for f in features {
                var x = f.hash
                for _ in 0..<8 {
                    h = (h ^ (x & 0xFF)) &* 0x100_0000_01b3
                    x >>= 8
                }
                h = (h ^ (f.isCharacterNgram ? 1 : 0)) &* 0x100_0000_01b3
            }
            #expect(features.count == count)
            #expect(h == digest, "digest \(String(h, radix: 16))")
        }
    }
}

/// `FeatureHashing.features(of:spec:into:)` as it was before the fast path: the specification the fast
/// implementation must match bit for bit.
func referenceFeatures(of tokens: [String], spec: FeatureSpec, into out: inout [HashedFeature]) {
    func mix(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    var wordHashes: [UInt64] = []
    for token in tokens {
        var h = mix(offsetBasis, UInt8(ascii: "w"))
        for b in token.utf8 { h = mix(h, b) }
        wordHashes.append(h)
        out.append(HashedFeature(hash: h, isCharacterNgram: false))
    }
    if spec.wordNgrams > 1 {
        for n in 2...spec.wordNgrams where tokens.count >= n {
            for start in 0...(tokens.count - n) {
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
    for token in tokens {
        let bytes = [UInt8(ascii: "<")] + Array(token.utf8) + [UInt8(ascii: ">")]
        var starts = bytes.indices.filter { bytes[$0] & 0xC0 != 0x80 }
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
                if n < spec.minCharN || (n == 1 && (first == 0 || first == chars - 1)) { continue }
                out.append(HashedFeature(hash: h, isCharacterNgram: true))
            }
        }
    }
}
