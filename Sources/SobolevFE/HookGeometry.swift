// Hook geometry: centre line (straight shank + semicircular bend), offsets across the
// section, and the analytic derivative of every node coordinate with respect to [R, t].

import Foundation

/// Parametrisation of the hook.
///
/// Centre line, arc-length ordered from the clamp to the tip:
///   shank  C(s) = (0, L - s),                         s in [0, L], tangent (0, -1)
///   bend   C(theta) = (R + R cos theta, R sin theta),  theta in [pi, 2 pi]
/// The bend starts at the origin tangent to the shank (C1 joint) and ends at the tip
/// (2R, 0) pointing up. Outward normal n = (cos theta, sin theta), n = (-1, 0) on the shank.
/// Node (i, j): X = C_i + zeta_j (t / 2) n_i with zeta_j = -1 + 2 j / m, so zeta = -1 is the
/// inner (concave) side. Along-stations are uniform per segment: a quarter of the
/// `elementsAlong` on the shank (length L / nS), the rest on the bend (angle pi / nB), so the
/// element pattern never changes with p and X(p) is smooth (polynomial in R and t):
///   dX/dR = (1 + cos theta, sin theta) on the bend, 0 on the shank;   dX/dt = (zeta / 2) n.
struct HookGeometry {
    var shankLength: Double
    var elementsAlong: Int
    var elementsThrough: Int

    var shankElements: Int { max(1, elementsAlong / 4) }
    var bendElements: Int { elementsAlong - shankElements }

    /// Centre-line point, outward normal and dC/dR at along-station i.
    func station(_ i: Int, bendRadius R: Double)
        -> (c: (Double, Double), n: (Double, Double), dcdR: (Double, Double)) {
        let nS = shankElements
        if i <= nS {
            let s = shankLength * Double(i) / Double(nS)
            return ((0, shankLength - s), (-1, 0), (0, 0))
        }
        let theta = Double.pi + Double.pi * Double(i - nS) / Double(bendElements)
        let (cs, sn) = (cos(theta), sin(theta))
        return ((R + R * cs, R * sn), (cs, sn), (1 + cs, sn))
    }

    func mesh(bendRadius R: Double, thickness t: Double) -> HookMesh {
        let m = elementsThrough, row = m + 1
        let nodeCount = (elementsAlong + 1) * row
        var nodes = [Double](repeating: 0, count: 2 * nodeCount)
        var dXdR = nodes, dXdt = nodes
        for i in 0...elementsAlong {
            let (c, n, dcdR) = station(i, bendRadius: R)
            for j in 0...m {
                let zeta = -1 + 2 * Double(j) / Double(m)
                let k = 2 * (i * row + j)
                nodes[k] = c.0 + zeta * t / 2 * n.0
                nodes[k + 1] = c.1 + zeta * t / 2 * n.1
                dXdR[k] = dcdR.0
                dXdR[k + 1] = dcdR.1
                dXdt[k] = zeta / 2 * n.0
                dXdt[k + 1] = zeta / 2 * n.1
            }
        }
        // Across (n) x along (tangent) = +z on both segments, e.g. (-1,0) x (0,-1) = +1.
        let elements = HookMesh.structuredElements(along: elementsAlong, through: m, acrossThenAlong: true)
        return HookMesh(nodes: nodes, elements: elements,
                        clampedNodes: Array(0..<row),
                        tipNodes: Array((elementsAlong * row)..<nodeCount),
                        nodeCoordinateSensitivities: [dXdR, dXdt])
    }
}
