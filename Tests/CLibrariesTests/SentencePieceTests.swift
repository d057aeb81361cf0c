import CSentencePiece
import Foundation
import Testing

@Suite("CLibraries: sentencepiece")
struct SentencePieceTests {
    /// Takes ownership of a C string from the shim and frees it.
    func take(_ text: UnsafeMutablePointer<CChar>?) -> String? {
        guard let text else { return nil }
        defer { statml_spm_free_string(text) }
        return String(cString: text)
    }

    /// A few hundred lines of words drawn by a fixed linear congruential sequence.
    func corpus() -> String {
        let words = [
            "price", "index", "statistics", "survey", "household", "income", "region", "quarter", "annual",
            "estimate", "sample", "weight", "population", "consumer", "goods", "services", "food", "energy",
            "transport", "housing", "the", "of", "and", "in", "for", "model", "quick", "change", "rate", "data",
            "prices", "monthly", "weekly", "municipal", "boundary", "raster", "zonal", "mean", "variance",
            "imputation", "donor", "register", "classification", "occupation", "industry", "wages", "hours",
            "employment", "unemployment", "birth", "death", "migration", "tourism", "agriculture", "harvest",
        ]
        var state: UInt32 = 12345
        var lines: [String] = []
        for _ in 0..<400 {
            var line: [String] = []
            for _ in 0..<(4 + Int(state % 6)) {
                state = state &* 1_103_515_245 &+ 12345
                line.append(words[Int((state >> 16) % UInt32(words.count))])
            }
            lines.append(line.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func trainLoadEncodeDecode() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("corpus.txt")
        try corpus().write(to: input, atomically: true, encoding: .utf8)
        let prefix = directory.appendingPathComponent("unigram").path

        var error: UnsafeMutablePointer<CChar>?
        let arguments =
            "--input=\(input.path) --model_prefix=\(prefix) --vocab_size=60 --model_type=unigram "
            + "--character_coverage=1.0 --minloglevel=2"
        let trained = statml_spm_train(arguments, &error)
        try #require(trained == 0, "training failed: \(take(error) ?? "")")

        let model = try #require(statml_spm_load(prefix + ".model", &error), "load: \(take(error) ?? "")")
        defer { statml_spm_free(model) }
        #expect(statml_spm_vocab_size(model) == 60)

        let sentence = "the quick model of household income and energy prices"
        var ids = [Int32](repeating: -1, count: 4)
        let needed = statml_spm_encode(model, sentence, &ids, Int32(ids.count), &error)
        try #require(needed > 4, "a 9-word sentence needs more than 4 pieces (got \(needed)): \(take(error) ?? "")")
        ids = [Int32](repeating: -1, count: Int(needed))
        #expect(statml_spm_encode(model, sentence, &ids, needed, &error) == needed)
        #expect(ids.allSatisfy { $0 >= 0 && $0 < 60 })
        // Pieces the corpus makes frequent are whole words, so the sentence takes fewer pieces than letters.
        #expect(Int(needed) < sentence.filter { $0 != " " }.count)

        let decoded = try #require(take(statml_spm_decode(model, ids, needed, &error)))
        #expect(decoded == sentence)

        var missingError: UnsafeMutablePointer<CChar>?
        let missing = statml_spm_load(directory.appendingPathComponent("missing.model").path, &missingError)
        #expect(missing == nil)
        let message = take(missingError)
        #expect(message?.isEmpty == false, "\(message ?? "nil")")
    }
}
