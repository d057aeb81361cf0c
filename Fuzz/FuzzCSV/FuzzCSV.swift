// libFuzzer target for CSVReader (STYLE.md §5). Reading may throw; it must never crash, and:
// - every field's String holds exactly the field's bytes (the reader's UTF-8 check agrees with Swift's);
// - `double(_:)` (SWAR, padded buffer) agrees bit for bit with the plain byte-by-byte parser;
// - reading the same bytes from a file through a tiny buffer (every record split across refills)
//   gives the same records, lines, and error as reading them from memory.
// A violation traps, which libFuzzer reports as a crash.
import FuzzSupport
import Glibc
@_spi(Testing) import StatMLCore

struct Outcome: Equatable {
    var header: [String] = []
    var records: [[String]] = []
    var lines: [Int] = []
    var error: String?
}

func read(_ make: () throws -> CSVReader) -> Outcome {
    var outcome = Outcome()
    do {
        let reader = try make()
        outcome.header = reader.header
        var lastLine = 0
        try reader.forEachRecord { record in
            if record.line <= lastLine { fatalError("record lines must increase: \(record.line) after \(lastLine)") }
            lastLine = record.line
            var fields: [String] = []
            for i in 0..<record.count {
                let text = record.string(i)
                let bytes = record.withField(i) { Array($0) }
                if Array(text.utf8) != bytes { fatalError("field \(i) is not valid UTF-8 but was accepted") }
                let fast = record.double(i)
                if !record.isQuoted(i) {
                    let slow = bytes.withUnsafeBufferPointer { DecimalParsing.parseDouble($0) }
                    if fast?.bitPattern != slow?.bitPattern {
                        fatalError(
                            "double(\(i)) = \(String(describing: fast)), plain parser = \(String(describing: slow))")
                    }
                }
                if record.column(ofField: i) < 1 { fatalError("column < 1") }
                fields.append(text)
            }
            outcome.records.append(fields)
            outcome.lines.append(record.line)
        }
    } catch {
        outcome.error = "\(error)"
    }
    return outcome
}

let scratchPath = "/tmp/statml-fuzzcsv-\(getpid()).csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // The first byte picks the options and the delimiter, the second the buffer size, so the fuzzer
    // can reach them all.
    let selector = bytes.first ?? 0
    guard let file = fopen(scratchPath, "wb") else { fatalError("cannot write \(scratchPath)") }
    _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    for hasHeader in [true, false] {
        var options = CSVOptions(hasHeader: hasHeader)
        options.allowRaggedRows = selector & 1 != 0
        if selector & 2 != 0 { options.maxFieldBytes = 16 }
        if selector & 4 != 0 { options.quote = UInt8(ascii: "'") }
        // Delimiter detection, over the whole input: it must not crash.
        _ = read { try CSVReader(bytes: bytes, options: options) }

        // With a given delimiter (detection from a prefix may rightly differ), a file read through
        // a tiny buffer must give what memory gives.
        options.delimiter = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")][Int(selector >> 6)]
        let inMemory = read { try CSVReader(bytes: bytes, name: scratchPath, options: options) }
        let capacity = 4 + Int(bytes.count > 1 ? bytes[1] % 32 : 0)
        let streamed = read { try CSVReader(path: scratchPath, options: options, bufferCapacity: capacity) }
        if inMemory != streamed {
            fatalError("streamed (buffer \(capacity)) differs from in-memory:\n\(streamed)\n\(inMemory)")
        }
    }
    return 0
}

@_cdecl("FuzzCSV_main")  // SwiftPM's entry point for the target
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
