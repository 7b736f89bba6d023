// The fused step's two ways to the derivative terms' gradient, and the cost model that picks one
// (docs/design.md, "The fused step"). Unit: GEMM flops, 2 M N K per product, plus the element-wise
// passes of the hidden layers at a few flops per element.

/// How the fused step takes the input Jacobian and the derivative terms' weighted gradient.
public enum JacobianPlan: String, Sendable, CaseIterable {
    /// d forward tangents e_1..e_d; the backward carries 1 + d channels.
    case forward
    /// m reverse passes to the inputs for J, then m forward tangents along the weighted residual
    /// rows R_i[o, :]; the backward carries 1 + m channels, whose m tangent channels are the
    /// reverse passes' (only the value channel is multiplied down again).
    case reverse

    /// Flop-equivalents charged per element of a hidden layer per element-wise pass.
    static let elementCost = 4.0

    /// Cost of one fused step of `architecture` on `batch` samples with this plan, for data with
    /// Jacobians (d unit tangents) and/or k directions (Directional.swift): plan F runs one tangent
    /// block per unit direction and per direction, plan R the same m reverse passes plus the
    /// products J_i v_ic (2 m d k flops a sample).
    public func cost(_ architecture: MLPArchitecture, batch B: Int, jacobians: Bool = true, directions k: Int = 0) -> Double {
        let m = Double(architecture.outputDimension), b = Double(B)
        let d = Double((jacobians ? architecture.inputDimension : 0) + k)
        let layers = architecture.layers.map { Double($0.inputs * $0.outputs) }
        let all = layers.reduce(0, +)                 // sum_l n_l n_{l+1}
        let belowFirst = all - (layers.first ?? 0)    // back-propagation stops above layer 0
        let hidden = Double(architecture.layerSizes.dropFirst().dropLast().reduce(0, +))
        switch self {
        case .forward:
            // forward (1+d) rows, input-gradients and weight gradients of 1 + d channels; layer
            // 0's unit blocks without products (forward; weight gradients over several tiles)
            let units = jacobians ? architecture.inputDimension : 0
            let skipped = JacobianPlan.unitBlocksSkipped(architecture, batch: B, units: units, blocks: Int(d))
            return 2 * b * ((1 + d) * (2 * all + belowFirst) - skipped * (layers.first ?? 0))
                + JacobianPlan.elementCost * b * hidden * 2 * (1 + d)
        case .reverse:
            // values, m reverse passes to x, m tangents, then 1 + m channels' weight gradients and
            // the value channel's input gradients
            let gemm = 2 * b * (all + 2 * m * all + (1 + m) * all + belowFirst)
                + 2 * b * m * Double(architecture.inputDimension * k)
            return gemm + JacobianPlan.elementCost * b * hidden * (1 + 2 * m + 2 * (1 + m))
        }
    }

    /// The cheaper plan by `cost` (forward on a tie: it needs no second forward pass).
    public static func cheapest(_ architecture: MLPArchitecture, batch: Int, jacobians: Bool = true, directions: Int = 0) -> JacobianPlan {
        JacobianPlan.reverse.cost(architecture, batch: batch, jacobians: jacobians, directions: directions)
            < JacobianPlan.forward.cost(architecture, batch: batch, jacobians: jacobians, directions: directions)
            ? .reverse : .forward
    }

    /// The cheaper plan for a batch of `data`'s kind (Jacobians and/or directions).
    public static func cheapest(_ architecture: MLPArchitecture, batch: Int, for data: Dataset) -> JacobianPlan {
        cheapest(architecture, batch: batch, jacobians: data.hasJacobians, directions: data.directionCount)
    }

    /// GEMM flops of one per-term step: forward with d tangents; weight gradients of 1 + 2d
    /// channels; input gradients of 1 + 2d channels, or 1 + d + m when m < d (the tangent channels
    /// are combined from m reverse channels: `SobolevStep.sharesTangentChannels`). Layer 0's d unit
    /// tangent blocks take no products, neither forward nor in their weight gradients (column
    /// sums, where the BLAS's bits allow: UnitSeedProducts.swift).
    public static func perTermFlops(_ architecture: MLPArchitecture, batch B: Int) -> Double {
        let d = architecture.inputDimension, m = architecture.outputDimension, b = Double(B)
        let layers = architecture.layers.map { Double($0.inputs * $0.outputs) }
        let all = layers.reduce(0, +), first = layers.first ?? 0, belowFirst = all - first
        let down = Double(SobolevStep.sharesTangentChannels(m: m, active: d) ? 1 + d + m : 1 + 2 * d)
        return 2 * b * ((1 + Double(d)) * all + (1 + 2 * Double(d)) * all + down * belowFirst - 2 * Double(d) * first)
    }

    /// Plan F's layer-0 products of a unit block skipped, counted in blocks: the forward's of all
    /// `units`, and their weight gradients' (column sums) when the batch spans several tiles (each
    /// block then has its own product; in one tile it is one product over all blocks' rows:
    /// SobolevStep.backwardFused).
    static func unitBlocksSkipped(_ architecture: MLPArchitecture, batch B: Int, units: Int, blocks: Int) -> Double {
        Double(units + (SobolevStep.tileSamples(architecture, batch: B, blocks: blocks) < B ? units : 0))
    }

    /// GEMM flops of one fused step with this plan (data with Jacobians).
    public func flops(_ architecture: MLPArchitecture, batch B: Int) -> Double {
        let d = Double(architecture.inputDimension), m = Double(architecture.outputDimension), b = Double(B)
        let layers = architecture.layers.map { Double($0.inputs * $0.outputs) }
        let all = layers.reduce(0, +), belowFirst = all - (layers.first ?? 0)
        let units = architecture.inputDimension
        switch self {
        case .forward:
            let skipped = JacobianPlan.unitBlocksSkipped(architecture, batch: B, units: units, blocks: units)
            return 2 * b * ((1 + d) * (2 * all + belowFirst) - skipped * (layers.first ?? 0))
        case .reverse: return 2 * b * (all + 2 * m * all + (1 + m) * all + belowFirst)
        }
    }
}
