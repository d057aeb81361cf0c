import Glibc
import StatMLCore
import Testing

@Suite("CSVWriter")
struct CSVWriterTests {
    typealias T = IOTestSupport

    func written(_ header: [String]?, _ rows: [[String?]], delimiter: UInt8 = UInt8(ascii: ",")) throws -> String {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let writer = try CSVWriter(path: dir + "/out.csv", delimiter: delimiter, header: header)
        for row in rows { try writer.write(row) }
        try writer.close()
        return String(decoding: T.readFile(dir + "/out.csv") ?? [], as: UTF8.self)
    }

    @Test func quotesOnlyWhenNeeded() throws {
        let text = try written(
            ["id", "name", "note"],
            [
                ["1", "plain", nil],
                ["2", "a,b", "say \"hi\""],
                ["3", " lead", "trail "],
                ["4", "line\nbreak", "cr\rx"],
                ["5", "", ""],
                ["6", "\ttab", "semi;colon"],
            ])
        #expect(
            text
                == "id,name,note\n1,plain,\n2,\"a,b\",\"say \"\"hi\"\"\"\n3,\" lead\",\"trail \"\n"
                + "4,\"line\nbreak\",\"cr\rx\"\n5,,\n6,\"\ttab\",semi;colon\n")
    }

    @Test func otherDelimiter() throws {
        let text = try written(["a", "b"], [["1,5", "x;y"]], delimiter: UInt8(ascii: ";"))
        #expect(text == "a;b\n1,5;\"x;y\"\n")
    }

    @Test func singleEmptyFieldIsWrittenQuotedSoItIsNotABlankLine() throws {
        let text = try written(["x"], [[nil], [""], ["a"]])
        #expect(text == "x\n\"\"\n\"\"\na\n")
        #expect(try T.rows(text) == [[""], [""], ["a"]])
    }

    @Test func noHeader() throws {
        #expect(try written(nil, [["1", "2"], ["3"]]) == "1,2\n3\n")
    }

    @Test func rowWidthMustMatchTheHeader() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let writer = try CSVWriter(path: dir + "/out.csv", header: ["a", "b"])
        #expect(throws: StatMLError.self) { try writer.write(["1"]) }
    }

    @Test func invalidDelimiterIsAUsageError() {
        for delimiter in [UInt8(ascii: "\""), 0x0A, 0x0D, 0xE9] {
            do {
                _ = try CSVWriter(path: "/tmp/never-written.csv", delimiter: delimiter, header: nil)
                Issue.record("expected an error for \(delimiter)")
            } catch let error as StatMLError {
                #expect(error.code == .usage)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(!T.fileExists("/tmp/never-written.csv"))
    }

    @Test func unwritableDirectoryIsAnIOErrorNamingThePath() {
        do {
            _ = try CSVWriter(path: "/nonexistent-dir/out.csv", header: ["a"])
            Issue.record("expected an error")
        } catch let error as StatMLError {
            #expect(error.code == .io)
            #expect(error.message.contains("/nonexistent-dir/out.csv"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func anUnclosedWriterLeavesTheOldFileAndNoTemporaryFile() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let path = dir + "/data.csv"
        T.writeFile(path, Array("old\n".utf8))
        chmod(path, 0o640)
        do {
            let writer = try CSVWriter(path: path, header: ["new"])
            for k in 0..<100_000 { try writer.write(["\(k)"]) }  // more than the write buffer holds
            #expect(T.listDirectory(dir).count == 2)  // the file and the temporary one
            // Dropped without close(), as when a run fails half way.
        }
        #expect(T.readFile(path) == Array("old\n".utf8))
        #expect(T.listDirectory(dir) == ["data.csv"])

        let writer = try CSVWriter(path: path, header: ["new"])
        try writer.write(["1"])
        #expect(T.readFile(path) == Array("old\n".utf8))  // not replaced before close()
        try writer.close()
        try writer.close()  // closing twice is harmless
        #expect(T.readFile(path) == Array("new\n1\n".utf8))
        #expect(T.listDirectory(dir) == ["data.csv"])
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o640)  // the replaced file's permissions are kept
    }

    @Test func flushMakesRowsVisibleInTheTemporaryFileNotAtThePath() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let writer = try CSVWriter(path: dir + "/a.csv", header: ["x"])
        try writer.write(["1"])
        try writer.flush()
        #expect(!T.fileExists(dir + "/a.csv"))
        let temporary = T.listDirectory(dir).first ?? ""
        #expect(temporary.hasPrefix(".a.csv.tmp-"))
        #expect(T.readFile(dir + "/" + temporary) == Array("x\n1\n".utf8))
        try writer.close()
        #expect(T.readFile(dir + "/a.csv") == Array("x\n1\n".utf8))
    }

    /// `count` rows of `width` fields, each nil one time in eight, else up to six pieces that CSV must
    /// quote, escape or keep (delimiters, quotes, line breaks, edge spaces, multibyte characters).
    static func nastyRows(width: Int, count: Int, using rng: inout IOTestRandom) -> [[String?]] {
        let pieces = ["a", "Z", ",", ";", "\"", "\"\"", "\n", "\r", "\r\n", " ", "\t", "é", "😀", "1.5", "", "'", "|"]
        return (0..<count).map { _ in
            (0..<width).map { _ in
                if Int.random(in: 0..<8, using: &rng) == 0 { return nil }
                return (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            }
        }
    }

    @Test func randomNastyTablesRoundTrip() throws {
        var rng = IOTestRandom(seed: 2024)
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        for round in 0..<40 {
            let width = Int.random(in: 1...6, using: &rng)
            let delimiter = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")].randomElement(using: &rng)!
            let header = (0..<width).map { "col\($0)" }
            let rows = Self.nastyRows(width: width, count: Int.random(in: 0...60, using: &rng), using: &rng)
            let path = dir + "/round\(round).csv"
            let writer = try CSVWriter(path: path, delimiter: delimiter, header: header)
            for row in rows { try writer.write(row) }
            try writer.close()
            let reader = try CSVReader(path: path, options: CSVOptions(delimiter: delimiter))
            #expect(reader.header == header)
            var back: [[String]] = []
            try reader.forEachRecord { r in back.append((0..<r.count).map { r.string($0) }) }
            #expect(back == rows.map { $0.map { $0 ?? "" } }, "round \(round)")
        }
    }

    /// `write(encodedRow:fieldCount:)` with fields encoded by `encodeField` writes the very bytes
    /// `write(_:)` writes for the same row (how `statml code predict` copies input columns through).
    @Test func preEncodedRowsWriteTheSameBytes() throws {
        var rng = IOTestRandom(seed: 77)
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        for round in 0..<30 {
            let delimiter = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09].randomElement(using: &rng)!
            let width = Int.random(in: 1...6, using: &rng)
            let rows = Self.nastyRows(width: width, count: Int.random(in: 1...40, using: &rng), using: &rng)
            let header = (0..<width).map { "c\($0)" }
            let plain = try CSVWriter(path: dir + "/plain.csv", delimiter: delimiter, header: header)
            let encoded = try CSVWriter(path: dir + "/encoded.csv", delimiter: delimiter, header: header)
            for row in rows {
                try plain.write(row)
                var bytes: [UInt8] = []
                for (k, field) in row.enumerated() {
                    if k > 0 { bytes.append(delimiter) }
                    var text = field ?? ""
                    text.withUTF8 { CSVWriter.encodeField($0, delimiter: delimiter, into: &bytes) }
                }
                try bytes.withUnsafeBufferPointer { try encoded.write(encodedRow: $0, fieldCount: width) }
            }
            try plain.close()
            try encoded.close()
            #expect(T.readFile(dir + "/encoded.csv") == T.readFile(dir + "/plain.csv"), "round \(round)")
        }
        // The width check counts the encoded fields.
        let writer = try CSVWriter(path: dir + "/w.csv", header: ["a", "b"])
        #expect(throws: StatMLError.self) {
            try [UInt8]("1".utf8).withUnsafeBufferPointer { try writer.write(encodedRow: $0, fieldCount: 1) }
        }
    }
}
