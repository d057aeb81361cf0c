import Foundation

/// The byte-level fast path of `TextNormalizer`: the same tokens as `tokensGeneral(_:)` for text whose
/// scalars all lie below U+0250 and are NFKC-stable (plus the no-break space), read straight from the
/// text's UTF-8 into scratch buffers, with no `String` or `properties` look-up per scalar or token.
///
/// Why it agrees with the general path:
/// - NFKC leaves such text unchanged (`UnicodeFolding.isNFKCStable`), except that it maps U+00A0 to a space;
///   all these scalars are starters that compose with nothing before them, so NFKC works scalar by scalar.
/// - Folding is scalar by scalar too, so `LatinFoldTable` holds, for every scalar, what the general path's
///   own `UnicodeFolding.fold` and `TextNormalizer.isWordScalar` make of it, computed once from them.
/// - Tokenisation (`LatinFoldTable.rawTokens`) and number/unit/stop-word handling (`finishTokens`) repeat
///   `rawTokens(_:)` and `tokensGeneral(_:)` on bytes. `TextNormalizerEquivalenceTests` runs both paths on
///   real and random text.
extension TextNormalizer {
    /// The most bytes and token spans `withFastTokens` needs for a text of `utf8Count` bytes. Folded scalars
    /// never take more bytes than the scalars they come from (checked when `LatinFoldTable` is built), so
    /// the raw tokens fit in `utf8Count` bytes; the joined text adds at most one space per raw token. The
    /// final token spans overwrite the raw ones.
    static func fastPathCapacity(utf8Count n: Int) -> (bytes: Int, spans: Int) { (3 * n + 1, n + 1) }

    /// Calls `body` with the normalised text of the UTF-8 `input` (tokens joined by single spaces, UTF-8) and
    /// the byte range of each token in it; nil when the text needs the general path, as bytes that are not
    /// valid UTF-8 do (it reads them as `String(decoding:as:)` does). `bytes` and `spans` are scratch space
    /// of at least `fastPathCapacity` elements.
    func withFastTokens<R>(
        utf8 input: UnsafeBufferPointer<UInt8>, bytes: UnsafeMutableBufferPointer<UInt8>,
        spans: UnsafeMutableBufferPointer<TokenSpan>,
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<TokenSpan>) -> R
    ) -> R? {
        let table = foldDiacritics ? LatinFoldTable.diacriticsFolded : LatinFoldTable.caseFolded
        let n = input.count
        let capacity = Self.fastPathCapacity(utf8Count: n)
        precondition(bytes.count >= capacity.bytes && spans.count >= capacity.spans, "fast-path scratch too small")
        let raw = UnsafeMutableBufferPointer(rebasing: bytes[0..<n])
        let joined = UnsafeMutableBufferPointer(rebasing: bytes[n...])
        guard let rawCount = table.rawTokens(input, into: raw, spans: spans) else { return nil }
        let (length, count) = finishTokens(raw: UnsafeBufferPointer(raw), spans: spans, count: rawCount, into: joined)
        return body(UnsafeBufferPointer(rebasing: joined[0..<length]), UnsafeBufferPointer(rebasing: spans[0..<count]))
    }

    /// `withFastTokens` of a String, with scratch space on the stack (or the heap, for long texts).
    func withFastTokens<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<TokenSpan>) -> R)
        -> R?
    {
        let result: R?? = text.utf8.withContiguousStorageIfAvailable { input in
            let capacity = Self.fastPathCapacity(utf8Count: input.count)
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity.bytes) { bytes in
                withUnsafeTemporaryAllocation(of: TokenSpan.self, capacity: capacity.spans) { spans in
                    withFastTokens(utf8: input, bytes: bytes, spans: spans, body)
                }
            }
        }
        return result ?? nil
    }

    /// `tokensGeneral(_:)`'s second half on bytes: numbers in canonical form joined to the unit after them,
    /// number-and-unit tokens canonical, stop words dropped. Reads the `count` raw token spans from `spans`
    /// and writes the tokens joined by spaces to `out` and their spans over the raw ones (token k comes from
    /// raw token k or later); returns the byte length and the token count.
    private func finishTokens(
        raw: UnsafeBufferPointer<UInt8>, spans: UnsafeMutableBufferPointer<TokenSpan>, count rawCount: Int,
        into out: UnsafeMutableBufferPointer<UInt8>
    ) -> (length: Int, count: Int) {
        var w = 0
        var count = 0
        func copy(_ start: Int, _ end: Int) {
            for i in start..<end {
                out[w] = raw[i]
                w += 1
            }
        }
        /// `canonicalNumber`: leading zeros off the whole part, the later parts joined as the fraction
        /// without trailing zeros.
        func copyNumber(_ start: Int, _ end: Int) {
            var dot = start
            while dot < end, raw[dot] != UInt8(ascii: ".") { dot += 1 }
            var wholeStart = start
            while dot - wholeStart > 1, raw[wholeStart] == UInt8(ascii: "0") { wholeStart += 1 }
            copy(wholeStart, dot)
            var fractionEnd = end
            while fractionEnd > dot,
                raw[fractionEnd - 1] == UInt8(ascii: "0") || raw[fractionEnd - 1] == UInt8(ascii: ".")
            {
                fractionEnd -= 1
            }
            guard fractionEnd > dot else { return }
            out[w] = UInt8(ascii: ".")
            w += 1
            for i in (dot + 1)..<fractionEnd where raw[i] != UInt8(ascii: ".") {
                out[w] = raw[i]
                w += 1
            }
        }
        func begin() -> Int {
            if count > 0 {
                out[w] = UInt8(ascii: " ")
                w += 1
            }
            return w
        }
        func end(_ start: Int) {
            spans[count] = TokenSpan(start: start, end: w)
            count += 1
        }
        func isIn(_ set: ByteStringSet, _ start: Int, _ end: Int) -> Bool {
            set.contains(UnsafeBufferPointer(rebasing: raw[start..<end]))
        }

        var i = 0
        while i < rawCount {
            let t = spans[i]
            // Where the first scalar other than a digit or decimal point starts, for a token that starts with a
            // digit (decimal points only ever follow digits).
            var unitStart = t.start
            if isDigit(raw[unitStart]) {
                repeat {
                    unitStart += 1
                } while unitStart < t.end && (isDigit(raw[unitStart]) || raw[unitStart] == UInt8(ascii: "."))
            }
            if unitStart == t.end {  // a number
                let start = begin()
                copyNumber(t.start, t.end)
                if i + 1 < rawCount, !unitBytes.isEmpty, isIn(unitBytes, spans[i + 1].start, spans[i + 1].end) {
                    copy(spans[i + 1].start, spans[i + 1].end)
                    i += 1
                }
                end(start)
            } else if unitStart > t.start, isIn(unitBytes, unitStart, t.end) {  // a number and its unit
                let start = begin()
                copyNumber(t.start, unitStart)
                copy(unitStart, t.end)
                end(start)
            } else if stopWordBytes.isEmpty || !isIn(stopWordBytes, t.start, t.end) {
                let start = begin()
                copy(t.start, t.end)
                end(start)
            }
            i += 1
        }
        return (w, count)
    }
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

/// A token's bytes: `start..<end` in some buffer.
struct TokenSpan {
    var start: Int
    var end: Int
}

/// For every scalar below U+0250, what NFKC and `UnicodeFolding.fold` make of it and what that does in
/// `TextNormalizer.rawTokens`; or that the scalar needs the general path.
struct LatinFoldTable: Sendable {
    static let caseFolded = LatinFoldTable(foldDiacritics: false)
    static let diacriticsFolded = LatinFoldTable(foldDiacritics: true)
    static let limit = 0x250

    /// An entry's kind, in bits 0–2.
    enum Kind: UInt32 {
        /// One folded scalar that ends the current token.
        case separator = 0
        /// Folded scalars that are all part of a token (`isWordScalar`): bits 3–4 the number of their UTF-8
        /// bytes (1 or 2, never more than the scalar's own), bits 8–23 the bytes. ASCII letters and digits,
        /// Latin letters, ß → ss.
        case letters = 1
        /// '.' or ',': a decimal point between digits, a separator elsewhere.
        case decimalPoint = 2
        /// '%': a token of its own.
        case percent = 3
        /// No folded scalar (a diacritic dropped by diacritic folding).
        case nothing = 4
        /// A scalar the fast path does not handle.
        case generalPath = 5
    }

    /// The entry of one ASCII letter or digit: `letters` with one byte.
    static let oneLetter = Kind.letters.rawValue | 1 << 3

    /// Indexed by scalar value.
    let entries: [UInt32]

    init(foldDiacritics: Bool) {
        entries = (0..<UInt32(Self.limit)).map { v in
            let scalar = Unicode.Scalar(v)!  // no surrogates below U+0250
            let nfkc: Unicode.Scalar
            if UnicodeFolding.isNFKCStable(scalar) {
                nfkc = scalar
            } else if v == 0xA0 {
                nfkc = " "  // NO-BREAK SPACE: <noBreak> 0020
            } else {
                return Kind.generalPath.rawValue
            }
            var folded = String.UnicodeScalarView()
            UnicodeFolding.fold(nfkc, foldDiacritics: foldDiacritics, into: &folded)
            let utf8 = Array(String(folded).utf8)
            // The raw tokens then fit in as many bytes as the text (`TextNormalizer.fastPathCapacity`), and
            // every scalar of a fast-path token lies below U+0250 (`ByteStringSet`).
            guard utf8.count <= UTF8.width(scalar), folded.allSatisfy({ $0.value < Self.limit }) else {
                return Kind.generalPath.rawValue
            }
            if folded.isEmpty { return Kind.nothing.rawValue }
            if folded.allSatisfy(TextNormalizer.isWordScalar) {
                var entry = Kind.letters.rawValue | UInt32(utf8.count) << 3
                for (k, b) in utf8.enumerated() { entry |= UInt32(b) << (8 + 8 * k) }
                return entry
            }
            guard folded.count == 1 else { return Kind.generalPath.rawValue }
            switch folded.first! {
            case ".", ",": return Kind.decimalPoint.rawValue
            case "%": return Kind.percent.rawValue
            default: return Kind.separator.rawValue
            }
        }
    }

    /// Splits UTF-8 text into raw tokens as `TextNormalizer.rawTokens` does: their bytes into `raw` and
    /// their spans into `spans`, both at least as long as the input. Returns the token count, or nil when a
    /// scalar needs the general path.
    ///
    /// The scanning loop of `rawTokens` fed one table entry at a time. A '.' or ',' after a digit waits
    /// (`pendingDecimalPoint`) until the next folded scalar shows whether it sits between digits.
    func rawTokens(
        _ input: UnsafeBufferPointer<UInt8>, into raw: UnsafeMutableBufferPointer<UInt8>,
        spans: UnsafeMutableBufferPointer<TokenSpan>
    ) -> Int? {
        entries.withUnsafeBufferPointer { table -> Int? in
            let n = input.count
            var i = 0
            var w = 0
            var count = 0
            var tokenStart = 0
            var pendingDecimalPoint = false
            while i < n {
                if !pendingDecimalPoint {
                    // Most scalars are ASCII letters or digits that just go into the current token.
                    var j = i
                    var k = w
                    while j < n {
                        let b = input[j]
                        guard b < 0x80 else { break }
                        let entry = table[Int(b)]
                        guard entry & 0x1F == Self.oneLetter else { break }
                        raw[k] = UInt8(truncatingIfNeeded: entry >> 8)
                        k &+= 1
                        j &+= 1
                    }
                    i = j
                    w = k
                    if i == n { break }
                }
                let b0 = input[i]
                let entry: UInt32
                if b0 < 0x80 {
                    entry = table[Int(b0)]
                    i += 1
                } else if b0 >= 0xC2 && b0 <= 0xDF && i + 1 < n && input[i + 1] & 0xC0 == 0x80 {
                    // A valid two-byte sequence (a lead of C2–DF and a continuation byte); anything else,
                    // valid or not, goes to the general path.
                    let v = Int(b0 & 0x1F) << 6 | Int(input[i + 1] & 0x3F)
                    guard v < Self.limit else { return nil }
                    entry = table[v]
                    i += 2
                } else {
                    return nil
                }
                let kind = entry & 7
                if kind == Kind.nothing.rawValue { continue }
                if kind == Kind.generalPath.rawValue { return nil }
                if pendingDecimalPoint {
                    pendingDecimalPoint = false
                    if kind == Kind.letters.rawValue, isDigit(UInt8(truncatingIfNeeded: entry >> 8)) {
                        raw[w] = UInt8(ascii: ".")
                        w += 1
                    } else if w > tokenStart {
                        spans[count] = TokenSpan(start: tokenStart, end: w)
                        count += 1
                        tokenStart = w
                    }
                }
                if kind == Kind.letters.rawValue {
                    var bytes = entry >> 8
                    for _ in 0..<(entry >> 3 & 3) {
                        raw[w] = UInt8(truncatingIfNeeded: bytes)
                        w += 1
                        bytes >>= 8
                    }
                } else if kind == Kind.decimalPoint.rawValue && w > tokenStart && isDigit(raw[w - 1]) {
                    pendingDecimalPoint = true
                } else {
                    // A separator (or a decimal point not after a digit) ends the token; '%' is a token of its own.
                    if w > tokenStart {
                        spans[count] = TokenSpan(start: tokenStart, end: w)
                        count += 1
                        tokenStart = w
                    }
                    if kind == Kind.percent.rawValue {
                        raw[w] = UInt8(ascii: "%")
                        w += 1
                        spans[count] = TokenSpan(start: tokenStart, end: w)
                        count += 1
                        tokenStart = w
                    }
                }
            }
            if w > tokenStart {
                spans[count] = TokenSpan(start: tokenStart, end: w)
                count += 1
            }
            return count
        }
    }
}

/// A set of strings that answers for UTF-8 bytes without making a `String` (open addressing on FNV-1a).
///
/// `Set<String>` compares by canonical equivalence. Every string is stored as written and in NFC, and the
/// fast path asks only about NFC text (scalars below U+0250, which compose with nothing), so a byte match
/// here is the same answer `Set<String>.contains` gives.
struct ByteStringSet: Sendable {
    private var bytes: [UInt8] = []
    /// Entry k is `bytes[ends[k - 1]..<ends[k]]` (from 0 for k = 0).
    private var ends: [Int] = []
    /// Entry index + 1, or 0 for an empty slot; a power of two long, at most half full.
    private var slots: [Int32]
    let isEmpty: Bool

    init(_ strings: Set<String>) {
        var forms: Set<[UInt8]> = []
        for s in strings {
            forms.insert(Array(s.utf8))
            forms.insert(Array(s.precomposedStringWithCanonicalMapping.utf8))
        }
        isEmpty = forms.isEmpty
        var capacity = 8
        while capacity < 2 * forms.count { capacity *= 2 }
        slots = [Int32](repeating: 0, count: capacity)
        for form in forms {
            bytes.append(contentsOf: form)
            ends.append(bytes.count)
            var slot = Self.hash(form) & (capacity - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(ends.count)
        }
    }

    private static func hash(_ key: some Collection<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ h >> 29)
    }

    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !isEmpty else { return false }
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while true {
            let k = Int(slots[slot])
            if k == 0 { return false }
            let start = k == 1 ? 0 : ends[k - 2]
            let end = ends[k - 1]
            if end - start == key.count, bytes[start..<end].elementsEqual(key) { return true }
            slot = (slot + 1) & mask
        }
    }
}
