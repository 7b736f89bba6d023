// Loss-term weighting: every step the scheme sees the term losses and each term's gradient (after
// the all-reduce under data parallelism, so every rank sees the same numbers) and returns the
// lambdas of L = sum_k lambda_k L_k.

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

    public init(step: Int, losses: [Double], gradients: [Double], parameterCount: Int, lastLayerWeights: Range<Int>) {
        self.step = step; self.losses = losses; self.gradients = gradients
        self.parameterCount = parameterCount; self.lastLayerWeights = lastLayerWeights
    }

    /// The gradient of term k.
    public func gradient(_ k: Int) -> ArraySlice<Double> {
        gradients[(k * parameterCount)..<((k + 1) * parameterCount)]
    }
}

/// A rule that sets the loss-term weights each step.
public protocol WeightingScheme: Sendable {
    /// Name used in experiment files and results (`loss.scheme`).
    var name: String { get }
    /// The lambdas for this step (one per term).
    mutating func lambdas(for input: WeightingInput) -> [Double]
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

    /// Maps the step's per-direction terms (value, grad_1..grad_d) onto this layout by summing
    /// the derivative terms when grouped.
    public func combine(losses: [Double], gradients: [Double], parameterCount P: Int) -> (losses: [Double], gradients: [Double]) {
        guard groupDerivatives, losses.count > 2 else { return (losses, gradients) }
        let l = [losses[0], losses[1...].reduce(0, +)]
        var g = Array(gradients[0..<(2 * P)])
        for t in 2..<losses.count {
            for p in 0..<P { g[P + p] += gradients[t * P + p] }
        }
        return (l, g)
    }
}
