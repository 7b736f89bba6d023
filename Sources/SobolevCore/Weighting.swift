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

    public init(inputDimension: Int, hasDerivatives: Bool, groupDerivatives: Bool = false) {
        self.inputDimension = inputDimension; self.hasDerivatives = hasDerivatives
        self.groupDerivatives = groupDerivatives
    }

    public var derivativeTermCount: Int { hasDerivatives ? (groupDerivatives ? 1 : inputDimension) : 0 }
    public var count: Int { 1 + derivativeTermCount }

    /// "value", then "grad_1".."grad_d" (or "grad" when grouped).
    public var names: [String] {
        ["value"] + (groupDerivatives ? (hasDerivatives ? ["grad"] : [])
                                      : (0..<derivativeTermCount).map { "grad_\($0 + 1)" })
    }

    /// Maps per-direction term quantities (value, grad_1..grad_d) that add up, such as losses or
    /// NTK traces, onto this layout by summing the derivative terms when grouped.
    public func combine(_ perDirection: [Double]) -> [Double] {
        guard groupDerivatives, perDirection.count > 2 else { return perDirection }
        return [perDirection[0], perDirection[1...].reduce(0, +)]
    }

    /// Maps the step's per-direction terms (value, grad_1..grad_d) onto this layout by summing
    /// the derivative terms when grouped.
    public func combine(losses: [Double], gradients: [Double], parameterCount P: Int) -> (losses: [Double], gradients: [Double]) {
        guard groupDerivatives, losses.count > 2 else { return (losses, gradients) }
        let l = combine(losses)
        var g = Array(gradients[0..<(2 * P)])
        for t in 2..<losses.count {
            for p in 0..<P { g[P + p] += gradients[t * P + p] }
        }
        return (l, g)
    }
}
