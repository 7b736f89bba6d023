// The structured quadrilateral mesh shared by the hook and the straight cantilever.

/// A structured mesh of bilinear quadrilaterals with its design derivative.
///
/// Nodes are numbered across the section first, node(i, j) = i * (elementsThrough + 1) + j
/// with i along the centre line and j across it: the half-bandwidth of the stiffness then
/// grows with the section only: 2 (elementsThrough + 2) + 1 dofs.
public struct HookMesh: Sendable, Hashable {
    /// Node coordinates in the reference configuration, [x0, y0, x1, y1, ...] (mm).
    public var nodes: [Double]
    /// Four node indices per element, counter-clockwise (positive Jacobian).
    public var elements: [Int]
    /// Nodes with both dofs fixed to zero (the clamped shank end).
    public var clampedNodes: [Int]
    /// Nodes of the loaded tip edge, in order across the section.
    public var tipNodes: [Int]
    /// dX/dp: one array per design parameter, laid out like `nodes`.
    public var nodeCoordinateSensitivities: [[Double]]

    public var nodeCount: Int { nodes.count / 2 }
    public var elementCount: Int { elements.count / 4 }

    public init(nodes: [Double], elements: [Int], clampedNodes: [Int], tipNodes: [Int],
                nodeCoordinateSensitivities: [[Double]]) {
        self.nodes = nodes
        self.elements = elements
        self.clampedNodes = clampedNodes
        self.tipNodes = tipNodes
        self.nodeCoordinateSensitivities = nodeCoordinateSensitivities
    }

    /// Structured connectivity of `along` x `through` cells with nodes numbered across first.
    /// `acrossThenAlong` orders each cell (i, j), (i, j+1), (i+1, j+1), (i+1, j), which is
    /// counter-clockwise when the across direction crossed with the along direction is +z;
    /// otherwise (i, j), (i+1, j), (i+1, j+1), (i, j+1).
    static func structuredElements(along: Int, through: Int, acrossThenAlong: Bool) -> [Int] {
        var elements: [Int] = []
        elements.reserveCapacity(4 * along * through)
        let row = through + 1
        for i in 0..<along {
            for j in 0..<through {
                let a = i * row + j, b = i * row + j + 1, c = (i + 1) * row + j + 1, d = (i + 1) * row + j
                elements += acrossThenAlong ? [a, b, c, d] : [a, d, c, b]
            }
        }
        return elements
    }

    /// Consistent nodal weights of a uniform traction on the (equally spaced) tip edge:
    /// [1/2, 1, ..., 1, 1/2] / m for m segments; they sum to one and do not depend on p.
    var tipLoadWeights: [Double] {
        let m = tipNodes.count - 1
        guard m > 0 else { return [1] }
        return (0...m).map { ($0 == 0 || $0 == m ? 0.5 : 1.0) / Double(m) }
    }

    /// Weights of the tip output point: the midpoint node, or the mean of the two central
    /// nodes for an even number of tip nodes.
    var tipOutputWeights: [(node: Int, weight: Double)] {
        let n = tipNodes.count
        if n % 2 == 1 { return [(tipNodes[n / 2], 1)] }
        return [(tipNodes[n / 2 - 1], 0.5), (tipNodes[n / 2], 0.5)]
    }
}
