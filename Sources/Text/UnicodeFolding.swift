import Foundation

/// Unicode steps of text normalisation, with fast paths for the Latin text that statistical offices code
/// most: NFKC only goes to Foundation when a scalar could change under it.
enum UnicodeFolding {
    /// NFKC (Unicode Standard Annex #15). Text made only of scalars that are NFKC-stable in their own right
    /// is returned as it is; anything else is normalised by Foundation.
    static func nfkc(_ text: String) -> String {
        for scalar in text.unicodeScalars where !isNFKCStable(scalar) {
            return text.precomposedStringWithCompatibilityMapping
        }
        return text
    }

    /// Scalars below U+0250 that are their own NFKC form, minus the compatibility characters in that range
    /// (no-break space, ª, ², ³, µ, º, fractions, ĳ, ŀ, ŉ, ſ, Ǆ…ǌ, Ǳ…ǳ and the spacing diacritics).
    static func isNFKCStable(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0xA0 { return true }
        if v >= 0x250 { return false }
        switch v {
        case 0xA0, 0xA8, 0xAA, 0xAF, 0xB2, 0xB3, 0xB4, 0xB5, 0xB8, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE: return false
        case 0x132, 0x133, 0x13F, 0x140, 0x149, 0x17F: return false
        case 0x1C4...0x1CC, 0x1F1...0x1F3: return false
        default: return true
        }
    }

    /// Lower case, plus the case-folding steps lower-casing misses (ß → ss, final sigma → σ).
    static func caseFold(_ s: Unicode.Scalar, into out: inout String.UnicodeScalarView) {
        let v = s.value
        if v < 0x80 {
            out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20)! : s)
            return
        }
        switch v {
        case 0xDF, 0x1E9E:
            out.append("s")
            out.append("s")
        case 0x3C2:
            out.append("\u{3C3}")
        default:
            if s.properties.changesWhenLowercased {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(s)
            }
        }
    }

    /// One scalar of NFKC text folded as `TextNormalizer` folds it: case folding, then (with `foldDiacritics`)
    /// dropping diacritics and combining marks and taking Latin letters to their base letters.
    static func fold(_ s: Unicode.Scalar, foldDiacritics: Bool, into out: inout String.UnicodeScalarView) {
        guard foldDiacritics else {
            caseFold(s, into: &out)
            return
        }
        var lower = String.UnicodeScalarView()
        caseFold(s, into: &lower)
        for l in lower {
            if l.properties.isDiacritic || l.properties.generalCategory == .nonspacingMark { continue }
            out.append(withoutDiacritics(l) ?? l)
        }
    }

    /// The letter without its diacritics, for the Latin letters that have them (Latin-1 Supplement and
    /// Latin Extended-A, lower case), including those that do not decompose: ł → l, ø → o, đ → d, ħ → h.
    static func withoutDiacritics(_ s: Unicode.Scalar) -> Unicode.Scalar? {
        let v = s.value
        guard v >= 0xE0, v <= 0x17F else { return nil }
        let index = Int(v - 0xE0)
        let base = foldTable[foldTable.index(foldTable.startIndex, offsetBy: index)]
        return base == "." ? nil : base.unicodeScalars.first
    }

    /// One character per scalar from U+00E0 to U+017F: its base letter, or "." to keep it (checked
    /// against the Unicode character names: "LATIN SMALL LETTER A WITH OGONEK" → a).
    private static let foldTable: String =
        // U+00E0–U+00FF: à á â ã ä å æ ç è é ê ë ì í î ï ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
        "aaaaaa.ceeeeiiii.nooooo.ouuuuy.y"
        // U+0100–U+017F (pairs of upper, lower): Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď Đ đ Ē ē Ĕ ĕ Ė ė Ę ę Ě ě ...
        + "aaaaaacccccccc"  // 0100–010D
        + "dddd"  // 010E–0111
        + "eeeeeeeeee"  // 0112–011B
        + "gggggggg"  // 011C–0123
        + "hhhh"  // 0124–0127
        + "iiiiiiiiii"  // 0128–0131
        + ".."  // 0132–0133 ĳ (NFKC splits it first)
        + "jjkk."  // 0134–0138 (ĸ kept)
        + "llllllllll"  // 0139–0142
        + "nnnnnn..."  // 0143–014B (ŉ Ŋ ŋ kept)
        + "oooooo.."  // 014C–0153 (Œ œ kept)
        + "rrrrrr"  // 0154–0159
        + "ssssssss"  // 015A–0161
        + "tttttt"  // 0162–0167
        + "uuuuuuuuuuuu"  // 0168–0173
        + "wwyyy"  // 0174–0178
        + "zzzzzz."  // 0179–017F (ſ kept; NFKC maps it to s)
}
