// Booth's function, one of the test functions of Czarnecki et al. 2017, "Sobolev Training for
// Neural Networks" (form of Surjanovic & Bingham's library of optimization test functions).
import SobolevCore

/// Booth's function on [-10, 10]^2:
///
///     f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2
///     df/dx = 2 u + 4 v,   df/dy = 4 u + 2 v,   u = x + 2y - 7, v = 2x + y - 5.
///
/// Global minimum f = 0 at (1, 3).
public struct Booth: AnalyticFunction {
    public init() {}
    public var name: String { "booth" }
    public var inputDimension: Int { 2 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-10.0...10.0, -10.0...10.0] }

    public func values(at p: [Double]) -> [Double] {
        let u = p[0] + 2 * p[1] - 7, v = 2 * p[0] + p[1] - 5
        return [u * u + v * v]
    }

    public func jacobian(at p: [Double]) -> [Double] {
        let u = p[0] + 2 * p[1] - 7, v = 2 * p[0] + p[1] - 5
        return [2 * u + 4 * v, 4 * u + 2 * v]
    }

    /// Constant: 2 (grad u grad u^T + grad v grad v^T) = [[10, 8], [8, 10]].
    public func hessian(at p: [Double]) -> [Double] { [10, 8, 8, 10] }
}
