// A straight clamped strip meshed and solved with the hook's element code: the beam-theory
// verification case (Timoshenko tip deflection P L^3 / (3 E I) + P L / (kappa G A)).

/// Straight cantilever of length L and depth H along +x, clamped at x = 0, loaded on the
/// end x = L by the total force `model.load`; material and Newton settings from `model`.
/// Design derivatives are with respect to [L, H].
struct StraightCantilever {
    var length: Double
    var depth: Double
    var elementsAlong: Int
    var elementsThrough: Int

    func mesh() -> HookMesh {
        let m = elementsThrough, row = m + 1
        let nodeCount = (elementsAlong + 1) * row
        var nodes = [Double](repeating: 0, count: 2 * nodeCount)
        var dXdL = nodes, dXdH = nodes
        for i in 0...elementsAlong {
            let xi = Double(i) / Double(elementsAlong)
            for j in 0...m {
                let eta = -0.5 + Double(j) / Double(m)
                let k = 2 * (i * row + j)
                nodes[k] = xi * length
                nodes[k + 1] = eta * depth
                dXdL[k] = xi
                dXdH[k + 1] = eta
            }
        }
        // Along (+x) x across (+y) = +z, so cells are ordered along first.
        let elements = HookMesh.structuredElements(along: elementsAlong, through: m, acrossThenAlong: false)
        return HookMesh(nodes: nodes, elements: elements,
                        clampedNodes: Array(0..<row),
                        tipNodes: Array((elementsAlong * row)..<nodeCount),
                        nodeCoordinateSensitivities: [dXdL, dXdH])
    }

    func solve(model: HookModel, withSensitivities: Bool = false) throws -> HookSolution {
        try model.checkSettings()
        return try solveStatic(mesh: mesh(), model: model, withSensitivities: withSensitivities)
    }

    /// Timoshenko tip deflection of the centre line for an end shear P (plane stress,
    /// I = b H^3 / 12, A = b H, kappa = 5/6, G = E / (2 (1 + nu))).
    func timoshenkoDeflection(model: HookModel, force P: Double) -> Double {
        let E = model.youngsModulus, b = model.outOfPlaneThickness
        let I = b * depth * depth * depth / 12, A = b * depth
        let G = E / (2 * (1 + model.poissonRatio))
        return P * length * length * length / (3 * E * I) + P * length / (5.0 / 6.0 * G * A)
    }
}
