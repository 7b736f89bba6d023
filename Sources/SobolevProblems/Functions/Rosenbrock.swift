// Rosenbrock's valley (Rosenbrock 1960), one of the test functions of Czarnecki et al. 2017,
// "Sobolev Training for Neural Networks" (form of Surjanovic & Bingham's library of optimization
// test functions).
import SobolevCore

/// Rosenbrock's function in d >= 2 dimensions (d = 2 by default):
///
///     f(x) = sum_{i=1}^{d-1} [100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2]
///     df/dx_i = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i)   [i < d]
///               + 200 (x_i - x_{i-1}^2)                     [i > 1]
///     Hessian tridiagonal (see `hessian(at:)`)
///
/// Global minimum f = 0 at (1, ..., 1).
///
/// Domain: the usual evaluation box [-5, 10]^d of Surjanovic & Bingham's library is the
/// default. The plotting box [-2, 2] x [-1, 3] (the banana-shaped valley fills it) can be
/// passed as `domain`.
public struct Rosenbrock: AnalyticFunction {
    public let dimension: Int
    public let domain: [ClosedRange<Double>]

    public init(dimension: Int = 2, domain: [ClosedRange<Double>]? = nil) {
        precondition(dimension >= 2, "Rosenbrock needs dimension >= 2")
        precondition(domain == nil || domain!.count == dimension, "Rosenbrock domain must have one range per dimension")
        self.dimension = dimension
        self.domain = domain ?? Array(repeating: -5.0...10.0, count: dimension)
    }

    public var name: String { "rosenbrock" }
    public var inputDimension: Int { dimension }
    public var outputDimension: Int { 1 }

    public func values(at x: [Double]) -> [Double] {
        var f = 0.0
        for i in 0..<(dimension - 1) {
            let valley = x[i + 1] - x[i] * x[i], offset = 1 - x[i]
            f += 100 * valley * valley + offset * offset
        }
        return [f]
    }

    public func jacobian(at x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: dimension)
        for i in 0..<(dimension - 1) {
            let valley = x[i + 1] - x[i] * x[i]
            g[i] += -400 * x[i] * valley - 2 * (1 - x[i])
            g[i + 1] += 200 * valley
        }
        return g
    }

    /// Tridiagonal: each pair (i, i + 1) adds 1200 x_i^2 - 400 x_{i+1} + 2 to H_ii,
    /// -400 x_i to H_{i,i+1} and H_{i+1,i}, and 200 to H_{i+1,i+1}.
    public func hessian(at x: [Double]) -> [Double] {
        let n = dimension
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<(n - 1) {
            h[i * n + i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2
            h[i * n + i + 1] -= 400 * x[i]
            h[(i + 1) * n + i] -= 400 * x[i]
            h[(i + 1) * n + i + 1] += 200
        }
        return h
    }
}
