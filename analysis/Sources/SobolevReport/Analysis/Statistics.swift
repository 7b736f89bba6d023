// Summary statistics over seeds. Non-finite values (a diverged metric) are dropped first, so one
// NaN does not hide the other seeds.
import Foundation

public struct SeedStatistics: Equatable, Sendable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (n - 1 in the denominator); nil for a single seed.
    public var std: Double?
    public var median: Double
    /// The best seed's value: the smallest, or the largest for scores where higher is better.
    public var best: Double

    public init?(_ values: [Double], higherIsBetter: Bool = false) {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        count = v.count
        mean = v.reduce(0, +) / Double(v.count)
        let m = mean
        std = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : nil
        median = Quantile.of(v, 0.5)
        best = higherIsBetter ? v.max()! : v.min()!
    }
}

public enum Quantile {
    /// The q-quantile with linear interpolation between order statistics (numpy's default).
    public static func of(_ values: [Double], _ q: Double) -> Double {
        let s = values.sorted()
        precondition(!s.isEmpty, "quantile of no values")
        let h = q * Double(s.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }
}
