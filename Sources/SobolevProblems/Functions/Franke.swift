// Franke's function (R. Franke 1979, "A critical comparison of some methods for interpolation of
// scattered data", NPS-53-79-003): the standard 2-D test surface for scattered-data fitting.
import Foundation
import SobolevCore

/// Franke's function on [0, 1]^2, a sum of three bumps and one dip:
///
///     f(x, y) = 3/4 exp(-((9x - 2)^2 + (9y - 2)^2) / 4)
///             + 3/4 exp(-(9x + 1)^2 / 49 - (9y + 1) / 10)
///             + 1/2 exp(-((9x - 7)^2 + (9y - 3)^2) / 4)
///             - 1/5 exp(-(9x - 4)^2 - (9y - 7)^2)
///
/// The gradient is the sum of each term times the derivative of its exponent, e.g. for the
/// first term d/dx = -9/2 (9x - 2) * term. Values: f(0, 0) = 0.7664205..., and the peak is
/// about 1.2 near (2/9, 2/9).
public struct Franke: AnalyticFunction {
    public init() {}
    public var name: String { "franke" }
    public var inputDimension: Int { 2 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [0.0...1.0, 0.0...1.0] }

    /// The four terms with their exponents' partial derivatives (term, d/dx, d/dy) and the
    /// exponents' constant second derivatives (d2/dx2, d2/dy2; no mixed part).
    private func terms(_ x: Double, _ y: Double) -> [(Double, Double, Double, Double, Double)] {
        let u = 9 * x, v = 9 * y
        return [
            (0.75 * exp(-((u - 2) * (u - 2) + (v - 2) * (v - 2)) / 4), -4.5 * (u - 2), -4.5 * (v - 2), -40.5, -40.5),
            (0.75 * exp(-(u + 1) * (u + 1) / 49 - (v + 1) / 10), -18 * (u + 1) / 49, -0.9, -162.0 / 49, 0),
            (0.5 * exp(-((u - 7) * (u - 7) + (v - 3) * (v - 3)) / 4), -4.5 * (u - 7), -4.5 * (v - 3), -40.5, -40.5),
            (-0.2 * exp(-(u - 4) * (u - 4) - (v - 7) * (v - 7)), -18 * (u - 4), -18 * (v - 7), -162, -162),
        ]
    }

    public func values(at p: [Double]) -> [Double] {
        [terms(p[0], p[1]).reduce(0) { $0 + $1.0 }]
    }

    public func jacobian(at p: [Double]) -> [Double] {
        let t = terms(p[0], p[1])
        return [t.reduce(0) { $0 + $1.0 * $1.1 }, t.reduce(0) { $0 + $1.0 * $1.2 }]
    }

    /// Each term T = c exp(phi) contributes T (grad phi grad phi^T + hess phi).
    public func hessian(at p: [Double]) -> [Double] {
        var h = [0.0, 0, 0, 0]
        for (t, px, py, pxx, pyy) in terms(p[0], p[1]) {
            h[0] += t * (px * px + pxx)
            h[1] += t * px * py
            h[3] += t * (py * py + pyy)
        }
        h[2] = h[1]
        return h
    }
}
