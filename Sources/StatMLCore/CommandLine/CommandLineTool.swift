import Glibc

/// Runs a command tree as a process does: parse, dispatch, and turn errors into messages and exit codes
/// (0 ok, 1 runtime error, 2 usage error).
public enum CommandLineTool {
    public static func main(root: Command, arguments: [String], version: String) -> Int32 {
        if arguments == ["--version"] || arguments == ["-V"] {
            print("\(root.name) \(version)")
            return 0
        }
        do {
            switch try CommandLineParser.parse(arguments, root: root) {
            case .help(let text, let exitCode):
                if exitCode == 0 { print(text, terminator: "") } else { printError(text) }
                return exitCode
            case .run(let command, let parsed):
                ProgressReporter.quiet = parsed.flag("quiet")
                return try command.run!(parsed)
            }
        } catch let error as StatMLError where error.code == .usage {
            printError("error: \(error.description)")
            printError("Run '\(usageHint(arguments, root: root)) --help' for usage.")
            return 2
        } catch let error as StatMLError {
            printError("error: \(error.description)")
            return 1
        } catch {
            printError("error: \(error)")
            return 1
        }
    }

    /// The command names the user typed that exist, for "Run 'statml data inspect --help'".
    static func usageHint(_ arguments: [String], root: Command) -> String {
        var names = [root.name]
        var current = root
        for word in arguments {
            guard let sub = current.subcommands.first(where: { $0.name == word }) else { break }
            names.append(word)
            current = sub
        }
        return names.joined(separator: " ")
    }

    public static func printError(_ text: String) {
        var line = text
        if !line.hasSuffix("\n") { line += "\n" }
        _ = line.withUTF8Buffer { fwrite($0.baseAddress, 1, $0.count, stderr) }
    }
}
