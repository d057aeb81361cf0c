import StatMLCore

/// Reviewer corrections exported by the coding service (`GET /v1/corrections?format=csv|jsonl`) as
/// training data: columns `id` (the review item), `text` and `code`. A model trained with them records
/// their ids in its provenance, so the service's model registry can say which decisions it learned from.
public struct Corrections: Sendable {
    public var examples: CodingExamples
    public var ids: [Int64]

    public init(examples: CodingExamples, ids: [Int64]) {
        self.examples = examples
        self.ids = ids
    }

    /// Reads an exported corrections file (CSV or JSON Lines).
    public static func read(path: String) throws -> Corrections {
        let examples = try CodingExamples.read(path: path, textColumn: "text", labelColumn: "code")
        let idColumn = try CodingExamples.read(path: path, textColumn: "id", labelColumn: nil)
        var ids: [Int64] = []
        for (text, line) in zip(idColumn.texts, idColumn.lines) {
            guard let text, let id = Int64(text), id > 0 else {
                throw StatMLError.invalidInput(
                    "corrections file: the id must be a positive whole number, found '\(text ?? "")'",
                    at: .init(file: path, line: line))
            }
            ids.append(id)
        }
        return Corrections(examples: examples, ids: ids)
    }

    /// This file's records appended to `data` (their lines keep pointing into this file in messages).
    public func appended(to data: CodingExamples) -> CodingExamples {
        var out = data
        out.texts += examples.texts
        out.labels += examples.labels
        out.lines += examples.lines
        out.source = "\(data.source) + \(examples.source)"
        return out
    }

    /// What a model's provenance says about these corrections.
    public var provenance: JSONValue {
        [
            "file": .string(examples.source), "rows": .number(Double(ids.count)),
            "ids": .array(ids.map { .number(Double($0)) }),
        ]
    }
}

public enum ModelProvenance {
    /// The ids of the service corrections `model` was trained on (none for a model trained without).
    public static func correctionIDs(of model: CodingModel) -> [Int64] {
        (model.info.provenance["corrections"]?["ids"]?.arrayValue ?? []).compactMap { $0.intValue.map(Int64.init) }
    }
}
