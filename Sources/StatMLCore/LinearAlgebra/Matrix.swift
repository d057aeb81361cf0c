/// A dense matrix of doubles stored row by row: element (i, j) is `elements[i * cols + j]`.
///
/// Linear algebra runs in OpenBLAS and LAPACKE (see `Matrix+LAPACK.swift`); this file holds the storage
/// and the element-wise accessors, which do no arithmetic.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let cols: Int
    /// Row-major storage, `rows * cols` values.
    public internal(set) var elements: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: dimensions must not be negative (got \(rows)×\(cols))")
        self.rows = rows
        self.cols = cols
        self.elements = Array(repeating: value, count: rows * cols)
    }

    /// Wraps row-major values.
    ///
    /// - Throws: `StatMLError.invalidInput` when `elements.count` is not `rows * cols`.
    public init(rows: Int, cols: Int, elements: [Double]) throws {
        guard rows >= 0, cols >= 0 else {
            throw StatMLError.invalidInput("matrix dimensions must not be negative (got \(rows)×\(cols))")
        }
        guard elements.count == rows * cols else {
            throw StatMLError.invalidInput(
                "a \(rows)×\(cols) matrix needs \(rows * cols) values, got \(elements.count)")
        }
        self.rows = rows
        self.cols = cols
        self.elements = elements
    }

    /// Builds a matrix from its rows.
    ///
    /// - Throws: `StatMLError.invalidInput` when the rows differ in length.
    public init(_ rowValues: [[Double]]) throws {
        let width = rowValues.first?.count ?? 0
        var elements: [Double] = []
        elements.reserveCapacity(rowValues.count * width)
        for (index, row) in rowValues.enumerated() {
            guard row.count == width else {
                throw StatMLError.invalidInput(
                    "ragged rows: row 0 has \(width) values but row \(index) has \(row.count)")
            }
            elements.append(contentsOf: row)
        }
        self.rows = rowValues.count
        self.cols = width
        self.elements = elements
    }

    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, cols: n)
        for i in 0..<n { result.elements[i * n + i] = 1 }
        return result
    }

    /// A diagonal matrix with `values` on the diagonal.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var result = Matrix(rows: values.count, cols: values.count)
        for (i, value) in values.enumerated() { result.elements[i * values.count + i] = value }
        return result
    }

    public subscript(i: Int, j: Int) -> Double {
        get {
            precondition(
                i >= 0 && i < rows && j >= 0 && j < cols, "Matrix: index (\(i), \(j)) outside \(shape)")
            return elements[i * cols + j]
        }
        set {
            precondition(
                i >= 0 && i < rows && j >= 0 && j < cols, "Matrix: index (\(i), \(j)) outside \(shape)")
            elements[i * cols + j] = newValue
        }
    }

    public var isSquare: Bool { rows == cols }

    /// "rows×cols", as error messages print shapes.
    public var shape: String { "\(rows)×\(cols)" }

    public func transposed() -> Matrix {
        var result = Matrix(rows: cols, cols: rows)
        elements.withUnsafeBufferPointer { source in
            result.elements.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    for j in 0..<cols { target[j * rows + i] = source[i * cols + j] }
                }
            }
        }
        return result
    }

    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "Matrix: row \(i) outside \(shape)")
        return Array(elements[(i * cols)..<((i + 1) * cols)])
    }

    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < cols, "Matrix: column \(j) outside \(shape)")
        return (0..<rows).map { elements[$0 * cols + j] }
    }

    public var description: String {
        (0..<rows).map { i in row(i).map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n")
    }
}
