// Ackley's function (Ackley 1987), one of the test functions of Czarnecki et al. 2017,
// "Sobolev Training for Neural Networks", in the form of Surjanovic & Bingham's library of
// optimization test functions.
import Foundation
import SobolevCore

/// Ackley's function on [-5, 5]^d (d = 2 by default), with a = 20, b = 0.2, c = 2 pi:
///
///     f(x) = -a exp(-b sqrt((1/d) sum_i x_i^2)) - exp((1/d) sum_i cos(c x_i)) + a + e
///     df/dx_i = a b exp(-b r) x_i / (d r) + c sin(c x_i) exp((1/d) sum_k cos(c x_k)) / d,
///     r = sqrt((1/d) sum_i x_i^2).
///
/// Global minimum f = 0 at x = 0. There f has a cone-shaped kink (f ~ a b r): the gradient
/// does not exist at the origin and is returned as 0 (the minimal-norm subgradient).
public struct Ackley: AnalyticFunction {
    public let dimension: Int
    public let a: Double
    public let b: Double
    public let c: Double

    public init(dimension: Int = 2, a: Double = 20, b: Double = 0.2, c: Double = 2 * .pi) {
        precondition(dimension >= 1, "Ackley needs dimension >= 1")
        self.dimension = dimension; self.a = a; self.b = b; self.c = c
    }

    public var name: String { "ackley" }
    public var inputDimension: Int { dimension }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { Array(repeating: -5.0...5.0, count: dimension) }

    public func values(at x: [Double]) -> [Double] {
        let d = Double(dimension)
        let r = (x.reduce(0) { $0 + $1 * $1 } / d).squareRoot()
        let meanCos = x.reduce(0) { $0 + cos(c * $1) } / d
        return [-a * exp(-b * r) - exp(meanCos) + a + M_E]
    }

    public func jacobian(at x: [Double]) -> [Double] {
        let d = Double(dimension)
        let r = (x.reduce(0) { $0 + $1 * $1 } / d).squareRoot()
        let expCos = exp(x.reduce(0) { $0 + cos(c * $1) } / d)
        let radial = r > 0 ? a * b * exp(-b * r) / (d * r) : 0
        return x.map { xi in radial * xi + c * sin(c * xi) * expCos / d }
    }

    /// d^2f/dx_i dx_j = A delta_ij + A'(r) x_i x_j / (d r) + c^2 cos(c x_i) E delta_ij / d
    /// - c^2 sin(c x_i) sin(c x_j) E / d^2, with A(r) = a b exp(-b r) / (d r) and
    /// E = exp((1/d) sum cos(c x_k)); the radial part is 0 at the origin (the kink).
    public func hessian(at x: [Double]) -> [Double] {
        let n = dimension, d = Double(n)
        let r = (x.reduce(0) { $0 + $1 * $1 } / d).squareRoot()
        let expCos = exp(x.reduce(0) { $0 + cos(c * $1) } / d)
        let radial = r > 0 ? a * b * exp(-b * r) / (d * r) : 0
        let radialSlope = r > 0 ? a * b * exp(-b * r) * (-b / r - 1 / (r * r)) / d : 0
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var v = r > 0 ? radialSlope * x[i] * x[j] / (d * r) : 0
                v -= c * c * sin(c * x[i]) * sin(c * x[j]) * expCos / (d * d)
                if i == j { v += radial + c * c * cos(c * x[i]) * expCos / d }
                h[i * n + j] = v
                h[j * n + i] = v  // mirrored: exactly symmetric
            }
        }
        return h
    }
}
