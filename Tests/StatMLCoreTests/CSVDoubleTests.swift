import Glibc
import StatMLCore
import Testing

/// `CSVRecord.double(_:)` and `DecimalParsing` against glibc's `strtod`, the reference the API
/// promises to match bit for bit.
@Suite("CSV double parsing")
struct CSVDoubleTests {
    /// strtod's reading of the whole text, or nil when strtod would not consume all of it or the
    /// text is outside the decimal grammar (strtod also takes inf, nan, hex and leading newlines).
    static func reference(_ text: String) -> Double? {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        let core = String(trimmed)
        guard !core.isEmpty, isDecimal(core) else { return nil }
        return core.withCString { start -> Double? in
            var stop: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(start, &stop)
            return stop == UnsafeMutablePointer(mutating: start) + core.utf8.count ? value : nil
        }
    }

    /// [+-]? (digits (. digits?)? | . digits) ([eE] [+-]? digits)?
    static func isDecimal(_ text: String) -> Bool {
        var chars = Array(text.utf8)[...]
        if let c = chars.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { chars = chars.dropFirst() }
        let integer = chars.prefix { $0 >= 0x30 && $0 <= 0x39 }
        chars = chars.dropFirst(integer.count)
        var fraction = 0
        if chars.first == UInt8(ascii: ".") {
            chars = chars.dropFirst()
            fraction = chars.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            chars = chars.dropFirst(fraction)
        }
        if integer.isEmpty && fraction == 0 { return false }
        if let c = chars.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if let s = chars.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { chars = chars.dropFirst() }
            let exponent = chars.prefix { $0 >= 0x30 && $0 <= 0x39 }
            if exponent.isEmpty { return false }
            chars = chars.dropFirst(exponent.count)
        }
        return chars.isEmpty
    }

    /// Both parsers: the public byte-by-byte one and the reader's (SWAR digits over a padded buffer).
    static func parseBoth(_ texts: [String]) throws -> [(plain: Double?, record: Double?)] {
        // One field per row; quote every field so that a text with a comma or a space stays one field.
        var csv = "x\n"
        for text in texts { csv += "\"" + IOTestSupport.doubledQuotes(text) + "\"\n" }
        var fromRecords: [Double?] = []
        try CSVReader(bytes: Array(csv.utf8), options: CSVOptions(delimiter: UInt8(ascii: ",")))
            .forEachRecord { fromRecords.append($0.double(0)) }
        return texts.enumerated().map { k, text in
            var text = text
            let plain = text.withUTF8 { DecimalParsing.parseDouble($0) }
            return (plain, fromRecords[k])
        }
    }

    static func randomNumberText(_ rng: inout IOTestRandom) -> String {
        var s = ""
        if Bool.random(using: &rng) { s += ["-", "+", ""].randomElement(using: &rng)! }
        let digits = "0123456789"
        let integerDigits = Int.random(in: 0...22, using: &rng)
        for k in 0..<integerDigits {
            // Leading zeros now and then.
            s.append(k == 0 && Int.random(in: 0..<4, using: &rng) == 0 ? "0" : digits.randomElement(using: &rng)!)
        }
        if integerDigits == 0 || Bool.random(using: &rng) {
            s += "."
            for _ in 0..<Int.random(in: integerDigits == 0 ? 1...20 : 0...20, using: &rng) {
                s.append(digits.randomElement(using: &rng)!)
            }
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            s += ["e", "E"].randomElement(using: &rng)!
            s += ["", "+", "-"].randomElement(using: &rng)!
            // Mostly small exponents (the fast path), sometimes huge (overflow, underflow, subnormals).
            let exponent =
                Bool.random(using: &rng) ? Int.random(in: 0...40, using: &rng) : Int.random(in: 0...400, using: &rng)
            s += String(exponent)
        }
        return s
    }

    @Test func randomDecimalStringsMatchStrtodBitForBit() throws {
        var rng = IOTestRandom(seed: 7)
        var texts: [String] = []
        for _ in 0..<100_000 { texts.append(Self.randomNumberText(&rng)) }
        let results = try Self.parseBoth(texts)
        var mismatches: [String] = []
        var fastPathShare = 0
        for (text, result) in zip(texts, results) {
            let expected = Self.reference(text)
            if result.plain?.bitPattern != expected?.bitPattern || result.record?.bitPattern != expected?.bitPattern {
                mismatches.append(
                    "\(text): strtod \(String(describing: expected)), plain \(String(describing: result.plain)), record \(String(describing: result.record))"
                )
            }
            if expected != nil { fastPathShare += 1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        // Guard against a generator that only makes invalid text: most strings are numbers.
        #expect(fastPathShare > 95_000)
    }

    @Test func randomDoublesPrintedShortestReadBackExactly() throws {
        var rng = IOTestRandom(seed: 11)
        var values: [Double] = []
        while values.count < 50_000 {
            let x = Double(bitPattern: rng.next())
            if x.isFinite { values.append(x) }
        }
        for _ in 0..<50_000 { values.append(Double(Int.random(in: -10_000_000...10_000_000, using: &rng)) / 100) }
        let texts = values.map { "\($0)" }
        let results = try Self.parseBoth(texts)
        var bad = 0
        for (value, result) in zip(values, results) where result.plain != value || result.record != value { bad += 1 }
        #expect(bad == 0)
    }

    @Test func randomByteSoupAgreesWithTheGrammar() throws {
        var rng = IOTestRandom(seed: 3)
        let alphabet = Array("0123456789.eE+- \tx,")
        var texts: [String] = []
        for _ in 0..<100_000 {
            texts.append(
                String((0..<Int.random(in: 0...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        }
        let results = try Self.parseBoth(texts)
        var mismatches: [String] = []
        for (text, result) in zip(texts, results) {
            let expected = Self.reference(text)
            if result.plain?.bitPattern != expected?.bitPattern || result.record?.bitPattern != expected?.bitPattern {
                mismatches.append("'\(text)'")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test(arguments: [
        ("0", 0.0), ("-0.0", -0.0), ("1", 1.0), ("  42  ", 42.0), ("\t-3.25\t", -3.25), (".5", 0.5), ("5.", 5.0),
        ("+7e2", 700.0), ("1E-2", 0.01), ("123456789012345", 123_456_789_012_345.0),
        ("9007199254740993", 9_007_199_254_740_992.0),  // 2^53 + 1 rounds to even
        ("0.1", 0.1), ("1e23", 1e23), ("2.2250738585072014e-308", 2.2250738585072014e-308),
        ("4.9e-324", 4.9e-324), ("1e-400", 0.0), ("1e400", Double.infinity), ("-1e400", -Double.infinity),
        ("00000000000000000000000000001.5", 1.5), ("1.00000000000000000000000000001", 1.0),
    ])
    func knownValues(text: String, expected: Double) throws {
        let result = try Self.parseBoth([text])[0]
        #expect(result.plain?.bitPattern == expected.bitPattern)
        #expect(result.record?.bitPattern == expected.bitPattern)
    }

    @Test(arguments: [
        "", " ", ".", "-", "+", "e5", ".e1", "1e", "1e+", "1.2.3", "1,5", "inf", "nan", "NaN", "0x1p3", "1 2", "--1",
        "1e5x", "١٢",
    ])
    func notNumbers(text: String) throws {
        let result = try Self.parseBoth([text])[0]
        #expect(result.plain == nil)
        #expect(result.record == nil)
    }
}
