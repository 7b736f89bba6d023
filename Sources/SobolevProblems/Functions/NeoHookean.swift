// A compressible Neo-Hookean strain energy (e.g. Holzapfel 2000, "Nonlinear Solid Mechanics",
// sec. 6.5; Bonet & Wood, "Nonlinear Continuum Mechanics for FE Analysis", sec. 6.4.3): the
// energy is the value, the second Piola-Kirchhoff stress its gradient and the tangent moduli
// its Hessian, the data of second-order Sobolev training of material surrogates.
import Foundation
import SobolevCore

/// W(E) = mu/2 (I1 - 3) - mu ln J + lambda/2 (ln J)^2 with C = I + 2E, I1 = tr C,
/// J = sqrt(det C), as a function of the Green-Lagrange strain E in Voigt form with
/// engineering shears:
///
/// - 3-D (`neo_hookean_3d`): inputs (E11, E22, E33, 2 E23, 2 E13, 2 E12);
/// - plane strain (`neo_hookean_plane_strain`): inputs (E11, E22, 2 E12), with E33 = E13 =
///   E23 = 0, i.e. C33 = 1 (I1 = C11 + C22 + 1).
///
/// Gradient: S = mu (I - C^-1) + lambda ln J C^-1 in the same Voigt order without factors
/// (dW/d(2 E12) = S12, since E12 and E21 both move). Hessian: the tangent moduli
/// C_IJKL = lambda C^-1_IJ C^-1_KL + (mu - lambda ln J)(C^-1_IK C^-1_JL + C^-1_IL C^-1_JK)
/// in Voigt form (engineering shears again carry no factor). At E = 0: W = 0, S = 0 and the
/// tangent is the linear-elastic one (lambda + 2 mu, lambda, mu).
///
/// Defaults mu = 1, lambda = 10 (normalised units; a nearly incompressible, rubber-like
/// Poisson ratio 0.45). Domain: every input in [-0.2, 0.2]; C's diagonal is then in
/// [0.6, 1.4] and each off-diagonal |C_IJ| = |2 E_IJ| <= 0.2, so C is strictly diagonally
/// dominant (0.6 > 2 * 0.2) and det C > 0 everywhere on the domain.
public struct NeoHookean: AnalyticFunction {
    public enum Kind: Sendable { case planeStrain, threeDimensional }
    public let kind: Kind
    public let mu: Double
    public let lambda: Double

    public init(kind: Kind, mu: Double = 1, lambda: Double = 10) {
        self.kind = kind; self.mu = mu; self.lambda = lambda
    }

    public var name: String { kind == .planeStrain ? "neo_hookean_plane_strain" : "neo_hookean_3d" }
    /// Index pairs of the Voigt components (0-based), in input order.
    public var voigt: [(Int, Int)] {
        kind == .planeStrain ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    }
    private var n: Int { kind == .planeStrain ? 2 : 3 }
    public var inputDimension: Int { voigt.count }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { Array(repeating: -0.2...0.2, count: inputDimension) }

    /// C = I + 2E (n x n, the in-plane block for plane strain) from the Voigt strains.
    public func rightCauchyGreen(_ e: [Double]) -> [[Double]] {
        var c = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0 } }
        for (a, (i, j)) in voigt.enumerated() {
            // Normal components: 2 E_ii; engineering shear g = 2 E_ij is C_ij itself.
            if i == j { c[i][i] += 2 * e[a] } else { c[i][j] += e[a]; c[j][i] += e[a] }
        }
        return c
    }

    /// det C and C^-1 (n = 2 or 3).
    public static func inverse(_ c: [[Double]]) -> (det: Double, inv: [[Double]]) {
        if c.count == 2 {
            let det = c[0][0] * c[1][1] - c[0][1] * c[1][0]
            return (det, [[c[1][1] / det, -c[0][1] / det], [-c[1][0] / det, c[0][0] / det]])
        }
        var cof = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                let r = [(i + 1) % 3, (i + 2) % 3], s = [(j + 1) % 3, (j + 2) % 3]
                cof[i][j] = c[r[0]][s[0]] * c[r[1]][s[1]] - c[r[0]][s[1]] * c[r[1]][s[0]]
            }
        }
        let det = (0..<3).reduce(0) { $0 + c[0][$1] * cof[0][$1] }
        return (det, (0..<3).map { i in (0..<3).map { j in cof[j][i] / det } })
    }

    public func values(at e: [Double]) -> [Double] {
        let c = rightCauchyGreen(e)
        let (det, _) = Self.inverse(c)
        let i1 = (0..<n).reduce(0) { $0 + c[$1][$1] } + (kind == .planeStrain ? 1 : 0)
        let lnJ = 0.5 * log(det)
        return [0.5 * mu * (i1 - 3) - mu * lnJ + 0.5 * lambda * lnJ * lnJ]
    }

    /// The second Piola-Kirchhoff stress in Voigt order.
    public func jacobian(at e: [Double]) -> [Double] {
        let (det, inv) = Self.inverse(rightCauchyGreen(e))
        let lnJ = 0.5 * log(det)
        return voigt.map { i, j in mu * ((i == j ? 1 : 0) - inv[i][j]) + lambda * lnJ * inv[i][j] }
    }

    /// The tangent moduli in Voigt form (symmetric d x d).
    public func hessian(at e: [Double]) -> [Double] {
        let (det, inv) = Self.inverse(rightCauchyGreen(e))
        let lnJ = 0.5 * log(det), d = inputDimension, shear = mu - lambda * lnJ
        var h = [Double](repeating: 0, count: d * d)
        for (a, (i, j)) in voigt.enumerated() {
            for (b, (k, l)) in voigt.enumerated() where b >= a {
                h[a * d + b] = lambda * inv[i][j] * inv[k][l] + shear * (inv[i][k] * inv[j][l] + inv[i][l] * inv[j][k])
                h[b * d + a] = h[a * d + b]  // mirrored: exactly symmetric
            }
        }
        return h
    }
}
