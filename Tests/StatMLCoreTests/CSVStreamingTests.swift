import Glibc
@_spi(Testing) import StatMLCore
import Testing

/// Reading a file through a tiny buffer (so every record is split across refills, and the buffer
/// grows and shrinks) must give exactly what reading the same bytes from memory gives: the same
/// records, lines, and errors.
@Suite("CSV streaming")
struct CSVStreamingTests {
    struct Outcome: Equatable {
        var header: [String] = []
        var records: [[String]] = []
        var lines: [Int] = []
        var error: String?
    }

    static func read(_ make: () throws -> CSVReader) -> Outcome {
        var outcome = Outcome()
        do {
            let reader = try make()
            outcome.header = reader.header
            try reader.forEachRecord { r in
                outcome.records.append((0..<r.count).map { r.string($0) })
                outcome.lines.append(r.line)
            }
        } catch {
            outcome.error = "\(error)"
        }
        return outcome
    }

    static func compare(_ bytes: [UInt8], options: CSVOptions = CSVOptions(delimiter: UInt8(ascii: ","))) -> [String] {
        let dir = IOTestSupport.makeTemporaryDirectory()
        defer { IOTestSupport.removeDirectory(dir) }
        let path = dir + "/in.csv"
        IOTestSupport.writeFile(path, bytes)
        let expected = read { try CSVReader(bytes: bytes, name: path, options: options) }
        var failures: [String] = []
        for capacity in [4, 5, 6, 7, 8, 9, 13, 16, 31, 64] {
            let got = read { try CSVReader(path: path, options: options, bufferCapacity: capacity) }
            if got != expected { failures.append("capacity \(capacity): \(got) vs \(expected)") }
        }
        return failures
    }

    /// Found by FuzzCSV: the invalid-UTF-8 message listed as many bytes as happened to be buffered.
    @Test func fuzzRegressionUTF8MessageDependedOnTheBuffer() {
        let bytes: [UInt8] = [
            0, 0, 0, 0, 0, 0, 0, 0, 41, 0, 0, 0, 0, 97, 92, 96, 93, 144, 144, 144, 144, 144, 144, 99, 195, 40, 44,
            99, 195, 40, 50, 10, 51, 52, 53, 54, 55, 56, 57, 48,
        ]
        #expect(Self.compare(bytes).isEmpty)
        let error = IOTestSupport.csvError(bytes)
        #expect(error?.message.hasPrefix("invalid UTF-8 (0x90)") == true)
        // 8 NULs, ")", 4 NULs, "a\\`]": the bad byte is the 18th character.
        #expect(error?.location == .init(file: "t.csv", line: 1, column: 18))
    }

    @Test func tooLongIsReportedTheSameWayWhateverTheBuffer() {
        let options = CSVOptions(delimiter: UInt8(ascii: ","), maxFieldBytes: 6)
        let cases = [
            "a,b\n123456,\"123456\"\n",  // exactly at the limit: fine
            "a,b\n1234567,2\n",  // unquoted, one over
            "a,b\n1,\"1234567\"\n",  // quoted, one over
            "a,b\n1,\"123456",  // unterminated within the limit
            "a,b\n1,\"1234567",  // unterminated beyond it
            "a,b\n1,1234567\"\n",  // a stray quote beyond the limit
            "a,b\n1,12345\"\n",  // a stray quote within it
            "a,b\n1,\"12\"\"34\"\n",  // doubled quotes count as written
        ]
        for text in cases {
            #expect(Self.compare(Array(text.utf8), options: options).isEmpty, "\(text)")
        }
        var invalidLate = Array("a,b\n1,\"1234567".utf8)
        invalidLate += [0xFF, 0x22, 0x0A]
        #expect(Self.compare(invalidLate, options: options).isEmpty)
        #expect(IOTestSupport.csvError(invalidLate, options)?.message.contains("longer than 6 bytes") == true)
        var invalidEarly = Array("a,b\n1,\"12".utf8)
        invalidEarly += [0xFF, 0x22, 0x0A]
        #expect(IOTestSupport.csvError(invalidEarly, options)?.message.contains("invalid UTF-8") == true)
    }

    @Test func nastyInputsAgreeAcrossBufferSizes() {
        let texts = [
            "a,b\r\n\"x\r\ny\",\"\"\"\"\r\n\r\n\r\n1,2\r", "a,b\r1,2\r\r\r3,4", "\u{FEFF}é,ü\n😀,漢\n", "a\n\"\"\n\n\"\"",
            "a,b\n1,2,3\n", "a,b\n\"x\"y,1\n", "a,b\n\"never closed\n1,2\n", "a,b\nx\"y,2\n", "\n\n\r\n", "",
        ]
        for text in texts {
            #expect(Self.compare(Array(text.utf8)).isEmpty, "\(text.debugDescription)")
        }
        // Multi-byte characters cut at every position, valid and truncated.
        for cut in 0..<4 {
            var bytes = Array("a,b\n1,".utf8) + Array("😀".utf8).prefix(cut + 1)
            bytes += Array(",x\n".utf8)
            #expect(Self.compare(bytes).isEmpty)
        }
    }

    @Test func randomNastyFilesAgreeAcrossBufferSizes() {
        var rng = IOTestRandom(seed: 99)
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array(",".utf8), Array("\"".utf8), Array("\"\"".utf8), [0x0A], [0x0D], [0x0D, 0x0A],
            Array("é".utf8), Array("😀".utf8), [0xFF], [0xE2, 0x82], Array("1.5".utf8), Array(" ".utf8),
        ]
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) { bytes += pieces.randomElement(using: &rng)! }
            let failures = Self.compare(
                bytes, options: CSVOptions(delimiter: UInt8(ascii: ","), allowRaggedRows: Bool.random(using: &rng)))
            #expect(failures.isEmpty, "\(bytes): \(failures.first ?? "")")
        }
    }
}
