// What a hook solve returns.

/// Converged static state of the hook and its design sensitivities.
///
/// Dof layout: node k has dofs 2k (x) and 2k+1 (y); nodes are numbered across the section
/// first (see `HookMesh`). Displacements in mm, sensitivities in mm per mm of design.
public struct HookSolution: Sendable, Hashable {
    /// [ux, uy] of the tip-edge midpoint (mean of the two central nodes if the edge has an
    /// even number of nodes).
    public var tipDisplacement: [Double]
    /// 2 x 2 row-major: entry o * 2 + j = d tipDisplacement[o] / d design[j].
    /// Empty when solved without sensitivities.
    public var tipSensitivities: [Double]
    /// All nodal displacements, clamped dofs included (as zeros).
    public var displacements: [Double]
    /// One full dof vector du/dp_j per design parameter (empty without sensitivities).
    public var displacementSensitivities: [[Double]]
    /// Residual norms ||R|| (N) of every Newton iterate, one array per load step; the first
    /// entry is the residual at the start of the step, the last the converged one.
    public var newtonResidualHistory: [[Double]]
    /// Total number of Newton corrections (linear solves) over all load steps.
    public var iterations: Int
}
