import Testing

@testable import StatMLCore

@Suite("Command-line parser")
struct CommandLineTests {
    static let leaf = Command(
        "run", abstract: "run it", examples: ["tool run a.csv"],
        options: [
            .value("seed", valueName: "N", help: "seed", default: "1"),
            .value("tag", short: "t", valueName: "T", help: "tag", repeatable: true),
            .value("mode", valueName: "M", help: "mode", choices: ["fast", "exact"]),
            .flag("json", help: "json"),
        ],
        positionals: [
            Positional("IN", help: "input"), Positional("MORE", help: "more", optional: true, variadic: true),
        ],
        run: { _ in 0 })
    static let root = Command(
        "tool", abstract: "a tool", subcommands: [Command("group", abstract: "g", subcommands: [leaf])])

    func parse(_ args: [String]) throws -> ParsedArguments {
        guard case .run(_, let parsed) = try CommandLineParser.parse(args, root: Self.root) else {
            Issue.record("expected a command to run")
            return ParsedArguments(commandPath: [])
        }
        return parsed
    }

    func usageError(_ args: [String]) -> String? {
        do {
            _ = try CommandLineParser.parse(args, root: Self.root)
            return nil
        } catch let error as StatMLError {
            return error.code == .usage ? error.message : nil
        } catch { return nil }
    }

    @Test func valuesFlagsDefaultsAndRepeats() throws {
        let p = try parse(["group", "run", "a.csv", "--seed=7", "-t", "x", "--tag", "y", "--json", "b", "c"])
        #expect(p.commandPath == ["tool", "group", "run"])
        #expect(try p.int("seed") == 7)
        #expect(p.values("tag") == ["x", "y"])
        #expect(p.flag("json"))
        #expect(p.positional("IN") == "a.csv")
        #expect(p.positionals("MORE") == ["b", "c"])
        let d = try parse(["group", "run", "-"])
        #expect(d.value("seed") == "1" && !d.isSet("seed"))
        #expect(d.positional("IN") == "-")
        let dashed = try parse(["group", "run", "--", "--json"])
        #expect(dashed.positional("IN") == "--json" && !dashed.flag("json"))
    }

    @Test func usageErrorsNameTheProblem() throws {
        #expect(usageError(["group", "rnu"])?.contains("did you mean 'run'") == true)
        #expect(usageError(["group", "run", "a", "--sed", "1"])?.contains("did you mean '--seed'") == true)
        #expect(usageError(["group", "run", "a", "--mode", "fsat"])?.contains("did you mean 'fast'") == true)
        #expect(usageError(["group", "run", "a", "--json", "--json"])?.contains("more than once") == true)
        #expect(usageError(["group", "run", "a", "--json=1"])?.contains("takes no value") == true)
        #expect(usageError(["group", "run", "a", "--seed"])?.contains("needs a value") == true)
        #expect(usageError(["group", "run"])?.contains("missing argument IN") == true)
        #expect(throws: StatMLError.self) { try parse(["group", "run", "a", "--seed", "x"]).int("seed") }
    }

    @Test func helpShowsUsageOptionsAndExamples() throws {
        guard case .help(let text, let code) = try CommandLineParser.parse(["group", "run", "--help"], root: Self.root)
        else {
            Issue.record("expected help")
            return
        }
        #expect(code == 0)
        #expect(text.contains("USAGE: tool group run IN [MORE ...] [OPTIONS]"))
        #expect(text.contains("--seed N"))
        #expect(text.contains("[default: 1]"))
        #expect(text.contains("(fast|exact)"))
        #expect(text.contains("tool run a.csv"))
        guard case .help(_, let groupCode) = try CommandLineParser.parse(["group"], root: Self.root) else {
            Issue.record("expected help")
            return
        }
        #expect(groupCode == 2)
    }

    @Test func suggestionDistance() {
        #expect(Suggestions.distance(Array("inspect"), Array("inspcet")) == 1)
        #expect(Suggestions.distance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestions.closest(to: "zzzzzz", in: ["inspect", "convert"]) == nil)
    }
}
