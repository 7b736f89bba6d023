// Halton's sequence (J. H. Halton 1960, Numer. Math. 2, 84-90), optionally scrambled by random
// digit permutations (A. B. Owen 2017, "A randomized Halton algorithm in R", arXiv:1706.02808).
import Foundation
import SobolevCore

/// The Halton points x_i = (phi_2(i), phi_3(i), phi_5(i), ...), i = 1, 2, ..., with the radical
/// inverse in base b of i = sum_k d_k b^k:
///
///     phi_b(i) = sum_k d_k b^(-k-1)
///
/// and bases the first d primes. Scrambled: phi_b(i) = sum_{k < K} pi_k(d_k) b^(-k-1) with a
/// random permutation pi_k of 0..<b per dimension and digit position, K digits with b^K >= 2^53.
struct HaltonSequence {
    let bases: [Int]
    /// permutations[j][k] is the digit permutation of dimension j at position k (nil: identity).
    let permutations: [[[Int]]]?

    init(dimension: Int) {
        bases = HaltonSequence.primes(dimension)
        permutations = nil
    }

    init(dimension: Int, rng: inout SeededRNG) {
        bases = HaltonSequence.primes(dimension)
        permutations = bases.map { b in
            (0..<HaltonSequence.digitCount(base: b)).map { _ in rng.permutation(b) }
        }
    }

    /// Points with indices 1...count, one per row.
    func points(count: Int) -> Matrix {
        var points = Matrix(rows: count, cols: bases.count)
        for r in 0..<count {
            for (j, b) in bases.enumerated() {
                points[r, j] = permutations.map { HaltonSequence.scrambledInverse(r + 1, base: b, permutations: $0[j]) }
                    ?? HaltonSequence.radicalInverse(r + 1, base: b)
            }
        }
        return points
    }

    /// phi_b(i).
    static func radicalInverse(_ index: Int, base b: Int) -> Double {
        var i = index, result = 0.0, factor = 1.0 / Double(b)
        while i > 0 {
            result += Double(i % b) * factor
            i /= b
            factor /= Double(b)
        }
        return result
    }

    /// sum_{k < K} pi_k(d_k(i)) b^(-k-1), kept below 1.
    static func scrambledInverse(_ index: Int, base b: Int, permutations: [[Int]]) -> Double {
        var i = index, result = 0.0, factor = 1.0 / Double(b)
        for permutation in permutations {
            result += Double(permutation[i % b]) * factor
            i /= b
            factor /= Double(b)
        }
        return min(result, Double(1).nextDown)
    }

    /// Number of base-b digits that resolve a double: the least K with b^K >= 2^53.
    static func digitCount(base b: Int) -> Int {
        Int((53 * log(2.0) / log(Double(b))).rounded(.up))
    }

    /// The first `count` primes.
    static func primes(_ count: Int) -> [Int] {
        var primes = [Int]()
        var candidate = 2
        while primes.count < count {
            if primes.allSatisfy({ $0 * $0 > candidate || candidate % $0 != 0 }) { primes.append(candidate) }
            candidate += 1
        }
        return primes
    }
}
