import Glibc
import StatMLCore
import Testing

@testable import Coding

@Suite("Evaluation: accuracy, macro-F1, coverage at precision, thresholds")
struct EvaluationTests {
    @Test func coverageOnAHandExample() {
        // Most confident first: right, right, wrong, right. Precision of the top k: 1, 1, 2/3, 3/4.
        let confidence = [0.9, 0.8, 0.7, 0.6]
        let correct = [true, true, false, true]
        #expect(Evaluation.coverage(confidence: confidence, correct: correct, precision: 0.75) == 1.0)
        #expect(Evaluation.coverage(confidence: confidence, correct: correct, precision: 0.8) == 0.5)
        #expect(Evaluation.coverage(confidence: confidence, correct: correct, precision: 1.0) == 0.5)
        #expect(Evaluation.threshold(confidence: confidence, correct: correct, precision: 0.8) == 0.8)
        #expect(Evaluation.threshold(confidence: [0.9], correct: [false], precision: 0.5) == nil)
    }

    @Test func tiedConfidencesGoTogether() {
        // The two 0.8s cannot be split by a threshold: taking them gives 2/3, so at P = 0.9 only the first counts.
        let c = [0.9, 0.8, 0.8]
        let ok = [true, true, false]
        #expect(Evaluation.coverage(confidence: c, correct: ok, precision: 0.9) == 1.0 / 3.0)
        #expect(Evaluation.coverage(confidence: c, correct: ok, precision: 0.6) == 1.0)
    }

    @Test func accuracyAndMacroF1ByHand() {
        // a: support 2, predicted 2 (1 right) → P = R = F1 = 0.5; b: support 1, predicted 1 (0 right) → 0;
        // c: support 1, predicted 1 (1 right) → 1. Macro-F1 = (0.5 + 0 + 1) / 3.
        let e = Evaluation(truth: ["a", "a", "b", "c"], predicted: ["a", "b", "a", "c"], confidence: [1, 1, 1, 1])
        #expect(e.accuracy == 0.5)
        #expect(abs(e.macroF1 - 0.5) < 1e-12)
        #expect(e.perClass.map(\.label) == ["a", "b", "c"])
        #expect(e.perClass[0].precision == 0.5 && e.perClass[2].recall == 1)
    }
}

@Suite("Temperature scaling")
struct CalibrationTests {
    @Test func recoversTheTemperatureThatGeneratedTheLabels() {
        // Labels drawn from softmax(z); the scores given are 3z, so the right temperature is 3.
        var rng = SeededGenerator(seed: 11)
        var scores: [[Float]] = []
        var labels: [Int32] = []
        for _ in 0..<4000 {
            let z = (0..<5).map { _ in Float(rng.normal()) }
            let m = z.max()!
            let e = z.map { expf($0 - m) }
            let total = e.reduce(0, +)
            var u = Float(rng.uniform()) * total
            var label = 4
            for (i, v) in e.enumerated() {
                if u < v { label = i; break }
                u -= v
            }
            scores.append(z.map { 3 * $0 })
            labels.append(Int32(label))
        }
        let t = TemperatureScaling(scores: scores, labels: labels).temperature
        #expect(abs(t - 3) < 0.25, "fitted \(t)")
        var p: [Float] = [3, 0, -3]
        TemperatureScaling(temperature: 3).probabilities(&p)
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)
        #expect(abs(p[0] - expf(1) / (expf(1) + 1 + expf(-1))) < 1e-6)
    }
}

@Suite("Margin calibration")
struct MarginCalibrationTests {
    @Test func recoversTheLogisticThatGeneratedCorrectness() throws {
        // Correctness drawn with P = σ(2m − 1): the fit must find slope ≈ 2 and intercept ≈ −1.
        var rng = SeededGenerator(seed: 5)
        var margins: [Double] = []
        var correct: [Bool] = []
        for _ in 0..<20000 {
            let m = rng.uniform(0, 4)
            margins.append(m)
            correct.append(rng.uniform() < 1 / (1 + exp(-(2 * m - 1))))
        }
        let fit = try #require(MarginCalibration(margins: margins, correct: correct))
        #expect(abs(fit.slope - 2) < 0.15, "slope \(fit.slope)")
        #expect(abs(fit.intercept + 1) < 0.15, "intercept \(fit.intercept)")
        #expect(fit.confidence(margin: 3) > fit.confidence(margin: 1))
    }

    @Test func marginIsTheLogRatioOfTheTopTwo() {
        #expect(abs(MarginCalibration.margin([0.1, 0.6, 0.3]) - log(2.0)) < 1e-6)
        #expect(MarginCalibration(margins: [1, 2], correct: [true, true]) == nil)  // nothing to separate
    }
}
