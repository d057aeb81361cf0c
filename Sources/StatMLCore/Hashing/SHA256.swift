import CCrypto

/// SHA-256 (FIPS PUB 180-4, "Secure Hash Standard"), incremental. Used for training-data hashes,
/// model-file checksums and stored API keys. The compression runs in OpenSSL's libcrypto, which uses the
/// CPU's SHA extensions where it has them: a 22 MB model file is checked in ~15 ms instead of ~150 ms.
/// A copy of a hasher is an independent hasher (the state is a plain C struct).
public struct SHA256: @unchecked Sendable {
    private var state = statml_sha256()

    public init() { statml_sha256_init(&state) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        statml_sha256_update(&state, base, bytes.count)
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// The digest; the hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            statml_sha256_final(&state, buffer.baseAddress!)
            count = 32
        }
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Lower-case hexadecimal, as `sha256sum` prints.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
