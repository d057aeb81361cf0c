/// Renders `--help` text: usage line, arguments, options with defaults and choices, subcommands, examples.
public enum HelpFormatter {
    public static func help(for path: [Command]) -> String {
        let command = path.last!
        let fullName = path.map(\.name).joined(separator: " ")
        var out = "\(fullName) — \(command.abstract)\n\n"
        if let discussion = command.discussion { out += discussion + "\n\n" }
        out += "USAGE: \(usage(for: path))\n"

        if !command.subcommands.isEmpty {
            out += "\nCOMMANDS:\n"
            out += table(command.subcommands.map { ($0.name, $0.abstract) })
        }
        if !command.positionals.isEmpty {
            out += "\nARGUMENTS:\n"
            out += table(command.positionals.map { ($0.name + ($0.variadic ? " ..." : ""), $0.help) })
        }
        out += "\nOPTIONS:\n"
        out += table(
            command.allOptions.map { option in
                var left = option.short.map { "-\($0), " } ?? "    "
                left += "--\(option.name)"
                if case .value(let valueName) = option.kind { left += " \(valueName)" }
                var right = option.help
                if let choices = option.choices { right += " (\(choices.joined(separator: "|")))" }
                if let d = option.defaultValue { right += " [default: \(d)]" }
                if option.repeatable { right += " (repeatable)" }
                return (left, right)
            })
        if !command.examples.isEmpty {
            out += "\nEXAMPLES:\n"
            for example in command.examples { out += "  \(example)\n" }
        }
        if !command.subcommands.isEmpty {
            out += "\nRun '\(fullName) COMMAND --help' for a command's own options.\n"
        }
        return out
    }

    public static func usage(for path: [Command]) -> String {
        let command = path.last!
        var parts = [path.map(\.name).joined(separator: " ")]
        if !command.subcommands.isEmpty && command.run == nil { parts.append("COMMAND") }
        for p in command.positionals {
            let name = p.variadic ? "\(p.name) ..." : p.name
            parts.append(p.optional ? "[\(name)]" : name)
        }
        if !command.options.isEmpty { parts.append("[OPTIONS]") }
        return parts.joined(separator: " ")
    }

    static func table(_ rows: [(String, String)]) -> String {
        let width = min(30, (rows.map(\.0.count).max() ?? 0) + 2)
        var out = ""
        for (left, right) in rows {
            if left.count + 2 > width {
                out += "  \(left)\n" + String(repeating: " ", count: width + 2) + right + "\n"
            } else {
                out += "  " + left + String(repeating: " ", count: width - left.count) + right + "\n"
            }
        }
        return out
    }
}
