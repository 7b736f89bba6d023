// The Styblinski-Tang function (Styblinski & Tang 1990), one of the test functions of Czarnecki
// et al. 2017, "Sobolev Training for Neural Networks" (form of Surjanovic & Bingham's library of
// optimization test functions).
import SobolevCore

/// Styblinski-Tang function on [-5, 5]^d (d = 2 by default):
///
///     f(x) = (1/2) sum_i (x_i^4 - 16 x_i^2 + 5 x_i)
///     df/dx_i = (1/2) (4 x_i^3 - 32 x_i + 5),   d2f/dx_i^2 = 6 x_i^2 - 16 (diagonal Hessian)
///
/// Global minimum f = -39.16599 d at x_i = -2.903534 for all i.
public struct StyblinskiTang: AnalyticFunction {
    public let dimension: Int

    public init(dimension: Int = 2) {
        precondition(dimension >= 1, "Styblinski-Tang needs dimension >= 1")
        self.dimension = dimension
    }

    public var name: String { "styblinski_tang" }
    public var inputDimension: Int { dimension }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { Array(repeating: -5.0...5.0, count: dimension) }

    public func values(at x: [Double]) -> [Double] {
        [0.5 * x.reduce(0) { s, t in s + t * t * t * t - 16 * t * t + 5 * t }]
    }

    public func jacobian(at x: [Double]) -> [Double] {
        x.map { t in 0.5 * (4 * t * t * t - 32 * t + 5) }
    }

    /// Diagonal: d^2f/dx_i^2 = 6 x_i^2 - 16.
    public func hessian(at x: [Double]) -> [Double] {
        let n = dimension
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n { h[i * n + i] = 6 * x[i] * x[i] - 16 }
        return h
    }
}
