/// What a key may do. The service maps roles to endpoints; the store only records them.
public enum Role: String, Sendable, CaseIterable {
    /// Manages the tenant: keys, models, settings.
    case admin
    /// Reviews and decides queued items.
    case coder
    /// Sends texts to be coded.
    case client
}

/// An API key as stored: everything but the secret, of which only a SHA-256 digest is kept.
public struct APIKey: Hashable, Sendable {
    public let id: Int64
    public let tenantID: Int64
    public let role: Role
    /// What the key is for, in the admin's words ("nightly batch", "Anna's laptop").
    public let label: String
    /// The random public part of the secret, shown in listings so a person can tell keys apart.
    public let prefix: String
    public let createdAt: Timestamp
    public let revokedAt: Timestamp?

    public var isRevoked: Bool { revokedAt != nil }

    /// `sml_AbCd1234_…`: how a key is shown without revealing it.
    public var displayPrefix: String { "\(APIKeySecret.scheme)_\(prefix)_…" }
}

/// The secret handed to a key's owner once: `sml_<8-char prefix>_<43-char base62 secret>`.
enum APIKeySecret {
    static let scheme = "sml"
    static let prefixLength = 8
    /// 32 bytes (256 bits) from the system's CSPRNG, as base62: 43 characters.
    static let secretBytes = 32
    static let secretLength = 43
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// A new secret and its public prefix, drawn from `SystemRandomNumberGenerator` (the operating
    /// system's CSPRNG): a seeded generator would make keys predictable.
    static func generate() -> (prefix: String, secret: String) {
        var rng = SystemRandomNumberGenerator()
        let prefix = String(
            (0..<prefixLength).map { _ in alphabet[Int(rng.next(upperBound: UInt8(alphabet.count)))] })
        let bytes = (0..<secretBytes).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return (prefix, "\(scheme)_\(prefix)_\(base62(bytes))")
    }

    /// The prefix of a well-formed secret, or nil for anything that cannot be one of ours.
    static func prefix(of secret: String) -> String? {
        let parts = secret.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == scheme, parts[1].count == prefixLength, parts[2].count == secretLength,
            (parts[1] + parts[2]).allSatisfy({ alphabet.contains($0) })
        else { return nil }
        return String(parts[1])
    }

    /// The digest stored in place of the secret.
    static func digest(_ secret: String) -> String {
        SHA256Hex.of(Array(secret.utf8))
    }

    /// Big-endian bytes as a fixed-width base62 number (leading zeros kept as '0').
    static func base62(_ bytes: [UInt8]) -> String {
        var number = bytes
        var digits: [Character] = []
        for _ in 0..<secretLength {
            var remainder = 0
            for i in number.indices {
                let value = remainder << 8 | Int(number[i])
                number[i] = UInt8(value / alphabet.count)
                remainder = value % alphabet.count
            }
            digits.append(alphabet[remainder])
        }
        return String(digits.reversed())
    }
}
