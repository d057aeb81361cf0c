import Dispatch
import StatMLCore
import Synchronization

/// Linear support vector machines, one class against the rest, trained by dual coordinate descent for the
/// L2-regularised squared-hinge loss (Hsieh, Chang, Lin, Keerthi, Sundararajan 2008, "A Dual Coordinate
/// Descent Method for Large-scale Linear SVM", Algorithm 1; LIBLINEAR's default solver `-s 1`), with a
/// bias feature of value 1. Classes train independently, so threads give the same result as one.
public struct LinearSVM: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// Penalty on errors; larger fits the training data more closely.
        public var c: Float = 1
        public var maxIterations = 1000
        /// Stop when the projected gradient's spread falls below this (LIBLINEAR's `-e`).
        public var tolerance: Float = 0.1
        public var seed: UInt64 = 1
        public var threads = 1

        public init() {}
    }

    public let classCount: Int
    public let featureCount: Int
    /// Feature-major [features × classes], so one document's score is a few contiguous row reads.
    public private(set) var weights: [Float]
    public private(set) var bias: [Float]
    /// The dual variables of training, class-major ([classes × records]), for warm-starting a refit on
    /// more data (`warmStart`); empty for a model read from a file.
    public private(set) var dual: [Float] = []

    /// `warmStart`: dual variables to start from, class-major [classes × records] (for instance an earlier
    /// fit's `dual` on a subset, placed at those records' positions, 0 elsewhere). Any non-negative
    /// values are a feasible start of the dual problem, so the solution is the same optimum; a start near
    /// it needs fewer passes (the refit after calibration starts from the fit without the held-out share).
    public init(
        vectors: [SparseVector], labels: [Int32], featureCount: Int, classCount: Int, parameters p: Parameters,
        warmStart: [Float]? = nil, progress: ProgressReporter? = nil
    ) {
        precondition(warmStart == nil || warmStart!.count == classCount * vectors.count, "warm start size")
        self.classCount = classCount
        self.featureCount = featureCount
        var weights = [Float](repeating: 0, count: featureCount * classCount)
        var bias = [Float](repeating: 0, count: classCount)
        let n = vectors.count
        // Compressed sparse rows: one contiguous index array and one value array for all documents.
        var rowStart = [Int](repeating: 0, count: n + 1)
        for (i, v) in vectors.enumerated() { rowStart[i + 1] = rowStart[i] + v.indices.count }
        let allIndices = vectors.flatMap(\.indices)
        let allValues = vectors.flatMap(\.values)
        let qii = vectors.map { v in v.values.reduce(Float(1)) { $0 + $1 * $1 } }  // ‖x‖² + bias²
        let finished = Mutex(0)
        var dual = [Float](repeating: 0, count: classCount * n)
        dual.withUnsafeMutableBufferPointer { dualBuffer in
            weights.withUnsafeMutableBufferPointer { weightBuffer in
                bias.withUnsafeMutableBufferPointer { biasBuffer in
                    let wAll = weightBuffer
                    let bAll = biasBuffer
                    let dualAll = dualBuffer
                    let body = { (c: Int) in
                        let w = UnsafeMutablePointer<Float>.allocate(capacity: featureCount)
                        w.initialize(repeating: 0, count: featureCount)
                        defer { w.deallocate() }
                        var b: Float = 0
                        // Per-class working arrays as raw buffers: the inner loop runs ~10⁸ times.
                        let alpha = UnsafeMutablePointer<Float>.allocate(capacity: n)
                        alpha.initialize(repeating: 0, count: n)
                        let order = UnsafeMutablePointer<Int>.allocate(capacity: n)
                        let y = UnsafeMutablePointer<Float>.allocate(capacity: n)
                        for i in 0..<n {
                            order[i] = i
                            y[i] = labels[i] == Int32(c) ? 1 : -1
                        }
                        if let warmStart {
                            // w = Σ αᵢ yᵢ xᵢ (and the bias feature's weight), as the dual start implies.
                            for i in 0..<n where warmStart[c * n + i] > 0 {
                                alpha[i] = warmStart[c * n + i]
                                let step = alpha[i] * y[i]
                                for k in rowStart[i]..<rowStart[i + 1] { w[Int(allIndices[k])] += step * allValues[k] }
                                b += step
                            }
                        }
                        defer {
                            alpha.deallocate()
                            order.deallocate()
                            y.deallocate()
                        }
                        var rng = SeededGenerator(seed: p.seed &+ UInt64(c))
                        let diag = 1 / (2 * p.c)  // D_ii for the squared hinge
                        allIndices.withUnsafeBufferPointer { idx in
                            allValues.withUnsafeBufferPointer { val in
                                rowStart.withUnsafeBufferPointer { rowStart in
                                    qii.withUnsafeBufferPointer { qii in
                                        // With shrinking (Hsieh et al. 2008, §3.2, as LIBLINEAR): a record whose
                                        // multiplier sits at 0 with a gradient beyond last pass's largest projected
                                        // gradient leaves the active set until the active set converges.
                                        var active = n
                                        var pgMaxOld = Float.infinity
                                        var iteration = 0
                                        while iteration < p.maxIterations {
                                            for s in stride(from: active - 1, to: 0, by: -1) {
                                                let j = rng.int(below: s + 1)
                                                (order[s], order[j]) = (order[j], order[s])
                                            }
                                            var pgMax = -Float.infinity
                                            var pgMin = Float.infinity
                                            var s = 0
                                            while s < active {
                                                let i = order[s]
                                                let lo = rowStart[i]
                                                let hi = rowStart[i + 1]
                                                var dot = b
                                                for k in lo..<hi { dot += w[Int(idx[k])] * val[k] }
                                                let g = y[i] * dot - 1 + diag * alpha[i]
                                                var pg: Float = 0
                                                if alpha[i] == 0 {
                                                    if g > pgMaxOld {
                                                        active -= 1
                                                        (order[s], order[active]) = (order[active], order[s])
                                                        continue
                                                    }
                                                    if g < 0 { pg = g }
                                                } else {
                                                    pg = g
                                                }
                                                pgMax = max(pgMax, pg)
                                                pgMin = min(pgMin, pg)
                                                if abs(pg) > 1e-12 {
                                                    let old = alpha[i]
                                                    alpha[i] = max(old - g / (qii[i] + diag), 0)
                                                    let step = (alpha[i] - old) * y[i]
                                                    for k in lo..<hi { w[Int(idx[k])] += step * val[k] }
                                                    b += step
                                                }
                                                s += 1
                                            }
                                            iteration += 1
                                            if pgMax - pgMin <= p.tolerance {
                                                if active == n { break }
                                                // Converged on the active set: check everything once more.
                                                active = n
                                                pgMaxOld = .infinity
                                                continue
                                            }
                                            pgMaxOld = pgMax <= 0 ? .infinity : pgMax
                                        }
                                    }
                                }
                            }
                        }
                        for j in 0..<featureCount { wAll[j * classCount + c] = w[j] }
                        bAll[c] = b
                        for i in 0..<n { dualAll[c * n + i] = alpha[i] }
                        let done = finished.withLock { count in
                            count += 1
                            return count
                        }
                        progress?.set(completed: done)
                    }
                    if p.threads <= 1 {
                        for c in 0..<classCount { body(c) }
                    } else {
                        // Classes are independent: spread them over the threads, each class on exactly one.
                        let threads = min(p.threads, classCount)
                        DispatchQueue.concurrentPerform(iterations: threads) { t in
                            var c = t
                            while c < classCount {
                                body(c)
                                c += threads
                            }
                        }
                    }
                }
            }
        }
        self.weights = weights
        self.bias = bias
        self.dual = dual
    }

    public init(classCount: Int, featureCount: Int, weights: [Float], bias: [Float]) throws {
        guard weights.count == classCount * featureCount, bias.count == classCount else {
            throw StatMLError(.incompatible, "model file is corrupt: SVM weights have the wrong size")
        }
        self.classCount = classCount
        self.featureCount = featureCount
        self.weights = weights
        self.bias = bias
    }

    /// The decision value of every class for one document.
    public func scores(_ x: SparseVector, into out: inout [Float]) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: bias)
        let k = classCount
        weights.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { s in
                for (idx, v) in zip(x.indices, x.values) {
                    VectorKernels.axpy(v, w.baseAddress! + Int(idx) * k, s.baseAddress!, k)
                }
            }
        }
    }
}
