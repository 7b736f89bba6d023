// McCormick's function, one of the test functions of Czarnecki et al. 2017, "Sobolev Training for
// Neural Networks" (form of Surjanovic & Bingham's library of optimization test functions).
import Foundation
import SobolevCore

/// McCormick's function on x in [-1.5, 4], y in [-3, 4]:
///
///     f(x, y) = sin(x + y) + (x - y)^2 - 1.5 x + 2.5 y + 1
///     df/dx = cos(x + y) + 2 (x - y) - 1.5,   df/dy = cos(x + y) - 2 (x - y) + 2.5
///
/// Global minimum f = -1.9133 at (-0.54719, -1.54719).
public struct McCormick: AnalyticFunction {
    public init() {}
    public var name: String { "mccormick" }
    public var inputDimension: Int { 2 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-1.5...4.0, -3.0...4.0] }

    public func values(at p: [Double]) -> [Double] {
        let x = p[0], y = p[1]
        return [sin(x + y) + (x - y) * (x - y) - 1.5 * x + 2.5 * y + 1]
    }

    public func jacobian(at p: [Double]) -> [Double] {
        let x = p[0], y = p[1], c = cos(x + y)
        return [c + 2 * (x - y) - 1.5, c - 2 * (x - y) + 2.5]
    }

    /// H = -sin(x + y) [[1, 1], [1, 1]] + [[2, -2], [-2, 2]].
    public func hessian(at p: [Double]) -> [Double] {
        let s = sin(p[0] + p[1])
        return [2 - s, -2 - s, -2 - s, 2 - s]
    }
}
