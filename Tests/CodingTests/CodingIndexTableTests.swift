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
        for text in [
            "produkt 1 żółty", "produkt 1 żółty 11", "mleko 3,2% 1", "mleko 3,2% 1l ", "молоко!",
            "produkt 1 z\u{307}o\u{301}łty 1",
        ] {
            #expect(table.find(text) == nil, "\(text)")
        }
    }

    /// The Bloom filter before the table lets every present text through and stops most absent ones
    /// (two bits of 16 an entry: about 1.4% pass).
    @Test func filterPassesPresentTextsAndStopsMostAbsentOnes() {
        var index: [String: Int32] = [:]
        for i in 0..<20_000 { index["towar \(i)"] = Int32(i % 61) }
        let table = CodingIndexTable(index)
        for text in index.keys {
            var copy = text
            #expect(copy.withUTF8 { table.mayContain(CodingIndexTable.hash($0)) }, "\(text)")
        }
        var passed = 0
        for i in 0..<20_000 {
            var text = "inny towar \(i)"
            #expect(table.find(text) == nil)
            if text.withUTF8({ table.mayContain(CodingIndexTable.hash($0)) }) { passed += 1 }
        }
        #expect(passed > 0 && passed < 600, "\(passed) of 20,000 absent texts passed the filter")
    }

    /// From a model file's arrays (texts end to end, their ends, their classes): the same table, and
    /// arrays that do not fit together are refused.
    @Test func readsModelFileArraysAndRefusesInconsistentOnes() throws {
        let index: [String: Int32] = ["mleko 1l": 3, "": 9, "молоко": 4, "ser żółty": 0]
        var texts: [UInt8] = []
        var ends: [UInt64] = []
        var classes: [UInt64] = []
        for (text, c) in index.sorted(by: { $0.key < $1.key }) {
            texts += text.utf8
            ends.append(UInt64(texts.count))
            classes.append(UInt64(c))
        }
        let table = try #require(CodingIndexTable(texts: texts, ends: ends, classes: classes, classCount: 10))
        #expect(table.entries == index && table.count == 4)
        for (text, c) in index { #expect(table.find(text) == c, "\(text)") }
        #expect(CodingIndexTable(texts: [], ends: [], classes: [], classCount: 2)?.count == 0)

        let bad: [(texts: [UInt8], ends: [UInt64], classes: [UInt64], why: String)] = [
            (texts, ends, classes.dropLast(), "fewer classes than texts"),
            (texts, ends.dropLast(), classes.dropLast(), "the last text does not end where the bytes do"),
            (texts + [0], ends, classes, "bytes after the last text"),
            (texts, [ends[1], ends[0]] + ends.dropFirst(2), classes, "ends that go back"),
            (texts, ends, [10] + classes.dropFirst(), "a class the model does not have"),
            ([], [1], [0], "an end past the bytes"),
            (texts, [UInt64(texts.count + 100)] + ends.dropFirst(), classes, "an end past the bytes, then one back"),
        ]
        for b in bad {
            #expect(
                CodingIndexTable(texts: b.texts, ends: b.ends, classes: b.classes, classCount: 10) == nil, "\(b.why)")
        }
    }
}
