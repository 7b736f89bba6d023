// Global assembly over the structured mesh: equation numbering without the clamped dofs,
// internal force, banded tangent, external load and the design pseudo-load dR/dp.

/// Equation numbers of the free dofs; clamped dofs get -1. Numbering follows the node
/// order (across the section first), so the band of the reduced matrix stays narrow.
struct DofNumbering: Sendable {
    let equation: [Int]
    let freeCount: Int
    let halfBandwidth: Int

    init(mesh: HookMesh) {
        var clamped = [Bool](repeating: false, count: mesh.nodeCount)
        for node in mesh.clampedNodes { clamped[node] = true }
        var equation = [Int](repeating: -1, count: 2 * mesh.nodeCount)
        var next = 0
        for node in 0..<mesh.nodeCount where !clamped[node] {
            equation[2 * node] = next
            equation[2 * node + 1] = next + 1
            next += 2
        }
        var band = 0
        for e in 0..<mesh.elementCount {
            let eqs = (0..<8).map { equation[2 * mesh.elements[4 * e + $0 / 2] + $0 % 2] }.filter { $0 >= 0 }
            if let lo = eqs.min(), let hi = eqs.max() { band = max(band, hi - lo) }
        }
        self.equation = equation
        self.freeCount = next
        self.halfBandwidth = band
    }

    /// Full dof vector -> free-dof vector.
    func reduce(_ full: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: freeCount)
        for (dof, eq) in equation.enumerated() where eq >= 0 { r[eq] = full[dof] }
        return r
    }

    /// Free-dof vector -> full dof vector with zeros on clamped dofs.
    func expand(_ reduced: [Double]) -> [Double] {
        equation.map { $0 >= 0 ? reduced[$0] : 0 }
    }
}

/// Assembles element contributions of one mesh with one element type.
struct Assembler: Sendable {
    let mesh: HookMesh
    let numbering: DofNumbering
    let element: QuadElement

    /// Nodal data of element e at full displacement vector u.
    func elementNodes(_ e: Int, _ u: [Double]) -> ElementNodes {
        var nodes = ElementNodes(x: .zero, y: .zero, ux: .zero, uy: .zero)
        for a in 0..<4 {
            let n = mesh.elements[4 * e + a]
            nodes.x[a] = mesh.nodes[2 * n]; nodes.y[a] = mesh.nodes[2 * n + 1]
            nodes.ux[a] = u[2 * n]; nodes.uy[a] = u[2 * n + 1]
        }
        return nodes
    }

    /// Equation numbers of element e's 8 dofs (-1 for clamped).
    func elementEquations(_ e: Int) -> [Int] {
        (0..<8).map { numbering.equation[2 * mesh.elements[4 * e + $0 / 2] + $0 % 2] }
    }

    /// Reduced internal force at u and, if given, the reduced tangent (lower band) into `tangent`.
    func internalForce(_ u: [Double], tangent: inout SymmetricBandMatrix?) -> [Double] {
        var force = [Double](repeating: 0, count: numbering.freeCount)
        tangent?.setZero()
        let b = numbering.halfBandwidth, w = b + 1
        var ke = [Double](repeating: 0, count: 64)
        var eqs = [Int](repeating: 0, count: 8)
        for e in 0..<mesh.elementCount {
            let nodes = elementNodes(e, u)
            for k in 0..<8 { eqs[k] = numbering.equation[2 * mesh.elements[4 * e + k / 2] + k % 2] }
            let f: (fx: SIMD4<Double>, fy: SIMD4<Double>)
            if tangent != nil {
                f = ke.withUnsafeMutableBufferPointer { element.internalForce(nodes, tangent: $0.baseAddress) }
            } else {
                f = element.internalForce(nodes, tangent: nil)
            }
            for a in 0..<4 {
                if eqs[2 * a] >= 0 { force[eqs[2 * a]] += f.fx[a] }
                if eqs[2 * a + 1] >= 0 { force[eqs[2 * a + 1]] += f.fy[a] }
            }
            guard tangent != nil else { continue }
            tangent!.values.withUnsafeMutableBufferPointer { v in
                for r in 0..<8 where eqs[r] >= 0 {
                    let i = eqs[r]
                    for c in 0..<8 where eqs[c] >= 0 && eqs[c] <= i {
                        v[i * w + b - (i - eqs[c])] += ke[8 * r + c]
                    }
                }
            }
        }
        return force
    }

    /// Reduced external load: `total` spread over the tip nodes with the consistent weights.
    func externalLoad(total: [Double]) -> [Double] {
        var f = [Double](repeating: 0, count: numbering.freeCount)
        for (node, weight) in zip(mesh.tipNodes, mesh.tipLoadWeights) {
            for c in 0..<2 where numbering.equation[2 * node + c] >= 0 {
                f[numbering.equation[2 * node + c]] += weight * total[c]
            }
        }
        return f
    }

    /// Reduced pseudo-loads dR/dp_j = sum_e (d f_e / d X_e) dX_e/dp_j at fixed u, one per
    /// design parameter (the load and the Dirichlet data do not depend on p).
    func designPseudoLoads(_ u: [Double]) -> [[Double]] {
        mesh.nodeCoordinateSensitivities.map { dX in
            var r = [Double](repeating: 0, count: numbering.freeCount)
            for e in 0..<mesh.elementCount {
                let nodes = elementNodes(e, u)
                var dx = SIMD4<Double>(), dy = SIMD4<Double>()
                for a in 0..<4 {
                    let n = mesh.elements[4 * e + a]
                    dx[a] = dX[2 * n]; dy[a] = dX[2 * n + 1]
                }
                if dx == .zero && dy == .zero { continue }
                let df = element.internalForceCoordinateDerivative(nodes, dx: dx, dy: dy)
                let eqs = elementEquations(e)
                for a in 0..<4 {
                    if eqs[2 * a] >= 0 { r[eqs[2 * a]] += df.fx[a] }
                    if eqs[2 * a + 1] >= 0 { r[eqs[2 * a + 1]] += df.fy[a] }
                }
            }
            return r
        }
    }
}
