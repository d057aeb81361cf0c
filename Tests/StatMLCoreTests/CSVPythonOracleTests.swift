import StatMLCore
import Testing

/// Python's csv module as an independent oracle: a file it writes must read back as the rows it
/// wrote, and a file StatML writes must read in Python as the rows StatML was given.
@Suite("CSV against Python's csv module", .enabled(if: IOTestSupport.pythonAvailable))
struct CSVPythonOracleTests {
    typealias T = IOTestSupport

    /// Rows as JSON: [[String]], parsed with StatML's own JSON parser.
    static func jsonRows(_ path: String) throws -> [[String]] {
        let value = try JSONValue.parse(T.readFile(path) ?? [])
        return (value.arrayValue ?? []).map { ($0.arrayValue ?? []).map { $0.stringValue ?? "<not a string>" } }
    }

    @Test func readsWhatPythonWrites() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let script = #"""
            import csv, json, random, sys
            out = sys.argv[1]
            rng = random.Random(1234)
            pieces = ["a", "Z", ",", ";", "\"", "\n", "\r\n", " ", "\t", "é", "😀", "1.5", "", "'", "漢字", "x" * 300]
            for name, delimiter, terminator in [("comma", ",", "\r\n"), ("semi", ";", "\n"), ("tab", "\t", "\r\n"), ("pipe", "|", "\n")]:
                width = rng.randint(1, 7)
                rows = [["c%d" % k for k in range(width)]]
                for _ in range(3000):
                    rows.append(["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(width)])
                # A row of one empty field is written as "" by csv.writer; keep widths equal.
                with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
                    csv.writer(f, delimiter=delimiter, lineterminator=terminator).writerows(rows)
                # What Python's reader makes of its own file is the truth.
                with open(f"{out}/{name}.csv", newline="", encoding="utf-8") as f:
                    back = list(csv.reader(f, delimiter=delimiter))
                json.dump(back, open(f"{out}/{name}.json", "w"))
            """#
        #expect(T.runPython(script, in: dir, arguments: [dir]))
        for (name, delimiter) in [("comma", ","), ("semi", ";"), ("tab", "\t"), ("pipe", "|")] {
            let expected = try Self.jsonRows("\(dir)/\(name).json")
            #expect(expected.count == 3001)
            // Once with the delimiter given, once detected (a one-column file has nothing to detect from).
            let delimiterByte = UInt8(ascii: Unicode.Scalar(delimiter)!)
            for given in expected[0].count > 1 ? [delimiterByte, nil] : [delimiterByte] {
                let reader = try CSVReader(path: "\(dir)/\(name).csv", options: CSVOptions(delimiter: given))
                var rows = [reader.header]
                try reader.forEachRecord { r in rows.append((0..<r.count).map { r.string($0) }) }
                #expect(reader.delimiter == delimiterByte, "\(name)")
                #expect(rows == expected, "\(name)")
            }
        }
    }

    @Test func pythonReadsWhatStatMLWrites() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        var rng = IOTestRandom(seed: 77)
        let pieces = ["a", ",", "\"", "\n", "\r", "\r\n", " ", "\t", "é", "😀", "", "|", ";"]
        let header = ["id", "text", "more"]
        var rows: [[String?]] = []
        for k in 0..<2000 {
            rows.append(
                ["\(k)"]
                    + (0..<2).map { _ in
                        Int.random(in: 0..<10, using: &rng) == 0
                            ? nil
                            : (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                                .joined()
                    })
        }
        let writer = try CSVWriter(path: dir + "/out.csv", header: header)
        for row in rows { try writer.write(row) }
        try writer.close()
        let script = #"""
            import csv, json, sys
            with open(sys.argv[1] + "/out.csv", newline="", encoding="utf-8") as f:
                json.dump(list(csv.reader(f)), open(sys.argv[1] + "/back.json", "w"))
            """#
        #expect(T.runPython(script, in: dir, arguments: [dir]))
        let back = try Self.jsonRows(dir + "/back.json")
        #expect(back == [header] + rows.map { $0.map { $0 ?? "" } })
    }
}
