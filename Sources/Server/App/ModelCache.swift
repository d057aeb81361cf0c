import Coding
import Foundation
import Platform
import StatMLCore
import Synchronization

/// A decoded model of one tenant with predictors to lend: a predictor keeps scratch buffers and a word
/// cache, so each is used by one request at a time and returned afterwards.
final class LoadedModel: @unchecked Sendable {
    let version: Int
    let model: CodingModel
    /// The classification's codes for search: the model's classes and, with a hierarchy, its other levels.
    let codes: [(code: String, label: String, level: Int?)]
    /// Predictors not in use, in a stripe per group of threads (`Stripes`): a request takes one from
    /// its thread's stripe, or makes one, and puts it back there.
    private let idle = Stripes<[CodingPredictor]> { [] }

    init(version: Int, model: CodingModel) {
        self.version = version
        self.model = model
        if let hierarchy = model.hierarchy {
            codes = hierarchy.nodes.map { ($0.code, $0.label, hierarchy.level(of: $0.code)) }
        } else {
            codes = model.classes.map { ($0, $0, nil) }
        }
    }

    func withPredictor<T>(_ body: (CodingPredictor) throws -> T) rethrows -> T {
        let predictor = idle.withMine { $0.popLast() } ?? CodingPredictor(model: model, candidateCount: 5)
        defer { idle.withMine { $0.append(predictor) } }
        return try body(predictor)
    }

    /// The label of a code (itself when the model has no hierarchy or does not know it).
    func label(of code: String) -> String {
        model.hierarchy?.node(code)?.label ?? code
    }

    /// Whether reviewers may give `code`: a class of the model or a node of its classification.
    func knows(_ code: String) -> Bool {
        model.classes.contains(code) || model.hierarchy?.contains(code) == true
    }
}

/// Each tenant's production model, decoded once and kept. A cached entry is trusted for `checkSeconds`;
/// then the store is asked which version is in production, so a promotion or rollback made by another
/// process takes effect within that time (this process's own changes take effect at once).
final class ModelCache: Sendable {
    private let store: Store
    private let checkSeconds: Double
    private let threads: Int
    /// Read by every request: a stripe per group of threads (`Stripes`), each checked against the store
    /// every `checkSeconds` by its own threads.
    private let production = Stripes<[Int64: (model: LoadedModel, checked: ContinuousClock.Instant)]> { [:] }
    private let versions = Mutex<[String: LoadedModel]>([:])

    init(store: Store, checkSeconds: Double, threads: Int) {
        self.store = store
        self.checkSeconds = checkSeconds
        self.threads = threads
    }

    /// The tenant's production model; `.notFound` when it has none yet.
    func production(_ tenant: Tenant) throws -> LoadedModel {
        let now = ContinuousClock.now
        if let cached = production.withMine({ $0[tenant.id] }),
            now - cached.checked < .milliseconds(Int(checkSeconds * 1000))
        {
            return cached.model
        }
        guard let registered = try store.productionModel(tenant: tenant) else {
            throw StatMLError.notFound(
                "tenant '\(tenant.name)' has no model in production: push one with 'statml models push MODEL --tenant \(tenant.name) --stage production' or POST /v1/models?stage=production"
            )
        }
        let loaded = try version(tenant, registered.version)
        production.withMine { $0[tenant.id] = (loaded, now) }
        return loaded
    }

    /// Any version of the tenant's models (the one that queued a review item, say).
    func version(_ tenant: Tenant, _ version: Int) throws -> LoadedModel {
        let key = "\(tenant.id)/\(version)"
        if let loaded = versions.withLock({ $0[key] }) { return loaded }
        let bytes = try store.modelBytes(tenant: tenant, version: version)
        let model = try CodingModelFile.decode(bytes, name: "model version \(version) of tenant '\(tenant.name)'")
        let loaded = LoadedModel(version: version, model: model)
        versions.withLock { $0[key] = loaded }
        return loaded
    }

    /// Forgets the tenant's production choice, after this process changed it.
    func invalidate(_ tenant: Tenant) {
        production.forEach { $0.removeValue(forKey: tenant.id) }
    }
}
