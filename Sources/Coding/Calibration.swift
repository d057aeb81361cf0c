import Glibc

/// Temperature scaling (Guo, Pleiss, Sun, Weinberger 2017, "On Calibration of Modern Neural Networks"):
/// one number T, fitted on held-out data by minimising the negative log-likelihood of softmax(s / T).
public struct TemperatureScaling: Sendable, Equatable {
    public var temperature: Float

    public init(temperature: Float = 1) { self.temperature = temperature }

    /// Fits T to held-out scores (`scores[i]` has one value per class) and their true classes, by golden-
    /// section search on log T over [e^-6, e^4] (the NLL is unimodal in T for a fixed ranking).
    public init(scores: [[Float]], labels: [Int32]) {
        func nll(_ logT: Double) -> Double {
            let t = Float(exp(logT))
            var total = 0.0
            for (s, y) in zip(scores, labels) {
                let m = s.max() ?? 0
                var z: Float = 0
                for v in s { z += expf((v - m) / t) }
                total += Double(logf(z) - (s[Int(y)] - m) / t)
            }
            return total
        }
        var a = -6.0
        var b = 4.0
        let ratio = (5.0.squareRoot() - 1) / 2
        var x1 = b - ratio * (b - a)
        var x2 = a + ratio * (b - a)
        var f1 = nll(x1)
        var f2 = nll(x2)
        for _ in 0..<60 {
            if f1 < f2 {
                b = x2
                x2 = x1
                f2 = f1
                x1 = b - ratio * (b - a)
                f1 = nll(x1)
            } else {
                a = x1
                x1 = x2
                f1 = f2
                x2 = a + ratio * (b - a)
                f2 = nll(x2)
            }
        }
        temperature = Float(exp((a + b) / 2))
    }

    /// softmax(s / T), in place.
    public func probabilities(_ scores: inout [Float]) {
        let m = scores.max() ?? 0
        var z: Float = 0
        for i in scores.indices {
            scores[i] = expf((scores[i] - m) / temperature)
            z += scores[i]
        }
        for i in scores.indices { scores[i] /= z }
    }

    /// Turns probabilities back into log scores and rescales them: for calibrating an already-normalised model.
    public func rescaled(probabilities p: inout [Float]) {
        for i in p.indices { p[i] = logf(max(p[i], 1e-30)) }
        probabilities(&p)
    }
}
