/// A record the model was not sure enough about, waiting for (or given) a person's code.
public struct ReviewItem: Sendable {
    /// A review item's lifecycle: it starts pending and is decided exactly once.
    public enum State: Sendable, Equatable {
        case pending
        case decided(Decision)
    }

    public struct Decision: Sendable, Equatable {
        public let code: String
        public let kind: DecisionKind
        /// The key of the person who decided, when decided through the service.
        public let reviewerKeyID: Int64?
        public let at: Timestamp
    }

    public let id: Int64
    public let tenantID: Int64
    /// The client's own id for the record.
    public let recordID: String
    public let text: String
    /// The model's confidence in its predicted code, 0…1.
    public let confidence: Double
    /// The model's top candidates, most likely first.
    public let suggestions: [(code: String, confidence: Double)]
    public let modelVersion: Int?
    public let predictedCode: String?
    public let createdAt: Timestamp
    public let state: State
}

/// Whether the reviewer kept the model's code or chose another.
public enum DecisionKind: String, Sendable {
    case accepted
    case corrected
}

/// What the service puts in the review queue.
public struct NewReviewItem: Sendable {
    public var recordID: String
    public var text: String
    public var confidence: Double
    public var suggestions: [(code: String, confidence: Double)]
    public var modelVersion: Int?
    public var predictedCode: String?

    public init(
        recordID: String, text: String, confidence: Double, suggestions: [(code: String, confidence: Double)],
        modelVersion: Int?, predictedCode: String?
    ) {
        self.recordID = recordID
        self.text = text
        self.confidence = confidence
        self.suggestions = suggestions
        self.modelVersion = modelVersion
        self.predictedCode = predictedCode
    }
}

/// A decided review item as training data: the text and the code a person gave it.
public struct Correction: Sendable, Equatable {
    public let id: Int64
    public let recordID: String
    public let text: String
    public let code: String
    public let decision: DecisionKind
    public let predictedCode: String?
    public let modelVersion: Int?
    public let reviewerKeyID: Int64?
    public let decidedAt: Timestamp
}
