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
        let t = temperature
        scores.withUnsafeMutableBufferPointer { s in
            if let base = s.baseAddress { VectorKernels.softmax(base, s.count, temperature: t) }
        }
    }

    /// Turns probabilities back into log scores and rescales them: for calibrating an already-normalised model.
    public func rescaled(probabilities p: inout [Float]) {
        for i in p.indices { p[i] = logf(max(p[i], 1e-30)) }
        probabilities(&p)
    }
}

/// The confidence that a record's top class is right, from how far it stands ahead of the runner-up:
/// P(correct) = σ(a · ln(p₁/p₂) + b), a logistic regression (Platt 1999, "Probabilistic Outputs for Support
/// Vector Machines") fitted on validation records. It ranks records by their margin, which separates right
/// from wrong codes better than p₁ alone, and it is a calibrated probability, so the auto-coding threshold
/// is one too.
public struct MarginCalibration: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double

    public init(slope: Double, intercept: Double) {
        self.slope = slope
        self.intercept = intercept
    }

    /// The largest margin `margin` gives: ln(1 / 1e-30).
    static let largestMargin = -log(1e-30)

    /// ln(p₁/p₂) of a probability vector.
    public static func margin(_ p: [Float]) -> Double {
        var first: Float = 0
        var second: Float = 0
        for v in p {
            if v > first {
                second = first
                first = v
            } else if v > second {
                second = v
            }
        }
        return log(Double(max(first, 1e-30))) - log(Double(max(second, 1e-30)))
    }

    /// Fits the two parameters by Newton's method with a backtracking line search on the log-likelihood,
    /// with Platt's target smoothing so that separable data still give finite parameters (Lin, Lin & Weng
    /// 2007, "A note on Platt's probabilistic outputs for support vector machines"). Nil when the fit does
    /// not give a confidence that rises with the margin.
    public init?(margins: [Double], correct: [Bool]) {
        let positives = Double(correct.filter { $0 }.count)
        let negatives = Double(correct.count) - positives
        guard positives > 0, negatives > 0 else { return nil }
        let hi = (positives + 1) / (positives + 2)
        let lo = 1 / (negatives + 2)
        let targets = correct.map { $0 ? hi : lo }
        // −log-likelihood, written to stay finite for large |a·m + b|.
        func objective(_ a: Double, _ b: Double) -> Double {
            var f = 0.0
            for (m, t) in zip(margins, targets) {
                let z = a * m + b
                f += z >= 0 ? (1 - t) * z + log(1 + exp(-z)) : -t * z + log(1 + exp(z))
            }
            return f
        }
        var a = 0.0
        var b = log((positives + 1) / (negatives + 1))
        var f = objective(a, b)
        for _ in 0..<100 {
            var g0 = 0.0, g1 = 0.0, h00 = 1e-12, h01 = 0.0, h11 = 1e-12
            for (m, t) in zip(margins, targets) {
                let p = 1 / (1 + exp(-(a * m + b)))
                let w = p * (1 - p)
                g0 += (p - t) * m
                g1 += p - t
                h00 += w * m * m
                h01 += w * m
                h11 += w
            }
            if abs(g0) < 1e-8 && abs(g1) < 1e-8 { break }
            let det = h00 * h11 - h01 * h01
            guard det > 0 else { break }
            let da = (h11 * g0 - h01 * g1) / det
            let db = (h00 * g1 - h01 * g0) / det
            var step = 1.0
            var improved = false
            while step >= 1e-10 {
                let fa = objective(a - step * da, b - step * db)
                if fa < f + 1e-4 * step * (g0 * -da + g1 * -db) {
                    a -= step * da
                    b -= step * db
                    f = fa
                    improved = true
                    break
                }
                step /= 2
            }
            if !improved { break }
        }
        guard a > 0, a.isFinite, b.isFinite else { return nil }
        slope = a
        intercept = b
    }

    public func confidence(margin: Double) -> Double { 1 / (1 + exp(-(slope * margin + intercept))) }
}
