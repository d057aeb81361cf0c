// Times text normalisation and feature hashing on the ECOICOP product names, for Benchmarks/text/run.sh.
// Compiled together with Sources/Text/*.swift into one module (there is no Package.swift target for it),
// so internal API such as `tokensGeneral` is reachable; without -D FAST_API it compiles against a copy of
// Sources/Text from before the fast path.
//
//     swiftc -O -wmo -module-name TextBench [-D FAST_API] Sources/Text/*.swift Benchmarks/text/main.swift
//     ./text-bench ../shared/data/ecoicop/train.csv ../shared/data/ecoicop/valid.csv
//
// Prints ns per record for each step: thread CPU time of one pass over all texts, the best of `runs`
// passes (the minimum filters out other work on a shared machine).
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

func cpuNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// The first field of every record after the header (RFC 4180 quoting).
func firstFields(ofCSV path: String) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else {
        fputs("text-bench: cannot read \(path)\n", stderr)
        exit(2)
    }
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    var fields: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var fieldIndex = 0
    var previous: UInt8 = 0
    for b in data {
        if inQuotes {
            if b == quote {
                inQuotes = false
            } else if fieldIndex == 0 {
                field.append(b)
            }
        } else if b == quote {
            inQuotes = true
            if previous == quote && fieldIndex == 0 { field.append(quote) }  // a doubled quote
        } else if b == comma {
            fieldIndex += 1
        } else if b == newline {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll()
            fieldIndex = 0
        } else if fieldIndex == 0 && b != UInt8(ascii: "\r") {
            field.append(b)
        }
        previous = b
    }
    if !field.isEmpty { fields.append(String(decoding: field, as: UTF8.self)) }
    return Array(fields.dropFirst())
}

let texts = CommandLine.arguments.dropFirst().flatMap(firstFields(ofCSV:))
guard !texts.isEmpty else {
    fputs("usage: text-bench FILE.csv...\n", stderr)
    exit(2)
}
let runs = 30
var sink: UInt64 = 0
/// The first round warms up (its figures, often slower on a shared machine, are not printed).
var warmingUp = true

/// The best of `runs` passes, in nanoseconds per record.
func measure(_ name: String, _ body: (String) -> UInt64) {
    var best = Double.infinity
    for _ in 0..<(warmingUp ? 3 : runs) {
        let start = cpuNanoseconds()
        for t in texts { sink &+= body(t) }
        best = min(best, Double(cpuNanoseconds() - start) / Double(texts.count))
    }
    if !warmingUp {
        print(name.padding(toLength: 62, withPad: " ", startingAt: 0) + String(format: "%8.1f ns/record", best))
    }
}

let meanLength = Double(texts.reduce(0) { $0 + $1.count }) / Double(texts.count)
print("\(texts.count) texts, \(String(format: "%.1f", meanLength)) characters on average; best of \(runs) passes")
let spec = FeatureSpec()
/// Every measurement, for the default normaliser and with diacritic folding.
func timeAll() {
    for fold in [false, true] {
        let normalizer = TextNormalizer(foldDiacritics: fold)
        let label = fold ? "foldDiacritics" : "default"
        let tokenLists = texts.map { normalizer.tokens($0) }
        var index = 0
        var out: [HashedFeature] = []
        #if FAST_API
            measure("[\(label)] tokens, general path (as before)") { UInt64(normalizer.tokensGeneral($0).count) }
        #endif
        measure("[\(label)] tokens(_:)") { UInt64(normalizer.tokens($0).count) }
        measure("[\(label)] FeatureHashing.features(of: tokens)") { _ in
            out.removeAll(keepingCapacity: true)
            FeatureHashing.features(of: tokenLists[index], spec: spec, into: &out)
            index = index + 1 == tokenLists.count ? 0 : index + 1
            return UInt64(out.count)
        }
        measure("[\(label)] tokens(_:) + features + joined text") { text in
            let tokens = normalizer.tokens(text)
            let joined = tokens.joined(separator: " ")
            out.removeAll(keepingCapacity: true)
            FeatureHashing.features(of: tokens, spec: spec, into: &out)
            return UInt64(out.count + joined.utf8.count)
        }
        #if FAST_API
            let featurizer = TextFeaturizer(normalizer: normalizer)
            measure("[\(label)] TextFeaturizer.features (+ normalised text)") { text in
                out.removeAll(keepingCapacity: true)
                let normalized = featurizer.features(of: text, spec: spec, into: &out)
                return UInt64(out.count + normalized.utf8.count)
            }
        #endif
    }
}

for round in 0..<2 {
    warmingUp = round == 0
    timeAll()
}
print("checksum \(sink)")
