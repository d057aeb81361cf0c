import Dispatch
import StatMLCore

/// Codes many texts: in parallel batches for a list, or streaming a whole file (CSV or JSON Lines) to an
/// output file in constant memory, keeping every input column and adding the coding columns.
public final class BatchCoder {
    public let model: CodingModel
    private let predictors: [CodingPredictor]
    private let candidates: Int

    /// The columns coding adds; an input column with one of these names is replaced.
    public static let addedColumns = ["code", "confidence", "auto", "source", "level", "candidates"]

    public init(model: CodingModel, backoff: Bool, candidates: Int, threads: Int) {
        self.model = model
        self.candidates = candidates
        predictors = (0..<max(1, threads)).map { _ in
            CodingPredictor(model: model, backoff: backoff, candidateCount: candidates)
        }
    }

    /// Predictions for texts, in order.
    public func code(_ texts: [String]) -> [CodingPrediction] {
        code(count: texts.count) { predictor, i in predictor.predict(texts[i]) }
    }

    /// Predictions for the texts whose UTF-8 is at `ranges` of `bytes`, in order.
    public func code(utf8 bytes: [UInt8], ranges: [Range<Int>]) -> [CodingPrediction] {
        bytes.withUnsafeBufferPointer { all in
            code(count: ranges.count) { predictor, i in
                predictor.predict(utf8: UnsafeBufferPointer(rebasing: all[ranges[i]]))
            }
        }
    }

    /// `count` predictions, prediction i from `predict(predictor, i)`, split between the threads' predictors.
    private func code(count: Int, _ predict: (CodingPredictor, Int) -> CodingPrediction) -> [CodingPrediction] {
        let threads = predictors.count
        if threads == 1 || count < 256 { return (0..<count).map { predict(predictors[0], $0) } }
        var out = [CodingPrediction?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { results in
            let buffer = results
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = t * count / threads
                let hi = (t + 1) * count / threads
                for i in lo..<hi { buffer[i] = predict(predictors[t], i) }
            }
        }
        return out.map { $0! }
    }

    /// Codes `input` into `output` ("-": JSON Lines on standard input/output). Returns how many records
    /// were coded and how many of them automatically.
    public func codeFile(
        input: String, output: String, textColumn: String, batchSize: Int = 8192, progressLabel: String? = nil
    ) throws -> (total: Int, auto: Int) {
        let inputFormat: TableFormat = input == "-" ? .jsonl : TableFormat.detect(path: input)
        let outputFormat: TableFormat = output == "-" ? .jsonl : TableFormat.detect(path: output)
        var sink: CodedSink?
        var total = 0
        var auto = 0
        // The batch's texts: as Strings (JSON Lines), or for CSV as UTF-8 end to end, each at a range.
        var batchTexts: [String] = []
        var textBytes: [UInt8] = []
        var textRanges: [Range<Int>] = []
        var batchRows: [CodedSink.Row] = []
        // CSV to CSV: each record's input columns, already encoded for the output, as a range of `encoded`
        // (in place of `batchRows`).
        var encoded: [UInt8] = []
        var encodedRanges: [Range<Int>] = []

        func flush() throws {
            guard !batchTexts.isEmpty || !textRanges.isEmpty, let sink else { return }
            let predictions = textRanges.isEmpty ? code(batchTexts) : code(utf8: textBytes, ranges: textRanges)
            if encodedRanges.isEmpty {
                for (row, p) in zip(batchRows, predictions) { try sink.write(row, prediction: p) }
            } else {
                try encoded.withUnsafeBufferPointer { encoded in
                    for (range, p) in zip(encodedRanges, predictions) {
                        try sink.write(encoded: UnsafeBufferPointer(rebasing: encoded[range]), prediction: p)
                    }
                }
            }
            for p in predictions where p.auto { auto += 1 }
            total += predictions.count
            batchTexts.removeAll(keepingCapacity: true)
            textBytes.removeAll(keepingCapacity: true)
            textRanges.removeAll(keepingCapacity: true)
            batchRows.removeAll(keepingCapacity: true)
            encoded.removeAll(keepingCapacity: true)
            encodedRanges.removeAll(keepingCapacity: true)
        }

        switch inputFormat {
        case .csv:
            let reader = try CSVReader(path: input)
            guard let textIndex = reader.header.firstIndex(of: textColumn) else {
                throw Table.unknownColumn(textColumn, in: reader.header, file: reader.name)
            }
            let progress = progressLabel.map { ProgressReporter(label: $0, total: reader.sizeInBytes, unit: "B") }
            let kept = reader.header.indices.filter { !BatchCoder.addedColumns.contains(reader.header[$0]) }
            // Every input column kept, in order, and comma-separated as the output: a whole record goes out
            // as it came in (the CSV reader has checked its quoting), not field by field.
            let verbatim = kept.count == reader.header.count && reader.delimiter == UInt8(ascii: ",")
            sink = try CodedSink(
                path: output, format: outputFormat, columns: kept.map { reader.header[$0] }, model: model,
                candidates: candidates)
            try reader.forEachRecord { record in
                let start = textBytes.count
                if textIndex < record.count { record.withField(textIndex) { textBytes.append(contentsOf: $0) } }
                textRanges.append(start..<textBytes.count)
                if outputFormat == .csv {
                    let start = encoded.count
                    if verbatim && record.count == kept.count {
                        record.withRawBytes { encoded.append(contentsOf: $0) }
                    } else {
                        for (k, i) in kept.enumerated() {
                            if k > 0 { encoded.append(UInt8(ascii: ",")) }
                            if i < record.count { record.withField(i) { CSVWriter.encodeField($0, into: &encoded) } }
                        }
                    }
                    encodedRanges.append(start..<encoded.count)
                } else {
                    batchRows.append(.fields(kept.map { i in i < record.count ? record.string(i) : nil }))
                }
                if textRanges.count == batchSize {
                    try flush()
                    progress?.set(completed: reader.bytesRead)
                }
            }
            progress?.finish()
        case .jsonl:
            let reader = try JSONLinesReader(path: input)
            let progress = progressLabel.map { ProgressReporter(label: $0, total: reader.sizeInBytes, unit: "B") }
            try reader.forEachObject { object, _ in
                if sink == nil {
                    let columns = object.keys.filter { !BatchCoder.addedColumns.contains($0) }
                    sink = try CodedSink(
                        path: output, format: outputFormat, columns: columns, model: model, candidates: candidates)
                }
                switch object[textColumn] {
                case .string(let s)?: batchTexts.append(s)
                case nil, .null?: batchTexts.append("")
                case let other?: batchTexts.append(other.serialized())
                }
                batchRows.append(.object(object))
                if batchTexts.count == batchSize {
                    try flush()
                    progress?.set(completed: reader.bytesRead)
                }
            }
            progress?.finish()
            if sink == nil {
                sink = try CodedSink(
                    path: output, format: outputFormat, columns: [textColumn], model: model, candidates: candidates)
            }
        }
        try flush()
        try sink?.close()
        return (total, auto)
    }
}

/// Coded records going out as CSV or JSON Lines.
final class CodedSink {
    /// One input record: CSV fields in the sink's column order, or a JSON object. (A record already
    /// encoded for CSV output goes to `write(encoded:prediction:)`.)
    enum Row {
        case fields([String?])
        case object(JSONObject)
    }

    private let csv: CSVWriter?
    private let jsonl: JSONLinesWriter?
    private let columns: [String]
    private let hasLevel: Bool
    private let candidates: Int
    private var fields: [String?] = []
    /// CSV output: each class's code already encoded (for a prediction whose `classIndex` still names
    /// its `code`), and the row being built.
    private let classes: [String]
    private var encodedClasses: [[UInt8]] = []
    private var line: [UInt8] = []

    init(path: String, format: TableFormat, columns: [String], model: CodingModel, candidates: Int) throws {
        self.columns = columns
        self.classes = model.classes
        self.hasLevel = model.hierarchy != nil
        self.candidates = candidates
        var header = columns + ["code", "confidence", "auto", "source"]
        if hasLevel { header.append("level") }
        if candidates > 0 { header.append("candidates") }
        switch format {
        case .csv:
            csv = try CSVWriter(path: path, header: header)
            jsonl = nil
            encodedClasses = model.classes.map { code in
                var bytes: [UInt8] = []
                var code = code
                code.withUTF8 { CSVWriter.encodeField($0, into: &bytes) }
                return bytes
            }
        case .jsonl:
            csv = nil
            jsonl = try JSONLinesWriter(path: path)
        }
    }

    /// Writes one coded record whose input columns are already CSV-encoded (`encoded`, in the sink's
    /// column order): the coding columns are encoded after them, with each class's code encoded once.
    func write(encoded: UnsafeBufferPointer<UInt8>, prediction p: CodingPrediction) throws {
        guard let csv else { preconditionFailure("CSV-encoded records are written only to CSV output") }
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: encoded)
        func add(_ text: String?) {
            line.append(UInt8(ascii: ","))
            guard var text else { return }
            text.withUTF8 { CSVWriter.encodeField($0, into: &line) }
        }
        if !columns.isEmpty { line.append(UInt8(ascii: ",")) }
        if let c = p.classIndex, c < encodedClasses.count, classes[c] == p.code {
            line.append(contentsOf: encodedClasses[c])
        } else {
            var code = p.code
            code.withUTF8 { CSVWriter.encodeField($0, into: &line) }
        }
        add(CellValue.format(p.confidence))
        add(p.auto ? "true" : "false")
        add(p.source.rawValue)
        if hasLevel { add(p.level.map(String.init)) }
        if candidates > 0 { add(candidateList(p)) }
        try line.withUnsafeBufferPointer {
            try csv.write(encodedRow: $0, fieldCount: columns.count + 4 + (hasLevel ? 1 : 0) + (candidates > 0 ? 1 : 0))
        }
    }

    /// The `candidates` column: "code:probability" pairs, best first.
    private func candidateList(_ p: CodingPrediction) -> String {
        p.candidates.prefix(candidates).map { "\($0.code):\(CellValue.format(($0.probability * 1e4).rounded() / 1e4))" }
            .joined(separator: " ")
    }

    /// Writes one coded record.
    func write(_ row: Row, prediction p: CodingPrediction) throws {
        if let csv {
            fields.removeAll(keepingCapacity: true)
            switch row {
            case .fields(let values): fields.append(contentsOf: values)
            case .object(let object):
                for name in columns {
                    switch object[name] {
                    case .string(let s)?: fields.append(s)
                    case nil, .null?: fields.append(nil)
                    case let other?: fields.append(other.serialized())
                    }
                }
            }
            fields += [p.code, CellValue.format(p.confidence), p.auto ? "true" : "false", p.source.rawValue]
            if hasLevel { fields.append(p.level.map(String.init)) }
            if candidates > 0 { fields.append(candidateList(p)) }
            try csv.write(fields)
        } else if let jsonl {
            var object: JSONObject
            switch row {
            case .object(let o):
                object = JSONObject()
                for (k, v) in o where !BatchCoder.addedColumns.contains(k) { object[k] = v }
            case .fields(let values):
                object = JSONObject()
                for (name, value) in zip(columns, values) { object[name] = value.map { .string($0) } ?? .null }
            }
            object["code"] = .string(p.code)
            object["confidence"] = .number(p.confidence)
            object["auto"] = .bool(p.auto)
            object["source"] = .string(p.source.rawValue)
            if hasLevel { object["level"] = p.level.map { .number(Double($0)) } ?? .null }
            if candidates > 0 {
                object["candidates"] = .array(
                    p.candidates.prefix(candidates).map {
                        ["code": .string($0.code), "probability": .number($0.probability)]
                    })
            }
            try jsonl.write(object)
        }
    }

    func close() throws {
        try csv?.close()
        try jsonl?.close()
    }
}
