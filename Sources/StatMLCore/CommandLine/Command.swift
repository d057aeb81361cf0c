/// A small declarative command-line parser: commands with subcommands, `--flag value`, `--flag=value`,
/// `-f value`, repeated options, defaults, choices, `--help` per command with examples, and "did you
/// mean" suggestions for typos. Written for `statml`; knows nothing about what the commands do.

/// One `--name` option of a command.
public struct Option: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Present or absent: `--json`.
        case flag
        /// Takes a value: `--text COL` or `--text=COL`.
        case value(valueName: String)
    }

    public var name: String
    public var short: Character?
    public var kind: Kind
    public var help: String
    public var defaultValue: String?
    public var repeatable: Bool
    public var choices: [String]?

    public static func flag(_ name: String, short: Character? = nil, help: String) -> Option {
        Option(name: name, short: short, kind: .flag, help: help, defaultValue: nil, repeatable: false, choices: nil)
    }

    public static func value(
        _ name: String, short: Character? = nil, valueName: String, help: String, default defaultValue: String? = nil,
        repeatable: Bool = false, choices: [String]? = nil
    ) -> Option {
        Option(
            name: name, short: short, kind: .value(valueName: valueName), help: help, defaultValue: defaultValue,
            repeatable: repeatable, choices: choices)
    }
}

/// A positional argument: `FILE`.
public struct Positional: Sendable {
    public var name: String
    public var help: String
    public var optional: Bool
    public var variadic: Bool

    public init(_ name: String, help: String, optional: Bool = false, variadic: Bool = false) {
        self.name = name
        self.help = help
        self.optional = optional
        self.variadic = variadic
    }
}

/// A command, a group of subcommands, or both.
public struct Command: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String?
    public var examples: [String]
    public var options: [Option]
    public var positionals: [Positional]
    public var subcommands: [Command]
    public var run: (@Sendable (ParsedArguments) throws -> Int32)?

    public init(
        _ name: String, abstract: String, discussion: String? = nil, examples: [String] = [], options: [Option] = [],
        positionals: [Positional] = [], subcommands: [Command] = [],
        run: (@Sendable (ParsedArguments) throws -> Int32)? = nil
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.examples = examples
        self.options = options
        self.positionals = positionals
        self.subcommands = subcommands
        self.run = run
    }

    /// Options every command understands.
    public static let commonOptions: [Option] = [
        .flag("quiet", short: "q", help: "no progress output on stderr"),
        .flag("help", short: "h", help: "show this help"),
    ]

    var allOptions: [Option] { options + Command.commonOptions }
}

/// What the parser made of the command line, with typed access that turns bad values into usage errors.
public struct ParsedArguments: Sendable {
    /// The command names from the root down: `["statml", "data", "inspect"]`.
    public var commandPath: [String]
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positionalValues: [String: [String]] = [:]
    var defaults: [String: String] = [:]

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The option's value, or its default.
    public func value(_ name: String) -> String? { values[name]?.last ?? defaults[name] }

    /// Every value given for a repeatable option, in order.
    public func values(_ name: String) -> [String] { values[name] ?? [] }

    public func isSet(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

    public func positional(_ name: String) -> String? { positionalValues[name]?.first }

    public func positionals(_ name: String) -> [String] { positionalValues[name] ?? [] }

    /// The value of a required option: a usage error names the option when it is missing.
    public func required(_ name: String) throws -> String {
        guard let v = value(name) else { throw StatMLError.usage("missing required option --\(name)") }
        return v
    }

    public func int(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let v = Int(text) else {
            throw StatMLError.usage("option --\(name) expects a whole number, got '\(text)'")
        }
        return v
    }

    public func double(_ name: String) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let v = Double(text), v.isFinite else {
            throw StatMLError.usage("option --\(name) expects a number, got '\(text)'")
        }
        return v
    }
}

/// The outcome of parsing: a command to run, or help to show.
public enum ParseResult {
    case run(Command, ParsedArguments)
    /// `--help`, or a command group called without a subcommand (`exitCode` 2 in that case).
    case help(String, exitCode: Int32)
}

public enum CommandLineParser {
    public static func parse(_ arguments: [String], root: Command) throws -> ParseResult {
        var path = [root]
        var index = 0
        // Walk down the subcommands first; options may only follow the last command name.
        while index < arguments.count, !path.last!.subcommands.isEmpty {
            let word = arguments[index]
            if word.hasPrefix("-") { break }
            guard let sub = path.last!.subcommands.first(where: { $0.name == word }) else {
                let names = path.last!.subcommands.map(\.name)
                throw StatMLError.usage(
                    "unknown command '\(word)' for '\(path.map(\.name).joined(separator: " "))'"
                        + Suggestions.didYouMean(word, in: names))
            }
            path.append(sub)
            index += 1
        }
        let command = path.last!
        var parsed = ParsedArguments(commandPath: path.map(\.name))
        for option in command.allOptions { if let d = option.defaultValue { parsed.defaults[option.name] = d } }

        var loose: [String] = []
        var onlyPositionals = false
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if onlyPositionals || word == "-" || !word.hasPrefix("-") {
                loose.append(word)
                continue
            }
            if word == "--" {
                onlyPositionals = true
                continue
            }
            var name: String
            var inlineValue: String?
            if word.hasPrefix("--") {
                name = String(word.dropFirst(2))
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
            } else {
                guard word.count == 2, let short = word.last,
                    let option = command.allOptions.first(where: { $0.short == short })
                else {
                    throw StatMLError.usage(
                        "unknown option '\(word)' for '\(parsed.commandPath.joined(separator: " "))'")
                }
                name = option.name
            }
            guard let option = command.allOptions.first(where: { $0.name == name }) else {
                throw StatMLError.usage(
                    "unknown option '--\(name)' for '\(parsed.commandPath.joined(separator: " "))'"
                        + (Suggestions.closest(to: name, in: command.allOptions.map(\.name)).map {
                            " (did you mean '--\($0)'?)"
                        }
                            ?? ""))
            }
            switch option.kind {
            case .flag:
                if inlineValue != nil { throw StatMLError.usage("option --\(name) takes no value") }
                if parsed.flags.contains(name) { throw StatMLError.usage("option --\(name) given more than once") }
                parsed.flags.insert(name)
            case .value(let valueName):
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw StatMLError.usage("option --\(name) needs a value (\(valueName))")
                    }
                    value = arguments[index]
                    index += 1
                }
                if let choices = option.choices, !choices.contains(value) {
                    throw StatMLError.usage(
                        "option --\(name) must be one of \(choices.joined(separator: ", ")), got '\(value)'"
                            + Suggestions.didYouMean(value, in: choices))
                }
                if parsed.values[name] != nil, !option.repeatable {
                    throw StatMLError.usage("option --\(name) given more than once")
                }
                parsed.values[name, default: []].append(value)
            }
        }

        if parsed.flag("help") { return .help(HelpFormatter.help(for: path), exitCode: 0) }
        if command.run == nil {
            if !loose.isEmpty {
                throw StatMLError.usage(
                    "unknown command '\(loose[0])'"
                        + Suggestions.didYouMean(loose[0], in: command.subcommands.map(\.name)))
            }
            return .help(HelpFormatter.help(for: path), exitCode: 2)
        }

        for positional in command.positionals {
            if positional.variadic {
                parsed.positionalValues[positional.name] = loose
                if loose.isEmpty && !positional.optional {
                    throw StatMLError.usage("missing argument \(positional.name)")
                }
                loose = []
            } else if !loose.isEmpty {
                parsed.positionalValues[positional.name] = [loose.removeFirst()]
            } else if !positional.optional {
                throw StatMLError.usage("missing argument \(positional.name)")
            }
        }
        if let extra = loose.first {
            throw StatMLError.usage("unexpected argument '\(extra)'")
        }
        return .run(command, parsed)
    }
}
