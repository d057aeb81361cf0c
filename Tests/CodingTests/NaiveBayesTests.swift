import StatMLCore
import Testing

@testable import Coding

@Suite("Multinomial naive Bayes and its pooling with the SVM")
struct NaiveBayesTests {
    /// The joint log-likelihoods (log prior + Σ x·log θ) of scikit-learn's `MultinomialNB` with the same α
    /// (`NaiveBayes.alpha`) on the same non-negative sparse data, within float rounding.
    @Test func matchesScikitLearnMultinomialNB() throws {
        let (x, y) = ClassifierTests.plantedProblem(n: 300, features: 40, classes: 4, seed: 21)
        let model = NaiveBayes.fit(vectors: x, labels: y, featureCount: 40, classCount: 4)
        let (input, reader) = libsvmInput(x, y, features: 40)
        let script =
            reader + """
            from sklearn.naive_bayes import MultinomialNB
            m = MultinomialNB(alpha=\(Double(NaiveBayes.alpha))).fit(X, ys)
            for row in m.predict_joint_log_proba(X[:25]):
                print(' '.join(repr(float(v)) for v in row))
            """
        guard let output = python(script, input: input) else {
            print("skipped: python3 with scikit-learn is not available (make deps installs it)")
            return
        }
        let reference = output.split(separator: "\n").map { $0.split(separator: " ").map { Double(String($0))! } }
        #expect(reference.count == 25)
        var scores: [Float] = []
        for (i, row) in reference.enumerated() {
            model.scores(x[i], into: &scores)
            for c in 0..<4 {
                #expect(abs(Double(scores[c]) - row[c]) < 1e-3 * max(1, abs(row[c])), "row \(i) class \(c)")
            }
        }
    }

    /// The pooled model scores every record as svm / T₁ + w · naive Bayes / T₂.
    @Test func poolingIsTheWeightedSumOfScaledScores() {
        let (x, y) = ClassifierTests.plantedProblem(n: 200, features: 30, classes: 3, seed: 4)
        let svm = LinearSVM(vectors: x, labels: y, featureCount: 30, classCount: 3, parameters: LinearSVM.Parameters())
        let nb = NaiveBayes.fit(vectors: x, labels: y, featureCount: 30, classCount: 3)
        let pooled = NaiveBayes.pool(svm: svm, svmTemperature: 0.4, naiveBayes: nb, naiveBayesTemperature: 2.5, weight: 0.5)
        var a: [Float] = []
        var b: [Float] = []
        var p: [Float] = []
        for v in x.prefix(50) {
            svm.scores(v, into: &a)
            nb.scores(v, into: &b)
            pooled.scores(v, into: &p)
            for c in 0..<3 { #expect(abs(p[c] - (a[c] / 0.4 + 0.5 * b[c] / 2.5)) < 1e-4 * max(1, abs(p[c]))) }
        }
    }
}
