// Shared helpers of the finite-element tests: error measures and small fixtures.
@testable import SobolevFE

/// max_k |a_k - b_k| / max_k |b_k|: a norm-wise relative error.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let num = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    let den = max(b.map { abs($0) }.max() ?? 0, 1e-300)
    return num / den
}

/// A model on a coarse hook mesh (32 x 2 = 64 elements) for tests about the method.
func coarseModel(_ material: HookMaterial, tolerance: Double = 1e-9) -> HookModel {
    HookModel(material: material, tolerance: tolerance, absoluteTolerance: 0,
              elementsAlong: 32, elementsThrough: 2)
}

/// The plane-stress element of a model.
func element(of model: HookModel) -> QuadElement {
    QuadElement(material: PlaneStressMaterial(kind: model.material, youngsModulus: model.youngsModulus,
                                              poissonRatio: model.poissonRatio),
                thickness: model.outOfPlaneThickness)
}

/// A distorted element with a displacement that includes a finite rotation and stretch.
func distortedElement(displacementScale s: Double) -> ElementNodes {
    ElementNodes(x: SIMD4(0.0, 1.1, 1.25, -0.1), y: SIMD4(0.0, 0.15, 0.9, 1.0),
                 ux: s * SIMD4(0.0, -0.05, -0.32, -0.27), uy: s * SIMD4(0.0, 0.21, 0.17, -0.06))
}

/// Flattens the element displacements to the dof order (ux0, uy0, ux1, ...).
func elementDisplacements(_ e: ElementNodes) -> [Double] {
    (0..<4).flatMap { [e.ux[$0], e.uy[$0]] }
}

/// Sets the element displacements from the dof order (ux0, uy0, ux1, ...).
func withDisplacements(_ e: ElementNodes, _ u: [Double]) -> ElementNodes {
    var out = e
    for a in 0..<4 { out.ux[a] = u[2 * a]; out.uy[a] = u[2 * a + 1] }
    return out
}
