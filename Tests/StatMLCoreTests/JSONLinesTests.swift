import Glibc
@_spi(Testing) import StatMLCore
import Testing

@Suite("JSON Lines")
struct JSONLinesTests {
    typealias T = IOTestSupport

    func objects(_ text: String) throws -> [(JSONObject, Int)] {
        var out: [(JSONObject, Int)] = []
        try JSONLinesReader(bytes: Array(text.utf8), name: "t.jsonl").forEachObject { out.append(($0, $1)) }
        return out
    }

    func error(_ bytes: [UInt8]) -> StatMLError? {
        do {
            try JSONLinesReader(bytes: bytes, name: "t.jsonl").forEachObject { _, _ in }
            return nil
        } catch let error as StatMLError {
            return error
        } catch {
            return nil
        }
    }

    @Test func objectsWithLineNumbersSkippingBlankLines() throws {
        let got = try objects("{\"id\":1}\n\n{\"id\":2,\"v\":\"x\"}\r\n  \t \n{\"id\":3}")
        #expect(got.map(\.1) == [1, 3, 5])
        #expect(got.map { $0.0["id"] } == [1, 2, 3])
        #expect(got[1].0["v"] == "x")
        #expect(try objects("").isEmpty)
        #expect(try objects("\n\n").isEmpty)
    }

    @Test func byteOrderMarkIsIgnored() throws {
        var out: [JSONObject] = []
        try JSONLinesReader(bytes: [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\n".utf8)).forEachObject { o, _ in out.append(o)
        }
        #expect(out == [JSONObject([("a", 1)])])
    }

    @Test func aLineThatIsNotAnObject() {
        let array = error(Array("{\"a\":1}\n[1,2]\n".utf8))
        #expect(array?.message == "expected a JSON object on each line, found an array")
        #expect(array?.location == .init(file: "t.jsonl", line: 2, column: 1))
        let number = error(Array("\n\n  42\n".utf8))
        #expect(number?.message == "expected a JSON object on each line, found a number")
        #expect(number?.location == .init(file: "t.jsonl", line: 3, column: 3))
    }

    @Test func aParseErrorNamesTheLineAndTheColumnInsideIt() {
        let bad = error(Array("{\"a\":1}\n{\"b\": tru}\n".utf8))
        #expect(bad?.location == .init(file: "t.jsonl", line: 2, column: 7))
        #expect(bad?.message.contains("invalid literal") == true)
        // Two objects on one line: the second is text after the value.
        let two = error(Array("{\"a\":1} {\"b\":2}\n".utf8))
        #expect(two?.location == .init(file: "t.jsonl", line: 1, column: 9))
        // A string may not hold a raw line break, so an object cannot span lines.
        let split = error(Array("{\"a\":\n1}\n".utf8))
        #expect(split?.location == .init(file: "t.jsonl", line: 1, column: 6))
    }

    @Test func missingFileIsNotFound() {
        #expect(throws: StatMLError.self) { try JSONLinesReader(path: "/nonexistent/x.jsonl") }
    }

    @Test func largeFileAndLongLineFromDisk() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        var text = ""
        var expected: [(Int, String)] = []
        var line = 1
        for k in 0..<40_000 {
            let payload = k == 20_000 ? String(repeating: "é漢", count: 600_000) : "row \(k) \"q\""
            text +=
                JSONValue.object(JSONObject([("k", .number(Double(k))), ("s", .string(payload))])).serialized() + "\n"
            expected.append((line, payload))
            line += 1
            if k % 997 == 0 {
                text += "\n"
                line += 1
            }
        }
        T.writeFile(dir + "/big.jsonl", Array(text.utf8))
        var got: [(Int, String)] = []
        try JSONLinesReader(path: dir + "/big.jsonl").forEachObject { object, line in
            got.append((line, object["s"]?.stringValue ?? "?"))
        }
        #expect(got.count == expected.count)
        #expect(got.map(\.0) == expected.map(\.0))
        #expect(got.map(\.1) == expected.map(\.1))
    }

    @Test func tinyBuffersGiveWhatMemoryGives() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let texts = [
            "{\"a\":1}\n\n{\"b\":[1,2,{\"c\":\"é😀\"}]}\r\n  \n{}", "\u{FEFF}{\"a\":1}", "{\"a\":1}\n[2]\n{\"c\":3}\n",
            "{\"a\":\"x\\ny\"}\n{\"b\":tru}\n", "\n\n\n", "",
        ]
        for text in texts {
            let bytes = Array(text.utf8)
            T.writeFile(dir + "/in.jsonl", bytes)
            func outcome(_ reader: () throws -> JSONLinesReader) -> String {
                var parts: [String] = []
                do {
                    try reader().forEachObject { o, line in parts.append("\(line):\(JSONValue.object(o).serialized())")
                    }
                } catch {
                    parts.append("error: \(error)")
                }
                return parts.joined(separator: "|")
            }
            let expected = outcome { JSONLinesReader(bytes: bytes, name: dir + "/in.jsonl") }
            for capacity in [1, 2, 3, 5, 8, 13] {
                let got = outcome { try JSONLinesReader(path: dir + "/in.jsonl", bufferCapacity: capacity) }
                #expect(got == expected, "capacity \(capacity), \(text.debugDescription)")
            }
        }
    }

    @Test func writerWritesOneCompactObjectPerLineAtomically() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let path = dir + "/out.jsonl"
        let writer = try JSONLinesWriter(path: path)
        try writer.write(JSONObject([("b", 1), ("a", "x\ny"), ("n", nil)]))
        try writer.write(JSONObject())
        try writer.write(JSONObject([("nested", ["k": [1.5, true]])]))
        #expect(!T.fileExists(path))
        try writer.close()
        let text = String(decoding: T.readFile(path) ?? [], as: UTF8.self)
        #expect(text == "{\"b\":1,\"a\":\"x\\ny\",\"n\":null}\n{}\n{\"nested\":{\"k\":[1.5,true]}}\n")
        var back: [JSONObject] = []
        try JSONLinesReader(path: path).forEachObject { o, _ in back.append(o) }
        #expect(back.count == 3)
        #expect(back[0].keys == ["b", "a", "n"])
        #expect(back[2]["nested"]?["k"]?[0] == 1.5)
    }
}
