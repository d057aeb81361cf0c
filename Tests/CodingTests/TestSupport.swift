import Glibc
import StatMLCore

@testable import Coding

/// A fresh temporary directory for one test.
func temporaryDirectory() -> String {
    var template = Array("/tmp/statml-coding-XXXXXX".utf8CString)
    _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: template)
}

func writeFile(_ path: String, _ text: String) throws {
    let sink = try ByteSink(path: path)
    try sink.write(text)
    try sink.close()
}

/// Runs python3 with a script and returns its standard output, or nil when python3 or a module is missing.
func python(_ script: String, input: String) -> String? {
    let dir = temporaryDirectory()
    let scriptPath = "\(dir)/script.py"
    let inputPath = "\(dir)/input.txt"
    let outputPath = "\(dir)/output.txt"
    do {
        try writeFile(scriptPath, script)
        try writeFile(inputPath, input)
    } catch { return nil }
    guard system("python3 \(scriptPath) < \(inputPath) > \(outputPath) 2>/dev/null") == 0,
        let file = fopen(outputPath, "r")
    else { return nil }
    defer { fclose(file) }
    var out = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, 4096, file) != nil { out += String(cString: buffer) }
    return out
}

/// Sparse records for a scikit-learn oracle: each as a line "label index:value ...", and the Python that
/// reads those lines from standard input into `X` (a CSR matrix of `features` columns) and `ys`.
func libsvmInput(_ x: [SparseVector], _ y: [Int32], features: Int) -> (lines: String, reader: String) {
    var lines = ""
    for (v, label) in zip(x, y) {
        lines += "\(label) " + zip(v.indices, v.values).map { "\($0):\($1)" }.joined(separator: " ") + "\n"
    }
    let reader = """
        import sys
        from scipy.sparse import csr_matrix
        rows, cols, vals, ys = [], [], [], []
        for i, line in enumerate(sys.stdin):
            parts = line.split()
            ys.append(int(parts[0]))
            for p in parts[1:]:
                j, v = p.split(':'); rows.append(i); cols.append(int(j)); vals.append(float(v))
        X = csr_matrix((vals, (rows, cols)), shape=(len(ys), \(features)))

        """
    return (lines, reader)
}
