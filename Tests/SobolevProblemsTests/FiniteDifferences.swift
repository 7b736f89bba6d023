// Test support: Jacobians and Hessians by finite differences, and test points of a domain.
import SobolevCore
import SobolevProblems

/// The derivative of g (any number of outputs) at x by fourth-order central differences,
/// (-g(x + 2h) + 8 g(x + h) - 8 g(x - h) + g(x - 2h)) / (12 h), with step h_k in dimension k;
/// row-major: entry e * d + k is d g_e / d x_k.
func centralDifference(_ g: ([Double]) -> [Double], at x: [Double], steps: [Double]) -> [Double] {
    let d = x.count
    var derivative = [Double]()
    for k in 0..<d {
        func shifted(_ s: Double) -> [Double] {
            var p = x
            p[k] += s * steps[k]
            return g(p)
        }
        let p2 = shifted(2), p1 = shifted(1), m1 = shifted(-1), m2 = shifted(-2)
        if derivative.isEmpty { derivative = [Double](repeating: 0, count: p1.count * d) }
        for e in p1.indices {
            derivative[e * d + k] = (-p2[e] + 8 * p1[e] - 8 * m1[e] + m2[e]) / (12 * steps[k])
        }
    }
    return derivative
}

/// The Jacobian (m x d, row-major) of f at x by central differences of its values.
func finiteDifferenceJacobian(_ f: any AnalyticFunction, at x: [Double], steps: [Double]) -> [Double] {
    centralDifference(f.values, at: x, steps: steps)
}

/// The Hessians (m x d x d) of f at x by central differences of its exact Jacobian.
func finiteDifferenceHessian(_ f: any AnalyticFunction, at x: [Double], steps: [Double]) -> [Double] {
    centralDifference(f.jacobian, at: x, steps: steps)
}

/// `count` uniform random points of f's domain that `keep` accepts (fewer if too few qualify),
/// and the steps 1e-4 of the domain width per dimension: fourth-order truncation and rounding
/// both stay far below 1e-6 for these smooth functions.
func testPoints(_ f: any AnalyticFunction, count: Int, seed: UInt64,
                keep: ([Double]) -> Bool) -> (points: [[Double]], steps: [Double]) {
    let candidates = Sampler(kind: .uniform, seed: seed).samples(count: 4 * count, domain: f.domain)
    let points = (0..<candidates.rows).map(candidates.row).filter(keep).prefix(count)
    return (Array(points), f.domain.map { 1e-4 * ($0.upperBound - $0.lowerBound) })
}

/// max_k |a_k - b_k| / max(max_k |b_k|, 1): the error of `a` relative to the size of `b`.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let scale = max(b.map(abs).max() ?? 0, 1)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
}
