// The public face of the hook benchmark: configuration, design domain, solve and evaluate.
// Problem after Kilicsoy et al. (2024), "Sobolev Neural Network With Residual Weighting as a
// Surrogate in Linear and Non-Linear Mechanics", IEEE Access 12: a 2D hook with two geometric
// design parameters, 512 bilinear quadrilaterals, plane stress, static, St Venant-Kirchhoff.

/// Constitutive law of the hook (both in plane stress, see `PlaneStressMaterial`).
public enum HookMaterial: String, Sendable, Hashable, CaseIterable {
    /// Small-strain Hooke's law, sigma = C : sym(grad u). The equilibrium is linear in u,
    /// so it is solved in a single load step (one Newton correction is exact).
    case linearElastic
    /// St Venant-Kirchhoff in the total Lagrangian form: E = 1/2 (F^T F - I), S = C : E.
    /// Large rotations, small strains; solved by Newton-Raphson with load stepping.
    case stVenantKirchhoff
}

/// The hook problem: geometry (up to the two design parameters), mesh size, material,
/// tip load and Newton settings. Units are consistent mm / N / MPa (see docs/hook.md).
///
/// Design vector p = [bend_radius R, thickness t]: R is the radius of the centre line of the
/// semicircular bend, t the width of the section in the plane. The shank (length
/// `shankLength`) is clamped at its far end; the total force `load` acts on the tip edge.
public struct HookModel: Sendable, Hashable {
    public var material: HookMaterial
    /// E in MPa.
    public var youngsModulus: Double
    /// Poisson's ratio nu (plane stress).
    public var poissonRatio: Double
    /// Out-of-plane thickness b in mm (multiplies every element volume).
    public var outOfPlaneThickness: Double
    /// Total tip force [Fx, Fy] in N, spread over the tip-edge nodes as the consistent nodal
    /// forces of a uniform traction. Dead load: it does not depend on the design.
    public var load: [Double]
    /// Number of equal load increments for St Venant-Kirchhoff (the linear model uses one).
    public var loadSteps: Int
    /// Relative residual tolerance: converged when ||R|| <= max(tolerance * ||lambda F||,
    /// absoluteTolerance), F the nodal load vector. The residual floor in double precision is
    /// about 1e-10 ||F||, so a step also ends once the Newton correction is below 1e-12 ||u||;
    /// `tolerance: 0` therefore means "iterate to machine precision".
    public var tolerance: Double
    /// Absolute residual tolerance in N.
    public var absoluteTolerance: Double
    /// Newton iterations allowed per load step.
    public var maxIterations: Int
    /// Length of the straight shank in mm (fixed, not a design parameter).
    public var shankLength: Double
    /// Elements along the centre line; a quarter of them on the shank, the rest on the bend.
    public var elementsAlong: Int
    /// Elements across the section.
    public var elementsThrough: Int

    /// Names of the design parameters, in the order of the design vector.
    public static let designNames = ["bend_radius", "thickness"]
    /// Admissible design box in mm: R in [0.8, 1.5], t in [0.15, 0.35] (t/R <= 0.44, so the
    /// inner radius R - t/2 stays positive and the bend stays a curved beam).
    public static let designDomain: [ClosedRange<Double>] = [0.8...1.5, 0.15...0.35]
    /// Centre of the design box.
    public static let nominalDesign: [Double] = [1.15, 0.25]

    /// Defaults: steel-like E = 210000 MPa, nu = 0.3, b = 1 mm, a 2 N downward tip force (-y),
    /// 5 load steps, 128 x 4 = 512 elements.
    public init(material: HookMaterial = .stVenantKirchhoff,
                youngsModulus: Double = 210_000,
                poissonRatio: Double = 0.3,
                outOfPlaneThickness: Double = 1,
                load: [Double] = [0, -2],
                loadSteps: Int = 5,
                tolerance: Double = 1e-9,
                absoluteTolerance: Double = 1e-12,
                maxIterations: Int = 25,
                shankLength: Double = 2,
                elementsAlong: Int = 128,
                elementsThrough: Int = 4) {
        self.material = material
        self.youngsModulus = youngsModulus
        self.poissonRatio = poissonRatio
        self.outOfPlaneThickness = outOfPlaneThickness
        self.load = load
        self.loadSteps = loadSteps
        self.tolerance = tolerance
        self.absoluteTolerance = absoluteTolerance
        self.maxIterations = maxIterations
        self.shankLength = shankLength
        self.elementsAlong = elementsAlong
        self.elementsThrough = elementsThrough
    }

    /// The structured mesh of the hook for design p = [R, t], with analytic dX/dp.
    public func mesh(design: [Double]) -> HookMesh {
        precondition(design.count == 2, "the hook design vector is [bend_radius, thickness]")
        return HookGeometry(shankLength: shankLength, elementsAlong: elementsAlong,
                            elementsThrough: elementsThrough)
            .mesh(bendRadius: design[0], thickness: design[1])
    }

    /// Static equilibrium for design p; with `withSensitivities` also du/dp by direct
    /// differentiation (one solve with the converged tangent per parameter).
    public func solve(design: [Double], withSensitivities: Bool = true) throws -> HookSolution {
        try checkSettings()
        try Self.checkDesign(design)
        return try solveStatic(mesh: mesh(design: design), model: self,
                               withSensitivities: withSensitivities)
    }

    /// Surrogate-training form: values = tip displacement [ux, uy] (mm) and jacobian = the
    /// 2 x 2 row-major d u_o / d p_j (entry o * 2 + j).
    public func evaluate(design: [Double]) throws -> (values: [Double], jacobian: [Double]) {
        let solution = try solve(design: design, withSensitivities: true)
        return (solution.tipDisplacement, solution.tipSensitivities)
    }

    /// Rejects designs of the wrong length or outside `designDomain` (NaN included).
    static func checkDesign(_ design: [Double]) throws {
        guard design.count == designNames.count else {
            throw HookError.wrongDesignDimension(expected: designNames.count, got: design.count)
        }
        for (j, value) in design.enumerated() where !designDomain[j].contains(value) {
            throw HookError.designOutsideDomain(parameter: designNames[j], value: value,
                                                domain: designDomain[j])
        }
    }

    /// Rejects settings the discretisation or the solver cannot work with.
    func checkSettings() throws {
        func require(_ ok: Bool, _ reason: String) throws {
            if !ok { throw HookError.invalidModel(reason: reason) }
        }
        try require(elementsAlong >= 4, "elementsAlong must be at least 4 (a quarter lies on the shank)")
        try require(elementsThrough >= 1, "elementsThrough must be at least 1")
        try require(load.count == 2 && load.allSatisfy(\.isFinite), "load must be a finite [Fx, Fy]")
        try require(loadSteps >= 1, "loadSteps must be at least 1")
        try require(maxIterations >= 1, "maxIterations must be at least 1")
        try require(youngsModulus > 0 && youngsModulus.isFinite, "youngsModulus must be positive")
        try require(poissonRatio > -1 && poissonRatio < 0.5, "poissonRatio must lie in (-1, 0.5)")
        try require(outOfPlaneThickness > 0 && outOfPlaneThickness.isFinite, "outOfPlaneThickness must be positive")
        try require(shankLength > 0 && shankLength.isFinite, "shankLength must be positive")
        try require(tolerance >= 0 && absoluteTolerance >= 0, "tolerances must be non-negative")
    }
}
