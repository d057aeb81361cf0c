import Platform
import StatMLCore

/// Who is calling: the API key and the tenant it belongs to. Every query a handler makes is scoped to
/// `tenant`, so another tenant's ids simply do not exist for this caller (404, never 403).
struct Caller: Sendable {
    let key: APIKey
    let tenant: Tenant
}

extension CodingService {
    /// The caller of `request` (`Authorization: Bearer KEY`), if its key is valid and has one of the
    /// `allowed` roles: 401 for a missing, malformed, unknown or revoked key, 403 for a role that may not.
    func authenticate(_ request: HTTPRequest, allowed: [Role], to action: String = "do this") throws -> Caller {
        guard let header = request.headers["Authorization"] else {
            throw StatMLError(.unauthorized, "missing API key: send the header 'Authorization: Bearer <key>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw StatMLError(.unauthorized, "the Authorization header must be 'Bearer <key>'")
        }
        let secret = parts[1].trimmingSpaces()
        guard let (key, tenant) = try store.authenticate(secret: secret) else {
            throw StatMLError(.unauthorized, "invalid or revoked API key")
        }
        guard allowed.contains(key.role) else {
            let roles = allowed.map(\.rawValue).joined(separator: " or ")
            throw StatMLError(
                .forbidden, "a key with role '\(key.role.rawValue)' may not \(action); it needs role \(roles)")
        }
        return Caller(key: key, tenant: tenant)
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
