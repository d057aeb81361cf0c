// In-process timings for Benchmarks/: each prints one JSON object.
//
//     statml-bench csv FILE --numeric id,amount,rate,quantity,score
//     statml-bench predict MODEL CSV [--text text] [--passes 5]
//     statml-bench load URL --bodies FILE [--key KEY] [--connections 16] [--threads 2] [--seconds 20]
//                           [--records-per-request 1] [--out FILE.json]
//
// `csv` reads a CSV file with StatML's streaming reader and reports throughput and peak memory, for
// Benchmarks/csv/run.sh. Every field is touched: the numeric columns are parsed with `double(_:)`
// and summed, the others have their (unescaped) lengths summed, so no work can be skipped. It prints
// tool, file, bytes, rows, seconds, mb_per_s (10^6 bytes/s), peak_rss_mb, and checksums that the peer
// tools print too. `predict`: see PredictBench.swift; `load`: see LoadBench.swift.
import Glibc
import StatMLCore

func fail(_ message: String) -> Never {
    fputs("statml-bench: \(message)\n", stderr)
    exit(2)
}

func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // ru_maxrss is in KiB on Linux
}

func fileSize(_ path: String) -> Int {
    var info = stat()
    guard stat(path, &info) == 0 else { fail("cannot stat \(path)") }
    return Int(info.st_size)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "predict" {
    predictBench(Array(arguments.dropFirst()))
    exit(0)
}
if arguments.first == "load" {
    loadBench(Array(arguments.dropFirst()))
}
guard arguments.count >= 2, arguments[0] == "csv" else {
    fail(
        "usage: statml-bench csv FILE [--numeric col1,col2,...] | predict MODEL CSV [--text COL] [--passes N] "
            + "| load URL --bodies FILE [--key KEY] [--connections N] [--threads N] [--seconds S] "
            + "[--records-per-request N] [--out FILE.json]")
}
let path = arguments[1]
var numericNames: [String] = []
if let k = arguments.firstIndex(of: "--numeric"), k + 1 < arguments.count {
    numericNames = arguments[k + 1].split(separator: ",").map(String.init)
}

do {
    let started = monotonicSeconds()
    let reader = try CSVReader(path: path)
    var numericColumns: [Int] = []
    for name in numericNames {
        guard let k = reader.header.firstIndex(of: name) else { fail("no column \(name) in \(path)") }
        numericColumns.append(k)
    }
    let textColumns = reader.header.indices.filter { !numericColumns.contains($0) }
    var rows = 0
    var numericSum = 0.0
    var numericCount = 0
    var textBytes = 0
    try reader.forEachRecord { record in
        rows += 1
        for i in numericColumns {
            if let x = record.double(i) {
                numericSum += x
                numericCount += 1
            }
        }
        for i in textColumns {
            textBytes += record.withField(i) { $0.count }
        }
    }
    let seconds = monotonicSeconds() - started
    let bytes = fileSize(path)
    let report: [(String, JSONValue)] = [
        ("tool", "statml"), ("mode", "streaming"), ("file", .string(path)), ("bytes", .number(Double(bytes))),
        ("rows", .number(Double(rows))), ("seconds", .number(seconds)),
        ("mb_per_s", .number(Double(bytes) / 1e6 / seconds)), ("peak_rss_mb", .number(peakResidentMegabytes())),
        ("numeric_values", .number(Double(numericCount))), ("numeric_sum", .number(numericSum)),
        ("text_bytes", .number(Double(textBytes))),
    ]
    print(JSONValue.object(JSONObject(report)).serialized())
} catch {
    fail("\(error)")
}
