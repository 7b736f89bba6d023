// Sobol's sequence (I. M. Sobol 1967, USSR Comput. Math. Math. Phys. 7, 86-112) in the gray-code
// order of Antonov & Saleev (1979), with the direction numbers of Joe & Kuo (2008) and an
// optional random digital shift.
import SobolevCore

/// The Sobol points as 32-bit binary fractions. With direction numbers v_{j,k} (k = 1..32) of
/// dimension j, point i has coordinate
///
///     x_{i,j} = g_1 v_{j,1} XOR g_2 v_{j,2} XOR ...,   g = i XOR (i >> 1) (the gray code of i),
///
/// computed incrementally: x_{i} = x_{i-1} XOR v_c, c the position of the lowest zero bit of
/// i - 1. A digital shift XORs every point with one random 32-bit word per dimension.
struct SobolSequence {
    static let bits = 32
    /// directions[j][k] = v_{j,k+1} as a 32-bit integer (m_k shifted to bit 31 - k).
    let directions: [[UInt32]]
    /// Digital shift per dimension (zeros: unshifted).
    var shift: [UInt32]

    init(dimension: Int) {
        precondition(dimension <= SobolDirectionNumbers.maximumDimension,
                     "Sobol sampler supports up to \(SobolDirectionNumbers.maximumDimension) dimensions")
        directions = (0..<dimension).map { SobolSequence.directions(dimension: $0) }
        shift = Array(repeating: 0, count: dimension)
    }

    init(dimension: Int, rng: inout SeededRNG) {
        self.init(dimension: dimension)
        shift = (0..<dimension).map { _ in UInt32(truncatingIfNeeded: rng.next() >> 32) }
    }

    /// Points with indices 0..<count, one per row.
    func points(count: Int) -> Matrix {
        precondition(UInt64(count) <= UInt64(1) << UInt64(SobolSequence.bits), "too many Sobol points")
        let d = directions.count
        var points = Matrix(rows: count, cols: d)
        var state = [UInt32](repeating: 0, count: d)
        let scale = 1.0 / 4_294_967_296.0  // 2^-32
        for i in 0..<count {
            if i > 0 {
                let c = (~UInt64(i - 1)).trailingZeroBitCount
                for j in 0..<d { state[j] ^= directions[j][c] }
            }
            for j in 0..<d { points[i, j] = Double(state[j] ^ shift[j]) * scale }
        }
        return points
    }

    /// The 32 direction integers of dimension `j` (0-based; dimension 0 is van der Corput's
    /// sequence in base 2, all m_k = 1). From Joe & Kuo's primitive polynomial of degree s with
    /// inner coefficients a and initial m_1..m_s, the rest follow the recurrence
    ///
    ///     v_k = v_{k-s} XOR (v_{k-s} >> s) XOR a_1 v_{k-1} XOR ... XOR a_{s-1} v_{k-s+1},
    ///
    /// a_1 the most significant of the s - 1 bits of a.
    static func directions(dimension j: Int) -> [UInt32] {
        var v = [UInt32](repeating: 0, count: bits)
        if j == 0 {
            for k in 0..<bits { v[k] = UInt32(1) << UInt32(bits - 1 - k) }
            return v
        }
        let entry = SobolDirectionNumbers.table[j - 1]
        let s = entry.degree, a = entry.coefficients
        for k in 0..<min(s, bits) { v[k] = entry.initialNumbers[k] << UInt32(bits - 1 - k) }
        if s < bits {
            for k in s..<bits {
                v[k] = v[k - s] ^ (v[k - s] >> UInt32(s))
                for l in 1..<s where (a >> (s - 1 - l)) & 1 == 1 { v[k] ^= v[k - l] }
            }
        }
        return v
    }
}
