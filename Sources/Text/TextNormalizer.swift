/// Normalisation of short, noisy, multilingual texts (product names, occupations, activities) into
/// tokens: Unicode NFKC, case folding, optional diacritic folding, stable number-and-unit tokens
/// ("1l", "500 g", "3,2%" → `1l`, `500g`, `3.2%`), punctuation as separators, and stop words.
///
/// Text made of the scalars of the Latin blocks below U+0250 (ASCII, Latin-1 Supplement, Latin Extended-A
/// and -B) goes through a byte-level fast path (`LatinFastPath.swift`) that gives the same tokens as the
/// general path without building a `String` per step; anything else goes through the general path. To
/// normalise and hash features for many records, `TextFeaturizer` does both in one step.
public struct TextNormalizer: Sendable, Equatable {
    public var foldDiacritics: Bool
    /// Tokens dropped after normalisation (compared in normalised form).
    public var stopWords: Set<String> { didSet { stopWordBytes = ByteStringSet(stopWords) } }
    /// Units that join the number before them into one token.
    public var units: Set<String> { didSet { unitBytes = ByteStringSet(units) } }
    /// `stopWords` and `units` for look-ups by UTF-8 bytes on the fast path.
    private(set) var stopWordBytes = ByteStringSet([])
    private(set) var unitBytes = ByteStringSet([])

    public static let defaultUnits: Set<String> = [
        "g", "kg", "mg", "dag", "dkg", "l", "ml", "cl", "dl", "%",
        "szt", "pcs", "x", "cm", "mm", "m", "oz", "lb", "kcal",
    ]

    public init(
        foldDiacritics: Bool = false, stopWords: Set<String> = [], units: Set<String> = TextNormalizer.defaultUnits
    ) {
        self.foldDiacritics = foldDiacritics
        self.units = units
        self.stopWords = []
        // Stop words are matched after normalisation, so normalise them the same way.
        self.stopWords = Set(stopWords.flatMap { self.rawTokens($0) })
        // Property observers do not run in an initialiser.
        self.stopWordBytes = ByteStringSet(self.stopWords)
        self.unitBytes = ByteStringSet(units)
    }

    public static func == (a: TextNormalizer, b: TextNormalizer) -> Bool {
        a.foldDiacritics == b.foldDiacritics && a.stopWords == b.stopWords && a.units == b.units
    }

    /// The normalised tokens of a text.
    public func tokens(_ text: String) -> [String] {
        let fast = withFastTokens(text) { utf8, spans in
            spans.map { String(decoding: UnsafeBufferPointer(rebasing: utf8[$0.start..<$0.end]), as: UTF8.self) }
        }
        return fast ?? tokensGeneral(text)
    }

    /// The normalised text: tokens joined by single spaces. Two texts that code the same way in a coding
    /// index have the same normalised text.
    public func normalize(_ text: String) -> String {
        withFastTokens(text) { utf8, _ in String(decoding: utf8, as: UTF8.self) }
            ?? tokensGeneral(text).joined(separator: " ")
    }

    /// `tokens(_:)` by the general path, which handles any text; the fast path must agree with it.
    func tokensGeneral(_ text: String) -> [String] {
        let raw = rawTokens(text)
        var out: [String] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let token = raw[i]
            if isNumber(token) {
                let number = canonicalNumber(token)
                // "500 g" → 500g; "3,2 %" → 3.2%.
                if i + 1 < raw.count, units.contains(raw[i + 1]) {
                    out.append(number + raw[i + 1])
                    i += 2
                    continue
                }
                // "500g" → 500g (number with its unit in one token).
                out.append(number)
                i += 1
                continue
            }
            if let split = splitNumberUnit(token) {
                out.append(split)
            } else if !stopWords.contains(token) {
                out.append(token)
            }
            i += 1
        }
        return out
    }

    /// NFKC, case folding, diacritics; then split into runs of letters/digits. Decimal separators inside
    /// numbers and a '%' after a digit stay in the token.
    func rawTokens(_ text: String) -> [String] {
        var folded = String.UnicodeScalarView()
        for scalar in UnicodeFolding.nfkc(text).unicodeScalars {
            UnicodeFolding.fold(scalar, foldDiacritics: foldDiacritics, into: &folded)
        }
        let scalars = Array(folded)
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { tokens.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for (i, s) in scalars.enumerated() {
            if Self.isWordScalar(s) {
                current.append(s)
            } else if (s == "." || s == ","), let last = current.last, isDigit(last), i + 1 < scalars.count,
                isDigit(scalars[i + 1])
            {
                current.append(".")  // a decimal separator between digits: 3,2 and 3.2 alike
            } else if s == "%" {
                flush()
                tokens.append("%")
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }

    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            let v = s.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A)
        }
        let p = s.properties
        return p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
            || p.generalCategory == .spacingMark
    }

    private func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    private func isNumber(_ token: String) -> Bool {
        var sawDigit = false
        for s in token.unicodeScalars {
            if isDigit(s) { sawDigit = true } else if s != "." { return false }
        }
        return sawDigit
    }

    /// "007" → "7", "3.20" → "3.2", "1.0" → "1": numbers that mean the same read the same.
    private func canonicalNumber(_ token: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var whole = parts.removeFirst()
        while whole.count > 1, whole.hasPrefix("0") { whole.removeFirst() }
        var fraction = parts.joined()
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    /// "500g" → "500g" in canonical form ("0500g" → "500g", "1,5l" → "1.5l"); nil when the token is not a
    /// number followed by a known unit.
    private func splitNumberUnit(_ token: String) -> String? {
        guard let first = token.unicodeScalars.first, isDigit(first) else { return nil }
        guard let unitStart = token.unicodeScalars.firstIndex(where: { !isDigit($0) && $0 != "." }) else { return nil }
        let number = String(token.unicodeScalars[..<unitStart])
        let unit = String(token.unicodeScalars[unitStart...])
        guard units.contains(unit), isNumber(number) else { return nil }
        return canonicalNumber(number) + unit
    }
}
