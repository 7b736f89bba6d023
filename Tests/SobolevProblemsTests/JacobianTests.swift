// Every analytic Jacobian against finite differences at random points of the function's domain.
import SobolevCore
import Testing
@testable import SobolevProblems

/// Checks f's Jacobian at `count` uniform random points of its domain that `keep` accepts.
private func checkJacobian(_ f: any AnalyticFunction, count: Int = 25, seed: UInt64 = 7,
                           keep: ([Double]) -> Bool = { _ in true }) {
    let (points, steps) = testPoints(f, count: count, seed: seed, keep: keep)
    for x in points {
        let exact = f.jacobian(at: x)
        let numeric = finiteDifferenceJacobian(f, at: x, steps: steps)
        #expect(exact.count == f.outputDimension * f.inputDimension)
        #expect(relativeError(numeric, exact) < 1e-6, "\(f.name) at \(x): exact \(exact), numeric \(numeric)")
    }
    #expect(points.count == count, "\(f.name): only \(points.count) usable points")
}

@Test("Jacobians match finite differences", arguments: ProblemCatalog.names.filter { $0 != "bukin6" })
func jacobianMatchesFiniteDifferences(name: String) throws {
    let f = try #require(ProblemCatalog.function(named: name))
    checkJacobian(f)
}

@Test func bukinJacobianMatchesFiniteDifferencesAwayFromItsNonSmoothSet() {
    // f is singular on the parabola u = y - 0.01 x^2 = 0 and has a kink on x = -10: keep away.
    let f = Bukin6()
    checkJacobian(f) { x in abs(f.ridge(at: x)) > 0.05 && abs(x[0] + 10) > 0.05 }
}

@Test func bukinJacobianIsZeroOnItsNonSmoothParts() {
    let f = Bukin6()
    #expect(f.jacobian(at: [-10, 1]) == [0, 0])
    // On the parabola only the |x + 10| part remains.
    #expect(f.jacobian(at: [-12, 1.44]) == [-0.01, 0])
    let g = f.jacobian(at: [-10, 2])  // u = 1: df/dx = -x = 10, df/dy = 50
    #expect(abs(g[0] - 10) < 1e-12 && g[1] == 50)
}

@Test func higherDimensionalAndParameterizedJacobiansMatch() {
    checkJacobian(Ackley(dimension: 3))
    checkJacobian(Rosenbrock(dimension: 4))
    checkJacobian(Rosenbrock(domain: [-2...2, -1...3]))
    checkJacobian(StyblinskiTang(dimension: 5))
    checkJacobian(MultiFrequency(frequencies: [2, 7.5], amplitudes: [0.5, 2], phases: [0.3, -1]))
}

@Test func mullerBrownForcesAreTheNegativeGradient() {
    let f = MullerBrown()
    for x in [[-0.3, 0.9], [0.8, 0.1], [-1.2, 1.7]] {
        let g = f.jacobian(at: x), force = f.forces(at: x)
        #expect(force == [-g[0], -g[1]])
        #expect(f.values(at: x) == [f.energy(at: x)])
    }
    // The dataset's derivative target is dE/dx = -F.
    let data = f.dataset(at: Matrix([[-0.3, 0.9]]))
    #expect(data.jacobian(0, 0, 0) == -f.forces(at: [-0.3, 0.9])[0])
}
