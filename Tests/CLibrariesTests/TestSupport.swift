import Foundation

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("statml-clib-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The reference data folder `../shared/data` beside the package root (STYLE.md §5), or nil.
func sharedDataDirectory() -> URL? {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    for root in [packageRoot, URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
        let candidate = root.deletingLastPathComponent().appendingPathComponent("shared/data")
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    }
    return nil
}
