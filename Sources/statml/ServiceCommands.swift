import Coding
import Foundation
import Platform
import Server
import StatMLCore

/// `statml serve`, `statml admin ...` and `statml models ...`: the shared coding service (issue #5).
enum ServiceCommands {
    static let storeOptions: [Option] = [
        .value("store", valueName: "FILE", help: "SQLite store file [default: statml.db]"),
        .value(
            "database-url", valueName: "URL",
            help: "PostgreSQL store instead, e.g. postgresql://user@host:5432/db (or STATML_DATABASE_URL)"),
    ]

    static func openStore(_ args: ParsedArguments) throws -> Store {
        try Store.open(
            StoreLocation.parse(
                store: args.value("store"), databaseURL: args.value("database-url"),
                environment: ProcessInfo.processInfo.environment))
    }

    static let serve = Command(
        "serve", abstract: "run the coding service: HTTP JSON API, review workbench, metrics",
        discussion: """
            Serves POST /v1/code, the review queue (/v1/review/...), corrections, the model registry, keys and the \
            audit log for every tenant of the store, the review workbench at /review, /metrics, /healthz and \
            /openapi.json. Stops on SIGTERM or SIGINT after finishing the requests in flight.
            """,
        examples: [
            "statml serve --port 8080 --store statml.db",
            "statml serve --port 8080 --database-url postgresql://statml@db:5432/statml --threads 8",
            "statml serve --port 8080 --coding-durability disk",
        ],
        options: storeOptions + [
            .value("port", valueName: "N", help: "TCP port (0: any free port, printed on start)", default: "8080"),
            .value("host", valueName: "ADDR", help: "IPv4 address to listen on", default: "0.0.0.0"),
            .value(
                "threads", valueName: "N",
                help:
                    "0: a thread for each connection, so that a request waiting for its commit never holds up another connection; N: a pool of N threads shared by all connections (for many mostly idle ones)",
                default: "0"),
            .value(
                "coding-durability", valueName: "log|disk",
                help:
                    "when POST /v1/code answers. log: once its audit entry and review items are committed to the store's log, safe from a crash or kill -9 of statml, and on disk within --checkpoint-interval (SQLite) or by PostgreSQL's WAL writer (0.6 s by default); disk: once they are flushed to disk, safe from power loss (every answer waits for the disk). Review decisions and admin actions always wait for the disk",
                default: "log"),
            .value(
                "checkpoint-interval", valueName: "S",
                help:
                    "SQLite store: seconds between checkpoints, which flush the log to disk and copy it into the database file off the request path",
                default: "0.1"),
            .value("max-body-mb", valueName: "MB", help: "largest request body accepted", default: "64"),
            .value("timeout", valueName: "S", help: "seconds an idle connection is kept", default: "30"),
        ],
        run: { args in
            guard let port = try args.int("port"), (0...65535).contains(port) else {
                throw StatMLError.usage("--port must be in 0…65535")
            }
            guard let threads = try args.int("threads"), threads >= 0 else {
                throw StatMLError.usage("--threads must be 0 (a thread per connection) or a positive whole number")
            }
            let maxBody = try positive(args, "max-body-mb")
            let timeout = try positive(args, "timeout")
            guard let durability = CommitDurability(rawValue: args.value("coding-durability")!) else {
                throw StatMLError.usage("--coding-durability must be log or disk")
            }
            guard let interval = Double(args.value("checkpoint-interval")!), interval > 0, interval <= 3600 else {
                throw StatMLError.usage("--checkpoint-interval must be a number of seconds in (0, 3600]")
            }
            let store = try openStore(args)
            var options = CodingService.Options()
            let cores = ProcessInfo.processInfo.activeProcessorCount
            options.threads = threads == 0 ? cores : min(threads, cores)
            options.codingDurability = durability
            let metrics = Metrics()
            let service = CodingService(store: store, metrics: metrics, options: options)
            let router = service.makeRouter()
            let server = HTTPServer(
                host: args.value("host")!, port: UInt16(port), threads: threads, maxBodyBytes: maxBody << 20,
                connectionTimeoutSeconds: timeout, metrics: metrics
            ) { router.handle($0) }
            // Started before the server: the log is flushed from the first answer on.
            let checkpointer = try LogCheckpointer.start(serving: store, interval: interval)
            try server.start()
            CommandLineTool.printError(
                "statml serve: listening on http://\(args.value("host")!):\(server.port) (store: \(store.location), \(threads == 0 ? "a thread per connection" : "\(threads) threads"), coding durability \(durability.rawValue))"
            )
            let signal = server.runUntilTerminated(graceTimeout: .seconds(30))
            // The requests in flight are finished: a last checkpoint puts everything answered on disk.
            checkpointer?.stop()
            CommandLineTool.printError("statml serve: stopped on signal \(signal)")
            store.close()
            return 0
        })

    static let admin = Command(
        "admin", abstract: "manage tenants and API keys of the coding service's store",
        examples: [
            "statml admin create-tenant ine-chile --store statml.db",
            "statml admin create-key --tenant ine-chile --role client --store statml.db",
        ],
        subcommands: [
            Command(
                "create-tenant", abstract: "add a tenant (a survey or an office using the service)",
                examples: ["statml admin create-tenant ine-chile --store statml.db"],
                options: storeOptions,
                positionals: [Positional("NAME", help: "1–64 letters, digits, '-', '_' or '.'")],
                run: { args in
                    let store = try openStore(args)
                    let tenant = try store.createTenant(name: try positionalValue(args, "NAME"))
                    try auditCLI(store, tenant, "tenant.create", [:])
                    CommandLineTool.printError("created tenant '\(tenant.name)' in \(store.location)")
                    return 0
                }),
            Command(
                "create-key", abstract: "create an API key; prints the key alone on stdout (it is shown only once)",
                examples: [
                    "statml admin create-key --tenant ine-chile --role admin --store statml.db",
                    "KEY=$(statml admin create-key --tenant ine-chile --role coder --label 'coder 7')",
                ],
                options: storeOptions + [
                    .value("tenant", valueName: "NAME", help: "the tenant the key belongs to"),
                    .value(
                        "role", valueName: "ROLE", help: "admin, coder (review) or client (code records)",
                        choices: Role.allCases.map(\.rawValue)),
                    .value("label", valueName: "TEXT", help: "who or what the key is for", default: ""),
                ],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    guard let role = Role(rawValue: try args.required("role")) else {
                        throw StatMLError.usage("--role must be admin, coder or client")
                    }
                    let (key, secret) = try store.createKey(tenant: tenant, role: role, label: args.value("label")!)
                    try auditCLI(
                        store, tenant, "key.create",
                        ["key_id": .number(Double(key.id)), "role": .string(role.rawValue)])
                    print(secret)
                    return 0
                }),
            Command(
                "list-keys", abstract: "list a tenant's API keys (never their secrets)",
                examples: ["statml admin list-keys --tenant ine-chile"],
                options: storeOptions + [.value("tenant", valueName: "NAME", help: "the tenant")],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    for key in try store.keys(tenant: tenant) {
                        print(
                            "\(key.id)\t\(key.role.rawValue)\t\(key.displayPrefix)\t\(key.label)\t\(key.revokedAt.map { "revoked \($0)" } ?? "active")"
                        )
                    }
                    return 0
                }),
            Command(
                "audit", abstract: "export a tenant's audit log as JSON Lines",
                examples: ["statml admin audit --tenant ine-chile > audit.jsonl"],
                options: storeOptions + [
                    .value("tenant", valueName: "NAME", help: "the tenant"),
                    .value("after", valueName: "ID", help: "only entries after this id", default: "0"),
                ],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    var after = Int64(try args.int("after") ?? 0)
                    while true {
                        let events = try store.auditEvents(tenant: tenant, afterID: after, limit: 1000)
                        for e in events { print(CodingService.auditJSON(e).serialized()) }
                        guard let last = events.last, events.count == 1000 else { break }
                        after = last.id
                    }
                    return 0
                }),
        ])

    static let models = Command(
        "models", abstract: "the coding service's model registry: push, list, promote, roll back",
        examples: [
            "statml models push coicop.statml --tenant ine-chile --stage production",
            "statml models list --tenant ine-chile",
        ],
        subcommands: [
            Command(
                "push", abstract: "add a model file to a tenant's registry as its next version",
                examples: [
                    "statml models push coicop.statml --tenant ine-chile --stage production --store statml.db"
                ],
                options: storeOptions + [
                    .value("tenant", valueName: "NAME", help: "the tenant"),
                    .value(
                        "stage", valueName: "STAGE", help: "also move it to this stage",
                        choices: ModelStage.allCases.map(\.rawValue)),
                ],
                positionals: [Positional("MODEL", help: "a model file from 'statml code train'")],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    let path = try positionalValue(args, "MODEL")
                    let bytes = try readFile(path)
                    let model = try CodingModelFile.decode(bytes, name: path)
                    var registered = try store.addModel(
                        tenant: tenant, bytes: bytes, createdBy: nil,
                        trainedOnCorrections: ModelProvenance.correctionIDs(of: model))
                    try auditCLI(
                        store, tenant, "model.push",
                        [
                            "version": .number(Double(registered.version)), "sha256": .string(registered.sha256),
                        ])
                    if let stage = args.value("stage").flatMap(ModelStage.init(rawValue:)) {
                        registered = try store.setStage(
                            tenant: tenant, version: registered.version, stage: stage, actor: nil)
                        try auditCLI(
                            store, tenant, "model.stage",
                            [
                                "version": .number(Double(registered.version)), "stage": .string(stage.rawValue),
                            ])
                    }
                    CommandLineTool.printError(
                        "tenant '\(tenant.name)': model version \(registered.version) (\(registered.stage.rawValue)), sha256 \(registered.sha256.prefix(12))…"
                    )
                    print(registered.version)
                    return 0
                }),
            Command(
                "list", abstract: "list a tenant's model versions with their stage and metrics",
                examples: ["statml models list --tenant ine-chile", "statml models list --tenant ine-chile --json"],
                options: storeOptions + [
                    .value("tenant", valueName: "NAME", help: "the tenant"),
                    .flag("json", help: "print JSON"),
                ],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    let models = try store.models(tenant: tenant)
                    if args.flag("json") {
                        print(JSONValue.array(models.map(CodingService.modelJSON)).serialized(pretty: true))
                        return 0
                    }
                    print("version\tstage\taccuracy\tthreshold\ttrained_on_corrections\tcreated_at\tsha256")
                    for m in models {
                        let accuracy = m.validation["accuracy"]?.doubleValue.map { String(format: "%.4f", $0) } ?? "-"
                        let threshold = m.threshold.map { String(format: "%.4f", $0) } ?? "-"
                        print(
                            "\(m.version)\t\(m.stage.rawValue)\t\(accuracy)\t\(threshold)\t\(m.trainedOnCorrections.count)\t\(m.createdAt)\t\(m.sha256.prefix(12))"
                        )
                    }
                    return 0
                }),
            Command(
                "promote", abstract: "move a model version to a stage (production by default)",
                examples: [
                    "statml models promote 3 --tenant ine-chile",
                    "statml models promote 4 --tenant ine-chile --stage staging",
                ],
                options: storeOptions + [
                    .value("tenant", valueName: "NAME", help: "the tenant"),
                    .value(
                        "stage", valueName: "STAGE", help: "the stage", default: "production",
                        choices: ModelStage.allCases.map(\.rawValue)),
                ],
                positionals: [Positional("VERSION", help: "the model version")],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    guard let version = Int(try positionalValue(args, "VERSION")), version > 0 else {
                        throw StatMLError.usage("VERSION must be a positive whole number")
                    }
                    let stage = ModelStage(rawValue: args.value("stage")!)!
                    let m = try store.setStage(tenant: tenant, version: version, stage: stage, actor: nil)
                    try auditCLI(
                        store, tenant, "model.stage",
                        ["version": .number(Double(version)), "stage": .string(stage.rawValue)])
                    CommandLineTool.printError(
                        "tenant '\(tenant.name)': model version \(m.version) is now \(m.stage.rawValue)")
                    return 0
                }),
            Command(
                "rollback", abstract: "put the previous production version back into production",
                examples: ["statml models rollback --tenant ine-chile"],
                options: storeOptions + [.value("tenant", valueName: "NAME", help: "the tenant")],
                run: { args in
                    let (store, tenant) = try openTenant(args)
                    let m = try store.rollback(tenant: tenant, actor: nil)
                    try auditCLI(store, tenant, "model.rollback", ["version": .number(Double(m.version))])
                    CommandLineTool.printError(
                        "tenant '\(tenant.name)': model version \(m.version) is back in production")
                    return 0
                }),
        ])

    static func openTenant(_ args: ParsedArguments) throws -> (Store, Tenant) {
        let store = try openStore(args)
        return (store, try store.tenant(named: try args.required("tenant")))
    }

    /// An admin action taken from the command line: audited with no key, marked `"via": "cli"`.
    static func auditCLI(_ store: Store, _ tenant: Tenant, _ action: String, _ details: JSONValue) throws {
        var object = details.objectValue ?? JSONObject()
        object["via"] = "cli"
        try store.appendAudit(tenant: tenant, actorKeyID: nil, action: action, details: .object(object))
    }

    static func positionalValue(_ args: ParsedArguments, _ name: String) throws -> String {
        guard let value = args.positional(name) else { throw StatMLError.usage("missing \(name)") }
        return value
    }

    static func positive(_ args: ParsedArguments, _ name: String) throws -> Int {
        guard let n = try args.int(name), n > 0 else {
            throw StatMLError.usage("--\(name) must be a positive whole number")
        }
        return n
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw StatMLError.notFound("no such file: \(path)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StatMLError.io("cannot read \(path)")
        }
        return [UInt8](data)
    }
}
