import CXGBoost
import Testing

@Suite("CLibraries: XGBoost")
struct XGBoostTests {
    /// Fails the test with XGBoost's own message when a call returns non-zero.
    func check(_ rc: Int32, _ call: String) throws {
        try #require(rc == 0, "\(call): \(String(cString: XGBGetLastError()))")
    }

    @Test func trainsAndPredictsASeparableProblem() throws {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        XGBoostVersion(&major, &minor, &patch)
        #expect(major >= 1, "XGBoost \(major).\(minor).\(patch)")

        // Class 1 exactly when the first feature exceeds 0.5; the second feature is noise.
        let rows = 40
        var features: [Float] = []
        var labels: [Float] = []
        for i in 0..<rows {
            let x0 = Float(i) / Float(rows)
            features += [x0, Float((i * 7) % rows) / Float(rows)]
            labels.append(x0 > 0.5 ? 1 : 0)
        }
        var matrix: DMatrixHandle?
        try check(XGDMatrixCreateFromMat(features, bst_ulong(rows), 2, Float.nan, &matrix), "XGDMatrixCreateFromMat")
        defer { XGDMatrixFree(matrix) }
        try check(XGDMatrixSetFloatInfo(matrix, "label", labels, bst_ulong(rows)), "XGDMatrixSetFloatInfo")
        var rowCount: bst_ulong = 0
        try check(XGDMatrixNumRow(matrix, &rowCount), "XGDMatrixNumRow")
        #expect(rowCount == 40)

        var booster: BoosterHandle?
        var matrices: [DMatrixHandle?] = [matrix]
        try check(XGBoosterCreate(&matrices, 1, &booster), "XGBoosterCreate")
        defer { XGBoosterFree(booster) }
        for (name, value) in [
            ("objective", "binary:logistic"), ("max_depth", "2"), ("eta", "0.5"), ("nthread", "1"),
            ("verbosity", "0"), ("seed", "0"),
        ] {
            try check(XGBoosterSetParam(booster, name, value), "XGBoosterSetParam \(name)")
        }
        for round in 0..<5 {
            try check(XGBoosterUpdateOneIter(booster, Int32(round), matrix), "XGBoosterUpdateOneIter \(round)")
        }
        var count: bst_ulong = 0
        var output: UnsafePointer<Float>?
        try check(XGBoosterPredict(booster, matrix, 0, 0, 0, &count, &output), "XGBoosterPredict")
        try #require(count == 40)
        let predictions = Array(UnsafeBufferPointer(start: try #require(output), count: Int(count)))
        let positives = zip(predictions, labels).filter { $0.1 == 1 }.map(\.0)
        let negatives = zip(predictions, labels).filter { $0.1 == 0 }.map(\.0)
        #expect(positives.count == 19 && negatives.count == 21)
        #expect(positives.allSatisfy { $0 > 0.5 }, "\(positives)")
        #expect(negatives.allSatisfy { $0 < 0.5 }, "\(negatives)")

        // A bad parameter surfaces at training time, with XGBoost's message.
        var broken: BoosterHandle?
        try check(XGBoosterCreate(&matrices, 1, &broken), "XGBoosterCreate")
        defer { XGBoosterFree(broken) }
        try check(XGBoosterSetParam(broken, "objective", "no-such-objective"), "XGBoosterSetParam")
        #expect(XGBoosterUpdateOneIter(broken, 0, matrix) != 0)
        #expect(String(cString: XGBGetLastError()).contains("no-such-objective"))
    }
}
