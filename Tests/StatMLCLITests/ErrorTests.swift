import Foundation
import Testing

/// Wrong input gets a clear message naming what and where, and exit code 1; wrong usage exit code 2.
@Suite("statml errors and exit codes")
struct ErrorTests {
    func inspect(_ text: [UInt8], name: String = "bad.csv", extra: [String] = []) throws -> (CLIResult, String) {
        let dir = try CLI.temporaryDirectory()
        let path = try CLI.write(text, to: name, in: dir)
        return (try CLI.run(["data", "inspect", path] + extra), path)
    }

    @Test func unterminatedQuoteNamesFileAndLineWhereItOpened() throws {
        let (result, path) = try inspect(Array("a,b\n1,2\n3,\"abc\n4,5\n".utf8))
        #expect(result.exitCode == 1)
        #expect(result.stderr.hasPrefix("error: "))
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("line 3"))
        #expect(result.stderr.contains("column 3"))
        #expect(result.stderr.lowercased().contains("quote"))
        #expect(result.stdout.isEmpty)
    }

    @Test func raggedRowNamesLineAndFieldCounts() throws {
        let (result, _) = try inspect(Array("a,b\n1,2\n3,4,5\n".utf8))
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("line 3"))
        #expect(result.stderr.contains("2") && result.stderr.contains("3"))
    }

    @Test func invalidUTF8NamesLineAndColumn() throws {
        let (result, _) = try inspect(Array("a,b\n1,ok\n2,x".utf8) + [0xFF] + Array("y\n".utf8))
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("line 3"))
        #expect(result.stderr.contains("column 4"))
        #expect(result.stderr.contains("UTF-8"))
    }

    @Test func emptyFileIsAnError() throws {
        let (result, path) = try inspect([])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("empty"))
    }

    @Test func missingFileIsAnError() throws {
        let result = try CLI.run(["data", "inspect", "/nonexistent/statml/file.csv"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("/nonexistent/statml/file.csv"))
    }

    @Test func nonNumberInDeclaredNumberColumnNamesLineAndColumn() throws {
        let (typed, path) = try inspect(Array("a;b\n1;2,5\n3;12,5x\n".utf8), extra: ["--schema", "b:number"])
        #expect(typed.exitCode == 1)
        #expect(typed.stderr.contains(path))
        #expect(typed.stderr.contains("line 3"))
        #expect(typed.stderr.contains("column 3"))
        #expect(typed.stderr.contains("'b'"))
        #expect(typed.stderr.contains("12,5x"))
    }

    @Test func schemaForUnknownColumnSuggestsTheNearestName() throws {
        let (result, _) = try inspect(Array("price,qty\n1,2\n".utf8), extra: ["--schema", "prise:number"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("no column named 'prise'"))
        #expect(result.stderr.contains("did you mean 'price'"))
    }

    @Test func badJSONLineNamesLine() throws {
        let (result, path) = try inspect(Array("{\"a\":1}\n{\"a\":}\n".utf8), name: "bad.jsonl")
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("line 2"))
    }

    @Test func unknownOptionIsUsageErrorWithSuggestion() throws {
        let result = try CLI.run(["data", "inspect", "x.csv", "--jsn"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("unknown option '--jsn'"))
        #expect(result.stderr.contains("did you mean '--json'"))
    }

    @Test func unknownCommandIsUsageErrorWithSuggestion() throws {
        let result = try CLI.run(["data", "inspekt", "x.csv"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("did you mean 'inspect'"))
    }

    @Test func missingArgumentAndBadChoiceAreUsageErrors() throws {
        #expect(try CLI.run(["data", "inspect"]).exitCode == 2)
        let bad = try CLI.run(["data", "inspect", "x.csv", "--decimal", "coma"])
        #expect(bad.exitCode == 2)
        #expect(bad.stderr.contains("did you mean 'comma'"))
        #expect(try CLI.run(["data", "inspect", "x.csv", "--json", "--json"]).exitCode == 2)
        #expect(try CLI.run(["data", "inspect", "x.csv", "--schema", "a"]).exitCode == 2)
    }

    @Test func failedConversionLeavesExistingOutputUntouched() throws {
        let dir = try CLI.temporaryDirectory()
        let input = try CLI.write("a,b\n1,2\n3,\"oops\n", to: "in.csv", in: dir)
        let output = try CLI.write("precious\n", to: "out.jsonl", in: dir)
        let result = try CLI.run(["data", "convert", input, output])
        #expect(result.exitCode == 1)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious\n")
    }
}

@Suite("statml help and version")
struct HelpTests {
    @Test func everyCommandHasHelpWithAnExample() throws {
        for path in [[], ["data"], ["data", "inspect"], ["data", "convert"], ["data", "sample"], ["version"]] {
            let result = try CLI.run(path + ["--help"])
            #expect(result.exitCode == 0, "\(path)")
            #expect(result.stdout.contains("USAGE:"), "\(path)")
            #expect(result.stdout.contains("EXAMPLES:"), "\(path)")
        }
    }

    @Test func helpCommandMatchesHelpFlag() throws {
        let viaFlag = try CLI.run(["data", "inspect", "--help"])
        let viaCommand = try CLI.run(["help", "data", "inspect"])
        #expect(viaCommand.exitCode == 0)
        #expect(viaCommand.stdout == viaFlag.stdout)
    }

    @Test func groupWithoutSubcommandShowsHelpAsUsageError() throws {
        let result = try CLI.run(["data"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("inspect"))
    }

    @Test func versionPrintsSemanticVersion() throws {
        let result = try CLI.run(["--version"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.range(of: #"^statml \d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    }
}
