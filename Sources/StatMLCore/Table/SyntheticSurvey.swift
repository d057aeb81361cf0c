import Glibc

/// A generated household-survey file with the awkward features real exports have: semicolons and decimal
/// commas (European style), a UTF-8 byte-order mark, CRLF line ends, NA tokens, day-first dates, quoted
/// text with delimiters, doubled quotes and line breaks. Used by the demo and by tests; seeded, so the
/// same seed gives the same bytes on every machine.
public struct SyntheticSurvey {
    public enum Style: String, Sendable, CaseIterable {
        /// `;`-separated, decimal comma, BOM, CRLF, DD.MM.YYYY dates, TRUE/FALSE.
        case european
        /// `,`-separated, decimal point, LF, ISO dates, true/false.
        case plain
    }

    public static let header = [
        "household_id", "region", "interview_date", "household_size", "income", "food_share", "owns_dwelling",
        "comment",
    ]

    static let regions = [
        "Mazowieckie", "Śląskie", "Łódzkie", "Wielkopolskie", "Małopolskie", "Pomorskie", "Dolnośląskie", "Lubelskie",
    ]
    static let comments = [
        "", "no answer at first visit", "refused income; imputed later", "interviewer note: \"large garden\"",
        "moved in 2024, new address", "two visits;\nsecond by phone", "renting; landlord abroad",
    ]

    public var rows: Int
    public var seed: UInt64
    public var style: Style

    public init(rows: Int, seed: UInt64 = 1, style: Style = .european) {
        self.rows = rows
        self.seed = seed
        self.style = style
    }

    /// The whole file as bytes.
    public func bytes() -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        let european = style == .european
        let delimiter: Character = european ? ";" : ","
        let newline = european ? "\r\n" : "\n"
        var out = european ? "\u{FEFF}" : ""
        out += SyntheticSurvey.header.joined(separator: String(delimiter)) + newline
        let firstDay = CivilDate(year: 2025, month: 1, day: 1)!.daysSinceEpoch
        for id in stride(from: 1, through: rows, by: 1) {
            let size = 1 + Int(rng.gamma(shape: 2, scale: 1.2).rounded())
            let income = (rng.normal(mean: 10.2, sd: 0.6)).exp() * Double(size).squareRoot()
            let foodShare = rng.beta(4, 9)
            let date = CivilDate(daysSinceEpoch: firstDay + rng.int(below: 365))
            var fields: [String] = []
            fields.append(String(id))
            fields.append(SyntheticSurvey.regions[rng.int(below: SyntheticSurvey.regions.count)])
            if european {
                let (y, m, d) = date.components
                fields.append("\(d < 10 ? "0" : "")\(d).\(m < 10 ? "0" : "")\(m).\(y)")
            } else {
                fields.append(date.description)
            }
            fields.append(String(size))
            // About 4% refuse income (NA), and 2% of food shares are '.' (SAS-style missing).
            fields.append(rng.uniform() < 0.04 ? "NA" : decimal(income, digits: 2, comma: european))
            fields.append(rng.uniform() < 0.02 ? "." : decimal(foodShare, digits: 4, comma: european))
            let owns = rng.uniform() < 0.63
            fields.append(european ? (owns ? "TRUE" : "FALSE") : (owns ? "true" : "false"))
            fields.append(SyntheticSurvey.comments[rng.int(below: SyntheticSurvey.comments.count)])
            out += fields.map { quoted($0, delimiter: delimiter) }.joined(separator: String(delimiter)) + newline
        }
        return Array(out.utf8)
    }

    func decimal(_ x: Double, digits: Int, comma: Bool) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((x * scale).rounded())
        let whole = scaled / Int(scale)
        var frac = String(scaled % Int(scale))
        while frac.count < digits { frac = "0" + frac }
        return "\(whole)\(comma ? "," : ".")\(frac)"
    }

    func quoted(_ field: String, delimiter: Character) -> String {
        guard field.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension Double {
    fileprivate func exp() -> Double { Glibc.exp(self) }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
