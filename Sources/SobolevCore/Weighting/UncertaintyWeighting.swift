// Uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018): trainable s_i = log sigma_i^2,
// starting at 0, and the objective
//     L = 1/2 sum_i (exp(-s_i) L_i + s_i).
// Recorded lambda_i = exp(-s_i); the parameters' gradient is dL/dtheta = 1/2 sum_i lambda_i g_i,
// hence gradientScale = 1/2. s takes its own optimizer step, same kind and learning rate as theta,
// with dL/ds_i = 1/2 (1 - exp(-s_i) L_i). The step's lambdas are those before s moves
// (theta and s descend the same objective simultaneously).
import Foundation

public struct UncertaintyWeighting: WeightingScheme {
    public var name: String { "uncertainty" }
    public var gradientScale: Double { 0.5 }
    /// The log-variances s_i.
    public private(set) var logVariances: [Double]
    private var optimizer: any Optimizer

    public init(termCount: Int, optimizer: OptimizerKind) {
        logVariances = Array(repeating: 0, count: termCount)
        self.optimizer = optimizer.make(parameterCount: termCount)
    }

    /// dL/ds_i = 1/2 (1 - exp(-s_i) L_i).
    public static func logVarianceGradient(logVariances s: [Double], losses: [Double]) -> [Double] {
        zip(s, losses).map { 0.5 * (1 - exp(-$0) * $1) }
    }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        let lambdas = logVariances.map { exp(-$0) }
        let gradient = Self.logVarianceGradient(logVariances: logVariances, losses: input.losses)
        optimizer.step(parameters: &logVariances, gradient: gradient, learningRate: input.learningRate)
        return lambdas
    }

    public var checkpointState: [Double] {
        var e = StateEncoder()
        e.add(logVariances); e.add(optimizer)
        return e.values
    }
    public mutating func restore(checkpointState s: [Double]) throws {
        var inner = optimizer
        logVariances = try Self.decode(s) { d in
            let state = try d.array(count: logVariances.count)
            try inner.restore(checkpointState: try d.array())
            return state
        }
        optimizer = inner
    }
}
