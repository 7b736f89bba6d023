// The Mueller-Brown potential (K. Mueller & L. D. Brown 1979, Theoret. Chim. Acta 53, 75-93):
// a 2-D model energy surface with three minima and two saddles, the standard toy problem for
// fitting energies and forces (machine-learned potentials are trained on both).
import Foundation
import SobolevCore

/// The Mueller-Brown energy on x in [-1.5, 1.2], y in [-0.2, 2.0]:
///
///     E(x, y) = sum_{k=1}^{4} A_k exp(a_k (x - x0_k)^2 + b_k (x - x0_k)(y - y0_k) + c_k (y - y0_k)^2)
///     dE/dx = sum_k A_k e_k (2 a_k (x - x0_k) + b_k (y - y0_k))
///     dE/dy = sum_k A_k e_k (b_k (x - x0_k) + 2 c_k (y - y0_k))
///
/// with A = (-200, -100, -170, 15), a = (-1, -1, -6.5, 0.7), b = (0, 0, 11, 0.6),
/// c = (-10, -10, -6.5, 0.7), x0 = (1, 0, -0.5, -1), y0 = (0, 0.5, 1.5, 1).
/// Minima: E = -146.700 at (-0.558, 1.442) (global), -108.167 at (0.623, 0.028),
/// -80.768 at (-0.050, 0.467). On the domain E ranges from about -147 to 3348 (at the
/// corner (1.2, 2)).
///
/// Sign convention: forces are F = -grad E (`forces(at:)`). The `AnalyticFunction` Jacobian,
/// and so a dataset's derivative target, is the energy gradient dE/dx = -F, not the force.
public struct MullerBrown: AnalyticFunction {
    public static let A: [Double] = [-200, -100, -170, 15]
    public static let a: [Double] = [-1, -1, -6.5, 0.7]
    public static let b: [Double] = [0, 0, 11, 0.6]
    public static let c: [Double] = [-10, -10, -6.5, 0.7]
    public static let x0: [Double] = [1, 0, -0.5, -1]
    public static let y0: [Double] = [0, 0.5, 1.5, 1]

    public init() {}
    public var name: String { "muller_brown" }
    public var inputDimension: Int { 2 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-1.5...1.2, -0.2...2.0] }

    /// The energy E(x, y).
    public func energy(at p: [Double]) -> Double {
        var e = 0.0
        for k in 0..<4 { e += term(k, p) }
        return e
    }

    /// The forces F = -grad E = (-dE/dx, -dE/dy).
    public func forces(at p: [Double]) -> [Double] {
        jacobian(at: p).map { -$0 }
    }

    public func values(at p: [Double]) -> [Double] { [energy(at: p)] }

    /// The energy gradient (dE/dx, dE/dy) = -F.
    public func jacobian(at p: [Double]) -> [Double] {
        var gx = 0.0, gy = 0.0
        for k in 0..<4 {
            let dx = p[0] - Self.x0[k], dy = p[1] - Self.y0[k], t = term(k, p)
            gx += t * (2 * Self.a[k] * dx + Self.b[k] * dy)
            gy += t * (Self.b[k] * dx + 2 * Self.c[k] * dy)
        }
        return [gx, gy]
    }

    /// The energy Hessian: each term t_k = A_k exp(phi_k) contributes
    /// t_k (grad phi_k grad phi_k^T + [[2 a_k, b_k], [b_k, 2 c_k]]).
    public func hessian(at p: [Double]) -> [Double] {
        var h = [0.0, 0, 0, 0]
        for k in 0..<4 {
            let dx = p[0] - Self.x0[k], dy = p[1] - Self.y0[k], t = term(k, p)
            let px = 2 * Self.a[k] * dx + Self.b[k] * dy, py = Self.b[k] * dx + 2 * Self.c[k] * dy
            h[0] += t * (px * px + 2 * Self.a[k])
            h[1] += t * (px * py + Self.b[k])
            h[3] += t * (py * py + 2 * Self.c[k])
        }
        h[2] = h[1]
        return h
    }

    /// A_k exp(a_k dx^2 + b_k dx dy + c_k dy^2).
    private func term(_ k: Int, _ p: [Double]) -> Double {
        let dx = p[0] - Self.x0[k], dy = p[1] - Self.y0[k]
        return Self.A[k] * exp(Self.a[k] * dx * dx + Self.b[k] * dx * dy + Self.c[k] * dy * dy)
    }
}
