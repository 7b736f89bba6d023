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
    /// Whether `lambdas` reads the exact NTK traces (`WeightingInput.ntkTraces`), whose passes
    /// hold every input direction's tangent blocks as the per-term step does (NTKTrace.swift).
    var readsNTKTraces: Bool { get }
}

extension WeightingScheme {
    public var gradientScale: Double { 1 }
    /// Schemes that read only the losses say nothing.
    public var readsTermGradients: Bool { false }
    public var readsNTKTraces: Bool { false }
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
    /// lambda_value for the value term, lambda_grad for each gradient and directional term,
    /// lambda_hess for each Hessian term of `layout`.
    public init(value: Double, gradient: Double, hessian: Double, layout: TermLayout) {
        weights = [value] + Array(repeating: gradient, count: layout.derivativeTermCount + layout.directionTermCount)
            + Array(repeating: hessian, count: layout.hessianTermCount)
    }
    public func lambdas(for input: WeightingInput) -> [Double] { weights }
    public var checkpointState: [Double] { [] }
    public mutating func restore(checkpointState s: [Double]) throws { try Self.decode(s) { _ in } }
}

/// The loss terms of a Sobolev surrogate with d inputs: one value term, either one derivative
/// term per input direction (the slides' lambda_2 per component) or one grouped term, with
/// directional data one term per direction index (or one grouped), and with Hessian data either
/// one term per pair (j, k), j <= k, or one grouped term. A layout has directional or Hessian
/// terms, not both (the experiment checks refuse the combination).
public struct TermLayout: Sendable, Equatable {
    public var inputDimension: Int
    public var hasDerivatives: Bool
    public var groupDerivatives: Bool
    public var hasHessians: Bool
    public var groupHessian: Bool

    /// k directional terms dir_1..dir_k after the gradient terms (Directional.swift); one "dir"
    /// when the derivatives are grouped.
    public var directionCount = 0

    public init(inputDimension: Int, hasDerivatives: Bool, groupDerivatives: Bool = false, directionCount: Int = 0,
                hasHessians: Bool = false, groupHessian: Bool = false) {
        self.inputDimension = inputDimension; self.hasDerivatives = hasDerivatives
        self.groupDerivatives = groupDerivatives; self.directionCount = directionCount
        self.hasHessians = hasHessians; self.groupHessian = groupHessian
    }

    public var derivativeTermCount: Int { hasDerivatives ? (groupDerivatives ? 1 : inputDimension) : 0 }
    public var directionTermCount: Int { directionCount > 0 ? (groupDerivatives ? 1 : directionCount) : 0 }
    /// d(d+1)/2 pair terms, or 1 grouped, or 0 without Hessian data.
    public var hessianTermCount: Int { hasHessians ? (groupHessian ? 1 : HessianPairs.count(inputDimension)) : 0 }
    public var count: Int { 1 + derivativeTermCount + directionTermCount + hessianTermCount }

    /// Terms by derivative order: "value", then "grad_1".."grad_d" (or "grad" when grouped), then
    /// "dir_1".."dir_k" (or "dir" when the derivatives are grouped), then "hess_1_1", "hess_1_2", ..
    /// for the pairs j <= k, j outer (or "hess" when grouped).
    public var names: [String] {
        let grads = groupDerivatives ? (hasDerivatives ? ["grad"] : [])
                                     : (0..<derivativeTermCount).map { "grad_\($0 + 1)" }
        let dirs = groupDerivatives ? (directionCount > 0 ? ["dir"] : [])
                                    : (0..<directionTermCount).map { "dir_\($0 + 1)" }
        let hess = groupHessian ? (hasHessians ? ["hess"] : [])
                                : (hasHessians ? HessianPairs(inputDimension).names : [])
        return ["value"] + grads + dirs + hess
    }

    /// Number of the step's (ungrouped) terms: value, one per input direction, one per direction
    /// index, one per Hessian pair; `termSums`' order.
    public var stepTermCount: Int {
        1 + (hasDerivatives ? inputDimension : 0) + directionCount + (hasHessians ? HessianPairs.count(inputDimension) : 0)
    }

    /// The layout term of each of the step's terms (value, grad_1..grad_d, dir_1..dir_k, hess pairs).
    public var termOfStepTerm: [Int] {
        let unit = hasDerivatives ? inputDimension : 0, pairs = hasHessians ? HessianPairs.count(inputDimension) : 0
        let dirBase = 1 + derivativeTermCount, hessBase = dirBase + directionTermCount
        return [0] + (0..<unit).map { groupDerivatives ? 1 : 1 + $0 }
            + (0..<directionCount).map { groupDerivatives ? dirBase : dirBase + $0 }
            + (0..<pairs).map { groupHessian ? hessBase : hessBase + $0 }
    }

    /// True when some family of the step's terms is summed into one layout term.
    var groups: Bool { stepTermCount != count }

    /// Maps the step's term quantities that add up, such as losses or NTK traces, onto this layout
    /// by summing each grouped family's terms.
    public func combine(_ perStepTerm: [Double]) -> [Double] {
        guard groups, perStepTerm.count == stepTermCount else { return perStepTerm }
        var out = [Double](repeating: 0, count: count)
        for (t, k) in termOfStepTerm.enumerated() { out[k] += perStepTerm[t] }
        return out
    }

    /// Maps the step's terms onto this layout by summing each grouped family's losses and gradients.
    public func combine(losses: [Double], gradients: [Double], parameterCount P: Int) -> (losses: [Double], gradients: [Double]) {
        guard groups, losses.count == stepTermCount else { return (losses, gradients) }
        var g = [Double](repeating: 0, count: count * P)
        for (t, k) in termOfStepTerm.enumerated() {
            for p in 0..<P { g[k * P + p] += gradients[t * P + p] }
        }
        return (combine(losses), g)
    }
}

/// The Hessian terms' pairs (j, k), j <= k, in row-major order (j outer): the symmetric entry
/// (k, j) is not a term of its own.
public struct HessianPairs: Sendable, Equatable {
    public let inputDimension: Int
    public let pairs: [(j: Int, k: Int)]

    public init(_ d: Int) {
        inputDimension = d
        pairs = (0..<d).flatMap { j in (j..<d).map { k in (j, k) } }
    }

    public static func count(_ d: Int) -> Int { d * (d + 1) / 2 }
    /// A sample's row blocks in the second-order passes: its value, d tangents and the pairs.
    public static func rowBlocks(_ d: Int) -> Int { 1 + d + count(d) }
    public var count: Int { pairs.count }
    /// "hess_1_1", "hess_1_2", ... (1-based).
    public var names: [String] { pairs.map { "hess_\($0.j + 1)_\($0.k + 1)" } }

    public static func == (a: HessianPairs, b: HessianPairs) -> Bool { a.inputDimension == b.inputDimension }
}
