// Newton-Raphson: quadratic convergence, small-load limit of St Venant-Kirchhoff, the
// residual history and the errors.
import Foundation
import Testing
@testable import SobolevFE

@Suite("Newton-Raphson and errors")
struct NewtonTests {
    /// Quadratic convergence of the residual norms r_k of the last load step. The first
    /// correction of a step rotates the section with a linearised (stretching) increment, so
    /// r_1 spikes; from the spike down to the floating-point floor (~1e-10 ||F||) lie the
    /// asymptotic iterates. There r_{k+1} <= C r_k^2 with one modest C (a linearly convergent
    /// sequence would need C ~ q / r_k, growing without bound), and the order estimate
    /// log(r_{k+1} / r_k) / log(r_k / r_{k-1}) of the last clean triple is about 2.
    @Test("quadratic convergence in the last load step")
    func quadraticConvergence() throws {
        var model = coarseModel(.stVenantKirchhoff, tolerance: 0)
        model.load = [0, -4]
        model.loadSteps = 10
        let solution = try model.solve(design: [1.5, 0.15], withSensitivities: false)
        let history = solution.newtonResidualHistory.last!
        let floor = history.min()!
        let spike = history.indices.max { history[$0] < history[$1] }!
        let r = history[spike...].filter { $0 > 1e3 * floor }
        #expect(r.count >= 3, "history \(history)")
        guard r.count >= 3 else { return }
        let constants = (1..<r.count).map { r[$0] / (r[$0 - 1] * r[$0 - 1]) }
        #expect(constants.allSatisfy { $0 < 0.2 }, "C_k \(constants), history \(history)")
        let n = r.count
        let newer: Double = log(r[n - 1] / r[n - 2]), older: Double = log(r[n - 2] / r[n - 3])
        let order = newer / older
        #expect(order > 1.8 && order < 2.5, "order \(order), history \(history)")
        #expect(history.count <= 8)
        #expect(solution.newtonResidualHistory.count == 10)
        #expect(solution.iterations == solution.newtonResidualHistory.map { $0.count - 1 }.reduce(0, +))
    }

    @Test("St Venant-Kirchhoff reduces to linear elasticity for small loads")
    func smallLoadLimit() throws {
        for design in [[0.9, 0.3], [1.45, 0.16]] {
            var svk = coarseModel(.stVenantKirchhoff, tolerance: 0)
            svk.load = [0, -2e-6]
            var lin = svk
            lin.material = .linearElastic
            let a = try svk.solve(design: design), b = try lin.solve(design: design)
            #expect(relativeError(a.tipDisplacement, b.tipDisplacement) < 1e-4)
            #expect(relativeError(a.tipSensitivities, b.tipSensitivities) < 1e-4)
            // And at the nominal load the models differ visibly (geometric nonlinearity).
            svk.load = [0, -2]; lin.load = [0, -2]
            let c = try svk.solve(design: design, withSensitivities: false)
            let d = try lin.solve(design: design, withSensitivities: false)
            #expect(relativeError(c.tipDisplacement, d.tipDisplacement) > 1e-3)
        }
    }

    @Test("linear model: one load step, converged after one correction")
    func linearSolve() throws {
        let solution = try HookModel(material: .linearElastic).solve(design: HookModel.nominalDesign)
        #expect(solution.newtonResidualHistory.count == 1)
        #expect(solution.iterations <= 2)
        #expect(solution.tipDisplacement[1] < 0)
        #expect(solution.displacements.count == 2 * 129 * 5)
        #expect(solution.displacementSensitivities.count == 2)
    }

    @Test("design outside the domain names the parameter",
          arguments: [([2.0, 0.25], "bend_radius"), ([1.0, 0.1], "thickness"), ([Double.nan, 0.2], "bend_radius")])
    func outsideDomain(design: [Double], name: String) {
        do {
            _ = try HookModel().solve(design: design)
            Issue.record("expected an error for \(design)")
        } catch let error as HookError {
            guard case .designOutsideDomain(let parameter, _, _) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(parameter == name)
            #expect(error.description.contains(name))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("other errors: dimension, Newton budget, settings")
    func otherErrors() {
        #expect(throws: HookError.wrongDesignDimension(expected: 2, got: 3)) {
            try HookModel().evaluate(design: [1, 0.2, 3])
        }
        var starved = coarseModel(.stVenantKirchhoff)
        starved.maxIterations = 1
        #expect {
            try starved.solve(design: [1.5, 0.15])
        } throws: { error in
            guard case .newtonNotConverged(loadStep: 1, iterations: 1, _)? = error as? HookError else { return false }
            return (error as! HookError).description.contains("load step 1")
        }
        var bad = HookModel()
        bad.loadSteps = 0
        #expect(throws: HookError.self) { try bad.solve(design: HookModel.nominalDesign) }
    }
}
