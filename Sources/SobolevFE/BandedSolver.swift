// Banded direct solvers for the reduced stiffness: Cholesky for the symmetric positive
// definite case, banded LU with partial pivoting as the fallback (e.g. Golub & Van Loan,
// "Matrix Computations", 4.3 band Cholesky and 4.3.5 band LU with pivoting, as in LAPACK
// dpbtrf / dgbtrf). Cost n b^2 / 2 for half-bandwidth b.

/// Symmetric band matrix, lower triangle stored by rows: entry (i, j), i - b <= j <= i, at
/// values[i * (b + 1) + b - (i - j)], so row i's band is contiguous and ends on the diagonal.
struct SymmetricBandMatrix: Sendable {
    let n: Int
    let halfBandwidth: Int
    var values: [Double]

    init(n: Int, halfBandwidth b: Int) {
        self.n = n
        self.halfBandwidth = b
        values = [Double](repeating: 0, count: n * (b + 1))
    }

    subscript(i: Int, j: Int) -> Double {
        let (r, c) = i >= j ? (i, j) : (j, i)
        guard r - c <= halfBandwidth else { return 0 }
        return values[r * (halfBandwidth + 1) + halfBandwidth - (r - c)]
    }

    mutating func setZero() {
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// y = A x (for residual checks in tests).
    func multiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in max(0, i - halfBandwidth)...i {
                let a = self[i, j]
                y[i] += a * x[j]
                if j != i { y[j] += a * x[i] }
            }
        }
        return y
    }
}

/// A factorised band matrix, ready for any number of right-hand sides.
enum BandFactorization: Sendable {
    /// A = L L^T with L in the same storage as the matrix.
    case cholesky(SymmetricBandMatrix)
    /// P A = L U from `PivotedBandLU`.
    case lu(PivotedBandLU)

    /// Both factorisations failed: Cholesky met a non-positive pivot at `choleskyEquation`
    /// and the pivoted LU fallback an exactly zero pivot column (singular matrix).
    struct Failure: Error {
        let choleskyEquation: Int
    }

    /// Cholesky first; if a pivot is not positive, banded LU with partial pivoting.
    static func factorize(_ a: SymmetricBandMatrix) throws(Failure) -> (BandFactorization, choleskyFailedAt: Int?) {
        var l = a
        if let bad = choleskyInPlace(&l) {
            guard let lu = PivotedBandLU(a) else { throw Failure(choleskyEquation: bad) }
            return (.lu(lu), bad)
        }
        return (.cholesky(l), nil)
    }

    func solve(_ rhs: [Double]) -> [Double] {
        switch self {
        case .cholesky(let l): return Self.choleskySolve(l, rhs)
        case .lu(let lu): return lu.solve(rhs)
        }
    }

    /// Row-oriented band Cholesky in place; returns the first equation whose pivot is not
    /// positive (relative to its diagonal), nil on success.
    static func choleskyInPlace(_ a: inout SymmetricBandMatrix) -> Int? {
        let n = a.n, b = a.halfBandwidth, w = b + 1
        return a.values.withUnsafeMutableBufferPointer { v -> Int? in
            for i in 0..<n {
                let ri = i * w + b - i          // v[ri + j] is L(i, j)
                let j0 = max(0, i - b)
                for j in j0...i {
                    let rj = j * w + b - j
                    var s = v[ri + j]
                    let k0 = max(j0, j - b)
                    var k = k0
                    while k < j { s -= v[ri + k] * v[rj + k]; k += 1 }
                    if j < i {
                        v[ri + j] = s / v[rj + j]
                    } else {
                        let diagonal = v[ri + i]
                        guard s > 1e-13 * abs(diagonal), s.isFinite else { return i }
                        v[ri + i] = s.squareRoot()
                    }
                }
            }
            return nil
        }
    }

    /// Forward (L y = r) and backward (L^T x = y) substitution.
    static func choleskySolve(_ l: SymmetricBandMatrix, _ rhs: [Double]) -> [Double] {
        let n = l.n, b = l.halfBandwidth, w = b + 1
        var x = rhs
        l.values.withUnsafeBufferPointer { v in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<n {
                    let ri = i * w + b - i
                    var s = x[i]
                    for k in max(0, i - b)..<i { s -= v[ri + k] * x[k] }
                    x[i] = s / v[ri + i]
                }
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let ri = i * w + b - i
                    x[i] /= v[ri + i]
                    let xi = x[i]
                    for k in max(0, i - b)..<i { x[k] -= v[ri + k] * xi }
                }
            }
        }
        return x
    }
}

/// Banded LU with partial pivoting of a (symmetric-band) matrix. Row interchanges widen the
/// upper band of U to 2b, so each row stores columns i - b ... i + 2b.
struct PivotedBandLU: Sendable {
    let n: Int
    let lower: Int          // b
    let upper: Int          // 2b after fill-in
    var values: [Double]    // (i, j) at i * width + (j - i + lower)
    var pivots: [Int]

    var width: Int { lower + upper + 1 }

    /// Returns nil if an exactly zero pivot column is met (singular matrix).
    init?(_ a: SymmetricBandMatrix) {
        n = a.n
        lower = a.halfBandwidth
        upper = 2 * a.halfBandwidth
        let w = lower + upper + 1, kl = lower, ku = upper, n = self.n
        var v = [Double](repeating: 0, count: n * w)
        for i in 0..<n {
            for j in max(0, i - kl)...min(n - 1, i + kl) { v[i * w + j - i + kl] = a[i, j] }
        }
        var piv = [Int](repeating: 0, count: n)
        let ok = v.withUnsafeMutableBufferPointer { v -> Bool in
            func at(_ i: Int, _ j: Int) -> Int { i * w + j - i + kl }
            for k in 0..<n {
                let last = min(n - 1, k + kl)
                var p = k, best = abs(v[at(k, k)])
                for i in (k + 1)..<(last + 1) where abs(v[at(i, k)]) > best { p = i; best = abs(v[at(i, k)]) }
                piv[k] = p
                guard best > 0, best.isFinite else { return false }
                let right = min(n - 1, k + ku)
                if p != k {
                    for j in k...right { v.swapAt(at(k, j), at(p, j)) }
                }
                let pivot = v[at(k, k)]
                for i in (k + 1)..<(last + 1) {
                    let m = v[at(i, k)] / pivot
                    v[at(i, k)] = m
                    if m == 0 { continue }
                    for j in (k + 1)..<(right + 1) { v[at(i, j)] -= m * v[at(k, j)] }
                }
            }
            return true
        }
        guard ok else { return nil }
        values = v
        pivots = piv
    }

    func solve(_ rhs: [Double]) -> [Double] {
        var x = rhs
        let w = width, kl = lower
        func at(_ i: Int, _ j: Int) -> Int { i * w + j - i + kl }
        // Apply P and L (unit lower) in elimination order, then back-substitute U.
        for k in 0..<n {
            if pivots[k] != k { x.swapAt(k, pivots[k]) }
            for i in (k + 1)..<(min(n - 1, k + kl) + 1) { x[i] -= values[at(i, k)] * x[k] }
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for j in (i + 1)..<(min(n - 1, i + upper) + 1) { s -= values[at(i, j)] * x[j] }
            x[i] = s / values[at(i, i)]
        }
        return x
    }
}
