// A dense row-major float64 matrix: the one storage type of the numeric core.

/// Dense row-major matrix of Doubles. `data[r * cols + c]` is entry (r, c).
public struct Matrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var data: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix shape must be non-negative")
        self.rows = rows; self.cols = cols
        self.data = Array(repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, data: [Double]) {
        precondition(data.count == rows * cols, "matrix data has \(data.count) entries, shape \(rows)x\(cols) needs \(rows * cols)")
        self.rows = rows; self.cols = cols; self.data = data
    }

    /// Builds a matrix from rows of equal length.
    public init(_ rowArrays: [[Double]]) {
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "rows of unequal length")
        self.init(rows: rowArrays.count, cols: c, data: rowArrays.flatMap { $0 })
    }

    @inlinable public subscript(r: Int, c: Int) -> Double {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }

    public func row(_ r: Int) -> [Double] { Array(data[(r * cols)..<((r + 1) * cols)]) }

    public func column(_ c: Int) -> [Double] { (0..<rows).map { data[$0 * cols + c] } }

    /// The rows at the given indices, in that order.
    public func rows(_ indices: [Int]) -> Matrix {
        var out = [Double](); out.reserveCapacity(indices.count * cols)
        for i in indices { out.append(contentsOf: data[(i * cols)..<((i + 1) * cols)]) }
        return Matrix(rows: indices.count, cols: cols, data: out)
    }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        data.withUnsafeBufferPointer { a in
            t.data.withUnsafeMutableBufferPointer { Matrix.transpose(a.baseAddress!, rows: rows, cols: cols, into: $0.baseAddress!) }
        }
        return t
    }

    /// The rows x cols matrix at `a` (row-major) transposed into `t` (cols x rows): the step's
    /// weights W^T without allocating, and `transposed`.
    static func transpose(_ a: UnsafePointer<Double>, rows: Int, cols: Int, into t: UnsafeMutablePointer<Double>) {
        for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = a[r * cols + c] } }
    }
}
