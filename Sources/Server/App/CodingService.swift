import Coding
import Platform
import StatMLCore

/// The shared coding service (issue #5): many tenants code records with their production model, uncertain
/// records go to a review queue, reviewers' decisions come back as training data, admins manage keys and
/// models, and everything that matters is in the audit log.
///
/// `makeRouter()` gives every route; `HTTPServer` serves it. The service holds no per-request state
/// of its own: the store is the truth, the model cache and the metrics are derived from it.
public final class CodingService: Sendable {
    public struct Options: Sendable {
        /// Records per `POST /v1/code` request.
        public var maxRecordsPerRequest = 10_000
        /// How long a cached production model is trusted before the store is asked whether another
        /// version was promoted (by another process, e.g. `statml models push`).
        public var modelCheckSeconds = 2.0
        /// How long a checked API key is trusted before the store is asked again (a revocation made by
        /// another process takes effect within this time; this process's own, at once). 0: every request.
        public var keyCheckSeconds = 2.0
        /// Batches at least this large are coded on several threads.
        public var parallelBatchRecords = 2_000
        public var threads = 2
        /// When a coding request's audit entry and review items must be on disk: before its answer
        /// (`.disk`), or soon after it, once they are in the database's log (`.log`: safe from a crash of
        /// this process; run a `LogCheckpointer` next to the service to bound the time to disk).
        public var codingDurability = CommitDurability.disk
        /// How long a commit of coding requests waits for the other requests being coded, so that it
        /// stores them all at once (`CodingLog.announce`).
        public var groupCommitWait = 0.001

        public init() {}
    }

    public let store: Store
    public let options: Options
    public let metrics: Metrics
    let models: ModelCache
    let codingLog: CodingLog
    let counters: ServiceCounters
    let keys: KeyCache

    public init(store: Store, metrics: Metrics = Metrics(), options: Options = Options()) {
        self.store = store
        self.options = options
        self.metrics = metrics
        models = ModelCache(store: store, checkSeconds: options.modelCheckSeconds, threads: options.threads)
        codingLog = CodingLog(store: store, durability: options.codingDurability, groupWait: options.groupCommitWait)
        counters = ServiceCounters(metrics: metrics, store: store)
        keys = KeyCache(seconds: options.keyCheckSeconds)
    }

    /// Every route of the service.
    public func makeRouter() -> Router {
        var router = Router()
        router.get("/healthz") { [self] _ in try health() }
        router.get("/metrics") { [metrics] _ in .metrics(metrics) }
        router.get("/openapi.json") { _ in .json(OpenAPIDocument.document) }
        router.get("/review") { _ in ReviewPage.response() }
        router.get("/v1/whoami") { [self] in try whoami($0) }
        router.post("/v1/code") { [self] in try code($0) }
        router.get("/v1/classification") { [self] in try classification($0) }
        router.get("/v1/review/next") { [self] in try nextForReview($0) }
        router.get("/v1/review/items/{id}") { [self] in try reviewItem($0) }
        router.post("/v1/review/items/{id}") { [self] in try decide($0) }
        router.get("/v1/corrections") { [self] in try corrections($0) }
        router.get("/v1/models") { [self] in try listModels($0) }
        router.post("/v1/models") { [self] in try pushModel($0) }
        router.post("/v1/models/rollback") { [self] in try rollback($0) }
        router.get("/v1/models/{version}") { [self] in try showModel($0) }
        router.get("/v1/models/{version}/file") { [self] in try downloadModel($0) }
        router.post("/v1/models/{version}/stage") { [self] in try setStage($0) }
        router.get("/v1/keys") { [self] in try listKeys($0) }
        router.post("/v1/keys") { [self] in try createKey($0) }
        router.delete("/v1/keys/{id}") { [self] in try revokeKey($0) }
        router.get("/v1/audit") { [self] in try audit($0) }
        router.put("/v1/tenant") { [self] in try updateTenant($0) }
        return router
    }

    private func health() throws -> HTTPResponse {
        do {
            let schema = try store.schemaVersion()
            return .json([
                "status": "ok", "version": .string(StatMLVersion.current), "store": .string(store.location.kind),
                "schema": .number(Double(schema)),
            ])
        } catch {
            return .json(
                ["status": "unavailable", "error": .string("\(error)")], status: 503)
        }
    }

    private func whoami(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try authenticate(request, allowed: Role.allCases)
        return .json([
            "tenant": .string(caller.tenant.name), "role": .string(caller.key.role.rawValue),
            "key_prefix": .string(caller.key.displayPrefix), "key_id": .number(Double(caller.key.id)),
        ])
    }
}

extension StoreLocation {
    /// "sqlite" or "postgresql", for health checks (never the path or URL, which may carry a password).
    var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgresql"
        }
    }
}
