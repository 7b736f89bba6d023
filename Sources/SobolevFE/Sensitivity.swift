// Design sensitivities by direct differentiation of the discrete equilibrium
// R(u(p), X(p)) = f_int(u, X(p)) - F = 0  =>  K_T du/dp = -(d f_int / d X) dX/dp
// (e.g. Kleiber et al., "Parameter Sensitivity in Nonlinear Mechanics", 1997; Haftka &
// Gurdal, "Elements of Structural Optimization", 7.2). The load and the clamped dofs do not
// depend on p; dX/dp is analytic (HookGeometry) and d f_e / d X_e is the analytic element
// derivative, so each parameter costs one pseudo-load assembly and one solve with the
// factorised converged tangent.

/// Full-dof du/dp_j for every design parameter of the mesh.
func directSensitivities(assembler: Assembler, state: EquilibriumState, loadStep: Int) throws -> [[Double]] {
    let factors: BandFactorization
    do {
        factors = try BandFactorization.factorize(state.tangent).0
    } catch {
        throw HookError.tangentNotPositiveDefinite(
            loadStep: loadStep, iteration: state.residualHistory.last.map { $0.count - 1 } ?? 0,
            equation: error.choleskyEquation)
    }
    return assembler.designPseudoLoads(state.displacements).map { pseudoLoad in
        let du = factors.solve(pseudoLoad.map { -$0 })
        return assembler.numbering.expand(du)
    }
}

/// Equilibrium plus optional sensitivities on any structured mesh (hook or straight strip).
func solveStatic(mesh: HookMesh, model: HookModel, withSensitivities: Bool) throws -> HookSolution {
    let element = QuadElement(
        material: PlaneStressMaterial(kind: model.material, youngsModulus: model.youngsModulus,
                                      poissonRatio: model.poissonRatio),
        thickness: model.outOfPlaneThickness)
    let assembler = Assembler(mesh: mesh, numbering: DofNumbering(mesh: mesh), element: element)
    let state = try NewtonSolver(assembler: assembler, model: model).solve()
    let sensitivities = withSensitivities
        ? try directSensitivities(assembler: assembler, state: state,
                                  loadStep: state.residualHistory.count)
        : []

    // Tip output: weighted nodal displacement (and its derivative).
    let output = mesh.tipOutputWeights
    func tip(_ v: [Double]) -> [Double] {
        (0..<2).map { c in output.reduce(0) { $0 + $1.weight * v[2 * $1.node + c] } }
    }
    let tipU = tip(state.displacements)
    var tipS: [Double] = []
    if !sensitivities.isEmpty {
        let columns = sensitivities.map(tip)            // columns[j][o] = d u_o / d p_j
        tipS = (0..<2).flatMap { o in columns.map { $0[o] } }
    }
    return HookSolution(tipDisplacement: tipU, tipSensitivities: tipS,
                        displacements: state.displacements,
                        displacementSensitivities: sensitivities,
                        newtonResidualHistory: state.residualHistory,
                        iterations: state.iterations)
}
