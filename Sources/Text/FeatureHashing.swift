/// Which n-grams of a normalised text become features (fastText's word n-grams and subword character
/// n-grams: Joulin et al. 2017 "Bag of Tricks", Bojanowski et al. 2017 "Enriching Word Vectors").
public struct FeatureSpec: Sendable, Equatable {
    /// 1: words only; 2: words and pairs of adjacent words; and so on.
    public var wordNgrams: Int
    /// Character n-grams of each token wrapped as `<token>`, from `minCharN` to `maxCharN` characters;
    /// `maxCharN == 0` turns them off.
    public var minCharN: Int
    public var maxCharN: Int
    /// Position features (a block of their own): the first word, the first two words and the last word as
    /// such, apart from the same words elsewhere in the text. In product names the first words usually
    /// name the product and the last its size or variety; this block raised coverage at 0.97 precision by
    /// 0.02–0.03 on the ECOICOP validation split (Benchmarks/RESULTS.md).
    public var headFeatures: Bool

    public init(wordNgrams: Int = 2, minCharN: Int = 2, maxCharN: Int = 5, headFeatures: Bool = false) {
        self.wordNgrams = wordNgrams
        self.minCharN = minCharN
        self.maxCharN = maxCharN
        self.headFeatures = headFeatures
    }
}

/// A feature: a 64-bit FNV-1a hash of its text, and whether it is a word feature or a character one.
/// The hash is the same on every machine and in every process (unlike Swift's seeded `Hasher`), so
/// model files that store hashes stay valid anywhere.
public struct HashedFeature: Sendable, Equatable {
    public var hash: UInt64
    public var isCharacterNgram: Bool
    /// One of the position features (`FeatureSpec.headFeatures`).
    public var isHead: Bool

    public init(hash: UInt64, isCharacterNgram: Bool, isHead: Bool = false) {
        self.hash = hash
        self.isCharacterNgram = isCharacterNgram
        self.isHead = isHead
    }
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

    /// Appends the features of a token list to `out`: each word, then the word n-grams, then the position
    /// features, then each word's character n-grams (see `FeatureSpec`).
    public static func features(of tokens: [String], spec: FeatureSpec, into out: inout [HashedFeature]) {
        features(of: tokens, spec: spec, scratch: HashingScratch(), into: &out)
    }

    static func features(
        of tokens: [String], spec: FeatureSpec, scratch: HashingScratch, into out: inout [HashedFeature],
        skippingCharacterNgramsOf skip: (UInt64) -> Bool = { _ in false }
    ) {
        var length = 0
        var longest = 0
        var room = featureRoom(tokens: tokens.count, spec: spec)
        for token in tokens {
            let n = token.utf8.count
            length += n
            longest = max(longest, n)
            room += characterNgramRoom(tokenBytes: n, spec: spec)
        }
        scratch.reserveText(bytes: length, spans: tokens.count)
        scratch.reserveFeatures(features: room, words: tokens.count, tokenBytes: longest)
        let bytes = scratch.textBytes
        var w = 0
        for (k, token) in tokens.enumerated() {
            let start = w
            if token.utf8.withContiguousStorageIfAvailable({ utf8 in
                UnsafeMutableBufferPointer(rebasing: bytes[w...]).initialize(fromContentsOf: utf8)
            }) == nil {
                for b in token.utf8 {
                    bytes[w] = b
                    w += 1
                }
            } else {
                w += token.utf8.count
            }
            scratch.textSpans[k] = TokenSpan(start: start, end: w)
        }
        appendFeatures(
            text: UnsafeBufferPointer(rebasing: bytes[0..<w]),
            tokens: UnsafeBufferPointer(rebasing: scratch.textSpans[0..<tokens.count]), spec: spec, scratch: scratch,
            into: &out, skippingCharacterNgramsOf: skip)
    }

    /// How many word, word n-gram and position features `count` tokens have.
    private static func featureRoom(tokens count: Int, spec: FeatureSpec) -> Int {
        var room = count + (spec.headFeatures ? 3 : 0)
        if min(spec.wordNgrams, count) > 1 {
            for n in 2...min(spec.wordNgrams, count) { room += count - n + 1 }
        }
        return room
    }

    /// At least as many as the character n-gram features of a token of `tokenBytes` bytes.
    private static func characterNgramRoom(tokenBytes: Int, spec: FeatureSpec) -> Int {
        spec.maxCharN > 0 ? (tokenBytes + 2) * min(spec.maxCharN, tokenBytes + 2) : 0
    }

    /// The features of the tokens at `tokens` in `text` (UTF-8), appended to `out`. Works in `scratch`'s
    /// buffers other than `textBytes` and `textSpans`, which may hold `text` and `tokens`. The character
    /// n-grams of a token whose word hash `skip` accepts are left out (its range of them is empty).
    static func appendFeatures(
        text: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<TokenSpan>, spec: FeatureSpec,
        scratch: HashingScratch, into out: inout [HashedFeature], skippingCharacterNgramsOf skip: (UInt64) -> Bool
    ) {
        let count = tokens.count
        let maxN = spec.maxCharN
        let longestWordNgram = min(spec.wordNgrams, count)
        // At most this many features: written into scratch space, then appended in one go.
        var room = featureRoom(tokens: count, spec: spec)
        var longest = 0
        for t in tokens {
            longest = max(longest, t.end - t.start)
            room += characterNgramRoom(tokenBytes: t.end - t.start, spec: spec)
        }
        scratch.reserveFeatures(features: room, words: count, tokenBytes: longest)
        let features = scratch.features
        let wordHashes = scratch.wordHashes
        let characterEnds = scratch.characterEnds
        scratch.tokenCount = count
        var written = 0

        for (k, t) in tokens.enumerated() {
            var h = mix(offsetBasis, UInt8(ascii: "w"))
            for i in t.start..<t.end { h = mix(h, text[i]) }
            wordHashes[k] = h
            features[written] = HashedFeature(hash: h, isCharacterNgram: false)
            written += 1
        }
        if longestWordNgram > 1 {
            for n in 2...longestWordNgram {
                for start in 0...(count - n) {
                    // Combine the words' own hashes: order matters, and the tag keeps n-grams apart from words.
                    var h = mix(offsetBasis, UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n))
                    for k in start..<(start + n) {
                        var w = wordHashes[k]
                        for _ in 0..<8 {
                            h = mix(h, UInt8(truncatingIfNeeded: w))
                            w >>= 8
                        }
                    }
                    features[written] = HashedFeature(hash: h, isCharacterNgram: false)
                    written += 1
                }
            }
        }

        scratch.wordFeatureCount = written
        if spec.headFeatures && count > 0 {
            // Tags 'F' (first word), 'T' (first two words, a space between), 'L' (last word): apart from
            // every other feature.
            @inline(__always) func grow(_ h: UInt64, _ t: TokenSpan) -> UInt64 {
                var h = h
                for i in t.start..<t.end { h = mix(h, text[i]) }
                return h
            }
            let first = grow(mix(offsetBasis, UInt8(ascii: "F")), tokens[0])
            features[written] = HashedFeature(hash: first, isCharacterNgram: false, isHead: true)
            written += 1
            if count > 1 {
                let pair = grow(mix(grow(mix(offsetBasis, UInt8(ascii: "T")), tokens[0]), 0x20), tokens[1])
                features[written] = HashedFeature(hash: pair, isCharacterNgram: false, isHead: true)
                written += 1
            }
            let lastWord = grow(mix(offsetBasis, UInt8(ascii: "L")), tokens[count - 1])
            features[written] = HashedFeature(hash: lastWord, isCharacterNgram: false, isHead: true)
            written += 1
        }
        scratch.headFeatureEnd = written
        if maxN > 0 {
            let minN = max(spec.minCharN, 1)
            let basis = mix(offsetBasis, UInt8(ascii: "c"))
            // fastText's usual ranges (2–5, 3–6): loops of a fixed length, see `characterNgramsFixed`.
            let fixed = minN >= 2 && minN <= maxN && maxN - minN < HashingScratch.padding
            let wrapped = scratch.wrapped
            let starts = scratch.starts
            let units = scratch.units
            var f = features + written
            for (k, t) in tokens.enumerated() {
                defer { characterEnds[k] = f - features }
                if skip(wordHashes[k]) { continue }
                // The token as "<token>".
                let length = t.end - t.start
                let token = text.baseAddress! + t.start
                wrapped[0] = UInt8(ascii: "<")
                var bits: UInt8 = 0
                for i in 0..<length {
                    bits |= token[i]
                    wrapped[i + 1] = token[i]
                }
                wrapped[length + 1] = UInt8(ascii: ">")
                if bits < 0x80 {
                    let chars = length + 2
                    if fixed {
                        for i in chars..<(chars + HashingScratch.padding) { wrapped[i] = 0 }
                        f = characterNgramsFixed(
                            of: wrapped, count: chars, minN: minN, maxN: maxN, basis: basis, into: f
                        ) {
                            mix($0, $1)
                        }
                    } else {
                        f = characterNgrams(
                            ofASCII: wrapped, count: chars, minN: minN, maxN: maxN, basis: basis, into: f)
                    }
                    continue
                }
                // Where each character (scalar) starts, and where the last one ends; and, while no character
                // is longer than two bytes, the characters as units: bytes in bits 0–15, bit 16 set for two.
                var chars = 0
                var short = true
                for i in 0..<(length + 2) where wrapped[i] & 0xC0 != 0x80 {
                    starts[chars] = i
                    let lead = UInt32(wrapped[i])
                    if lead < 0x80 {
                        units[chars] = lead
                    } else {
                        short = short && lead < 0xE0
                        units[chars] = lead | UInt32(wrapped[i + 1]) << 8 | 1 << 16
                    }
                    chars += 1
                }
                starts[chars] = length + 2
                if fixed && short {
                    for i in chars..<(chars + HashingScratch.padding) { units[i] = 0 }
                    f = characterNgramsFixed(of: units, count: chars, minN: minN, maxN: maxN, basis: basis, into: f) {
                        let one = mix($0, UInt8(truncatingIfNeeded: $1))
                        let two = mix(one, UInt8(truncatingIfNeeded: $1 >> 8))
                        return $1 >> 16 != 0 ? two : one
                    }
                } else {
                    f = characterNgrams(
                        of: wrapped, starts: starts, count: chars, minN: minN, maxN: maxN, basis: basis, into: f)
                }
            }
            written = f - features
        } else {
            for k in 0..<count { characterEnds[k] = written }
        }
        assert(written <= room, "more features than room for them")
        out.append(contentsOf: UnsafeBufferPointer(start: features, count: written))
    }

    // The character n-grams of a token wrapped as "<token>": for each first character, the n-grams of
    // minN...maxN characters, shortest first (fastText's order), all from one FNV-1a state grown a character
    // at a time. n-grams of 1 character exist only when minN is 1, and never the lone "<" or ">".

    /// The character n-grams of the `chars` characters at `characters` (followed by `HashingScratch.padding`
    /// more of any value), with `minN >= 2` and fewer than `padding` lengths: every first character takes
    /// the same loops, so that branches go the same way each time; the n-grams that run past the token are
    /// computed too, written past the last one that counts and overwritten or ignored. `grow` mixes one
    /// character into a state.
    @inline(__always)
    private static func characterNgramsFixed<Character>(
        of characters: UnsafePointer<Character>, count chars: Int, minN: Int, maxN: Int, basis: UInt64,
        into f: UnsafeMutablePointer<HashedFeature>, _ grow: (UInt64, Character) -> UInt64
    ) -> UnsafeMutablePointer<HashedFeature> {
        // The usual ranges as constants, so that the compiler unrolls the loops.
        switch (minN, maxN) {
        case (2, 5):
            return characterNgramsFixedLoop(of: characters, count: chars, minN: 2, maxN: 5, basis: basis, into: f, grow)
        case (3, 6):
            return characterNgramsFixedLoop(of: characters, count: chars, minN: 3, maxN: 6, basis: basis, into: f, grow)
        default:
            return characterNgramsFixedLoop(
                of: characters, count: chars, minN: minN, maxN: maxN, basis: basis, into: f, grow)
        }
    }

    @inline(__always)
    private static func characterNgramsFixedLoop<Character>(
        of characters: UnsafePointer<Character>, count chars: Int, minN: Int, maxN: Int, basis: UInt64,
        into f: UnsafeMutablePointer<HashedFeature>, _ grow: (UInt64, Character) -> UInt64
    ) -> UnsafeMutablePointer<HashedFeature> {
        var f = f
        let lengths = maxN - minN + 1
        var first = 0
        while first + minN <= chars {
            var h = basis
            let p = characters + first
            for k in 0..<(minN - 1) { h = grow(h, p[k]) }
            let q = p + (minN - 1)
            for k in 0..<lengths {
                h = grow(h, q[k])
                f[k] = HashedFeature(hash: h, isCharacterNgram: true)
            }
            f += min(lengths, chars - first - minN + 1)
            first += 1
        }
        return f
    }

    /// The character n-grams of the `chars` one-byte characters at `wrapped`, written from `f` on; returns
    /// where the writing stopped.
    @inline(__always)
    private static func characterNgrams(
        ofASCII wrapped: UnsafePointer<UInt8>, count chars: Int, minN: Int, maxN: Int, basis: UInt64,
        into f: UnsafeMutablePointer<HashedFeature>
    ) -> UnsafeMutablePointer<HashedFeature> {
        var f = f
        for first in 0..<chars {
            let span = min(maxN, chars - first)  // the longest n-gram that starts here
            guard span >= minN else { break }
            let skip = minN == 1 && (first == 0 || first == chars - 1) ? 1 : 0
            var p = wrapped + first
            let emitFrom = p + (minN - 1 + skip)
            let end = p + span
            var h = basis
            while p < emitFrom {
                h = mix(h, p.pointee)
                p += 1
            }
            while p < end {
                h = mix(h, p.pointee)
                p += 1
                f.initialize(to: HashedFeature(hash: h, isCharacterNgram: true))
                f += 1
            }
        }
        return f
    }

    /// The character n-grams of the `chars` characters at `wrapped`, character k being the bytes
    /// `starts[k]..<starts[k + 1]`, written from `f` on; returns where the writing stopped.
    @inline(__always)
    private static func characterNgrams(
        of wrapped: UnsafePointer<UInt8>, starts: UnsafePointer<Int>, count chars: Int, minN: Int, maxN: Int,
        basis: UInt64, into f: UnsafeMutablePointer<HashedFeature>
    ) -> UnsafeMutablePointer<HashedFeature> {
        var f = f
        for first in 0..<chars {
            let span = min(maxN, chars - first)
            guard span >= minN else { break }
            let skip = minN == 1 && (first == 0 || first == chars - 1) ? 1 : 0
            var p = wrapped + starts[first]
            let prefixEnd = wrapped + starts[first + minN - 1 + skip]
            var h = basis
            while p < prefixEnd {
                h = mix(h, p.pointee)
                p += 1
            }
            for c in (first + minN + skip)..<(first + span + 1) {
                let end = wrapped + starts[c]
                while p < end {
                    h = mix(h, p.pointee)
                    p += 1
                }
                f.initialize(to: HashedFeature(hash: h, isCharacterNgram: true))
                f += 1
            }
        }
        return f
    }
}

/// Buffers that feature hashing reuses from one text to the next, grown as needed: one allocation for
/// the text and its token spans, one for everything else.
final class HashingScratch {
    /// Normalised text and its token spans (for `TextNormalizer.withFastTokens`, or tokens copied in).
    private(set) var textBytes = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)
    private(set) var textSpans = UnsafeMutableBufferPointer<TokenSpan>(start: nil, count: 0)
    /// Features before they are appended to the caller's array, and the word hashes.
    private(set) var features = UnsafeMutablePointer<HashedFeature>(bitPattern: 16)!
    private(set) var wordHashes = UnsafeMutablePointer<UInt64>(bitPattern: 16)!
    /// After `appendFeatures`: how many tokens, and where each token's character n-grams end among the
    /// features it appended (they start where the previous token's end, the first after the word features).
    private(set) var characterEnds = UnsafeMutablePointer<Int>(bitPattern: 16)!
    var tokenCount = 0
    /// After `appendFeatures`: how many word and word n-gram features come first, and where the position
    /// features after them end (the character n-grams follow).
    var wordFeatureCount = 0
    var headFeatureEnd = 0
    /// One token as "<token>", where its characters start (and the last one ends), and its characters as
    /// units; `padding` elements more than the token needs, for `characterNgramsFixed`.
    private(set) var wrapped = UnsafeMutablePointer<UInt8>(bitPattern: 16)!
    private(set) var starts = UnsafeMutablePointer<Int>(bitPattern: 16)!
    private(set) var units = UnsafeMutablePointer<UInt32>(bitPattern: 16)!
    static let padding = 8

    private var textBlock: UnsafeMutableRawPointer?
    private var featureBlock: UnsafeMutableRawPointer?
    private var capacity = (features: 0, words: 0, tokenBytes: -1)

    /// Room for a first text of `textBytes` bytes and `textSpans` tokens, with `features` features.
    init(textBytes: Int = 256, textSpans: Int = 128, features: Int = 512, words: Int = 32, tokenBytes: Int = 62) {
        reserveText(bytes: textBytes, spans: textSpans)
        reserveFeatures(features: features, words: words, tokenBytes: tokenBytes)
    }

    deinit {
        textBlock?.deallocate()
        featureBlock?.deallocate()
    }

    func reserveText(bytes: Int, spans: Int) {
        guard bytes > textBytes.count || spans > textSpans.count else { return }
        let spanCount = max(spans, 2 * textSpans.count)
        let byteCount = max(bytes, 2 * textBytes.count)
        let spanBytes = spanCount * MemoryLayout<TokenSpan>.stride
        textBlock?.deallocate()
        let block = UnsafeMutableRawPointer.allocate(byteCount: spanBytes + byteCount, alignment: 16)
        textBlock = block
        textSpans = UnsafeMutableBufferPointer(
            start: block.bindMemory(to: TokenSpan.self, capacity: spanCount), count: spanCount)
        textBytes = UnsafeMutableBufferPointer(
            start: (block + spanBytes).bindMemory(to: UInt8.self, capacity: byteCount), count: byteCount)
    }

    /// Room for `features` features (and `padding` more), `words` word hashes and the characters of a token
    /// of `tokenBytes` bytes. Leaves `textBytes` and `textSpans` as they are.
    func reserveFeatures(features wanted: Int, words: Int, tokenBytes: Int) {
        guard wanted > capacity.features || words > capacity.words || tokenBytes > capacity.tokenBytes else { return }
        capacity = (
            max(wanted, 2 * capacity.features), max(words, 2 * capacity.words),
            max(tokenBytes, 2 * capacity.tokenBytes)
        )
        // Largest alignment first, so that every part is aligned.
        let featureCount = capacity.features + Self.padding
        let characterCount = capacity.tokenBytes + 2 + Self.padding
        let wordsOffset = featureCount * MemoryLayout<HashedFeature>.stride
        let endsOffset = wordsOffset + capacity.words * MemoryLayout<UInt64>.stride
        let startsOffset = endsOffset + capacity.words * MemoryLayout<Int>.stride
        let unitsOffset = startsOffset + characterCount * MemoryLayout<Int>.stride
        let wrappedOffset = unitsOffset + characterCount * MemoryLayout<UInt32>.stride
        featureBlock?.deallocate()
        let block = UnsafeMutableRawPointer.allocate(byteCount: wrappedOffset + characterCount, alignment: 16)
        featureBlock = block
        features = block.bindMemory(to: HashedFeature.self, capacity: featureCount)
        wordHashes = (block + wordsOffset).bindMemory(to: UInt64.self, capacity: capacity.words)
        characterEnds = (block + endsOffset).bindMemory(to: Int.self, capacity: capacity.words)
        starts = (block + startsOffset).bindMemory(to: Int.self, capacity: characterCount)
        units = (block + unitsOffset).bindMemory(to: UInt32.self, capacity: characterCount)
        wrapped = (block + wrappedOffset).bindMemory(to: UInt8.self, capacity: characterCount)
    }
}

/// Normalisation and feature hashing in one step, for coding many texts (one record after another).
///
/// `features(of:spec:into:)` gives exactly what `normalizer.tokens(text)`, `FeatureHashing.features(of:spec:into:)`
/// and `normalizer.normalize(text)` give, several times faster: for Latin text it works on the text's bytes
/// in buffers it keeps from call to call, with no `String` per token. A featurizer is not thread-safe: give
/// each thread (or each predictor) its own.
///
/// ```swift
/// let featurizer = TextFeaturizer(normalizer: model.normalizer)
/// hashed.removeAll(keepingCapacity: true)
/// let key = featurizer.features(of: text, spec: model.features, into: &hashed)  // "mleko 3.2% 1l"
/// if key.isEmpty { /* no tokens */ } else if let code = index[key] { /* ... */ }
/// ```
public final class TextFeaturizer {
    public let normalizer: TextNormalizer
    private let scratch = HashingScratch()
    /// The last text's normalised text: in `scratch`'s text buffer (fast path), or else here.
    private var normalizedFast: UnsafeBufferPointer<UInt8>?
    private var normalizedGeneral: [UInt8] = []

    public init(normalizer: TextNormalizer) {
        self.normalizer = normalizer
    }

    /// Appends the features of `text` to `out` and returns its normalised text (`normalizer.normalize(text)`:
    /// the tokens joined by single spaces, the coding index's key; empty when the text has no tokens).
    ///
    /// `skip`: leaves out the character n-grams of the tokens whose word hash it accepts (a caller that
    /// keeps per-word results does not need them again); `characterFeatureRange(ofToken:)` is then empty.
    @discardableResult
    public func features(
        of text: String, spec: FeatureSpec, into out: inout [HashedFeature],
        skippingCharacterNgramsOf skip: (UInt64) -> Bool = { _ in false }
    ) -> String {
        featurize(text, spec: spec, into: &out, skippingCharacterNgramsOf: skip)
        return withNormalizedUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    /// `features(of:spec:into:skippingCharacterNgramsOf:)` without making the normalised text a String:
    /// whether the text has tokens; `withNormalizedUTF8` reads its normalised text until the next call.
    @discardableResult
    public func featurize(
        _ text: String, spec: FeatureSpec, into out: inout [HashedFeature],
        skippingCharacterNgramsOf skip: (UInt64) -> Bool = { _ in false }
    ) -> Bool {
        let fast = text.utf8.withContiguousStorageIfAvailable { featurizeFast($0, spec: spec, into: &out, skip) }
        if fast != true { featurizeGeneral(text, spec: spec, into: &out, skippingCharacterNgramsOf: skip) }
        return scratch.tokenCount > 0
    }

    /// `featurize` of a text given as UTF-8 bytes (as a CSV reader hands out fields), without making it a
    /// String unless it needs the general path; bytes that are not valid UTF-8 are read as
    /// `String(decoding:as:)` reads them.
    @discardableResult
    public func featurize(
        utf8 text: UnsafeBufferPointer<UInt8>, spec: FeatureSpec, into out: inout [HashedFeature],
        skippingCharacterNgramsOf skip: (UInt64) -> Bool = { _ in false }
    ) -> Bool {
        if !featurizeFast(text, spec: spec, into: &out, skip) {
            featurizeGeneral(
                String(decoding: text, as: UTF8.self), spec: spec, into: &out, skippingCharacterNgramsOf: skip)
        }
        return scratch.tokenCount > 0
    }

    /// The byte-level fast path (`TextNormalizer.withFastTokens`); false, with nothing appended, when the
    /// text needs the general path.
    private func featurizeFast(
        _ text: UnsafeBufferPointer<UInt8>, spec: FeatureSpec, into out: inout [HashedFeature],
        _ skip: (UInt64) -> Bool
    ) -> Bool {
        let capacity = TextNormalizer.fastPathCapacity(utf8Count: text.count)
        scratch.reserveText(bytes: capacity.bytes, spans: capacity.spans)
        normalizedFast = normalizer.withFastTokens(utf8: text, bytes: scratch.textBytes, spans: scratch.textSpans) {
            utf8, tokens in
            FeatureHashing.appendFeatures(
                text: utf8, tokens: tokens, spec: spec, scratch: scratch, into: &out, skippingCharacterNgramsOf: skip)
            return utf8
        }
        return normalizedFast != nil
    }

    private func featurizeGeneral(
        _ text: String, spec: FeatureSpec, into out: inout [HashedFeature],
        skippingCharacterNgramsOf skip: (UInt64) -> Bool
    ) {
        normalizedFast = nil
        let tokens = normalizer.tokensGeneral(text)
        FeatureHashing.features(of: tokens, spec: spec, scratch: scratch, into: &out, skippingCharacterNgramsOf: skip)
        normalizedGeneral = Array(tokens.joined(separator: " ").utf8)
    }

    /// The last text's normalised text, as UTF-8 (see `features(of:spec:into:)`).
    public func withNormalizedUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let normalizedFast { return body(normalizedFast) }
        return normalizedGeneral.withUnsafeBufferPointer(body)
    }

    // The last text's tokens, for callers that reuse work per word (a prediction cache keyed by word).

    /// How many tokens the last text passed to `features(of:spec:into:)` had.
    public var tokenCount: Int { scratch.tokenCount }

    /// The hash of token `k` of the last text: its word feature's hash.
    public func wordHash(ofToken k: Int) -> UInt64 {
        precondition(k >= 0 && k < scratch.tokenCount, "token index out of range")
        return scratch.wordHashes[k]
    }

    /// Where token `k`'s character n-grams are among the features the last call appended (0 = the first
    /// appended). The word and word n-gram features come first, in `0..<wordFeatureCount`.
    public func characterFeatureRange(ofToken k: Int) -> Range<Int> {
        precondition(k >= 0 && k < scratch.tokenCount, "token index out of range")
        return (k == 0 ? scratch.headFeatureEnd : scratch.characterEnds[k - 1])..<scratch.characterEnds[k]
    }

    /// Where the last text's position features (`FeatureSpec.headFeatures`) are among the features the last
    /// call appended: right after the word features.
    public var headFeatureRange: Range<Int> { scratch.wordFeatureCount..<scratch.headFeatureEnd }

    /// How many word and word n-gram features the last call appended before the character n-grams.
    public var wordFeatureCount: Int { scratch.wordFeatureCount }
}
