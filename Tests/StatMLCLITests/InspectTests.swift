import Foundation
import Testing

/// `statml data inspect` on awkward files whose counts and types were worked out by hand.
@Suite("statml data inspect")
struct InspectTests {
    /// European export: BOM, semicolons, CRLF, decimal commas, NA tokens, quoted newline, doubled quotes.
    static let european: [UInt8] =
        [0xEF, 0xBB, 0xBF]
        + Array(
            ("id;name;price;qty;date;ok;note\r\n"
                + "1;\"Mleko 2,0%\";3,49;2;01.02.2025;TRUE;\"first\r\nsecond\"\r\n"
                + "2;Chleb;NA;1;15.02.2025;FALSE;\r\n"
                + "3;\"Ser \"\"Gouda\"\"\";12,5;;28.02.2025;true;x\r\n"
                + "4;Jabłka;.;3;NA;false;\"a;b\"\r\n").utf8)

    func column(_ report: [String: Any], _ name: String) throws -> [String: Any] {
        let columns = try #require(report["columns"] as? [[String: Any]])
        return try #require(columns.first { $0["name"] as? String == name }, "no column \(name) in \(columns)")
    }

    @Test func europeanExportTypesAndCounts() throws {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write(Self.european, to: "export.csv", in: dir)
        let result = try CLI.run(["data", "inspect", path, "--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try CLI.json(result.stdout)
        #expect(report["rows"] as? Int == 4)
        #expect(report["delimiter"] as? String == ";")
        #expect((report["columns"] as? [Any])?.count == 7)

        let id = try column(report, "id")
        #expect(id["type"] as? String == "integer")
        #expect(id["missing"] as? Int == 0)
        #expect(id["min"] as? Double == 1 && id["max"] as? Double == 4 && id["mean"] as? Double == 2.5)

        #expect(try column(report, "name")["type"] as? String == "string")

        let price = try column(report, "price")  // 3,49 and 12,5; NA and . are missing
        #expect(price["type"] as? String == "number")
        #expect(price["missing"] as? Int == 2)
        #expect(price["min"] as? Double == 3.49)
        #expect(abs((price["mean"] as? Double ?? 0) - 7.995) < 1e-12)
        #expect(price["max"] as? Double == 12.5)

        let qty = try column(report, "qty")  // 2, 1, empty, 3
        #expect(qty["type"] as? String == "integer")
        #expect(qty["missing"] as? Int == 1)
        #expect(qty["mean"] as? Double == 2)

        let date = try column(report, "date")
        #expect(date["type"] as? String == "date")
        #expect(date["missing"] as? Int == 1)
        #expect(date["earliest"] as? String == "2025-02-01")
        #expect(date["latest"] as? String == "2025-02-28")

        let ok = try column(report, "ok")
        #expect(ok["type"] as? String == "boolean")
        #expect(ok["missing"] as? Int == 0)

        let note = try column(report, "note")
        #expect(note["type"] as? String == "string")
        #expect(note["missing"] as? Int == 1)
    }

    @Test func humanReadableTableNamesEveryColumn() throws {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write(Self.european, to: "export.csv", in: dir)
        let result = try CLI.run(["data", "inspect", path])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("4 rows, 7 columns"))
        #expect(result.stdout.contains("delimiter ';'"))
        #expect(result.stdout.contains("UTF-8 BOM"))
        for name in ["id", "name", "price", "qty", "date", "ok", "note"] { #expect(result.stdout.contains(name)) }
    }

    @Test func pointDecimalForcedMakesCommaColumnText() throws {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write(Self.european, to: "export.csv", in: dir)
        let result = try CLI.run(["data", "inspect", path, "--json", "--decimal", "point"])
        #expect(try column(CLI.json(result.stdout), "price")["type"] as? String == "string")
    }

    @Test func tabAndPipeDelimitersAreDetected() throws {
        let dir = try CLI.temporaryDirectory()
        let tab = try CLI.write("a\tb\n1\tx\n2\ty\n", to: "t.tsv", in: dir)
        var report = try CLI.json(try CLI.run(["data", "inspect", tab, "--json"]).stdout)
        #expect(report["delimiter"] as? String == "\t")
        #expect(try column(report, "a")["type"] as? String == "integer")
        #expect(try column(report, "b")["type"] as? String == "string")

        let pipe = try CLI.write("a|b\n\"1|2\"|3.5\n\"x\"|4\n", to: "p.txt", in: dir)
        report = try CLI.json(try CLI.run(["data", "inspect", pipe, "--json"]).stdout)
        #expect(report["delimiter"] as? String == "|")
        #expect(report["rows"] as? Int == 2)
        #expect(try column(report, "a")["type"] as? String == "string")
        #expect(try column(report, "b")["mean"] as? Double == 3.75)
    }

    @Test func commaSeparatedFileKeepsQuotedCommaNumbersAsText() throws {
        // "1,500" in a comma-separated file is far more likely a thousands separator than 1.5.
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write("a,b\n\"1,5\",1e3\n\"2,25\",-2.5E-1\n", to: "c.csv", in: dir)
        let report = try CLI.json(try CLI.run(["data", "inspect", path, "--json"]).stdout)
        #expect(try column(report, "a")["type"] as? String == "string")
        let b = try column(report, "b")
        #expect(b["type"] as? String == "number")
        #expect(b["min"] as? Double == -0.25 && b["max"] as? Double == 1000)
    }

    @Test func customMissingTokensReplaceTheDefaults() throws {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write("a,b\n-99,NA\n3,x\n", to: "m.csv", in: dir)
        let report = try CLI.json(try CLI.run(["data", "inspect", path, "--json", "--na", "-99"]).stdout)
        let a = try column(report, "a")
        #expect(a["missing"] as? Int == 1 && a["min"] as? Double == 3)
        #expect(try column(report, "b")["missing"] as? Int == 0)
    }

    @Test func headerlessFileGetsGeneratedNames() throws {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write("1,2\n3,4\n", to: "n.csv", in: dir)
        let report = try CLI.json(try CLI.run(["data", "inspect", path, "--json", "--no-header"]).stdout)
        #expect(report["rows"] as? Int == 2)
        #expect(try column(report, "V2")["mean"] as? Double == 3)
    }

    @Test func jsonLinesColumnsAreTheUnionOfKeys() throws {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write("{\"a\":1,\"b\":\"x\"}\n\n{\"a\":2.5,\"c\":true}\n", to: "d.jsonl", in: dir)
        let result = try CLI.run(["data", "inspect", path, "--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try CLI.json(result.stdout)
        #expect(report["rows"] as? Int == 2)
        let a = try column(report, "a")
        #expect(a["type"] as? String == "number" && a["mean"] as? Double == 1.75)
        #expect(try column(report, "b")["missing"] as? Int == 1)
        let c = try column(report, "c")
        #expect(c["type"] as? String == "boolean" && c["missing"] as? Int == 1)
    }

    @Test func standardInputIsReadWithDash() throws {
        let result = try CLI.run(["data", "inspect", "-", "--json"], stdin: Data("x;y\n1,5;2\n".utf8))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let report = try CLI.json(result.stdout)
        #expect(report["rows"] as? Int == 1)
        #expect(try column(report, "x")["min"] as? Double == 1.5)
    }
}
