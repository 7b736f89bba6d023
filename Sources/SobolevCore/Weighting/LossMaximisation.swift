// L_max (Kilicsoy et al., IEEE Access 12, 2024): max_lambda L = sum_i lambda_i L_i subject to
// lambda >= 1, one projected gradient-ascent step per training step. dL/dlambda_i = L_i, so
//     lambda_i <- max(1, lambda_i + eta L_i).
// The step's lambdas already include the step's update.

public struct LossMaximisationWeighting: WeightingScheme {
    public var name: String { "lmax" }
    /// Ascent step eta_lambda (not given in the paper; docs/weighting.md).
    public let eta: Double
    public private(set) var current: [Double]

    public init(termCount: Int, eta: Double) {
        self.eta = eta
        current = Array(repeating: 1, count: termCount)
    }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        for i in current.indices { current[i] = max(1, current[i] + eta * input.losses[i]) }
        return current
    }

    public var checkpointState: [Double] { current }
    public mutating func restore(checkpointState s: [Double]) throws {
        current = try Self.decode([Double(current.count)] + s) { try $0.array(count: current.count) }
    }
}
