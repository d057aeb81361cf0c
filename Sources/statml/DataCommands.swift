import StatMLCore

/// `statml data ...`: look at and convert data files.
enum DataCommands {
    static let readOptions: [Option] = [
        .value(
            "format", valueName: "FORMAT", help: "input format; by default from the file name",
            choices: ["csv", "jsonl"]),
        .value("delimiter", valueName: "CHAR", help: "CSV delimiter: , ; tab | (detected by default)"),
        .flag("no-header", help: "the CSV file has no header row; columns are named V1, V2, ..."),
        .value(
            "decimal", valueName: "MARK", help: "decimal mark; auto accepts 3,5 in files not separated by commas",
            default: "auto", choices: ["auto", "point", "comma"]),
        .value(
            "na", valueName: "TOKEN",
            help: "a field meaning 'missing'; replaces the defaults \"\", NA, NaN and .", repeatable: true),
        .value(
            "schema", valueName: "COL:TYPE",
            help: "insist on a column's type (number, integer, string, boolean, date, categorical)", repeatable: true),
    ]

    static let group = Command(
        "data", abstract: "inspect and convert data files (CSV, JSON Lines)",
        examples: ["statml data inspect prices.csv --json", "statml data convert prices.csv prices.jsonl"],
        subcommands: [inspect, convert, sample])

    static let inspect = Command(
        "inspect", abstract: "show rows, column types, missing values and ranges of a data file",
        discussion: """
            Reads the file once, in constant memory. Types are inferred per column: boolean (true/false), \
            integer, number (decimal point, or a decimal comma in files not separated by commas), date \
            (YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY) or string. Missing values are empty fields and NA, NaN, '.'.
            """,
        examples: [
            "statml data inspect prices.csv",
            "statml data inspect export.csv --delimiter ';' --decimal comma --json",
            "statml data inspect survey.csv --schema income:number",
        ],
        options: readOptions + [.flag("json", help: "print one JSON object instead of a table")],
        positionals: [Positional("FILE", help: "CSV or JSON Lines file; - for standard input")],
        run: { args in
            let path = args.positional("FILE")!
            let options = try tableReadOptions(args)
            let profile = try options.profile(path: path, progressLabel: "inspect")
            if args.flag("json") {
                print(InspectReport.json(profile).serialized())
            } else {
                print(InspectReport.text(profile), terminator: "")
            }
            return 0
        })

    static let convert = Command(
        "convert", abstract: "convert between CSV and JSON Lines, with typed values",
        discussion: """
            Two passes in constant memory: the first infers column types, the second writes numbers as \
            numbers, decimal commas as points, dates as YYYY-MM-DD and missing values as empty fields (CSV) \
            or null (JSON Lines). OUT is replaced only when the conversion succeeds.
            """,
        examples: [
            "statml data convert prices.csv prices.jsonl",
            "statml data convert export.csv clean.csv --output-delimiter ';'",
            "cat prices.jsonl | statml data convert - - --to csv",
        ],
        options: readOptions + [
            .value(
                "to", valueName: "FORMAT", help: "output format; by default from OUT's name", choices: ["csv", "jsonl"]),
            .value("output-delimiter", valueName: "CHAR", help: "delimiter of CSV output", default: ","),
        ],
        positionals: [
            Positional("IN", help: "CSV or JSON Lines file; - for standard input"),
            Positional("OUT", help: "output file; - for standard output (JSON Lines unless --to csv)"),
        ],
        run: { args in
            let conversion = TableConversion(
                options: try tableReadOptions(args),
                outputFormat: args.value("to").flatMap(TableFormat.init(rawValue:)),
                outputDelimiter: try delimiter(args.value("output-delimiter")!, option: "output-delimiter"))
            let rows = try conversion.convert(
                input: args.positional("IN")!, output: args.positional("OUT")!,
                progressLabel: "convert")
            if args.positional("OUT") != "-" {
                CommandLineTool.printError("wrote \(rows) rows to \(args.positional("OUT")!)")
            }
            return 0
        })

    static let sample = Command(
        "sample", abstract: "write a generated household-survey file (for demos and trials)",
        discussion: """
            The european style has what real exports have: a UTF-8 BOM, semicolons, CRLF, decimal commas, \
            DD.MM.YYYY dates, NA and '.' for missing values, and quoted text with semicolons, quotes and line \
            breaks. The same seed writes the same bytes on every machine.
            """,
        examples: [
            "statml data sample survey.csv --rows 10000 --seed 42", "statml data sample - --style plain --rows 5",
        ],
        options: [
            .value("rows", valueName: "N", help: "number of households", default: "1000"),
            .value("seed", valueName: "N", help: "random seed", default: "1"),
            .value(
                "style", valueName: "STYLE", help: "file conventions", default: "european",
                choices: ["european", "plain"]),
        ],
        positionals: [Positional("OUT", help: "output CSV file; - for standard output")],
        run: { args in
            guard let rows = try args.int("rows"), rows >= 0 else {
                throw StatMLError.usage("--rows must be 0 or more")
            }
            guard let seed = try args.int("seed"), seed >= 0 else {
                throw StatMLError.usage("--seed must be 0 or more")
            }
            let survey = SyntheticSurvey(
                rows: rows, seed: UInt64(seed), style: SyntheticSurvey.Style(rawValue: args.value("style")!)!)
            let sink = try ByteSink(path: args.positional("OUT")!)
            try sink.write(survey.bytes())
            try sink.close()
            return 0
        })

    /// The read options every data command shares, from the command line.
    static func tableReadOptions(_ args: ParsedArguments) throws -> TableReadOptions {
        var options = TableReadOptions()
        options.format = args.value("format").flatMap(TableFormat.init(rawValue:))
        if let d = args.value("delimiter") { options.csv.delimiter = try delimiter(d, option: "delimiter") }
        options.csv.hasHeader = !args.flag("no-header")
        options.syntax.decimal = DecimalMark(rawValue: args.value("decimal")!)!
        if args.isSet("na") { options.syntax.naTokens = args.values("na") }
        for entry in args.values("schema") {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let typeNames = ColumnType.allCases.map(\.rawValue)
            guard parts.count == 2, !parts[0].isEmpty, let type = ColumnType(rawValue: parts[1]) else {
                throw StatMLError.usage(
                    "--schema expects COLUMN:TYPE with TYPE one of \(typeNames.joined(separator: ", ")), got '\(entry)'"
                        + Suggestions.didYouMean(parts.last ?? "", in: typeNames))
            }
            options.schema[parts[0]] = type
        }
        return options
    }

    static func delimiter(_ text: String, option: String) throws -> UInt8 {
        switch text {
        case "tab", "\\t", "\t": return 0x09
        case ",", ";", "|", ":", " ": return text.utf8.first!
        default:
            throw StatMLError.usage("--\(option) must be one of , ; tab | : or a space, got '\(text)'")
        }
    }
}
