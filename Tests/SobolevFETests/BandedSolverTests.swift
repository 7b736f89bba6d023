// The banded Cholesky and its pivoted-LU fallback against the matrix they factorise.
import Testing
@testable import SobolevFE

@Suite("Banded solver")
struct BandedSolverTests {
    /// Deterministic symmetric band matrix with a chosen diagonal shift.
    func bandMatrix(n: Int, b: Int, diagonal: (Int) -> Double) -> SymmetricBandMatrix {
        var a = SymmetricBandMatrix(n: n, halfBandwidth: b)
        for i in 0..<n {
            for j in max(0, i - b)...i {
                let pattern = Double((7 * i + 3 * j) % 11) / 11
                let v: Double = i == j ? diagonal(i) : 0.3 * (pattern - 0.5)
                a.values[i * (b + 1) + b - (i - j)] = v
            }
        }
        return a
    }

    @Test("Cholesky solves a positive definite band system")
    func cholesky() throws {
        let a = bandMatrix(n: 60, b: 7) { 3 + Double($0 % 5) }
        let x = (0..<60).map { Double($0 % 7) - 3 }
        let (factors, failedAt) = try BandFactorization.factorize(a)
        #expect(failedAt == nil)
        #expect(relativeError(factors.solve(a.multiply(x)), x) < 1e-13)
    }

    @Test("indefinite matrix falls back to pivoted banded LU")
    func luFallback() throws {
        // Diagonal entries of both signs and one tiny pivot force row interchanges.
        let a = bandMatrix(n: 50, b: 4) { $0 == 0 ? 1e-14 : ($0 % 3 == 0 ? -2.0 : 1.5) }
        let x = (0..<50).map { 1 + Double($0 % 4) }
        let (factors, failedAt) = try BandFactorization.factorize(a)
        #expect(failedAt != nil)
        if case .cholesky = factors { Issue.record("expected the LU fallback") }
        #expect(relativeError(factors.solve(a.multiply(x)), x) < 1e-10)
    }

    @Test("singular matrix is reported")
    func singular() {
        var a = bandMatrix(n: 10, b: 2) { _ in 1 }
        for j in 0...2 { a.values[5 * 3 + 2 - j] = 0 }     // row 5 and, by symmetry, column 5
        for i in 6...7 { a.values[i * 3 + 2 - (i - 5)] = 0 }
        #expect(throws: BandFactorization.Failure.self) { try BandFactorization.factorize(a) }
    }
}
