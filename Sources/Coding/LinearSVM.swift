import Dispatch
import StatMLCore
import Synchronization

/// Linear support vector machines, one class against the rest, trained by dual coordinate descent for the
/// L2-regularised squared-hinge loss (Hsieh, Chang, Lin, Keerthi, Sundararajan 2008, "A Dual Coordinate
/// Descent Method for Large-scale Linear SVM", Algorithm 1; LIBLINEAR's default solver `-s 1`), with a
/// bias feature of value 1. Classes train independently (eight at a time, `solve`), so threads give the same
/// result as one.
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
        let blocks = (classCount + LinearSVM.lanes - 1) / LinearSVM.lanes
        dual.withUnsafeMutableBufferPointer { dualBuffer in
            weights.withUnsafeMutableBufferPointer { weightBuffer in
                bias.withUnsafeMutableBufferPointer { biasBuffer in
                    let (wAll, bAll, dualAll) = (weightBuffer, biasBuffer, dualBuffer)
                    allIndices.withUnsafeBufferPointer { idx in
                        allValues.withUnsafeBufferPointer { val in
                            rowStart.withUnsafeBufferPointer { rowStart in
                                qii.withUnsafeBufferPointer { qii in
                                    let data = Data(idx: idx, val: val, rowStart: rowStart, qii: qii, labels: labels)
                                    let body = { (block: Int) in
                                        let first = block * LinearSVM.lanes
                                        let width = min(LinearSVM.lanes, classCount - first)
                                        LinearSVM.solve(
                                            classes: first..<(first + width), data: data, featureCount: featureCount,
                                            classCount: classCount, parameters: p, warmStart: warmStart,
                                            weights: wAll, bias: bAll, dual: dualAll)
                                        let done = finished.withLock { count in
                                            count += width
                                            return count
                                        }
                                        progress?.set(completed: done)
                                    }
                                    if p.threads <= 1 {
                                        for block in 0..<blocks { body(block) }
                                    } else {
                                        // Blocks are independent: spread them over the threads, each on exactly one.
                                        let threads = min(p.threads, blocks)
                                        DispatchQueue.concurrentPerform(iterations: threads) { t in
                                            var block = t
                                            while block < blocks {
                                                body(block)
                                                block += threads
                                            }
                                        }
                                    }
                                }
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

    /// Classes solved together: eight, one per lane of a `SIMD8<Float>`.
    static let lanes = 8
    typealias Lanes = SIMD8<Float>

    /// The training records in compressed sparse rows, with ‖x‖² + 1 (the bias feature) per record.
    struct Data {
        let idx: UnsafeBufferPointer<Int32>
        let val: UnsafeBufferPointer<Float>
        let rowStart: UnsafeBufferPointer<Int>
        let qii: UnsafeBufferPointer<Float>
        let labels: [Int32]
    }

    /// Dual coordinate descent (Hsieh et al. 2008, Algorithm 1, without shrinking) for up to eight classes
    /// at once, one per SIMD lane: the classes' weights are interleaved feature by feature, so that a
    /// record's indices and values are read once for all eight dot products and updates, and each weight
    /// read is one 32-byte load. Each class is its own problem with its own multipliers and its own
    /// stopping test (projected gradient spread ≤ tolerance over a pass, as LIBLINEAR); a class that has
    /// converged is frozen while the others go on. The visiting order is one shuffle per pass for the block.
    /// Writes the classes' columns of `weights` (feature-major) and `bias`, and their rows of `dual`.
    static func solve(
        classes: Range<Int>, data: Data, featureCount: Int, classCount: Int, parameters p: Parameters,
        warmStart: [Float]?, weights: UnsafeMutableBufferPointer<Float>, bias: UnsafeMutableBufferPointer<Float>,
        dual: UnsafeMutableBufferPointer<Float>
    ) {
        let n = data.qii.count
        let width = classes.count
        let w = UnsafeMutablePointer<Lanes>.allocate(capacity: max(featureCount, 1))
        w.initialize(repeating: .zero, count: max(featureCount, 1))
        let alpha = UnsafeMutablePointer<Lanes>.allocate(capacity: max(n, 1))
        alpha.initialize(repeating: .zero, count: max(n, 1))
        let y = UnsafeMutablePointer<Lanes>.allocate(capacity: max(n, 1))
        let order = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
        defer {
            w.deallocate()
            alpha.deallocate()
            y.deallocate()
            order.deallocate()
        }
        var b = Lanes.zero
        // Lanes past the last class: label -1 everywhere, frozen from the start, never updated.
        var frozen = SIMDMask<SIMD8<Int32>>(repeating: false)
        for lane in width..<lanes { frozen[lane] = true }
        for i in 0..<n {
            order[i] = i
            var yi = Lanes(repeating: -1)
            for lane in 0..<width where data.labels[i] == Int32(classes.lowerBound + lane) { yi[lane] = 1 }
            y[i] = yi
        }
        if let warmStart {
            // w = Σ αᵢ yᵢ xᵢ (and the bias feature's weight), as the dual start implies.
            for i in 0..<n {
                var a = Lanes.zero
                for lane in 0..<width { a[lane] = max(0, warmStart[(classes.lowerBound + lane) * n + i]) }
                guard a != .zero else { continue }
                alpha[i] = a
                let step = a * y[i]
                for k in data.rowStart[i]..<data.rowStart[i + 1] { w[Int(data.idx[k])] += step * data.val[k] }
                b += step
            }
        }
        var rng = SeededGenerator(seed: p.seed &+ UInt64(classes.lowerBound))
        let diag = 1 / (2 * p.c)  // D_ii for the squared hinge
        let idx = data.idx
        let val = data.val
        var iteration = 0
        while iteration < p.maxIterations && !all(frozen) {
            for s in stride(from: n - 1, to: 0, by: -1) {
                let j = rng.int(below: s + 1)
                (order[s], order[j]) = (order[j], order[s])
            }
            var pgMax = Lanes(repeating: -.infinity)
            var pgMin = Lanes(repeating: .infinity)
            for s in 0..<n {
                let i = order[s]
                let lo = data.rowStart[i]
                let hi = data.rowStart[i + 1]
                // Two running sums, so that consecutive additions overlap instead of waiting on each other.
                var dot = b
                var dot2 = Lanes.zero
                var k = lo
                while k + 2 <= hi {
                    dot += w[Int(idx[k])] * val[k]
                    dot2 += w[Int(idx[k + 1])] * val[k + 1]
                    k += 2
                }
                if k < hi { dot += w[Int(idx[k])] * val[k] }
                dot += dot2
                let a = alpha[i]
                let g = y[i] * dot - 1 + diag * a
                // Projected gradient: at the bound α = 0 only a descent below 0 counts.
                let pg = g.replacing(with: pointwiseMin(g, .zero), where: a .== .zero)
                pgMax = pointwiseMax(pgMax, pg)
                pgMin = pointwiseMin(pgMin, pg)
                let moving = .!frozen .& (pg .> 1e-12 .| pg .< -1e-12)
                guard any(moving) else { continue }
                let newAlpha = pointwiseMax(a - g / (data.qii[i] + diag), .zero)
                let delta = (newAlpha - a).replacing(with: 0, where: .!moving)
                alpha[i] = a + delta
                let step = delta * y[i]
                for k in lo..<hi { w[Int(idx[k])] += step * val[k] }
                b += step
            }
            iteration += 1
            frozen = frozen .| (pgMax - pgMin .<= Lanes(repeating: p.tolerance))
        }
        for lane in 0..<width {
            let c = classes.lowerBound + lane
            for j in 0..<featureCount { weights[j * classCount + c] = w[j][lane] }
            bias[c] = b[lane]
            for i in 0..<n { dual[c * n + i] = alpha[i][lane] }
        }
    }

    /// A linear scorer from weights computed here (naive Bayes, pooling), whose sizes are right by
    /// construction.
    init(classCount: Int, featureCount: Int, computedWeights weights: [Float], bias: [Float]) {
        precondition(weights.count == classCount * featureCount && bias.count == classCount, "linear model sizes")
        self.classCount = classCount
        self.featureCount = featureCount
        self.weights = weights
        self.bias = bias
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
