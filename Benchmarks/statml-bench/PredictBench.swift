// statml-bench predict MODEL CSV [--text COL] [--passes N]
//
// Times CodingPredictor alone (no file reading or writing) on the texts of CSV, held in memory: one
// thread, best of N passes, with the word cache (what `statml code predict` uses) and without it (the
// direct computation). Checks that both give the same codes and confidences to 1e-5, and prints
// records, microseconds per record for each, records/s, the ratio, and model-loading seconds.
import Coding
import Glibc
import StatMLCore

func predictBench(_ arguments: [String]) {
    guard arguments.count >= 2 else { fail("usage: statml-bench predict MODEL CSV [--text COL] [--passes N]") }
    func option(_ name: String) -> String? {
        arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }
    let textColumn = option("--text") ?? "text"
    let passes = Int(option("--passes") ?? "5") ?? 5
    do {
        let loadStart = monotonicSeconds()
        let model = try CodingModelFile.read(path: arguments[0])
        let loadSeconds = monotonicSeconds() - loadStart
        let reader = try CSVReader(path: arguments[1])
        guard let column = reader.header.firstIndex(of: textColumn) else { fail("no column \(textColumn)") }
        var texts: [String] = []
        try reader.forEachRecord { texts.append($0.string(column)) }

        func time(wordCache: Bool) -> (seconds: Double, predictions: [CodingPrediction]) {
            var best = Double.infinity
            var predictions: [CodingPrediction] = []
            for _ in 0..<passes {
                // A fresh predictor per pass: the cache starts empty, as in a new `statml code predict`.
                let predictor = CodingPredictor(model: model, candidateCount: 0, wordCache: wordCache)
                var out: [CodingPrediction] = []
                out.reserveCapacity(texts.count)
                let start = monotonicSeconds()
                for t in texts { out.append(predictor.predict(t)) }
                best = min(best, monotonicSeconds() - start)
                predictions = out
            }
            return (best, predictions)
        }
        let direct = time(wordCache: false)
        let cached = time(wordCache: true)
        var mismatches = 0
        for (a, b) in zip(direct.predictions, cached.predictions)
        where a.code != b.code || abs(a.confidence - b.confidence) > 1e-5 || a.auto != b.auto {
            mismatches += 1
        }
        let n = Double(texts.count)
        let report: [(String, JSONValue)] = [
            ("tool", "statml"), ("records", .number(n)), ("passes", .number(Double(passes))),
            ("model_load_seconds", .number(loadSeconds)),
            ("direct_us_per_record", .number(direct.seconds / n * 1e6)),
            ("cached_us_per_record", .number(cached.seconds / n * 1e6)),
            ("cached_records_per_s", .number(n / cached.seconds)),
            ("speedup", .number(direct.seconds / cached.seconds)), ("mismatches", .number(Double(mismatches))),
        ]
        print(JSONValue.object(JSONObject(report)).serialized())
        if mismatches > 0 { exit(1) }
    } catch {
        fail("\(error)")
    }
}
