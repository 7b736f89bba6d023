// Learning-rate annealing (Wang, Teng & Perdikaris, SIAM J. Sci. Comput. 43, 2021, Algorithm 1):
//     lambda_hat_i = stat_p |g_ref,p| / (mean_p |g_i,p| + eps)
//     lambda_i <- (1 - alpha) lambda_i + alpha lambda_hat_i
// with stat = max (the paper) or mean (NVIDIA Modulus), the reference term = the value term
// (its lambda stays 1), lambdas starting at 1, updated every `updateEvery` steps. The step's
// lambdas include the update.

public struct LearningRateAnnealingWeighting: WeightingScheme {
    /// The statistic of the reference gradient in lambda_hat's numerator.
    public enum Statistic: String, Sendable, CaseIterable { case max, mean }

    public var name: String { "lra" }
    public let alpha: Double
    public let statistic: Statistic
    public let epsilon: Double
    public let updateEvery: Int
    /// Index of the reference term.
    public let reference: Int
    public private(set) var current: [Double]

    public init(termCount: Int, alpha: Double, statistic: Statistic, epsilon: Double, updateEvery: Int = 1, reference: Int = 0) {
        precondition(updateEvery >= 1, "update_every must be >= 1")
        self.alpha = alpha; self.statistic = statistic; self.epsilon = epsilon
        self.updateEvery = updateEvery; self.reference = reference
        current = Array(repeating: 1, count: termCount)
    }

    /// Gradient statistics on the update steps only.
    public var readsTermGradients: Bool { true }
    public func needsTermGradients(atStep step: Int) -> Bool { step % updateEvery == 0 }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        guard input.step % updateEvery == 0 else { return current }
        let ref = statistic == .max ? input.maxAbsoluteGradient(reference) : input.meanAbsoluteGradient(reference)
        for i in current.indices where i != reference {
            let hat = ref / (input.meanAbsoluteGradient(i) + epsilon)
            current[i] = (1 - alpha) * current[i] + alpha * hat
        }
        return current
    }

    public var checkpointState: [Double] { current }
    public mutating func restore(checkpointState s: [Double]) throws {
        current = try Self.decode([Double(current.count)] + s) { try $0.array(count: current.count) }
    }
}
