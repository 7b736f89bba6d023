// Every analytic Hessian against central finite differences of the exact gradient, and symmetric.
import SobolevCore
import Testing
@testable import SobolevProblems

/// Checks f's Hessian at `count` uniform random points of its domain that `keep` accepts.
private func checkHessian(_ f: any AnalyticFunction, count: Int = 25, seed: UInt64 = 11,
                          keep: ([Double]) -> Bool = { _ in true }) {
    let m = f.outputDimension, d = f.inputDimension
    let (points, steps) = testPoints(f, count: count, seed: seed, keep: keep)
    for x in points {
        let exact = f.hessian(at: x)
        #expect(exact.count == m * d * d)
        let numeric = finiteDifferenceHessian(f, at: x, steps: steps)
        #expect(relativeError(numeric, exact) < 1e-6, "\(f.name) at \(x): exact \(exact), numeric \(numeric)")
        for o in 0..<m {
            for j in 0..<d {
                for k in 0..<j {
                    #expect(exact[(o * d + j) * d + k] == exact[(o * d + k) * d + j], "\(f.name): not symmetric at \(x)")
                }
            }
        }
    }
    #expect(points.count == count, "\(f.name): only \(points.count) usable points")
}

@Test("Hessians match finite differences of the gradient and are symmetric",
      arguments: ProblemCatalog.names.filter { $0 != "bukin6" })
func hessianMatchesFiniteDifferences(name: String) throws {
    checkHessian(try #require(ProblemCatalog.function(named: name)))
}

@Test func bukinHessianMatchesAwayFromItsNonSmoothSet() {
    let f = Bukin6()
    checkHessian(f) { x in abs(f.ridge(at: x)) > 0.05 && abs(x[0] + 10) > 0.05 }
    #expect(f.hessian(at: [-12, 1.44]) == [0, 0, 0, 0])
}

@Test func higherDimensionalAndParameterizedHessiansMatch() {
    checkHessian(Ackley(dimension: 3))
    checkHessian(Rosenbrock(dimension: 7))
    checkHessian(Rosenbrock(domain: [-2...2, -1...3]))
    checkHessian(StyblinskiTang(dimension: 9))
    checkHessian(MultiFrequency(frequencies: [2, 7.5], amplitudes: [0.5, 2], phases: [0.3, -1]))
}

@Test("the any-dimension problems take a dimension and keep their formulas")
func anyDimensionProblems() throws {
    for name in ["rosenbrock", "styblinski_tang", "ackley"] {
        let f = try #require(ProblemCatalog.function(named: name, parameters: ["dimension": 12]))
        #expect(f.inputDimension == 12 && f.domain.count == 12)
        checkHessian(f, count: 5)
        #expect(ProblemCatalog.function(named: name, parameters: ["dimension": 1_001]) == nil)
    }
    // Known values: Rosenbrock's minimum at (1, ..., 1), Styblinski-Tang's at -2.903534 in each.
    #expect(Rosenbrock(dimension: 12).values(at: Array(repeating: 1, count: 12)) == [0])
    #expect(Rosenbrock(dimension: 12).jacobian(at: Array(repeating: 1, count: 12)) == Array(repeating: 0, count: 12))
    let st = StyblinskiTang(dimension: 12).values(at: Array(repeating: -2.903534, count: 12))[0]
    #expect(abs(st - -39.16599 * 12) < 1e-2)  // the minimum's 7 digits
    #expect(ProblemCatalog.function(named: "beale", parameters: ["dimension": 3]) == nil)
}
