// The element code on a straight cantilever against Timoshenko beam theory under mesh
// refinement (L / H = 10, end shear P, plane stress).
import Testing
@testable import SobolevFE

@Suite("Straight cantilever against beam theory")
struct BeamReferenceTests {
    @Test("tip deflection converges to P L^3 / (3 E I) + P L / (kappa G A)")
    func refinement() throws {
        let model = HookModel(material: .linearElastic, load: [0, -1])
        var errors: [Double] = []
        for (along, through) in [(10, 1), (20, 2), (40, 4), (80, 8)] {
            let beam = StraightCantilever(length: 1, depth: 0.1, elementsAlong: along, elementsThrough: through)
            let tip = try beam.solve(model: model).tipDisplacement[1]
            let reference = -beam.timoshenkoDeflection(model: model, force: 1)
            errors.append(abs(tip - reference) / abs(reference))
        }
        #expect(zip(errors, errors.dropFirst()).allSatisfy { $1 < $0 }, "errors \(errors)")
        #expect(errors.last! < 0.03, "errors \(errors)")
    }

    @Test("St Venant-Kirchhoff cantilever: linear for small loads, softer tip ux for large")
    func nonlinearCantilever() throws {
        let beam = StraightCantilever(length: 1, depth: 0.1, elementsAlong: 20, elementsThrough: 2)
        let small = HookModel(material: .stVenantKirchhoff, load: [0, -1e-6], tolerance: 0, absoluteTolerance: 0)
        var linear = small
        linear.material = .linearElastic
        let a = try beam.solve(model: small).tipDisplacement, b = try beam.solve(model: linear).tipDisplacement
        #expect(abs(a[1] - b[1]) < 1e-6 * abs(b[1]))
        // Large deflection: the tip moves back towards the clamp (ux < 0), which the
        // linear model cannot show.
        let large = HookModel(material: .stVenantKirchhoff, load: [0, -10], loadSteps: 5)
        let tip = try beam.solve(model: large).tipDisplacement
        #expect(tip[0] < -0.01 && tip[1] < -0.1)
    }
}
