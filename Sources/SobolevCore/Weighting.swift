// Loss-term weighting: every step the scheme sees the term losses and each term's gradient (after
// the all-reduce under data parallelism, so every rank sees the same numbers) and returns the
// lambdas of L = sum_k lambda_k L_k. The optimizer then gets c * sum_k lambda_k g_k with the
// scheme's `gradientScale` c (1 except uncertainty weighting, docs/weighting.md). The schemes
// themselves live in Weighting/, one file each; WeightingCatalog names them and their constants.

/// What a weighting scheme is told at each optimizer step.
public struct WeightingInput {
    /// Optimizer step, starting at 0.
    public var step: Int
    /// Term losses L_k (batch means), in term order.
    public var losses: [Double]
    /// Per-term gradients dL_k/dtheta, T x P row-major.
    public var gradients: [Double]
    public var parameterCount: Int
    /// Range of the output layer's weight matrix in the parameter vector (GradNorm's W).
    public var lastLayerWeights: Range<Int>
    /// The parameters' learning rate at this step (schedule applied): schemes with trainable
    /// state of their own (uncertainty weighting) step it with this rate.
    public var learningRate: Double
    /// tr(K_kk) of every term on this step's batch, per sample (docs/weighting.md, NTK): the sum
    /// over samples and residual components of |d r / d theta|^2, added over the group's ranks
    /// and divided by the global sample count. Collective under data parallelism: every rank of
    /// the group must call it at the same step, so only call it on a rule that depends on the
    /// step and the all-reduced inputs. nil when the caller cannot provide it.
    public var ntkTraces: (() -> [Double])?

    public init(step: Int, losses: [Double], gradients: [Double], parameterCount: Int, lastLayerWeights: Range<Int>,
                learningRate: Double = 1e-3, ntkTraces: (() -> [Double])? = nil) {
        self.step = step; self.losses = losses; self.gradients = gradients
        self.parameterCount = parameterCount; self.lastLayerWeights = lastLayerWeights
        self.learningRate = learningRate; self.ntkTraces = ntkTraces
    }

    /// Number of loss terms.
    public var termCount: Int { losses.count }

    /// The gradient of term k.
    public func gradient(_ k: Int) -> ArraySlice<Double> {
        gradients[(k * parameterCount)..<((k + 1) * parameterCount)]
    }
}

/// A rule that sets the loss-term weights each step. Schemes with state (moving averages,
/// trainable log-weights, previous losses) keep it in the value and update it in `lambdas`;
/// nothing may depend on the rank, so every rank of a data-parallel group stays identical.
public protocol WeightingScheme: Sendable, Checkpointable {
    /// Name used in experiment files and results (`loss.scheme`).
    var name: String { get }
    /// The lambdas for this step (one per term): what `history/lambda` records.
    mutating func lambdas(for input: WeightingInput) -> [Double]
    /// c in the parameter gradient c * sum_k lambda_k g_k (1 unless the scheme's objective
    /// carries a factor, as uncertainty weighting's 1/2).
    var gradientScale: Double { get }
    /// Whether `lambdas` ever reads the per-term gradients (`WeightingInput.gradients`).
    var readsTermGradients: Bool { get }
    /// Whether `lambdas` at `step` reads them. When it does not, the step computes one gradient
    /// of the weighted sum instead of every term's (the fused mode, cheaper).
    func needsTermGradients(atStep step: Int) -> Bool
}

extension WeightingScheme {
    public var gradientScale: Double { 1 }
    /// Schemes that read only the losses say nothing.
    public var readsTermGradients: Bool { false }
    public func needsTermGradients(atStep step: Int) -> Bool { readsTermGradients }
}

/// Fixed weights: the plain Sobolev network (all 1) or plain L2 training (gradient weights 0).
public struct FixedWeighting: WeightingScheme {
    public var name: String { "fixed" }
    public let weights: [Double]
    public init(weights: [Double]) { self.weights = weights }
    /// lambda_value for the value term, lambda_grad for each of `gradientTerms` derivative terms.
    public init(value: Double, gradient: Double, gradientTerms: Int) {
        weights = [value] + Array(repeating: gradient, count: gradientTerms)
    }
    public func lambdas(for input: WeightingInput) -> [Double] { weights }
    public var checkpointState: [Double] { [] }
    public mutating func restore(checkpointState s: [Double]) throws { try Self.decode(s) { _ in } }
}

/// The loss terms of a Sobolev surrogate with d inputs: one value term and either one
/// derivative term per input direction (the slides' lambda_2 per component) or one grouped term.
public struct TermLayout: Sendable, Equatable {
    public var inputDimension: Int
    public var hasDerivatives: Bool
    public var groupDerivatives: Bool

    /// k directional terms dir_1..dir_k after the gradient terms (Directional.swift); one "dir" when grouped.
    public var directionCount = 0

    public init(inputDimension: Int, hasDerivatives: Bool, groupDerivatives: Bool = false, directionCount: Int = 0) {
        self.inputDimension = inputDimension; self.hasDerivatives = hasDerivatives
        self.groupDerivatives = groupDerivatives; self.directionCount = directionCount
    }

    public var derivativeTermCount: Int { hasDerivatives ? (groupDerivatives ? 1 : inputDimension) : 0 }
    public var directionTermCount: Int { directionCount > 0 ? (groupDerivatives ? 1 : directionCount) : 0 }
    public var count: Int { 1 + derivativeTermCount + directionTermCount }

    /// "value", then "grad_1".."grad_d" (or "grad" when grouped), then "dir_1".."dir_k" (or "dir").
    public var names: [String] {
        ["value"] + (groupDerivatives ? (hasDerivatives ? ["grad"] : [])
                                      : (0..<derivativeTermCount).map { "grad_\($0 + 1)" })
            + (groupDerivatives ? (directionCount > 0 ? ["dir"] : []) : (0..<directionTermCount).map { "dir_\($0 + 1)" })
    }

    /// The layout term of each of the step's terms (value, grad_1..grad_d, dir_1..dir_k).
    public var termOfStepTerm: [Int] {
        let unit = hasDerivatives ? inputDimension : 0, dirBase = 1 + derivativeTermCount
        return [0] + (0..<unit).map { groupDerivatives ? 1 : 1 + $0 }
            + (0..<directionCount).map { groupDerivatives ? dirBase : dirBase + $0 }
    }

    /// Maps per-direction term quantities (value, grad_1..grad_d, dir_1..dir_k) that add up, such
    /// as losses or NTK traces, onto this layout by summing each family's terms when grouped.
    public func combine(_ perDirection: [Double]) -> [Double] {
        let map = termOfStepTerm
        guard groupDerivatives, perDirection.count == map.count else { return perDirection }
        var out = [Double](repeating: 0, count: count)
        for (t, v) in perDirection.enumerated() { out[map[t]] += v }
        return out
    }

    /// Maps the step's per-direction terms (value, grad_1..grad_d, dir_1..dir_k) onto this layout
    /// by summing each family's terms when grouped.
    public func combine(losses: [Double], gradients: [Double], parameterCount P: Int) -> (losses: [Double], gradients: [Double]) {
        let map = termOfStepTerm
        guard groupDerivatives, losses.count == map.count else { return (losses, gradients) }
        var g = [Double](repeating: 0, count: count * P)
        for t in losses.indices {
            let target = map[t] * P
            for p in 0..<P { g[target + p] += gradients[t * P + p] }
        }
        return (combine(losses), g)
    }
}
