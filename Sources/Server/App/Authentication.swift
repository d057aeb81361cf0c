import Platform
import StatMLCore
import Synchronization

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
        let secret = String(parts[1]).trimmingSpacesAndTabs()
        guard let (key, tenant) = try keys.check(secret, in: store) else {
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

/// Keys that passed the check recently, so that a busy service does not query the store (and wait behind
/// its commits) on every request. An entry is trusted for `seconds`; this process's own revocations and
/// tenant changes empty the cache at once, another process's take effect within `seconds`.
final class KeyCache: Sendable {
    let seconds: Double
    /// A stripe per group of threads (`Stripes`): each thread checks a key against the store once per
    /// `seconds` itself, and request threads do not wait for each other here.
    private let entries = Stripes<[[UInt8]: (key: APIKey, tenant: Tenant, checked: ContinuousClock.Instant)]> { [:] }
    static let limit = 10_000

    init(seconds: Double) {
        self.seconds = seconds
    }

    /// The key and tenant of `secret`, nil when it is unknown or revoked. Keyed by the secret's SHA-256,
    /// so that secrets are not kept in memory longer than a request.
    func check(_ secret: String, in store: Store) throws -> (APIKey, Tenant)? {
        let digest = SHA256.hash(Array(secret.utf8))
        let now = ContinuousClock.now
        if seconds > 0, let hit = entries.withMine({ $0[digest] }),
            now - hit.checked < .milliseconds(Int(seconds * 1000))
        {
            return (hit.key, hit.tenant)
        }
        guard let (key, tenant) = try store.authenticate(secret: secret) else { return nil }
        if seconds > 0 {
            entries.withMine {
                if $0.count >= Self.limit { $0.removeAll() }
                $0[digest] = (key, tenant, now)
            }
        }
        return (key, tenant)
    }

    func removeAll() {
        entries.forEach { $0.removeAll() }
    }
}

extension String {
    func trimmingSpacesAndTabs() -> String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(self[first...last])
    }
}
