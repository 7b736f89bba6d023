// Latin hypercube sampling (McKay, Beckman & Conover 1979, Technometrics 21, 239-245).
import SobolevCore

/// n points in [0, 1)^d such that, in every dimension, each of the n strata [k/n, (k+1)/n)
/// holds exactly one point: x_ij = (pi_j(i) + U_ij) / n with an independent random
/// permutation pi_j per dimension and U_ij uniform in [0, 1) (random position within the stratum).
enum LatinHypercube {
    static func points(count n: Int, dimension d: Int, rng: inout SeededRNG) -> Matrix {
        var points = Matrix(rows: n, cols: d)
        let belowOne = Double(1).nextDown
        for j in 0..<d {
            let strata = rng.permutation(n)
            for i in 0..<n {
                // Rounding of (n - 1 + U) may reach n; stay inside [0, 1).
                points[i, j] = min((Double(strata[i]) + rng.uniform()) / Double(n), belowOne)
            }
        }
        return points
    }
}
