import StatMLCore

/// Where a model version is in its life. At most one version per tenant is in `staging` and one in
/// `production`; the database enforces it with a partial unique index.
public enum ModelStage: String, Sendable, CaseIterable {
    case none
    case staging
    case production
    case archived
}

/// A model version in a tenant's registry. The metadata is read from the model file itself when it
/// is added, so it cannot disagree with the bytes.
public struct RegisteredModel: Sendable, Equatable {
    public let tenantID: Int64
    /// 1, 2, 3… per tenant, in the order added.
    public let version: Int
    /// SHA-256 of the model file, lower-case hex.
    public let sha256: String
    public let sizeBytes: Int
    public let algorithm: String
    public let classCount: Int
    /// The auto-coding confidence threshold chosen at training, when one was.
    public let threshold: Double?
    /// The validation metrics the model file carries.
    public let validation: JSONValue
    public let trainingDataHash: String
    /// The StatML version that trained the model.
    public let statmlVersion: String
    public let stage: ModelStage
    /// The API key that added it, when added through the service.
    public let createdBy: Int64?
    public let createdAt: Timestamp
    /// Ids of the review corrections the model was trained on, ascending.
    public let trainedOnCorrections: [Int64]
}

/// One change of a model version's stage, for the record and for `rollback`.
public struct StageChange: Sendable, Equatable {
    /// Why the stage changed.
    public enum Reason: String, Sendable {
        /// Someone asked for it (`setStage`).
        case requested
        /// Another version took this stage (production → archived, staging → none).
        case replaced
        /// `rollback` moved it.
        case rollback
    }

    public let id: Int64
    public let version: Int
    public let from: ModelStage
    public let to: ModelStage
    public let reason: Reason
    public let actorKeyID: Int64?
    public let at: Timestamp
}
