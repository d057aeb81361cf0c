// swift-tools-version:6.0
import Foundation
import PackageDescription

/// A Debian -dev package behind a SwiftPM system-library target (STYLE.md §2).
func cLibrary(_ name: String, pkgConfig: String?, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

/// Release builds of the hot modules without run-time exclusivity checks (debug builds keep them).
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

var targets: [Target] = [
    cLibrary("CSQLite", pkgConfig: "sqlite3", apt: ["libsqlite3-dev"]),
    cLibrary("COpenBLAS", pkgConfig: "openblas", apt: ["libopenblas-dev"]),
    cLibrary("CLAPACKE", pkgConfig: "lapacke", apt: ["liblapacke-dev"]),
    cLibrary("CXGBoost", pkgConfig: "xgboost", apt: ["libxgboost-dev"]),
    cLibrary("CGDAL", pkgConfig: "gdal", apt: ["libgdal-dev"]),
    cLibrary("CMicroHTTPD", pkgConfig: "libmicrohttpd", apt: ["libmicrohttpd-dev"]),
    cLibrary("CPostgreSQL", pkgConfig: "libpq", apt: ["libpq-dev"]),
    cLibrary("CCrypto", pkgConfig: "libcrypto", apt: ["libssl-dev"]),
    // A header of our own: __builtin_prefetch for the prediction path (no library behind it).
    .systemLibrary(name: "CPrefetch", path: "Sources/CPrefetch"),
    // sentencepiece is C++: a C API of our own in front of it (STYLE.md §2).
    .target(
        name: "CSentencePiece", path: "Sources/CSentencePiece",
        cxxSettings: [.unsafeFlags(["-std=c++17"])],
        linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("sentencepiece_train")]),

    .target(
        name: "StatMLCore", dependencies: ["COpenBLAS", "CLAPACKE", "CCrypto"], linkerSettings: [.linkedLibrary("m")]),
    // The per-record prediction path lives in these two: dynamic exclusivity checks on class properties
    // (swift_beginAccess) cost it ~5% (perf), and their code does not rely on them (no overlapping
    // inout accesses; tests run the same code with the checks).
    .target(name: "Text", dependencies: ["StatMLCore"], swiftSettings: hotPath),
    .target(name: "Coding", dependencies: ["StatMLCore", "Text", "CPrefetch"], swiftSettings: hotPath),
    // The shared coding service: storage (SQLite, PostgreSQL), tenants, keys, registry, review, audit.
    .target(name: "Platform", dependencies: ["StatMLCore", "Coding", "CSQLite", "CPostgreSQL"]),
    // HTTP JSON API on libmicrohttpd and the web pages it serves.
    .target(
        name: "Server", dependencies: ["StatMLCore", "Coding", "Platform", "CMicroHTTPD"]),
    .executableTarget(name: "statml", dependencies: ["StatMLCore", "Coding", "Platform", "Server"]),

    .testTarget(name: "StatMLCoreTests", dependencies: ["StatMLCore"]),
    .testTarget(name: "TextTests", dependencies: ["Text"]),
    .testTarget(name: "CodingTests", dependencies: ["Coding"]),
    .testTarget(name: "PlatformTests", dependencies: ["Platform", "Coding"]),
    .testTarget(name: "ServerTests", dependencies: ["Server", "Platform", "Coding"]),
    .testTarget(
        name: "CLibrariesTests",
        dependencies: [
            "CSQLite", "COpenBLAS", "CLAPACKE", "CXGBoost", "CGDAL", "CMicroHTTPD", "CPostgreSQL",
            "CSentencePiece",
        ]),
    // Runs the built `statml` binary as a user would: arguments in, exit code and output back.
    .testTarget(name: "StatMLCLITests", dependencies: ["StatMLCore"]),
]

// In-process timings: CSV reading (Benchmarks/csv/run.sh) and the coding predictor (Benchmarks/coding).
targets.append(
    .executableTarget(name: "statml-bench", dependencies: ["StatMLCore", "Coding"], path: "Benchmarks/statml-bench"))

// Fuzz targets exist only when STATML_FUZZ=1, so a plain `swift build` never needs libFuzzer (STYLE.md §5).
if ProcessInfo.processInfo.environment["STATML_FUZZ"] == "1" {
    targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"))
    for (name, dependencies) in [
        ("FuzzCSV", ["StatMLCore"]), ("FuzzJSON", ["StatMLCore"]),
        ("FuzzRequest", ["StatMLCore", "Coding", "Platform", "Server"]),
    ] {
        targets.append(
            .executableTarget(
                name: name, dependencies: (dependencies + ["FuzzSupport"]).map { .target(name: $0) },
                path: "Fuzz/\(name)",
                swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    }
}

let package = Package(
    name: "StatML",
    products: [
        .executable(name: "statml", targets: ["statml"]),
        .library(name: "StatMLCore", targets: ["StatMLCore"]),
    ],
    targets: targets,
    swiftLanguageModes: [.v5]
)
