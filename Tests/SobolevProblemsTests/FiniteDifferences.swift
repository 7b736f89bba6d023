// Test support: Jacobians by finite differences.
import SobolevCore
import SobolevProblems

/// The Jacobian (m x d, row-major) of f at x by fourth-order central differences,
/// (-f(x + 2h) + 8 f(x + h) - 8 f(x - h) + f(x - 2h)) / (12 h), with step h_j in dimension j.
func finiteDifferenceJacobian(_ f: any AnalyticFunction, at x: [Double], steps: [Double]) -> [Double] {
    let m = f.outputDimension, d = f.inputDimension
    var jacobian = [Double](repeating: 0, count: m * d)
    for j in 0..<d {
        func shifted(_ k: Double) -> [Double] {
            var p = x
            p[j] += k * steps[j]
            return f.values(at: p)
        }
        let p2 = shifted(2), p1 = shifted(1), m1 = shifted(-1), m2 = shifted(-2)
        for o in 0..<m {
            jacobian[o * d + j] = (-p2[o] + 8 * p1[o] - 8 * m1[o] + m2[o]) / (12 * steps[j])
        }
    }
    return jacobian
}

/// max_k |a_k - b_k| / max(max_k |b_k|, 1): the error of `a` relative to the size of `b`.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let scale = max(b.map(abs).max() ?? 0, 1)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
}
