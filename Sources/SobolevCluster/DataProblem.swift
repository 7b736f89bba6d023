// What `sobolev data` samples: an analytic problem (exact values, Jacobian and Hessian) or the 2D hook
// finite-element model (tip displacement and its design sensitivities).
import SobolevFE
import SobolevProblems
import SobolevStore
import SobolevHDF5

/// A function of the inputs with its Jacobian, its domain, and what the data file says about it.
public struct DataProblem: Sendable {
    public let name: String
    public let domain: [ClosedRange<Double>]
    public let inputNames: [String]
    public let outputNames: [String]
    /// Problem settings that change the numbers (part of the chunk signature), e.g. the material.
    public let settings: String
    /// Values (m) and row-major Jacobian (m x d) at one input; throws when a solve fails.
    let evaluate: @Sendable ([Double]) throws -> (values: [Double], jacobian: [Double])
    /// Row-major Hessians (m x d x d) at one input, for problems that have them (nil: the hook).
    let hessian: (@Sendable ([Double]) -> [Double])?
    /// Writes the model's constants as root attributes of the data file.
    let writeAttributes: @Sendable (H5Group) throws -> Void

    public var inputDimension: Int { domain.count }
    public var outputDimension: Int { outputNames.count }

    /// Names accepted as PROBLEM.
    public static var names: [String] { ProblemCatalog.names + ["hook"] }

    /// An analytic problem of the catalog; `settings` e.g. "dimension=8" when not the default.
    public static func analytic(_ f: any AnalyticFunction, settings: String = "") -> DataProblem {
        DataProblem(name: f.name, domain: f.domain,
                    inputNames: (0..<f.inputDimension).map { "x\($0)" },
                    outputNames: (0..<f.outputDimension).map { "y\($0)" },
                    settings: settings,
                    evaluate: { x in (f.values(at: x), f.jacobian(at: x)) },
                    hessian: { x in f.hessian(at: x) },
                    writeAttributes: { _ in })
    }

    /// The hook: inputs the design [bend_radius, thickness], outputs the tip displacement
    /// [ux, uy] (mm), Jacobian the 2 x 2 design sensitivities.
    public static func hook(_ model: HookModel) -> DataProblem {
        DataProblem(name: "hook", domain: HookModel.designDomain,
                    inputNames: HookModel.designNames, outputNames: ["ux", "uy"],
                    settings: "material=\(materialName(model.material)) load_steps=\(model.loadSteps) max_iterations=\(model.maxIterations)",
                    evaluate: { p in try model.evaluate(design: p) },
                    hessian: nil,
                    writeAttributes: { g in
                        try g.setAttribute("material", materialName(model.material))
                        try g.setAttribute("units", "mm, N, MPa")
                        try g.setAttribute("youngs_modulus", model.youngsModulus)
                        try g.setAttribute("poisson_ratio", model.poissonRatio)
                        try g.setAttribute("out_of_plane_thickness", model.outOfPlaneThickness)
                        try g.setAttribute("tip_load", model.load)
                        try g.setAttribute("load_steps", model.loadSteps)
                        try g.setAttribute("tolerance", model.tolerance)
                        try g.setAttribute("absolute_tolerance", model.absoluteTolerance)
                        try g.setAttribute("max_iterations", model.maxIterations)
                        try g.setAttribute("shank_length", model.shankLength)
                        try g.setAttribute("elements_along", model.elementsAlong)
                        try g.setAttribute("elements_through", model.elementsThrough)
                    })
    }

    /// The command-line spelling of a hook material.
    public static func materialName(_ m: HookMaterial) -> String {
        switch m {
        case .linearElastic: return "linear"
        case .stVenantKirchhoff: return "svk"
        }
    }

    public static func material(named name: String) -> HookMaterial? {
        HookMaterial.allCases.first { materialName($0) == name }
    }

    /// The input of one sample as "name=value, ..." (for error messages).
    public func describe(_ x: [Double]) -> String {
        zip(inputNames, x).map { "\($0)=\($1)" }.joined(separator: ", ")
    }
}
