import Foundation
import Testing

@Suite("statml data convert and sample")
struct ConvertTests {
    @Test func europeanCSVBecomesTypedJSONLines() throws {
        let dir = try CLI.temporaryDirectory()
        let input = try CLI.write(InspectTests.european, to: "export.csv", in: dir)
        let output = dir.appendingPathComponent("export.jsonl").path
        let result = try CLI.run(["data", "convert", input, output])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let first = try CLI.json(String(lines[0]))
        #expect(first["price"] as? Double == 3.49)
        #expect(first["id"] as? Int == 1)
        #expect(first["date"] as? String == "2025-02-01")
        #expect(first["ok"] as? Bool == true)
        #expect(first["name"] as? String == "Mleko 2,0%")
        #expect(first["note"] as? String == "first\r\nsecond")
        let second = try CLI.json(String(lines[1]))
        #expect(second["price"] is NSNull)
        let third = try CLI.json(String(lines[2]))
        #expect(third["name"] as? String == "Ser \"Gouda\"")
        #expect(third["qty"] is NSNull)
    }

    @Test func roundTripThroughJSONLinesKeepsEveryValue() throws {
        let dir = try CLI.temporaryDirectory()
        let input = try CLI.write(InspectTests.european, to: "export.csv", in: dir)
        let jsonl = dir.appendingPathComponent("a.jsonl").path
        let csv = dir.appendingPathComponent("b.csv").path
        #expect(try CLI.run(["data", "convert", input, jsonl]).exitCode == 0)
        #expect(try CLI.run(["data", "convert", jsonl, csv]).exitCode == 0)
        let before = try CLI.json(try CLI.run(["data", "inspect", input, "--json"]).stdout)
        let after = try CLI.json(try CLI.run(["data", "inspect", csv, "--json"]).stdout)
        #expect(after["rows"] as? Int == before["rows"] as? Int)
        let strip: ([String: Any]) -> [String] = { report in
            (report["columns"] as? [[String: Any]] ?? []).map {
                "\($0["name"]!) \($0["type"]!) \($0["missing"]!) \($0["min"] ?? "") \($0["max"] ?? "")"
            }
        }
        #expect(strip(after) == strip(before))
    }

    @Test func standardInputToStandardOutput() throws {
        let result = try CLI.run(["data", "convert", "-", "-"], stdin: Data("a;b\n1;2,5\n".utf8))
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"a\":1,\"b\":2.5}\n")
        let back = try CLI.run(["data", "convert", "-", "-", "--to", "csv"], stdin: Data(result.stdout.utf8))
        #expect(back.stdout == "a,b\n1,2.5\n")
    }

    @Test func sampleIsReproducibleAndItsCountsMatchPandas() throws {
        let dir = try CLI.temporaryDirectory()
        let a = dir.appendingPathComponent("a.csv").path
        let b = dir.appendingPathComponent("b.csv").path
        #expect(try CLI.run(["data", "sample", a, "--rows", "2000", "--seed", "7"]).exitCode == 0)
        #expect(try CLI.run(["data", "sample", b, "--rows", "2000", "--seed", "7"]).exitCode == 0)
        #expect(FileManager.default.contentsEqual(atPath: a, andPath: b))

        // An independent reader: pandas with the same missing tokens must see the same rows and gaps.
        let script = """
            import json, sys, pandas as pd
            df = pd.read_csv(sys.argv[1], sep=';', decimal=',', encoding='utf-8-sig',
                             na_values=['', 'NA', 'NaN', '.'], keep_default_na=False)
            print(json.dumps({"rows": len(df), "missing": {c: int(df[c].isna().sum()) for c in df.columns},
                              "mean_income": float(df["income"].mean()), "dtypes": {c: str(df[c].dtype) for c in df.columns}}))
            """
        let pandas = Process()
        pandas.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        pandas.arguments = ["python3", "-c", script, a]
        let pipe = Pipe()
        pandas.standardOutput = pipe
        pandas.standardError = Pipe()
        try pandas.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        pandas.waitUntilExit()
        guard pandas.terminationStatus == 0 else {
            print("skipped the pandas comparison: python3 with pandas is not available (make deps installs it)")
            return
        }
        let truth = try CLI.json(String(decoding: data, as: UTF8.self))
        let ours = try CLI.json(try CLI.run(["data", "inspect", a, "--json"]).stdout)
        #expect(ours["rows"] as? Int == truth["rows"] as? Int)
        let missing = try #require(truth["missing"] as? [String: Int])
        let dtypes = try #require(truth["dtypes"] as? [String: String])
        for column in ours["columns"] as? [[String: Any]] ?? [] {
            let name = column["name"] as! String
            #expect(column["missing"] as? Int == missing[name], "\(name)")
            let type = column["type"] as! String
            switch dtypes[name] {
            case "int64"?: #expect(type == "integer", "\(name)")
            case "float64"?: #expect(type == "number", "\(name)")
            case "bool"?: #expect(type == "boolean", "\(name)")
            default: #expect(type == "string" || type == "date", "\(name): \(dtypes[name] ?? "?")")
            }
            if name == "income" {
                let mean = try #require(column["mean"] as? Double)
                #expect(abs(mean - (truth["mean_income"] as! Double)) < 1e-9 * mean)
            }
        }
    }
}
