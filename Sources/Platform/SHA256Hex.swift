import StatMLCore

/// SHA-256 as lower-case hex, the form stored for model files and key secrets.
enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        SHA256.hex(SHA256.hash(bytes))
    }
}
