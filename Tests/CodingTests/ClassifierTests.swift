import Glibc
import StatMLCore
import Testing

@testable import Coding
@testable import Text

@Suite("Linear SVM and fastText classifiers")
struct ClassifierTests {
    /// A random sparse problem with a planted linear rule, as (vectors, labels).
    static func plantedProblem(n: Int, features: Int, classes: Int, seed: UInt64) -> ([SparseVector], [Int32]) {
        var rng = SeededGenerator(seed: seed)
        let truth = (0..<(features * classes)).map { _ in Float(rng.normal()) }
        var vectors: [SparseVector] = []
        var labels: [Int32] = []
        for _ in 0..<n {
            let idx = Array(Set((0..<6).map { _ in Int32(rng.int(below: features)) })).sorted()
            let val = idx.map { _ in Float(rng.uniform(0.2, 1)) }
            var best = 0
            var bestScore = -Float.infinity
            for c in 0..<classes {
                let s = zip(idx, val).reduce(Float(0)) { $0 + truth[Int($1.0) * classes + c] * $1.1 }
                if s > bestScore { (best, bestScore) = (c, s) }
            }
            vectors.append(SparseVector(indices: idx, values: val))
            labels.append(Int32(best))
        }
        return (vectors, labels)
    }

    @Test func svmMatchesScikitLearnLinearSVC() throws {
        let (x, y) = Self.plantedProblem(n: 300, features: 40, classes: 3, seed: 5)
        var p = LinearSVM.Parameters()
        p.c = 1
        p.tolerance = 1e-4
        p.maxIterations = 10000
        let svm = LinearSVM(vectors: x, labels: y, featureCount: 40, classCount: 3, parameters: p)
        // The same problem through LIBLINEAR (scikit-learn's LinearSVC: squared hinge, dual, bias as a
        // regularised feature of value 1 = intercept_scaling 1): decision values must agree.
        let (input, reader) = libsvmInput(x, y, features: 40)
        let script =
            reader + """
            from sklearn.svm import LinearSVC
            m = LinearSVC(C=1.0, loss='squared_hinge', dual=True, tol=1e-6, max_iter=100000, intercept_scaling=1).fit(X, ys)
            for row in m.decision_function(X[:20]):
                print(' '.join(repr(float(v)) for v in row))
            """
        guard let output = python(script, input: input) else {
            print("skipped: python3 with scikit-learn is not available (make deps installs it)")
            return
        }
        let reference = output.split(separator: "\n").map { $0.split(separator: " ").map { Float(String($0))! } }
        #expect(reference.count == 20)
        var scores: [Float] = []
        for (i, row) in reference.enumerated() {
            svm.scores(x[i], into: &scores)
            for c in 0..<3 { #expect(abs(scores[c] - row[c]) < 2e-3, "row \(i) class \(c): \(scores[c]) vs \(row[c])") }
        }
    }

    @Test func svmThreadsGiveTheSameModel() {
        let (x, y) = Self.plantedProblem(n: 200, features: 30, classes: 4, seed: 9)
        var p = LinearSVM.Parameters()
        let one = LinearSVM(vectors: x, labels: y, featureCount: 30, classCount: 4, parameters: p)
        p.threads = 2
        let two = LinearSVM(vectors: x, labels: y, featureCount: 30, classCount: 4, parameters: p)
        #expect(one.weights == two.weights && one.bias == two.bias)
    }

    /// A warm start changes where the dual coordinate descent begins, not the optimum it reaches: from a
    /// fit on part of the records (placed at their positions, zeros elsewhere) it reaches the cold start's
    /// decision values on all records, and from the cold start's own solution it stops after one pass.
    @Test func svmWarmStartReachesTheSameOptimum() {
        let (x, y) = Self.plantedProblem(n: 400, features: 40, classes: 3, seed: 5)
        var p = LinearSVM.Parameters()
        p.tolerance = 1e-3
        let cold = LinearSVM(vectors: x, labels: y, featureCount: 40, classCount: 3, parameters: p)
        let part = Array(0..<300)
        let partial = LinearSVM(
            vectors: part.map { x[$0] }, labels: part.map { y[$0] }, featureCount: 40, classCount: 3, parameters: p)
        #expect(partial.dual.count == 3 * 300)
        var start = [Float](repeating: 0, count: 3 * 400)
        for c in 0..<3 { for (j, i) in part.enumerated() { start[c * 400 + i] = partial.dual[c * 300 + j] } }
        let warm = LinearSVM(
            vectors: x, labels: y, featureCount: 40, classCount: 3, parameters: p, warmStart: start)
        var a: [Float] = []
        var b: [Float] = []
        var largest: Float = 0
        for v in x {
            cold.scores(v, into: &a)
            warm.scores(v, into: &b)
            for c in 0..<3 { largest = max(largest, abs(a[c] - b[c])) }
        }
        #expect(largest < 0.02, "largest difference in decision values: \(largest)")
        // Starting at the optimum: the dual barely moves.
        let again = LinearSVM(
            vectors: x, labels: y, featureCount: 40, classCount: 3, parameters: p, warmStart: cold.dual)
        let moved = zip(again.dual, cold.dual).map { abs($0 - $1) }.max() ?? 0
        #expect(moved < 1e-2, "dual moved by \(moved)")
        // A cold start is what it always was: no warm start, same model.
        let coldAgain = LinearSVM(vectors: x, labels: y, featureCount: 40, classCount: 3, parameters: p)
        #expect(coldAgain.weights == cold.weights)
    }

    @Test func fastTextLearnsAndIsRepeatableWithOneThread() {
        let (x, y) = Self.plantedProblem(n: 600, features: 50, classes: 4, seed: 3)
        let rows = x.map(\.indices)
        for loss in FastTextClassifier.Loss.allCases {
            var p = FastTextClassifier.Parameters()
            p.loss = loss
            p.dimension = 16
            p.epochs = 40
            let a = FastTextClassifier(rows: rows, labels: y, featureCount: 50, classCount: 4, parameters: p)
            let b = FastTextClassifier(rows: rows, labels: y, featureCount: 50, classCount: 4, parameters: p)
            #expect(a.input == b.input && a.output == b.output, "\(loss)")
            var probabilities: [Float] = []
            var hits = 0
            for (r, label) in zip(rows, y) {
                a.probabilities(rows: r, into: &probabilities)
                #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
                if probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) == Int(label) { hits += 1 }
            }
            // A majority-class guess gets about a quarter; the planted rule is learnable well beyond that.
            #expect(Double(hits) / Double(rows.count) > 0.8, "\(loss): \(hits)/\(rows.count)")
        }
    }

    @Test func huffmanTreeIsPrefixFreeAndFavoursFrequentClasses() {
        let paths = FastTextClassifier.huffmanPaths(counts: [100, 1, 1, 50, 10])
        #expect(paths[0].count <= paths[1].count && paths[0].count <= paths[4].count)
        let codes = paths.map { $0.map { $0.right ? "1" : "0" }.joined() }
        for (i, a) in codes.enumerated() {
            for (j, b) in codes.enumerated() where i != j { #expect(!b.hasPrefix(a), "\(a) is a prefix of \(b)") }
        }
    }
}
