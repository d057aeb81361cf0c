import Testing

@testable import Coding

/// The prediction path's index look-up answers exactly what the index dictionary answers.
@Suite("Coding: index look-up table")
struct CodingIndexTableTests {
    @Test func answersAsTheDictionary() {
        var index: [String: Int32] = [:]
        for i in 0..<5000 { index["produkt \(i) żółty \(i % 7)"] = Int32(i % 61) }
        index["mleko 3,2% 1l"] = 3
        index[""] = 9
        index["молоко"] = 4
        let table = CodingIndexTable(index)
        for (text, c) in index { #expect(table.find(text) == c, "\(text)") }
        // Absent texts, including prefixes and extensions of present ones and a different normal form.
        for text in ["produkt 1 żółty", "produkt 1 żółty 11", "mleko 3,2% 1", "mleko 3,2% 1l ", "молоко!",
            "produkt 1 z\u{307}o\u{301}łty 1"] {
            #expect(table.find(text) == nil, "\(text)")
        }
    }
}
