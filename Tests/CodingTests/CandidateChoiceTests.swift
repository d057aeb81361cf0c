import Testing

@testable import Coding

@Suite("Coding: which candidate the default keeps")
struct CandidateChoiceTests {
    /// The ensemble needs more than one standard error of validation accuracy over the best single model;
    /// otherwise the most accurate wins (log-loss breaks ties).
    @Test func ensembleNeedsOneStandardError() {
        func pick(_ ft: Double, _ lin: Double, _ ens: Double, n: Int = 1338, losses: [Double] = [0.3, 0.3, 0.3]) -> CodingAlgorithm {
            let candidates: [(algorithm: CodingAlgorithm, accuracy: Double, logLoss: Double)] = [
                (.fasttext, ft, losses[0]), (.linear, lin, losses[1]), (.ensemble, ens, losses[2]),
            ]
            return candidates[CodingTrainer.choose(candidates, validationRows: n)].algorithm
        }
        // SE at p = 0.9297, n = 1338: 0.0070.
        #expect(pick(0.9021, 0.9297, 0.9312) == .linear)
        #expect(pick(0.9021, 0.9297, 0.9380) == .ensemble)
        // With ten times the validation rows the same gain is more than one SE.
        #expect(pick(0.9021, 0.9297, 0.9340, n: 13380) == .ensemble)
        #expect(pick(0.9400, 0.9297, 0.9350) == .fasttext)
        #expect(pick(0.91, 0.92, 0.92, losses: [0.3, 0.35, 0.30]) == .linear)
        #expect(pick(0.92, 0.92, 0.90, losses: [0.30, 0.35, 0.2]) == .fasttext)
    }
}
