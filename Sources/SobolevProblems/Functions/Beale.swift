// Beale's function, one of the test functions of Czarnecki et al. 2017, "Sobolev Training for
// Neural Networks" (form of Surjanovic & Bingham's library of optimization test functions).
import SobolevCore

/// Beale's function on [-4.5, 4.5]^2:
///
///     f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2
///     df/dx = 2 t1 (y - 1) + 2 t2 (y^2 - 1) + 2 t3 (y^3 - 1)
///     df/dy = 2 t1 x + 4 t2 x y + 6 t3 x y^2,   t1, t2, t3 the three brackets.
///
/// Global minimum f = 0 at (3, 0.5).
public struct Beale: AnalyticFunction {
    public init() {}
    public var name: String { "beale" }
    public var inputDimension: Int { 2 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-4.5...4.5, -4.5...4.5] }

    private func terms(_ x: Double, _ y: Double) -> (Double, Double, Double) {
        (1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y)
    }

    public func values(at p: [Double]) -> [Double] {
        let (t1, t2, t3) = terms(p[0], p[1])
        return [t1 * t1 + t2 * t2 + t3 * t3]
    }

    public func jacobian(at p: [Double]) -> [Double] {
        let x = p[0], y = p[1]
        let (t1, t2, t3) = terms(x, y)
        let dx = 2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y * y * y - 1)
        let dy = 2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y * y
        return [dx, dy]
    }

    /// H = 2 sum_k (grad t_k grad t_k^T + t_k hess t_k), hess t1 = [[0, 1], [1, 0]],
    /// hess t2 = [[0, 2y], [2y, 2x]], hess t3 = [[0, 3y^2], [3y^2, 6xy]].
    public func hessian(at p: [Double]) -> [Double] {
        let x = p[0], y = p[1]
        let (t1, t2, t3) = terms(x, y)
        let grads = [(y - 1, x), (y * y - 1, 2 * x * y), (y * y * y - 1, 3 * x * y * y)]
        let hess = [(0.0, 1.0, 0.0), (0, 2 * y, 2 * x), (0, 3 * y * y, 6 * x * y)]
        var h = [0.0, 0, 0, 0]
        for (k, t) in [t1, t2, t3].enumerated() {
            let (gx, gy) = grads[k], (hxx, hxy, hyy) = hess[k]
            h[0] += 2 * (gx * gx + t * hxx)
            h[1] += 2 * (gx * gy + t * hxy)
            h[3] += 2 * (gy * gy + t * hyy)
        }
        h[2] = h[1]
        return h
    }
}
