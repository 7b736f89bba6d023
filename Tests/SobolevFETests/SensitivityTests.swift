// Direct-differentiation sensitivities against central finite differences of full
// nonlinear solves (Newton iterated to machine precision: tolerance 0).
import Testing
@testable import SobolevFE

/// Central differences of the tip displacement and of the whole field, h_j = 1e-5 p_j.
func finiteDifferenceSensitivities(_ model: HookModel, design: [Double]) throws
    -> (tip: [Double], field: [[Double]]) {
    var tip = [Double](repeating: 0, count: 4)
    var field: [[Double]] = []
    for j in 0..<2 {
        let h = 1e-5 * design[j]
        var plus = design, minus = design
        plus[j] += h; minus[j] -= h
        let up = try model.solve(design: plus, withSensitivities: false)
        let um = try model.solve(design: minus, withSensitivities: false)
        for o in 0..<2 { tip[o * 2 + j] = (up.tipDisplacement[o] - um.tipDisplacement[o]) / (2 * h) }
        field.append(zip(up.displacements, um.displacements).map { ($0 - $1) / (2 * h) })
    }
    return (tip, field)
}

/// Relative error of each output row of the 2 x 2 tip Jacobian (rows differ in size).
func rowErrors(_ a: [Double], _ b: [Double]) -> [Double] {
    (0..<2).map { o in relativeError(Array(a[(2 * o)..<(2 * o + 2)]), Array(b[(2 * o)..<(2 * o + 2)])) }
}

@Suite("Design sensitivities by direct differentiation")
struct SensitivityTests {
    static let designs: [[Double]] = [[0.85, 0.2], [1.15, 0.25], [1.4, 0.32], [1.45, 0.17]]

    @Test("coarse mesh, several designs", arguments: HookMaterial.allCases)
    func coarseMesh(material: HookMaterial) throws {
        let model = coarseModel(material, tolerance: 0)
        for design in Self.designs {
            let solution = try model.solve(design: design)
            let fd = try finiteDifferenceSensitivities(model, design: design)
            let rows = rowErrors(solution.tipSensitivities, fd.tip)
            #expect(rows.allSatisfy { $0 < 1e-5 }, "design \(design): tip row errors \(rows)")
            for j in 0..<2 {
                let e = relativeError(solution.displacementSensitivities[j], fd.field[j])
                #expect(e < 1e-5, "design \(design), parameter \(j): field error \(e)")
            }
        }
    }

    @Test("default 512-element mesh", arguments: HookMaterial.allCases)
    func defaultMesh(material: HookMaterial) throws {
        let model = HookModel(material: material, tolerance: 0, absoluteTolerance: 0)
        let design = [1.3, 0.18]
        let solution = try model.solve(design: design)
        #expect(model.mesh(design: design).elementCount == 512)
        let fd = try finiteDifferenceSensitivities(model, design: design)
        let rows = rowErrors(solution.tipSensitivities, fd.tip)
        #expect(rows.allSatisfy { $0 < 1e-5 }, "tip row errors \(rows)")
        // evaluate() is the same numbers in the surrogate layout.
        let (values, jacobian) = try model.evaluate(design: design)
        #expect(values == solution.tipDisplacement && jacobian == solution.tipSensitivities)
    }
}
