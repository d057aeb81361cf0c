import Foundation
import StatMLCore
import Testing

/// `statml code ...` end to end on generated product names: train, predict, evaluate, and bad input.
@Suite("statml code")
struct CodingCLITests {
    /// A trained model shared by the tests (training takes a few seconds).
    static let fixture: (dir: URL, model: String, test: String, hierarchy: String) = {
        // swift-format-ignore: NeverUseForceTry
        let dir = try! CLI.temporaryDirectory()
        let train = dir.appendingPathComponent("train.csv").path
        let test = dir.appendingPathComponent("test.csv").path
        let hierarchy = dir.appendingPathComponent("classification.csv").path
        let model = dir.appendingPathComponent("m.statml").path
        _ = try? CLI.run(["code", "sample", train, "--rows", "1200", "--seed", "1", "--hierarchy", hierarchy])
        _ = try? CLI.run(["code", "sample", test, "--rows", "300", "--seed", "2"])
        _ = try? CLI.run([
            "code", "train", "--data", train, "--text", "text", "--label", "label", "--model", model, "--dim", "16",
            "--epochs", "10", "--hierarchy", hierarchy,
        ])
        return (dir, model, test, hierarchy)
    }()

    @Test func trainWritesAModelThatDescribesItself() throws {
        let f = Self.fixture
        #expect(FileManager.default.fileExists(atPath: f.model))
        let info = try CLI.run(["code", "info", f.model])
        #expect(info.exitCode == 0)
        let json = try CLI.json(info.stdout)
        #expect(json["classes"] as? Int == 10)
        #expect((json["training_data_sha256"] as? String)?.count == 64)
        #expect(json["target_precision"] as? Double == 0.97)
        #expect(json["hierarchy_codes"] as? Int == 18)
    }

    @Test func predictKeepsEveryColumnAndAddsTheCodingOnes() throws {
        let f = Self.fixture
        let out = f.dir.appendingPathComponent("coded.csv").path
        let result = try CLI.run(["code", "predict", "--model", f.model, "--data", f.test, "--output", out])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "text,label,code,confidence,auto,source,level")
        #expect(lines.count == 301)
        let auto = lines.dropFirst().filter { $0.contains(",true,") }.count
        #expect(auto > 200, "only \(auto) of 300 auto-coded")
    }

    /// The input columns come out with the values they went in with, whatever the input's CSV looks like:
    /// quotes doubled inside quotes, a line break inside a quoted field, CRLF line ends, spaces kept,
    /// empty fields quoted or last (each record copied as it came), a semicolon-separated file and an input
    /// column named like a coding column (field by field).
    @Test func inputColumnsComeOutWithTheirValues() throws {
        let f = Self.fixture
        let inputs = [
            "id,text\r\n1,\"milk \"\"fresh\"\" 1l\"\r\n2, coffee 250g \r\n3,\"\"\r\n4,\"tea,\ngreen\"\r\n",
            "id;text\n1;milk 1l\n2;\"tea; green\"\n",
            "id,text,extra\n1,milk 1l,x\n2,\"coffee\",\n",
            "id,text,code\n1,milk 1l,OLD\n",
        ]
        for (n, input) in inputs.enumerated() {
            let path = f.dir.appendingPathComponent("odd\(n).csv").path
            try input.write(toFile: path, atomically: true, encoding: .utf8)
            let out = f.dir.appendingPathComponent("odd\(n)-coded.csv").path
            let result = try CLI.run(["code", "predict", "--model", f.model, "--data", path, "--output", out])
            #expect(result.exitCode == 0, "\(result.stderr)")
            var rowsIn: [[String]] = []
            var header: [String] = []
            let reader = try CSVReader(path: path)
            try reader.forEachRecord { r in rowsIn.append((0..<r.count).map { r.string($0) }) }
            header = reader.header.filter { $0 != "code" }
            let written = try CSVReader(path: out)
            #expect(
                Array(written.header.prefix(header.count + 4)) == header + ["code", "confidence", "auto", "source"],
                "\(input)")
            var rowsOut: [[String]] = []
            try written.forEachRecord { r in rowsOut.append((0..<header.count).map { r.string($0) }) }
            let expected = rowsIn.map { row in
                header.map { name in reader.header.firstIndex(of: name).flatMap { $0 < row.count ? row[$0] : nil } ?? ""
                }
            }
            #expect(rowsOut == expected, "\(input)")
        }
    }

    @Test func standardInputAndOutputAreJSONLines() throws {
        let f = Self.fixture
        let input =
            "{\"id\":\"1\",\"text\":\"Lavazza ground coffee 250g\"}\n{\"id\":\"2\",\"text\":\"\"}\n{\"id\":\"3\"}\n"
        let result = try CLI.run(
            ["code", "predict", "--model", f.model, "--data", "-", "--output", "-"], stdin: Data(input.utf8))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let rows = try result.stdout.split(separator: "\n").map { try CLI.json(String($0)) }
        #expect(rows.count == 3)
        #expect(rows[0]["id"] as? String == "1" && rows[0]["code"] as? String == "01.2.1.1")
        #expect(rows[1]["code"] as? String == "" && rows[1]["auto"] as? Bool == false)
        #expect(rows[2]["auto"] as? Bool == false)
    }

    @Test func evaluateReportsTheContractFields() throws {
        let f = Self.fixture
        let result = try CLI.run([
            "code", "evaluate", "--model", f.model, "--data", f.test, "--text", "text", "--label", "label", "--json",
        ])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try CLI.json(result.stdout)
        #expect((json["accuracy"] as? Double ?? 0) > 0.9)
        #expect((json["macro_f1"] as? Double ?? 0) > 0.9)
        let coverage = try #require(json["coverage_at_precision"] as? [String: Double])
        #expect(Set(coverage.keys) == ["0.95", "0.97", "0.99"])
        #expect((json["per_class"] as? [Any])?.count == 10)
    }

    /// `--errors` lists exactly the misclassified records, most confident first, with their line in the
    /// input; the JSON's confusions count the same errors.
    @Test func evaluateListsTheErrorsMostConfidentFirst() throws {
        let f = Self.fixture
        // Half the test file with wrong labels (another class's code), so that there are errors to list.
        let lines = try String(contentsOfFile: f.test, encoding: .utf8).split(separator: "\n").map(String.init)
        var rows = [lines[0]]
        var wrong = 0
        for (i, line) in lines.dropFirst().prefix(60).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let label = String(fields.last!)
            let relabel = i % 2 == 0 ? (label == "01.1.4.1" ? "01.2.1.1" : "01.1.4.1") : label
            if relabel != label { wrong += 1 }
            rows.append((fields.dropLast() + [Substring(relabel)]).joined(separator: ","))
        }
        let data = try CLI.write(rows.joined(separator: "\n") + "\n", to: "relabelled.csv", in: f.dir)
        let errors = f.dir.appendingPathComponent("errors.csv").path
        let result = try CLI.run(["code", "evaluate", "--model", f.model, "--data", data, "--json", "--errors", errors])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try CLI.json(result.stdout)
        let accuracy = try #require(json["accuracy"] as? Double)

        let reader = try CSVReader(path: errors)
        #expect(reader.header == ["line", "text", "label", "code", "confidence", "auto", "source"])
        var listed: [(line: Int, label: String, code: String, confidence: Double)] = []
        try reader.forEachRecord { r in
            listed.append((Int(r.string(0))!, r.string(2), r.string(3), Double(r.string(4))!))
        }
        #expect(listed.count == Int((1 - accuracy) * 60 + 0.5))
        #expect(listed.count >= wrong - 3, "\(listed.count) errors listed, \(wrong) labels made wrong")
        #expect(listed.allSatisfy { $0.label != $0.code })
        #expect(zip(listed, listed.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })
        // The line is the record's line in the input file (header = line 1).
        for e in listed {
            #expect(rows[e.line - 1].hasSuffix("," + e.label), "line \(e.line)")
        }
        let confusions = try #require(json["confusions"] as? [[String: Any]])
        #expect(confusions.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == listed.count)

        // Both to standard output would interleave CSV with the JSON object: a usage error.
        let both = try CLI.run(["code", "evaluate", "--model", f.model, "--data", data, "--json", "--errors", "-"])
        #expect(both.exitCode == 2 && both.stderr.contains("--errors"), "\(both.stderr)")
    }

    @Test func unseenLabelsCountAsErrorsNotCrashes() throws {
        let f = Self.fixture
        let path = try CLI.write(
            "text,label\nLavazza ground coffee 250g,99.9.9\nTesco milk 1l,01.1.4.1\n", to: "odd.csv", in: f.dir)
        let result = try CLI.run(["code", "evaluate", "--model", f.model, "--data", path, "--json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try CLI.json(result.stdout)
        #expect(json["accuracy"] as? Double == 0.5)
        #expect(json["unseen_labels"] as? [String] == ["99.9.9"])
    }

    @Test func badInputGetsClearErrors() throws {
        let f = Self.fixture
        let dir = f.dir
        let one = try CLI.write("text,label\na,x\nb,x\n", to: "one.csv", in: dir)
        let single = try CLI.run([
            "code", "train", "--data", one, "--model", dir.appendingPathComponent("x.statml").path,
        ])
        #expect(single.exitCode == 1)
        #expect(single.stderr.contains("at least two classes"))

        let wrongColumn = try CLI.run(["code", "train", "--data", one, "--text", "txt", "--model", "/tmp/never.statml"])
        #expect(wrongColumn.exitCode == 1)
        #expect(
            wrongColumn.stderr.contains("no column named 'txt'") && wrongColumn.stderr.contains("did you mean 'text'"))

        let empty = try CLI.write("", to: "empty.csv", in: dir)
        #expect(try CLI.run(["code", "train", "--data", empty, "--model", "/tmp/never.statml"]).exitCode == 1)

        let notAModel = try CLI.run(["code", "predict", "--model", one, "--data", f.test, "--output", "-"])
        #expect(notAModel.exitCode == 1)
        #expect(notAModel.stderr.contains("not a valid StatML coding model"))

        let missing = try CLI.run([
            "code", "predict", "--model", f.model, "--data", f.test, "--text", "name", "--output", "-",
        ])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("no column named 'name'"))

        #expect(try CLI.run(["code", "train", "--data", one]).exitCode == 2)  // --model missing
        #expect(
            try CLI.run(["code", "train", "--data", one, "--model", "m", "--target-precision", "1.5"]).exitCode == 2)
    }
}
