import Glibc
import StatMLCore
import Testing

/// Helpers for the CSV and JSON I/O tests (namespaced: the test target is shared).
enum IOTestSupport {
    /// A fresh directory under /tmp, removed by `removeDirectory`.
    static func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/statml-io-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        return String(cString: template)
    }

    static func removeDirectory(_ path: String) {
        _ = system("rm -rf '\(path)'")
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) {
        let f = fopen(path, "wb")!
        _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// The text with every double quote doubled, as inside a quoted CSV field.
    static func doubledQuotes(_ text: String) -> String {
        String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] })
    }

    static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static let pythonAvailable: Bool = system("python3 -c 'import csv, json' >/dev/null 2>&1") == 0

    /// Runs a Python script (written to a file in `directory`) with arguments; true on exit 0.
    static func runPython(_ script: String, in directory: String, arguments: [String] = []) -> Bool {
        let path = directory + "/script.py"
        writeFile(path, Array(script.utf8))
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        return system("python3 '\(path)' \(quoted)") == 0
    }

    /// Reads all data rows of CSV text.
    static func rows(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> [[String]] {
        try rows(Array(text.utf8), options)
    }

    static func rows(_ bytes: [UInt8], _ options: CSVOptions = CSVOptions()) throws -> [[String]] {
        let reader = try CSVReader(bytes: bytes, name: "t.csv", options: options)
        var out: [[String]] = []
        try reader.forEachRecord { r in out.append((0..<r.count).map { r.string($0) }) }
        return out
    }

    /// The error reading CSV text raises, or nil if it reads cleanly.
    static func csvError(_ text: String, _ options: CSVOptions = CSVOptions()) -> StatMLError? {
        csvError(Array(text.utf8), options)
    }

    static func csvError(_ bytes: [UInt8], _ options: CSVOptions = CSVOptions()) -> StatMLError? {
        do {
            let reader = try CSVReader(bytes: bytes, name: "t.csv", options: options)
            try reader.forEachRecord { r in for i in 0..<r.count { _ = r.string(i) } }
            return nil
        } catch let error as StatMLError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a seeded generator so test inputs are the same every run.
struct IOTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
