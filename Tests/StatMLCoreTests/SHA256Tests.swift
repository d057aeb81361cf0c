import StatMLCore
import Testing

/// SHA-256 against the published examples of FIPS 180-4 (NIST CSRC "Example Algorithms", SHA256.pdf and
/// SHA2_Additional.pdf), and incremental hashing against one-shot hashing.
@Suite("SHA-256")
struct SHA256Tests {
    static func hex(_ text: String) -> String { SHA256.hex(SHA256.hash(Array(text.utf8))) }

    @Test func publishedExamples() {
        #expect(Self.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Self.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a' (FIPS 180-2, appendix B.3).
        #expect(
            SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Pieces of every size from 0 to 130 bytes (across the 64-byte block and the 56-byte padding
    /// boundary) give the one-shot digest; a copy of a hasher goes on independently.
    @Test func incrementalEqualsOneShot() {
        let bytes = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hash(bytes)
        for piece in 0...130 {
            var hasher = SHA256()
            var offset = 0
            var step = piece
            while offset < bytes.count {
                let end = min(bytes.count, offset + step)
                hasher.update(bytes[offset..<end])
                offset = end
                step = step == 0 ? 1 : step
            }
            #expect(hasher.finalize() == whole, "pieces of \(piece) bytes")
        }
        var first = SHA256()
        first.update(bytes[..<100])
        var copy = first
        first.update(bytes[100...])
        copy.update(bytes[100...])
        #expect(first.finalize() == whole && copy.finalize() == whole)
    }
}
