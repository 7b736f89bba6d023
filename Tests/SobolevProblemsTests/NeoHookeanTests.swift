// The compressible Neo-Hookean energy: stress = gradient of W, tangent = Hessian, Voigt conventions.
import Foundation
import SobolevCore
import Testing
@testable import SobolevProblems

private let planeStrain = NeoHookean(kind: .planeStrain)
private let solid = NeoHookean(kind: .threeDimensional)

@Test("Neo-Hookean stress matches finite differences of W at random strains", arguments: [planeStrain, solid])
func neoHookeanStress(f: NeoHookean) {
    let steps = f.domain.map { _ in 1e-4 }
    let x = Sampler(kind: .uniform, seed: 3).samples(count: 30, domain: f.domain)
    for i in 0..<x.rows {
        let e = x.row(i)
        #expect(NeoHookean.inverse(f.rightCauchyGreen(e)).det > 0)
        let numeric = finiteDifferenceJacobian(f, at: e, steps: steps)
        #expect(relativeError(numeric, f.jacobian(at: e)) < 1e-9, "\(f.name) at \(e)")
    }
}

@Test("det C stays positive at every corner of the strain box", arguments: [planeStrain, solid])
func neoHookeanDomainIsAdmissible(f: NeoHookean) {
    let d = f.inputDimension
    for corner in 0..<(1 << d) {
        let e = (0..<d).map { corner & (1 << $0) != 0 ? 0.2 : -0.2 }
        #expect(NeoHookean.inverse(f.rightCauchyGreen(e)).det > 0.05, "\(e)")
        #expect(f.values(at: e)[0].isFinite)
    }
}

@Test("at E = 0: W = 0, no stress, and the linear-elastic tangent", arguments: [planeStrain, solid])
func neoHookeanReferenceState(f: NeoHookean) {
    let d = f.inputDimension, zero = [Double](repeating: 0, count: d)
    #expect(f.values(at: zero) == [0])
    #expect(f.jacobian(at: zero).allSatisfy { abs($0) < 1e-15 })
    let h = f.hessian(at: zero), lambda = f.lambda, mu = f.mu
    let normals = f.voigt.enumerated().filter { $0.element.0 == $0.element.1 }.map(\.offset)
    for a in 0..<d {
        for b in 0..<d {
            let expected: Double
            if normals.contains(a) && normals.contains(b) { expected = a == b ? lambda + 2 * mu : lambda }
            else { expected = a == b ? mu : 0 }
            #expect(abs(h[a * d + b] - expected) < 1e-12, "\(f.name) tangent (\(a), \(b)): \(h[a * d + b])")
        }
    }
}

@Test("engineering shear: dW/d(2 E12) is S12 = mu (delta - C^-1)_12 + lambda ln J C^-1_12")
func neoHookeanShearFactor() {
    // Simple shear-like strain: C = [[1, g], [g, 1 + g^2]] would be exact; check S12 by formula.
    let e = [0.05, -0.03, 0.1], c = planeStrain.rightCauchyGreen(e)
    #expect(c[0][1] == 0.1 && c[1][0] == 0.1 && c[0][0] == 1.1)
    let (det, inv) = NeoHookean.inverse(c)
    let s12 = -inv[0][1] + 10 * 0.5 * log(det) * inv[0][1]
    #expect(abs(planeStrain.jacobian(at: e)[2] - s12) < 1e-14)
}

@Test("plane strain is the 3-D energy with E33 = E13 = E23 = 0")
func neoHookeanPlaneStrainIsTheRestriction() {
    let x = Sampler(kind: .uniform, seed: 5).samples(count: 20, domain: planeStrain.domain)
    for i in 0..<x.rows {
        let p = x.row(i), full = [p[0], p[1], 0, 0, 0, p[2]]
        #expect(abs(planeStrain.values(at: p)[0] - solid.values(at: full)[0]) < 1e-14)
        let s = solid.jacobian(at: full), h = solid.hessian(at: full), hp = planeStrain.hessian(at: p)
        let plane = [0, 1, 5]
        #expect(zip(planeStrain.jacobian(at: p), plane.map { s[$0] }).allSatisfy { abs($0 - $1) < 1e-14 })
        for a in 0..<3 { for b in 0..<3 { #expect(abs(hp[a * 3 + b] - h[plane[a] * 6 + plane[b]]) < 1e-12) } }
    }
}
