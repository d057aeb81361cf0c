import Foundation
import Testing

@testable import StatMLCore

/// The raw stream, checked against values that do not come from this Swift code.
@Suite("Random: xoshiro256** stream")
struct RandomStreamTests {
    /// Published test vector of the reference C implementation for the state {1, 2, 3, 4}, as used by
    /// the Rust crate rand_xoshiro (`Xoshiro256StarStar::reference` test).
    @Test func matchesPublishedReferenceVector() {
        var generator = SeededGenerator(state: (1, 2, 3, 4))
        let expected: [UInt64] = [
            11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360,
            607_988_272_756_665_600, 16_172_922_978_634_559_625, 8_476_171_486_693_032_832,
            10_595_114_339_597_558_777, 2_904_607_092_377_533_576,
        ]
        #expect((0..<10).map { _ in generator.next() } == expected)
    }

    /// Pins seed → stream. Obtained by running an independent Python transcription of the authors'
    /// splitmix64.c and xoshiro256starstar.c (state = four SplitMix64 outputs from x = 42, then the
    /// xoshiro256** step) with Python's arbitrary-precision integers masked to 64 bits. The same numbers
    /// are recomputed at test time by `matchesCompiledReferenceImplementation` below.
    @Test func seed42GoldenStream() {
        var generator = SeededGenerator(seed: 42)
        let expected: [UInt64] = [
            1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009,
            17_057_574_109_182_124_193, 18_295_552_978_065_317_476, 14_199_186_830_065_750_584,
            13_267_978_908_934_200_754, 15_679_888_225_317_814_407, 14_044_878_350_692_344_958,
            10_760_895_422_300_929_085,
        ]
        #expect((0..<10).map { _ in generator.next() } == expected)
    }

    /// Lemire's bounded integers, from the same Python transcription (including the rejection step, which
    /// the bound 2^62 + 1 triggers about one draw in four: 6 rejections in these 12 draws).
    @Test func boundedIntegersMatchIndependentImplementation() {
        var generator = SeededGenerator(seed: 42)
        #expect(
            [10, 6, 1_000_003, (1 << 62) + 1, 3, 1].map { generator.int(below: $0) }
                == [0, 2, 680_045, 4_573_888_244_516_329_369, 2, 0])

        var large = SeededGenerator(seed: 7)
        let expectedLarge = [
            1_285_513_147_583_695_668, 3_872_098_226_623_159_910, 4_524_514_661_162_294_416,
            4_569_536_494_109_524_166, 1_861_767_741_974_913_352, 700_128_219_564_834_904,
            2_496_617_385_009_076_326, 3_375_100_260_903_593_974, 4_062_207_142_465_314_438,
            2_081_805_700_945_047_982, 2_586_598_373_823_949_971, 2_150_236_272_186_885_223,
        ]
        #expect((0..<12).map { _ in large.int(below: (1 << 62) + 1) } == expectedLarge)

        var dice = SeededGenerator(seed: 7)
        #expect(
            (0..<20).map { _ in dice.int(below: 6) } == [4, 1, 5, 5, 5, 5, 0, 0, 2, 0, 3, 4, 5, 5, 2, 3, 1, 2, 0, 0])
    }

    /// The jump polynomial moves the state (0, 0, 0, 1) to the state published in the test data of
    /// DSCF-1224/xoshiro-fortran (test/README.md, "with a jump of the generator state"), produced there
    /// by the authors' C code; the xoshiro256 jump depends only on the linear engine, which ** shares.
    @Test func jumpMatchesPublishedState() {
        var generator = SeededGenerator(state: (0, 0, 0, 1))
        generator.jump()
        #expect(generator.state.0 == 0x934D_05E8_B207_6310)
        #expect(generator.state.1 == 0xEABD_D0BF_76A1_BE51)
        #expect(generator.state.2 == 0x75DD_6A99_2ACC_B1E8)
        #expect(generator.state.3 == 0xC660_C602_A733_0187)
    }

    /// A C transcription of the published algorithm (splitmix64.c, xoshiro256starstar.c with its jump()),
    /// compiled with `cc` at test time, against the Swift generator on many states and seeds.
    @Test(.enabled(if: ReferenceTools.hasCCompiler, "no C compiler (cc) on PATH"))
    func matchesCompiledReferenceImplementation() throws {
        let reference = try ReferenceTools.compileXoshiroReference()
        defer { try? FileManager.default.removeItem(at: reference.deletingLastPathComponent()) }
        var stateSource = SeededGenerator(seed: 2024)
        for _ in 0..<5 {
            let state = (stateSource.next(), stateSource.next(), stateSource.next(), stateSource.next())
            let output = try ReferenceTools.run(
                reference, ["state", "\(state.0)", "\(state.1)", "\(state.2)", "\(state.3)", "100"])
            let numbers = output.split(separator: "\n").compactMap { UInt64($0) }
            try #require(numbers.count == 204)
            var generator = SeededGenerator(state: state)
            #expect((0..<100).map { _ in generator.next() } == Array(numbers[0..<100]))
            generator.jump()
            #expect(
                [generator.state.0, generator.state.1, generator.state.2, generator.state.3]
                    == Array(numbers[100..<104]))
            #expect((0..<100).map { _ in generator.next() } == Array(numbers[104..<204]))
        }
        for seed: UInt64 in [0, 1, 42, 0xDEAD_BEEF, UInt64.max] {
            let output = try ReferenceTools.run(reference, ["seed", "\(seed)", "50"])
            let numbers = output.split(separator: "\n").compactMap { UInt64($0) }
            var generator = SeededGenerator(seed: seed)
            #expect((0..<50).map { _ in generator.next() } == numbers)
        }
    }

    @Test func uniformUsesTheTop53Bits() {
        var a = SeededGenerator(seed: 9)
        var b = a
        for _ in 0..<1000 {
            let u = a.uniform()
            #expect(u == Double(b.next() >> 11) / 9_007_199_254_740_992)
            #expect(u >= 0 && u < 1)
        }
        var c = SeededGenerator(seed: 10)
        for _ in 0..<1000 {
            let x = c.uniform(-3, 5)
            #expect(x >= -3 && x < 5)
        }
    }

    @Test func splitGivesJumpedStreams() {
        let original = SeededGenerator(seed: 5)
        var splitter = original
        let streams = splitter.split(into: 3)
        var expected = original
        for stream in streams {
            #expect(stream.state == expected.state)
            expected.jump()
        }
        #expect(splitter.state == expected.state)
        var first = streams[0]
        var second = streams[1]
        #expect(first.next() != second.next())
    }

    @Test func sameSeedSameVariates() {
        var a = SeededGenerator(seed: 77)
        var b = SeededGenerator(seed: 77)
        for _ in 0..<100 {
            #expect(a.normal(mean: 1, sd: 2) == b.normal(mean: 1, sd: 2))
            #expect(a.gamma(shape: 0.7, scale: 3) == b.gamma(shape: 0.7, scale: 3))
            #expect(a.beta(2, 3) == b.beta(2, 3))
        }
        var c = SeededGenerator(seed: 78)
        #expect(a.next() != c.next())
    }

    @Test func worksWithTheStandardLibrary() {
        var generator = SeededGenerator(seed: 3)
        let value = Int.random(in: 10..<20, using: &generator)
        #expect((10..<20).contains(value))
    }
}

/// Sample moments and goodness of fit against the distributions' theory.
@Suite("Random: distributions")
struct RandomDistributionTests {
    /// Checks that the sample mean and variance are within 5 standard errors of the theoretical ones;
    /// the standard error of the variance uses the sample's fourth central moment.
    func expectMoments(_ sample: [Double], mean: Double, variance: Double, _ what: String) {
        let n = Double(sample.count)
        let sampleMean = sample.reduce(0, +) / n
        var m2 = 0.0
        var m4 = 0.0
        for x in sample {
            let d = x - sampleMean
            m2 += d * d
            m4 += d * d * d * d
        }
        m2 /= n
        m4 /= n
        let meanError = (variance / n).squareRoot()
        let varianceError = ((m4 - m2 * m2) / n).squareRoot()
        #expect(abs(sampleMean - mean) < 5 * meanError, "\(what): mean \(sampleMean), expected \(mean)")
        #expect(abs(m2 - variance) < 5 * varianceError, "\(what): variance \(m2), expected \(variance)")
    }

    /// Kolmogorov–Smirnov statistic D = sup |F_n − F|.
    func ksStatistic(_ sample: [Double], cdf: (Double) -> Double) -> Double {
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = cdf(x)
            d = max(d, Double(i + 1) / n - f, f - Double(i) / n)
        }
        return d
    }

    /// The asymptotic 0.999 quantile of √n·D (Kolmogorov distribution): 1.9495.
    func ksCritical(_ n: Int) -> Double { 1.9495 / Double(n).squareRoot() }

    @Test func normalMoments() {
        var generator = SeededGenerator(seed: 11)
        let sample = (0..<200_000).map { _ in generator.normal(mean: 3, sd: 2) }
        expectMoments(sample, mean: 3, variance: 4, "normal(3, 2)")
    }

    @Test(arguments: [(0.3, 2.0), (1.0, 1.0), (2.5, 0.5), (9.0, 3.0)])
    func gammaMoments(shape: Double, scale: Double) {
        var generator = SeededGenerator(seed: 12)
        let sample = (0..<200_000).map { _ in generator.gamma(shape: shape, scale: scale) }
        #expect(sample.allSatisfy { $0 >= 0 })
        expectMoments(
            sample, mean: shape * scale, variance: shape * scale * scale, "gamma(\(shape), \(scale))")
    }

    @Test(arguments: [(2.0, 5.0), (0.5, 0.5), (0.2, 3.0)])
    func betaMoments(a: Double, b: Double) {
        var generator = SeededGenerator(seed: 13)
        let sample = (0..<200_000).map { _ in generator.beta(a, b) }
        #expect(sample.allSatisfy { $0 >= 0 && $0 <= 1 })
        let s = a + b
        expectMoments(sample, mean: a / s, variance: a * b / (s * s * (s + 1)), "beta(\(a), \(b))")
    }

    @Test func uniformKolmogorovSmirnov() {
        var generator = SeededGenerator(seed: 14)
        let n = 20_000
        let sample = (0..<n).map { _ in generator.uniform() }
        #expect(ksStatistic(sample, cdf: { min(1, max(0, $0)) }) < ksCritical(n))
        // The statistic has power: the same sample is far from a wrong distribution.
        #expect(ksStatistic(sample, cdf: { $0 * $0 }) > ksCritical(n))
    }

    @Test func normalKolmogorovSmirnov() {
        var generator = SeededGenerator(seed: 15)
        let n = 20_000
        let sample = (0..<n).map { _ in generator.normal(mean: -1, sd: 0.5) }
        let cdf = { (x: Double) in 0.5 * erfc(-(x + 1) / (0.5 * 2.0.squareRoot())) }
        #expect(ksStatistic(sample, cdf: cdf) < ksCritical(n))
        let shifted = { (x: Double) in 0.5 * erfc(-(x + 0.95) / (0.5 * 2.0.squareRoot())) }
        #expect(ksStatistic(sample, cdf: shifted) > ksCritical(n))
    }

    /// Pearson's χ² against the weights; 0.999 quantiles of χ² from standard tables:
    /// 4 df → 18.467, 5 df → 20.515, 9 df → 27.877.
    func chiSquare(observed: [Int], expected: [Double]) -> Double {
        zip(observed, expected).reduce(0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) / $1.1 }
    }

    @Test func categoricalChiSquare() throws {
        var generator = SeededGenerator(seed: 16)
        let weights = [1.0, 2, 3, 4, 0, 10]
        let n = 100_000
        var counts = [Int](repeating: 0, count: weights.count)
        for _ in 0..<n { counts[try generator.categorical(weights: weights)] += 1 }
        #expect(counts[4] == 0)
        let positive = [0, 1, 2, 3, 5]
        let statistic = chiSquare(
            observed: positive.map { counts[$0] }, expected: positive.map { Double(n) * weights[$0] / 20 })
        #expect(statistic < 18.467, "χ² = \(statistic) with counts \(counts)")
    }

    @Test func categoricalRejectsBadWeights() {
        var generator = SeededGenerator(seed: 17)
        for weights in [[1.0, -0.5], [Double.nan, 1], [0.0, 0], [], [1, Double.infinity]] {
            #expect(throws: StatMLError.self) { try generator.categorical(weights: weights) }
        }
        do {
            _ = try generator.categorical(weights: [1, -2])
            Issue.record("negative weight accepted")
        } catch let error as StatMLError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("weight 1 is -2"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func shuffleOfThreeIsUniform() {
        var generator = SeededGenerator(seed: 18)
        let n = 60_000
        var counts: [[Int]: Int] = [:]
        for _ in 0..<n {
            var items = [0, 1, 2]
            generator.shuffle(&items)
            counts[items, default: 0] += 1
        }
        #expect(counts.count == 6)
        #expect(counts.keys.allSatisfy { $0.sorted() == [0, 1, 2] })
        let statistic = chiSquare(
            observed: Array(counts.values), expected: [Double](repeating: Double(n) / 6, count: counts.count))
        #expect(statistic < 20.515, "χ² = \(statistic) with counts \(counts)")
    }

    @Test func sampleWithoutReplacement() throws {
        var generator = SeededGenerator(seed: 19)
        let repeats = 30_000
        var inclusion = [Int](repeating: 0, count: 10)
        var first = [Int](repeating: 0, count: 10)
        for _ in 0..<repeats {
            let picked = try generator.sample(indices: 10, count: 3)
            #expect(Set(picked).count == 3)
            for index in picked { inclusion[index] += 1 }
            first[picked[0]] += 1
        }
        let uniformExpected = [Double](repeating: Double(repeats) * 3 / 10, count: 10)
        #expect(chiSquare(observed: inclusion, expected: uniformExpected) < 27.877, "\(inclusion)")
        #expect(
            chiSquare(observed: first, expected: [Double](repeating: Double(repeats) / 10, count: 10)) < 27.877,
            "\(first)")
        #expect(try generator.sample(indices: 5, count: 5).sorted() == [0, 1, 2, 3, 4])
        #expect(try generator.sample(indices: 0, count: 0) == [])
        #expect(throws: StatMLError.self) { try generator.sample(indices: 3, count: 4) }
        #expect(throws: StatMLError.self) { try generator.sample(indices: 3, count: -1) }
    }

    /// A large population takes the dictionary path; it must give exactly the partial Fisher–Yates
    /// shuffle of an explicit array driven by the same stream.
    @Test func sparseSamplingMatchesExplicitShuffle() throws {
        var sparse = SeededGenerator(seed: 20)
        var explicit = sparse
        let n = 100_000
        let k = 50
        let picked = try sparse.sample(indices: n, count: k)
        var pool = Array(0..<n)
        for i in 0..<k { pool.swapAt(i, i + explicit.int(below: n - i)) }
        #expect(picked == Array(pool[0..<k]))
        #expect(sparse.next() == explicit.next())
    }
}

/// Runs the independent reference implementations that the tests compare with.
enum ReferenceTools {
    static let hasCCompiler: Bool = (try? run(URL(fileURLWithPath: "/usr/bin/env"), ["cc", "--version"])) != nil

    static let hasNumPy: Bool =
        (try? run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import numpy"])) != nil

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("statml-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a program and returns its standard output; throws when it exits non-zero.
    @discardableResult
    static func run(_ executable: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StatMLError(
                .internal,
                "\(executable.path) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + (String(data: errors, encoding: .utf8) ?? ""))
        }
        return String(data: output, encoding: .utf8) ?? ""
    }

    static func runPython(_ script: String) throws -> String {
        try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script])
    }

    /// The reference code transcribed from the published algorithm (prng.di.unimi.it: splitmix64.c,
    /// xoshiro256starstar.c). `ref state s0 s1 s2 s3 n` prints n outputs, the state after jump(), and
    /// n more outputs; `ref seed x n` seeds the state with four SplitMix64 outputs and prints n outputs.
    static let xoshiroReferenceSource = """
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>

        static uint64_t s[4];
        static inline uint64_t rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

        static uint64_t next(void) {
            const uint64_t result = rotl(s[1] * 5, 7) * 9;
            const uint64_t t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = rotl(s[3], 45);
            return result;
        }

        static void jump(void) {
            static const uint64_t JUMP[] = { 0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c };
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t i = 0; i < sizeof JUMP / sizeof *JUMP; i++)
                for (int b = 0; b < 64; b++) {
                    if (JUMP[i] & UINT64_C(1) << b) {
                        s0 ^= s[0];
                        s1 ^= s[1];
                        s2 ^= s[2];
                        s3 ^= s[3];
                    }
                    next();
                }
            s[0] = s0;
            s[1] = s1;
            s[2] = s2;
            s[3] = s3;
        }

        static uint64_t x;
        static uint64_t splitmix_next(void) {
            uint64_t z = (x += 0x9e3779b97f4a7c15);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
            z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
            return z ^ (z >> 31);
        }

        int main(int argc, char **argv) {
            if (argc == 7 && strcmp(argv[1], "state") == 0) {
                for (int i = 0; i < 4; i++) s[i] = strtoull(argv[2 + i], NULL, 10);
                long n = strtol(argv[6], NULL, 10);
                for (long i = 0; i < n; i++) printf("%llu\\n", (unsigned long long)next());
                jump();
                for (int i = 0; i < 4; i++) printf("%llu\\n", (unsigned long long)s[i]);
                for (long i = 0; i < n; i++) printf("%llu\\n", (unsigned long long)next());
                return 0;
            }
            if (argc == 4 && strcmp(argv[1], "seed") == 0) {
                x = strtoull(argv[2], NULL, 10);
                for (int i = 0; i < 4; i++) s[i] = splitmix_next();
                long n = strtol(argv[3], NULL, 10);
                for (long i = 0; i < n; i++) printf("%llu\\n", (unsigned long long)next());
                return 0;
            }
            fprintf(stderr, "usage: ref state s0 s1 s2 s3 n | ref seed x n\\n");
            return 2;
        }
        """

    static func compileXoshiroReference() throws -> URL {
        let directory = try temporaryDirectory()
        let source = directory.appendingPathComponent("xoshiro_ref.c")
        let binary = directory.appendingPathComponent("xoshiro_ref")
        try xoshiroReferenceSource.write(to: source, atomically: true, encoding: .utf8)
        try run(URL(fileURLWithPath: "/usr/bin/env"), ["cc", "-O1", "-std=c99", "-o", binary.path, source.path])
        return binary
    }
}
