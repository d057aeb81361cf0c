// libFuzzer target for the JSON parser, serialiser and JSON Lines reader (STYLE.md §5). Parsing
// may throw; it must never crash, and:
// - whatever parses serialises (compact and pretty) to text that parses back to an equal value,
//   and serialising that again gives the same text;
// - JSON Lines read from memory and from a file through a tiny buffer give the same objects,
//   lines and error, and every object round-trips like a value.
// A violation traps, which libFuzzer reports as a crash.
import FuzzSupport
import Glibc
@_spi(Testing) import StatMLCore

func checkRoundTrip(_ value: JSONValue) {
    for pretty in [false, true] {
        let text = value.serialized(pretty: pretty)
        let again: JSONValue
        do {
            again = try JSONValue.parse(text)
        } catch {
            fatalError("serialised text does not parse: \(error)\n\(text)")
        }
        if again != value { fatalError("round trip changed the value:\n\(text)") }
        if again.serialized(pretty: pretty) != text { fatalError("serialising is not stable:\n\(text)") }
    }
}

struct LinesOutcome: Equatable {
    var objects: [JSONObject] = []
    var lines: [Int] = []
    var error: String?
}

func readLines(_ make: () throws -> JSONLinesReader) -> LinesOutcome {
    var outcome = LinesOutcome()
    do {
        try make().forEachObject { object, line in
            checkRoundTrip(.object(object))
            outcome.objects.append(object)
            outcome.lines.append(line)
        }
    } catch {
        outcome.error = "\(error)"
    }
    return outcome
}

let scratchPath = "/tmp/statml-fuzzjson-\(getpid()).jsonl"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let value = try? JSONValue.parse(bytes, name: "fuzz.json") { checkRoundTrip(value) }

    let inMemory = readLines { JSONLinesReader(bytes: bytes, name: scratchPath) }
    guard let file = fopen(scratchPath, "wb") else { fatalError("cannot write \(scratchPath)") }
    _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    let capacity = 1 + Int(bytes.first ?? 0) % 16
    let streamed = readLines { try JSONLinesReader(path: scratchPath, bufferCapacity: capacity) }
    if inMemory != streamed {
        fatalError("streamed (buffer \(capacity)) differs from in-memory:\n\(streamed)\n\(inMemory)")
    }
    return 0
}

@_cdecl("FuzzJSON_main")  // SwiftPM's entry point for the target
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
