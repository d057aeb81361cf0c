/// An organisation or survey that uses the service; everything else in the store belongs to one.
public struct Tenant: Hashable, Sendable {
    public let id: Int64
    /// 1–64 letters, digits, `-`, `_`, `.`; unique in the store.
    public let name: String
    /// Whether audit entries may keep the texts being coded. Off by default: texts can be personal data.
    public var auditTexts: Bool
    public let createdAt: Timestamp
}
