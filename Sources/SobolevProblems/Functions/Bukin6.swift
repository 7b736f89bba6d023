// Bukin's function No. 6, one of the test functions of Czarnecki et al. 2017, "Sobolev Training
// for Neural Networks" (form of Surjanovic & Bingham's library of optimization test functions).
import SobolevCore

/// Bukin's function No. 6 on x in [-15, -5], y in [-3, 3]:
///
///     f(x, y) = 100 sqrt(|u|) + 0.01 |x + 10|,   u = y - 0.01 x^2
///     df/dx = -x sign(u) / sqrt(|u|) + 0.01 sign(x + 10)
///     df/dy = 50 sign(u) / sqrt(|u|)
///
/// Global minimum f = 0 at (-10, 1), on the ridge u = 0.
///
/// Non-differentiable set: f is not differentiable on the parabola u = 0 (there the
/// sqrt(|u|) term has an infinite slope, a singularity, not just a kink) nor on the line
/// x = -10 (a kink of |x + 10|). The Jacobian is returned as the one-sided-symmetric value
/// sign(0) = 0 there: the u-part is set to 0 on u = 0 and the |x + 10| part to 0 on x = -10.
/// Near the parabola the gradient grows like |u|^(-1/2), so data sampled close to it has
/// huge derivative targets; that is a property of the problem, not a defect.
public struct Bukin6: AnalyticFunction {
    public init() {}
    public var name: String { "bukin6" }
    public var inputDimension: Int { 2 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-15.0...(-5.0), -3.0...3.0] }

    /// The ridge coordinate u = y - 0.01 x^2 (f is singular where it is 0).
    public func ridge(at p: [Double]) -> Double { p[1] - 0.01 * p[0] * p[0] }

    public func values(at p: [Double]) -> [Double] {
        [100 * abs(ridge(at: p)).squareRoot() + 0.01 * abs(p[0] + 10)]
    }

    public func jacobian(at p: [Double]) -> [Double] {
        let u = ridge(at: p)
        // d(100 sqrt|u|)/du = 50 sign(u) / sqrt|u|, taken as 0 on u = 0.
        let dfdu = u == 0 ? 0 : 50 * Bukin6.sign(u) / abs(u).squareRoot()
        let dx = dfdu * (-0.02 * p[0]) + 0.01 * Bukin6.sign(p[0] + 10)
        return [dx, dfdu]
    }

    /// H = f_uu grad u grad u^T + f_u hess u with f_uu = -25 |u|^(-3/2), grad u = (-0.02 x, 1),
    /// hess u = [[-0.02, 0], [0, 0]]; 0 on u = 0 (the |x + 10| part has no curvature off x = -10).
    public func hessian(at p: [Double]) -> [Double] {
        let u = ridge(at: p)
        guard u != 0 else { return [0, 0, 0, 0] }
        let fu = 50 * Bukin6.sign(u) / abs(u).squareRoot(), fuu = -25 / (abs(u) * abs(u).squareRoot())
        let ux = -0.02 * p[0]
        return [fuu * ux * ux - 0.02 * fu, fuu * ux, fuu * ux, fuu]
    }

    /// sign(t) with sign(0) = 0.
    private static func sign(_ t: Double) -> Double { t > 0 ? 1 : (t < 0 ? -1 : 0) }
}
