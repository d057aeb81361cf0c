import StatMLCore

/// One entry of a tenant's audit log: who did what, when. Entries are never changed or removed; the
/// database refuses UPDATE and DELETE on the table.
public struct AuditEvent: Sendable, Equatable {
    public let id: Int64
    public let tenantID: Int64
    /// The API key that acted, when the action came through the service.
    public let actorKeyID: Int64?
    /// What happened, e.g. `code.batch`, `model.promote`.
    public let action: String
    /// A JSON object with the particulars, e.g. `{"records": 120, "model_version": 3}`.
    public let details: JSONValue
    public let at: Timestamp
}
