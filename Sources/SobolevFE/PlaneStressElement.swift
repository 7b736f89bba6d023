// Four-node bilinear quadrilateral in plane stress, 2 x 2 Gauss quadrature, for both
// materials: internal force, consistent tangent, and the derivative of the internal force
// with respect to the nodal coordinates (the design pseudo-load).
//
// Total Lagrangian formulation (e.g. Bathe, "Finite Element Procedures", 6.2; Belytschko,
// Liu & Moran, "Nonlinear Finite Elements", 4.9), Voigt order [11, 22, 12] with engineering
// shear. g_a = dN_a/dX = J^-T dN_a/dxi with J_ij = dX_i/dxi_j, H = grad_X u = sum_a u_a (x) g_a.
//   linear:  eps = sym(H),            sigma = C eps,  f_a = int sigma g_a dV,
//            K_ab = int B_a^T C B_b dV,          B_a = [[g1, 0], [0, g2], [g2, g1]]
//   SVK:     F = I + H, E = 1/2 (F^T F - I), S = C E,  f_a = int F S g_a dV,
//            K_ab = int (B_a^T C B_b + (g_a . S g_b) I) dV,
//            B_a = [[F11 g1, F21 g1], [F12 g2, F22 g2], [F11 g2 + F12 g1, F21 g2 + F22 g1]]
// The linear element is the SVK one with F -> I in B and f, eps in place of E, no S-term.

/// Plane-stress elasticity in Voigt form: C = E / (1 - nu^2) [[1, nu, 0], [nu, 1, 0], [0, 0, (1 - nu) / 2]].
struct PlaneStressMaterial: Sendable {
    let kind: HookMaterial
    let c11: Double, c12: Double, c33: Double

    init(kind: HookMaterial, youngsModulus E: Double, poissonRatio nu: Double) {
        self.kind = kind
        let f = E / (1 - nu * nu)
        c11 = f
        c12 = f * nu
        c33 = f * (1 - nu) / 2
    }

    /// Stress (sigma or S) from the strain (eps or E) in Voigt form.
    @inline(__always)
    func stress(_ e: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(c11 * e.x + c12 * e.y, c12 * e.x + c11 * e.y, c33 * e.z)
    }
}

/// Nodal data of one element: coordinates and displacements of its four nodes.
struct ElementNodes {
    var x: SIMD4<Double>, y: SIMD4<Double>
    var ux: SIMD4<Double>, uy: SIMD4<Double>
}

/// Shape-function derivatives dN/dxi, dN/deta at the 2 x 2 Gauss points (+-1/sqrt 3, unit
/// weights); node a sits at (xi_a, eta_a) = (-1,-1), (1,-1), (1,1), (-1,1).
struct GaussTable {
    let dxi: [SIMD4<Double>]
    let deta: [SIMD4<Double>]

    static let bilinear: GaussTable = {
        let g = 1 / 3.0.squareRoot()
        let xa = SIMD4<Double>(-1, 1, 1, -1), ea = SIMD4<Double>(-1, -1, 1, 1)
        var dxi: [SIMD4<Double>] = [], deta: [SIMD4<Double>] = []
        for (xi, eta) in [(-g, -g), (g, -g), (g, g), (-g, g)] {
            dxi.append(xa * (1 + ea * eta) / 4)
            deta.append(ea * (1 + xa * xi) / 4)
        }
        return GaussTable(dxi: dxi, deta: deta)
    }()
}

/// Kinematics at one Gauss point.
struct GaussPointKinematics {
    var j11: Double, j12: Double, j21: Double, j22: Double   // J = dX/dxi
    var detJ: Double
    var i11: Double, i12: Double, i21: Double, i22: Double   // J^-1
    var g1: SIMD4<Double>, g2: SIMD4<Double>                  // dN_a/dX, dN_a/dY
    var h11: Double, h12: Double, h21: Double, h22: Double   // H = grad_X u

    init(_ e: ElementNodes, dxi: SIMD4<Double>, deta: SIMD4<Double>) {
        j11 = (e.x * dxi).sum(); j12 = (e.x * deta).sum()
        j21 = (e.y * dxi).sum(); j22 = (e.y * deta).sum()
        detJ = j11 * j22 - j12 * j21
        i11 = j22 / detJ; i12 = -j12 / detJ; i21 = -j21 / detJ; i22 = j11 / detJ
        g1 = i11 * dxi + i21 * deta
        g2 = i12 * dxi + i22 * deta
        h11 = (e.ux * g1).sum(); h12 = (e.ux * g2).sum()
        h21 = (e.uy * g1).sum(); h22 = (e.uy * g2).sum()
    }
}

/// The plane-stress quadrilateral for one material and out-of-plane thickness b.
struct QuadElement: Sendable {
    let material: PlaneStressMaterial
    let thickness: Double
    let gauss = GaussTable.bilinear

    var isLinear: Bool { material.kind == .linearElastic }

    /// The matrix multiplying grad u in B and in f (F for SVK, I for linear) and the strain.
    @inline(__always)
    func deformation(_ k: GaussPointKinematics) -> (f11: Double, f12: Double, f21: Double, f22: Double, strain: SIMD3<Double>) {
        if isLinear {
            return (1, 0, 0, 1, SIMD3(k.h11, k.h22, k.h12 + k.h21))
        }
        // E = 1/2 (H + H^T + H^T H): the same as 1/2 (F^T F - I) without the cancellation
        // of F^T F against I, which would cost |log10 |H|| digits at small strains.
        let (h11, h12, h21, h22) = (k.h11, k.h12, k.h21, k.h22)
        let e11 = h11 + (h11 * h11 + h21 * h21) / 2
        let e22 = h22 + (h12 * h12 + h22 * h22) / 2
        let g12 = h12 + h21 + (h11 * h12 + h21 * h22)
        return (1 + h11, h12, h21, 1 + h22, SIMD3(e11, e22, g12))
    }

    /// Internal force f (x and y parts per node) and, if `tangent` is non-nil, the 8 x 8
    /// tangent in dof order (ux0, uy0, ux1, ...), row-major, written into it.
    func internalForce(_ e: ElementNodes, tangent: UnsafeMutablePointer<Double>?)
        -> (fx: SIMD4<Double>, fy: SIMD4<Double>) {
        var fx = SIMD4<Double>(), fy = SIMD4<Double>()
        if let K = tangent { K.initialize(repeating: 0, count: 64) }
        for q in 0..<4 {
            let k = GaussPointKinematics(e, dxi: gauss.dxi[q], deta: gauss.deta[q])
            let dV = k.detJ * thickness
            let (f11, f12, f21, f22, strain) = deformation(k)
            let s = material.stress(strain)
            // S g_a, then F (S g_a).
            let sg1 = s.x * k.g1 + s.z * k.g2, sg2 = s.z * k.g1 + s.y * k.g2
            fx += (f11 * sg1 + f12 * sg2) * dV
            fy += (f21 * sg1 + f22 * sg2) * dV
            guard let K = tangent else { continue }
            // B columns for every node: bx_c, by_c are the Voigt components c of B_a e_x, B_a e_y.
            let bx0 = f11 * k.g1, bx1 = f12 * k.g2, bx2 = f11 * k.g2 + f12 * k.g1
            let by0 = f21 * k.g1, by1 = f22 * k.g2, by2 = f21 * k.g2 + f22 * k.g1
            let c = material
            let cbx0 = c.c11 * bx0 + c.c12 * bx1, cbx1 = c.c12 * bx0 + c.c11 * bx1, cbx2 = c.c33 * bx2
            let cby0 = c.c11 * by0 + c.c12 * by1, cby1 = c.c12 * by0 + c.c11 * by1, cby2 = c.c33 * by2
            for a in 0..<4 {
                let rowX = (2 * a) * 8, rowY = (2 * a + 1) * 8
                let kxx: SIMD4<Double> = (bx0[a] * cbx0 + bx1[a] * cbx1 + bx2[a] * cbx2) * dV
                let kxy: SIMD4<Double> = (bx0[a] * cby0 + bx1[a] * cby1 + bx2[a] * cby2) * dV
                let kyx: SIMD4<Double> = (by0[a] * cbx0 + by1[a] * cbx1 + by2[a] * cbx2) * dV
                let kyy: SIMD4<Double> = (by0[a] * cby0 + by1[a] * cby1 + by2[a] * cby2) * dV
                // Geometric stiffness (g_a . S g_b) I, SVK only.
                let geo = isLinear ? SIMD4<Double>() : (k.g1[a] * sg1 + k.g2[a] * sg2) * dV
                for b in 0..<4 {
                    K[rowX + 2 * b] += kxx[b] + geo[b]
                    K[rowX + 2 * b + 1] += kxy[b]
                    K[rowY + 2 * b] += kyx[b]
                    K[rowY + 2 * b + 1] += kyy[b] + geo[b]
                }
            }
        }
        return (fx, fy)
    }

    /// Directional derivative of the internal force with respect to the nodal coordinates,
    /// (d f / d X) . dX at fixed nodal displacements: the element pseudo-load for dX = dX/dp.
    /// With dJ = sum_a dX_a (x) dN_a/dxi:  d detJ = detJ tr(J^-1 dJ),  dg_a = -J^-T dJ^T g_a,
    /// dH = sum_a u_a (x) dg_a,  dE = sym(F^T dH) (SVK) or sym(dH) (linear),  dS = C dE,
    /// d f_a = (dF S g_a + F dS g_a + F S dg_a) dV + F S g_a d(dV)   (dF = 0 for linear).
    func internalForceCoordinateDerivative(_ e: ElementNodes, dx: SIMD4<Double>, dy: SIMD4<Double>)
        -> (fx: SIMD4<Double>, fy: SIMD4<Double>) {
        var fx = SIMD4<Double>(), fy = SIMD4<Double>()
        for q in 0..<4 {
            let dxi = gauss.dxi[q], deta = gauss.deta[q]
            let k = GaussPointKinematics(e, dxi: dxi, deta: deta)
            let dV = k.detJ * thickness
            let (f11, f12, f21, f22, strain) = deformation(k)
            let s = material.stress(strain)

            let dj11 = (dx * dxi).sum(), dj12 = (dx * deta).sum()
            let dj21 = (dy * dxi).sum(), dj22 = (dy * deta).sum()
            // tr(J^-1 dJ)
            let trace = k.i11 * dj11 + k.i12 * dj21 + k.i21 * dj12 + k.i22 * dj22
            let ddV = dV * trace
            // w = dJ^T g, dg = -J^-T w, (J^-T)_ij = (J^-1)_ji.
            let w1 = dj11 * k.g1 + dj21 * k.g2, w2 = dj12 * k.g1 + dj22 * k.g2
            let dg1 = -(k.i11 * w1 + k.i21 * w2), dg2 = -(k.i12 * w1 + k.i22 * w2)
            let dh11 = (e.ux * dg1).sum(), dh12 = (e.ux * dg2).sum()
            let dh21 = (e.uy * dg1).sum(), dh22 = (e.uy * dg2).sum()

            let dStrain: SIMD3<Double>
            let (df11, df12, df21, df22): (Double, Double, Double, Double)
            if isLinear {
                dStrain = SIMD3(dh11, dh22, dh12 + dh21)
                (df11, df12, df21, df22) = (0, 0, 0, 0)
            } else {
                dStrain = SIMD3(f11 * dh11 + f21 * dh21, f12 * dh12 + f22 * dh22,
                                dh11 * f12 + f11 * dh12 + dh21 * f22 + f21 * dh22)
                (df11, df12, df21, df22) = (dh11, dh12, dh21, dh22)
            }
            let ds = material.stress(dStrain)
            let sg1 = s.x * k.g1 + s.z * k.g2, sg2 = s.z * k.g1 + s.y * k.g2
            // d(S g) = dS g + S dg
            let dsg1: SIMD4<Double> = ds.x * k.g1 + ds.z * k.g2 + s.x * dg1 + s.z * dg2
            let dsg2: SIMD4<Double> = ds.z * k.g1 + ds.y * k.g2 + s.z * dg1 + s.y * dg2
            // Split for the type checker: d(F S g) dV + F S g d(dV).
            let fsg1: SIMD4<Double> = f11 * sg1 + f12 * sg2
            let fsg2: SIMD4<Double> = f21 * sg1 + f22 * sg2
            let dfsg1: SIMD4<Double> = df11 * sg1 + df12 * sg2 + f11 * dsg1 + f12 * dsg2
            let dfsg2: SIMD4<Double> = df21 * sg1 + df22 * sg2 + f21 * dsg1 + f22 * dsg2
            fx += dfsg1 * dV + fsg1 * ddV
            fy += dfsg2 * dV + fsg2 * ddV
        }
        return (fx, fy)
    }

    /// Stress (sigma for linear, S for SVK) in Voigt form at the four Gauss points.
    func gaussPointStresses(_ e: ElementNodes) -> [SIMD3<Double>] {
        (0..<4).map { q in
            let k = GaussPointKinematics(e, dxi: gauss.dxi[q], deta: gauss.deta[q])
            return material.stress(deformation(k).strain)
        }
    }
}
