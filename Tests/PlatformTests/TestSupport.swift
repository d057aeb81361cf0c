import Coding
import Glibc
import StatMLCore
import Testing

@testable import Platform

/// The back-ends the store tests run on: each store test takes the back-end as its argument, so the
/// same test function runs on both.
///
/// PostgreSQL needs a server: `make test` starts one and sets STATML_TEST_DATABASE_URL. Without it the
/// tests run on SQLite only and the suite "Platform: PostgreSQL back-end" is reported as skipped with
/// the reason (`.enabled(if:)`), so `swift test` passes on a machine without PostgreSQL and says why
/// PostgreSQL was not covered.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when STATML_TEST_DATABASE_URL is set.
    static let available: [Backend] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    static let postgresSkipReason: Comment =
        "STATML_TEST_DATABASE_URL is not set: the store tests ran on SQLite only (make test starts PostgreSQL and sets it)"

    static let postgresURL: String? = {
        guard let value = getenv("STATML_TEST_DATABASE_URL") else { return nil }
        let url = String(cString: value)
        return url.isEmpty ? nil : url
    }()

    var testDescription: String { rawValue }
}

/// One test's own empty store: a new SQLite file in a new directory, or a new PostgreSQL schema
/// (selected through libpq's `options=-csearch_path=…`), removed when the test ends.
struct StoreFixture {
    let backend: Backend
    let location: StoreLocation
    /// The SQLite file, or nil on PostgreSQL.
    let sqlitePath: String?
    /// The PostgreSQL schema, or nil on SQLite.
    let schema: String?

    func open() throws -> Store { try Store.open(location) }

    /// A connection of its own, beside any Store, to look at or tamper with the tables directly.
    func rawConnection() throws -> any SQLConnection { try Store.connect(location) }
}

func withStore(_ backend: Backend, _ body: (StoreFixture) throws -> Void) throws {
    switch backend {
    case .sqlite:
        let dir = temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let path = "\(dir)/store.db"
        try body(StoreFixture(backend: backend, location: .sqlite(path: path), sqlitePath: path, schema: nil))
    case .postgres:
        guard let url = Backend.postgresURL else {
            throw StatMLError(.invalidInput, "a PostgreSQL test ran without STATML_TEST_DATABASE_URL")
        }
        let schema = "statml_test_\(randomHex(8))"
        let admin = try PostgresConnection(url: url)
        try admin.executeScript("CREATE SCHEMA \(schema)")
        defer { _ = try? admin.executeScript("DROP SCHEMA \(schema) CASCADE") }
        let separator = url.contains("?") ? "&" : "?"
        let location = StoreLocation.postgres(url: "\(url)\(separator)options=-csearch_path%3D\(schema)")
        try body(StoreFixture(backend: backend, location: location, sqlitePath: nil, schema: schema))
    }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() -> String {
    var template = Array("/tmp/statml-platform-XXXXXX".utf8CString)
    _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: template)
}

func randomHex(_ bytes: Int) -> String {
    var rng = SystemRandomNumberGenerator()
    return SHA256.hex((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &rng) })
}

/// The StatMLError code a throwing call ends with, or nil when it does not throw.
func errorCode<T>(_ body: () throws -> T) -> StatMLError.Code? {
    errorOf(body)?.code
}

func errorOf<T>(_ body: () throws -> T) -> StatMLError? {
    do {
        _ = try body()
        return nil
    } catch let error as StatMLError {
        return error
    } catch {
        return StatMLError(.internal, "not a StatMLError: \(error)")
    }
}

/// Small real model files, trained once per test run on generated product names.
enum TestModels {
    private static let trained: Result<[[UInt8]], any Error> = Result {
        try [UInt64(4), 5].map { seed in
            var options = CodingTrainingOptions()
            options.algorithm = .linear
            options.holdout = 0.2
            options.seed = seed
            let examples = SyntheticProducts(seed: seed).examples(count: 300)
            let data = CodingExamples(texts: examples.map(\.text), labels: examples.map(\.code))
            return CodingModelFile.encode(try CodingTrainer.train(data, options: options).0)
        }
    }

    /// Two different model files (`index` 0 or 1).
    static func bytes(_ index: Int = 0) throws -> [UInt8] { try trained.get()[index] }
}

/// Review-queue input with a predicted code and two suggestions.
func reviewInput(_ record: String, confidence: Double, predicted: String = "01.1.1") -> NewReviewItem {
    NewReviewItem(
        recordID: record, text: "text of \(record)", confidence: confidence,
        suggestions: [(predicted, confidence), ("09.9.9", 1 - confidence)], modelVersion: 1,
        predictedCode: predicted)
}

func readBytes(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { return [] }
    defer { fclose(file) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        out += buffer[0..<n]
    }
    return out
}
