// A row-major 2-D array of doubles as HDF5 stores it (history tables, test inputs and outputs).
public struct Array2D: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var values: [Double]

    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(rows * cols == values.count, "\(values.count) values for \(rows) x \(cols)")
        self.rows = rows; self.cols = cols; self.values = values
    }

    public subscript(row: Int, col: Int) -> Double { values[row * cols + col] }

    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }
}
