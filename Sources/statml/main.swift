import Glibc
import StatMLCore

/// The `statml` command tree. Each command parses its options, calls a library and prints; no algorithm
/// lives here (STYLE.md §1).
let root = Command(
    "statml",
    abstract: "machine learning for official statistics",
    discussion: "StatML codes free text to classifications, builds price indices, imputes, estimates and more.",
    examples: ["statml data inspect survey.csv", "statml help data inspect"],
    subcommands: [
        DataCommands.group,
        CodingCommands.group,
        ServiceCommands.serve,
        ServiceCommands.admin,
        ServiceCommands.models,
        Command(
            "version", abstract: "print the StatML version", examples: ["statml version"],
            run: { _ in
                print("statml \(StatMLVersion.current)")
                return 0
            }),
    ])

/// `statml help [COMMAND ...]`: the same text as `statml COMMAND ... --help`.
let helpCommand = Command(
    "help", abstract: "show help for a command", examples: ["statml help data convert"],
    positionals: [Positional("COMMAND", help: "the command to explain", optional: true, variadic: true)],
    run: { args in
        let words = args.positionals("COMMAND")
        switch try CommandLineParser.parse(words + ["--help"], root: root) {
        case .help(let text, _): print(text, terminator: "")
        case .run: break
        }
        return 0
    })

var tree = root
tree.subcommands.append(helpCommand)
exit(
    CommandLineTool.main(
        root: tree, arguments: Array(CommandLine.arguments.dropFirst()), version: StatMLVersion.current))
