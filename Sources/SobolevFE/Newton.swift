// Static equilibrium R(u) = f_int(u) - lambda F = 0 by Newton-Raphson with load stepping
// (e.g. Wriggers, "Nonlinear Finite Element Methods", 5.1): per increment lambda_n = n / N,
// iterate K_T(u_k) du = -R(u_k), u_{k+1} = u_k + du until
// ||R|| <= max(tolerance * ||lambda_n F||, absoluteTolerance). The consistent tangent gives
// quadratic convergence near the solution.
// Floating-point floor: ||R|| cannot drop below about 1e-10 ||F|| here (internal forces are
// differences of terms ~E b |u| much larger than F), so a correction ||du|| <=
// roundoffCorrection * ||u|| also ends the step: the iterate is then as accurate as double
// precision allows. The residual is re-evaluated there, so the history always ends with the
// residual of the returned state and the tangent belongs to it.

/// Converged state of one equilibrium solve, with the tangent assembled at that state.
struct EquilibriumState {
    var displacements: [Double]
    var residualHistory: [[Double]]
    var iterations: Int
    /// K_T at the converged displacements (reused by the sensitivity solve).
    var tangent: SymmetricBandMatrix
}

struct NewtonSolver {
    let assembler: Assembler
    let model: HookModel

    /// Relative size of a Newton correction that only moves u by rounding noise (observed
    /// 1e-15 ... 3e-13 on the hook once the residual sits at its floor).
    static let roundoffCorrection = 1e-12

    func solve() throws -> EquilibriumState {
        let numbering = assembler.numbering
        var u = [Double](repeating: 0, count: 2 * assembler.mesh.nodeCount)
        let load = assembler.externalLoad(total: model.load)
        // The linear model is exact after one correction: no load stepping.
        let steps = model.material == .linearElastic ? 1 : model.loadSteps
        var tangent: SymmetricBandMatrix? = SymmetricBandMatrix(n: numbering.freeCount,
                                                                halfBandwidth: numbering.halfBandwidth)
        var history: [[Double]] = []
        var corrections = 0
        for step in 1...steps {
            let lambda = Double(step) / Double(steps)
            let target = max(model.tolerance * lambda * norm(load), model.absoluteTolerance)
            var stepHistory: [Double] = []
            var iteration = 0
            var atRoundoff = false
            while true {
                let fint = assembler.internalForce(u, tangent: &tangent)
                var residual = fint
                for i in residual.indices { residual[i] -= lambda * load[i] }
                let r = norm(residual)
                stepHistory.append(r)
                if r <= target || atRoundoff { break }
                guard iteration < model.maxIterations, r.isFinite else {
                    throw HookError.newtonNotConverged(loadStep: step, iterations: iteration, residual: r)
                }
                let factors: BandFactorization
                do {
                    factors = try BandFactorization.factorize(tangent!).0
                } catch {
                    throw HookError.tangentNotPositiveDefinite(loadStep: step, iteration: iteration,
                                                               equation: error.choleskyEquation)
                }
                let du = factors.solve(residual)
                for (dof, eq) in numbering.equation.enumerated() where eq >= 0 { u[dof] -= du[eq] }
                atRoundoff = norm(du) <= Self.roundoffCorrection * norm(u)
                iteration += 1
                corrections += 1
            }
            history.append(stepHistory)
        }
        return EquilibriumState(displacements: u, residualHistory: history,
                                iterations: corrections, tangent: tangent!)
    }
}

/// Euclidean norm.
func norm(_ v: [Double]) -> Double {
    var s = 0.0
    for x in v { s += x * x }
    return s.squareRoot()
}
