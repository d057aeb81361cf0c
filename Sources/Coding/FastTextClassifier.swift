import Dispatch
import Glibc
import StatMLCore

/// fastText's supervised classifier (Joulin, Grave, Bojanowski, Mikolov 2017, "Bag of Tricks for Efficient
/// Text Classification"): the text is the average of its features' embeddings, a linear layer scores the
/// classes (softmax, or hierarchical softmax over a Huffman tree of the classes for many classes), and
/// SGD runs with a learning rate decaying linearly to zero. Several threads update the shared weights
/// without locks (Hogwild!, Recht et al. 2011), as fastText does; with one thread training is exactly
/// repeatable for a seed.
public struct FastTextClassifier: Sendable {
    public enum Loss: String, Sendable, CaseIterable { case softmax, hs }

    public struct Parameters: Sendable, Equatable {
        /// 16: as for `epochs`, the default model scored the same in 5-fold cross-validation with 16 as
        /// with 32 (accuracy 0.9306 vs 0.9305, coverage at 0.97 precision 0.903 vs 0.903), in half the time.
        public var dimension = 16
        /// 10: in 5-fold cross-validation on ECOICOP (train+valid) the default model (the best of fastText,
        /// linear and their ensemble) scored the same with 10 epochs as with 25 (accuracy 0.9305 vs 0.9302,
        /// coverage at 0.97 precision 0.903 vs 0.904), in 40% of fastText's training time.
        public var epochs = 10
        public var learningRate: Float = 0.5
        public var loss: Loss = .softmax
        public var seed: UInt64 = 1
        public var threads = 1

        public init() {}
    }

    public let classCount: Int
    public let dimension: Int
    public let loss: Loss
    /// Row-major [features × dimension].
    public private(set) var input: [Float]
    /// Softmax: [classes × dimension]; hierarchical softmax: [internal nodes × dimension].
    public private(set) var output: [Float]
    /// Hierarchical softmax only: for each class, its path from the root as (node, go-right) pairs.
    public let paths: [[(node: Int32, right: Bool)]]

    /// Trains on documents given as vocabulary rows (`rows[i]`) with class indices `labels[i]`.
    public init(
        rows: [[Int32]], labels: [Int32], featureCount: Int, classCount: Int, parameters p: Parameters,
        progress: ProgressReporter? = nil
    ) {
        self.classCount = classCount
        dimension = p.dimension
        loss = classCount > 2 ? p.loss : .softmax
        var rng = SeededGenerator(seed: p.seed)
        let bound = 1 / Float(p.dimension)
        input = (0..<(featureCount * p.dimension)).map { _ in Float(rng.uniform(-Double(bound), Double(bound))) }
        var counts = [Int](repeating: 0, count: classCount)
        for l in labels { counts[Int(l)] += 1 }
        paths = loss == .hs ? FastTextClassifier.huffmanPaths(counts: counts) : []
        output = [Float](repeating: 0, count: (loss == .hs ? max(classCount - 1, 1) : classCount) * p.dimension)
        train(rows: rows, labels: labels, parameters: p, progress: progress)
    }

    /// Restores a trained model from its arrays (model files).
    public init(classCount: Int, dimension: Int, loss: Loss, input: [Float], output: [Float], classCounts: [Int]) throws
    {
        self.classCount = classCount
        self.dimension = dimension
        self.loss = loss
        self.input = input
        self.output = output
        paths = loss == .hs ? FastTextClassifier.huffmanPaths(counts: classCounts) : []
        let outputRows = loss == .hs ? max(classCount - 1, 1) : classCount
        guard dimension > 0, input.count % dimension == 0, output.count == outputRows * dimension else {
            throw StatMLError(.incompatible, "model file is corrupt: fastText weights have the wrong size")
        }
    }

    private mutating func train(rows: [[Int32]], labels: [Int32], parameters p: Parameters, progress: ProgressReporter?)
    {
        let n = rows.count
        guard n > 0 else { return }
        let threads = max(1, min(p.threads, n))
        let total = Double(n * p.epochs)
        let d = dimension
        let k = classCount
        let loss = self.loss
        let paths = self.paths
        // Each thread gets its own slice of the data and its own generator for the per-epoch order.
        var root = SeededGenerator(seed: p.seed ^ 0x9E37_79B9_7F4A_7C15)
        let generators = root.split(into: threads)
        let processed = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        processed.initialize(repeating: 0, count: threads)
        defer { processed.deallocate() }
        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                let inp = inputBuffer.baseAddress!
                let out = outputBuffer.baseAddress!
                do {
                    let gens = generators
                    let work = { (t: Int) in
                        var rng = gens[t]
                        let lo = t * n / threads
                        let hi = (t + 1) * n / threads
                        var order = Array(lo..<hi)
                        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: d)
                        let grad = UnsafeMutablePointer<Float>.allocate(capacity: d)
                        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(k, 1))
                        defer {
                            hidden.deallocate()
                            grad.deallocate()
                            scores.deallocate()
                        }
                        for _ in 0..<p.epochs {
                            rng.shuffle(&order)
                            for i in order {
                                let doc = rows[i]
                                processed[t] += 1
                                if doc.isEmpty { continue }
                                // Each thread sees the others' progress as its own: no shared counter to race on.
                                let done = processed[t] * threads
                                let lr = p.learningRate * Float(max(0, 1 - Double(done) / total))
                                FastTextClassifier.average(doc, inp, d, into: hidden)
                                grad.initialize(repeating: 0, count: d)
                                let y = Int(labels[i])
                                if loss == .softmax {
                                    FastTextClassifier.softmax(out, hidden, k, d, into: scores)
                                    for c in 0..<k {
                                        let alpha = lr * ((c == y ? 1 : 0) - scores[c])
                                        VectorKernels.pairedUpdate(alpha, w: out + c * d, hidden: hidden, grad: grad, d)
                                    }
                                } else {
                                    for step in paths[y] {
                                        let w = out + Int(step.node) * d
                                        let dot = VectorKernels.dot(w, hidden, d)
                                        let alpha = lr * ((step.right ? 1 : 0) - FastTextClassifier.sigmoid(dot))
                                        VectorKernels.pairedUpdate(alpha, w: w, hidden: hidden, grad: grad, d)
                                    }
                                }
                                let scale = 1 / Float(doc.count)
                                for r in doc { VectorKernels.axpy(scale, grad, inp + Int(r) * d, d) }
                                if t == 0, processed[0] & 0x3FF == 0 { progress?.set(completed: done) }
                            }
                        }
                    }
                    if threads == 1 {
                        work(0)
                    } else {
                        DispatchQueue.concurrentPerform(iterations: threads, execute: work)
                    }
                }
            }
        }
        progress?.set(completed: n * p.epochs)
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    @inline(__always)
    static func average(_ doc: [Int32], _ inp: UnsafePointer<Float>, _ d: Int, into hidden: UnsafeMutablePointer<Float>)
    {
        hidden.initialize(repeating: 0, count: d)
        for r in doc { VectorKernels.axpy(1, inp + Int(r) * d, hidden, d) }
        let scale = 1 / Float(doc.count)
        for j in 0..<d { hidden[j] *= scale }
    }

    @inline(__always)
    static func softmax(
        _ out: UnsafePointer<Float>, _ hidden: UnsafePointer<Float>, _ k: Int, _ d: Int,
        into scores: UnsafeMutablePointer<Float>
    ) {
        var maxScore = -Float.infinity
        for c in 0..<k {
            let dot = VectorKernels.dot(out + c * d, hidden, d)
            scores[c] = dot
            if dot > maxScore { maxScore = dot }
        }
        var sum: Float = 0
        for c in 0..<k {
            scores[c] = expf(scores[c] - maxScore)
            sum += scores[c]
        }
        for c in 0..<k { scores[c] /= sum }
    }

    /// Class probabilities for one document (uniform when none of its features is known).
    public func probabilities(rows doc: [Int32], into probs: inout [Float]) {
        guard !doc.isEmpty else {
            probs.removeAll(keepingCapacity: true)
            probs.append(contentsOf: repeatElement(1 / Float(classCount), count: classCount))
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: dimension) { hidden in
            input.withUnsafeBufferPointer { inp in
                FastTextClassifier.average(doc, inp.baseAddress!, dimension, into: hidden.baseAddress!)
            }
            probabilities(hidden: UnsafePointer(hidden.baseAddress!), into: &probs)
        }
    }

    /// Class probabilities from a document's hidden vector (the average of its features' input rows).
    func probabilities(hidden: UnsafePointer<Float>, into probs: inout [Float]) {
        probs.removeAll(keepingCapacity: true)
        probs.append(contentsOf: repeatElement(0, count: classCount))
        let d = dimension
        let k = classCount
        output.withUnsafeBufferPointer { out in
            probs.withUnsafeMutableBufferPointer { p in
                if loss == .softmax {
                    FastTextClassifier.softmax(out.baseAddress!, hidden, k, d, into: p.baseAddress!)
                } else {
                    for c in 0..<k {
                        var prob: Float = 1
                        for step in paths[c] {
                            let dot = VectorKernels.dot(out.baseAddress! + Int(step.node) * d, hidden, d)
                            let s = FastTextClassifier.sigmoid(dot)
                            prob *= step.right ? s : 1 - s
                        }
                        p[c] = prob
                    }
                }
            }
        }
    }

    /// Each class's path in a Huffman tree built on class frequencies (frequent classes get short paths),
    /// as fastText's hierarchical softmax. Ties are broken by class index, so the tree is the same everywhere.
    static func huffmanPaths(counts: [Int]) -> [[(node: Int32, right: Bool)]] {
        let k = counts.count
        guard k > 1 else { return [[]] }
        // Nodes 0..<k are leaves; k..<2k-1 internal. parent/right per node.
        var parent = [Int](repeating: -1, count: 2 * k - 1)
        var isRight = [Bool](repeating: false, count: 2 * k - 1)
        var weight = counts.map { max($0, 1) } + [Int](repeating: 0, count: k - 1)
        var active = Array(0..<k)
        for next in k..<(2 * k - 1) {
            active.sort { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 > $1 }
            let a = active.removeLast()
            let b = active.removeLast()
            weight[next] = weight[a] + weight[b]
            parent[a] = next
            parent[b] = next
            isRight[b] = true
            active.append(next)
        }
        return (0..<k).map { leaf in
            var path: [(node: Int32, right: Bool)] = []
            var node = leaf
            while parent[node] >= 0 {
                path.append((Int32(parent[node] - k), isRight[node]))
                node = parent[node]
            }
            return path.reversed()
        }
    }
}
