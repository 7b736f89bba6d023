// Regular grids for dense test sets and plots.
import Foundation
import SobolevCore

extension Sampler {
    /// A tensor grid over the box `domain` (d = 1, 2 or 3 ranges) with about `count` points:
    /// k = max(2, round(count^(1/d))) equally spaced points per dimension, both ends included
    /// (in 1-D exactly `count` points, a linspace; count = 1 gives the midpoint), k^d rows in
    /// all, the last dimension varying fastest.
    public static func grid(count: Int, domain: [ClosedRange<Double>]) -> Matrix {
        let d = domain.count
        precondition((1...3).contains(d), "grid supports 1 to 3 dimensions, got \(d)")
        precondition(count >= 1, "grid needs count >= 1")
        let k = d == 1 ? count : max(2, Int(pow(Double(count), 1 / Double(d)).rounded()))
        let axes = domain.map { linspace($0, k) }
        let total = (0..<d).reduce(1) { product, _ in product * k }
        var points = Matrix(rows: total, cols: d)
        for r in 0..<total {
            var rest = r
            for c in stride(from: d - 1, through: 0, by: -1) {
                points[r, c] = axes[c][rest % k]
                rest /= k
            }
        }
        return points
    }

    /// k equally spaced points from lower to upper bound inclusive (k = 1: the midpoint).
    static func linspace(_ range: ClosedRange<Double>, _ k: Int) -> [Double] {
        let lo = range.lowerBound, hi = range.upperBound
        if k == 1 { return [(lo + hi) / 2] }
        return (0..<k).map { i in i == k - 1 ? hi : lo + (hi - lo) * Double(i) / Double(k - 1) }
    }
}
