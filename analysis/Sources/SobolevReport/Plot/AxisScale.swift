// Maps data values to pixels along one axis, linear or logarithmic, and chooses between them:
// a log axis when every value is positive and they span more than two decades (max/min > 100).
import Foundation

public enum ScaleChoice: Sendable {
    case linear, log, auto
}

public struct AxisScale: Sendable {
    public enum Kind: Sendable { case linear, log }
    public var kind: Kind
    /// Data domain (positive on a log axis) and the pixel range it maps onto.
    public var lower: Double
    public var upper: Double
    public var start: Double
    public var end: Double
    public var ticks: [Tick]

    /// Fits a scale to `values` (non-finite values ignored; on a log axis non-positive ones too).
    public init(values: [Double], choice: ScaleChoice, start: Double, end: Double, include: [Double] = []) {
        let finite = (values + include).filter(\.isFinite)
        kind = AxisScale.decide(choice, finite)
        self.start = start; self.end = end
        // The domain is the data range plus a little margin, so no line hides under the frame;
        // the ticks are the nice values inside it.
        switch kind {
        case .log:
            let positive = finite.filter { $0 > 0 }
            let a = log10(positive.min() ?? 1), b = log10(positive.max() ?? 10)
            let pad = max(b - a, 0.5) * 0.04
            lower = pow(10, a - pad); upper = pow(10, b + pad)
            ticks = Ticks.log(lower, upper)
        case .linear:
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if !(hi > lo) { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
            let pad = (hi - lo) * 0.04
            lower = lo - pad; upper = hi + pad
            ticks = Ticks.linear(lower, upper)
        }
    }

    static func decide(_ choice: ScaleChoice, _ values: [Double]) -> Kind {
        switch choice {
        case .linear: return .linear
        case .log: return .log
        case .auto:
            guard let lo = values.min(), let hi = values.max(), lo > 0 else { return .linear }
            return hi / lo > 100 ? .log : .linear
        }
    }

    /// Pixel position of v; nil when a log axis cannot show it.
    public func position(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        let t: Double
        switch kind {
        case .linear: t = (v - lower) / (upper - lower)
        case .log:
            guard v > 0 else { return nil }
            t = (log10(v) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return start + t * (end - start)
    }

    public var isLog: Bool { kind == .log }
}
