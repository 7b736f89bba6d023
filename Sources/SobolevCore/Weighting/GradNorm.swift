// GradNorm (Chen, Badrinarayanan, Lee & Rabinovich, ICML 2018), with the exponential
// parametrisation of NVIDIA Modulus: trainable log-weights a_i (start 0), w_i = exp(a_i),
// renormalised every step so that sum_i w_i = n. With W the output layer's weight matrix:
//     G_i = w_i |dL_i/dW|_2,   r_i = (L_i / L_i(0)) / mean_j (L_j / L_j(0)),
//     c_i = mean(G) r_i^alpha (held constant),   L_gn = sum_i |G_i - c_i|,
// and since G_i is linear in w_i = exp(a_i):  dL_gn/da_i = sign(G_i - c_i) G_i.
// a takes its own optimizer step (the kind of theta's, learning rate `learningRate`, no
// schedule); theta sees sum_i w_i L_i with this step's w held constant.
import Foundation

public struct GradNormWeighting: WeightingScheme {
    public var name: String { "gradnorm" }
    /// Strength of the restoring force towards equal training rates.
    public let alpha: Double
    /// Learning rate of the log-weights.
    public let learningRate: Double
    public private(set) var logWeights: [Double]
    public private(set) var initialLosses: [Double]?
    private var optimizer: any Optimizer

    public init(termCount: Int, alpha: Double = 1, optimizer: OptimizerKind, learningRate: Double) {
        self.alpha = alpha; self.learningRate = learningRate
        logWeights = Array(repeating: 0, count: termCount)
        self.optimizer = optimizer.make(parameterCount: termCount)
    }

    /// dL_gn/da_i = sign(G_i - c_i) G_i, with G_i = w_i |dL_i/dW| and c_i = mean(G) r_i^alpha.
    public static func logWeightGradient(weights w: [Double], lastLayerNorms: [Double], losses: [Double],
                                         initialLosses: [Double], alpha: Double) -> [Double] {
        let n = Double(w.count)
        let G = zip(w, lastLayerNorms).map { $0 * $1 }
        let meanG = G.reduce(0, +) / n
        // Inverse training rates; a term whose first loss was 0 counts as on schedule.
        let rates = zip(losses, initialLosses).map { $1 > 0 ? $0 / $1 : 1 }
        let meanRate = rates.reduce(0, +) / n
        return (0..<w.count).map { i in
            let r = meanRate > 0 ? rates[i] / meanRate : 1
            let target = meanG * pow(r, alpha)
            let difference = G[i] - target
            return difference > 0 ? G[i] : (difference < 0 ? -G[i] : 0)
        }
    }

    /// The output layer's part of every term gradient, every step.
    public var readsTermGradients: Bool { true }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        if initialLosses == nil { initialLosses = input.losses }
        // Renormalise: a_i += log(n / sum_j exp(a_j)), so sum_i w_i = n.
        let shift = log(Double(logWeights.count) / logWeights.reduce(0) { $0 + exp($1) })
        for i in logWeights.indices { logWeights[i] += shift }
        let weights = logWeights.map { exp($0) }
        let norms = (0..<weights.count).map { input.lastLayerGradientNorm($0) }
        let gradient = Self.logWeightGradient(weights: weights, lastLayerNorms: norms, losses: input.losses,
                                              initialLosses: initialLosses!, alpha: alpha)
        optimizer.step(parameters: &logWeights, gradient: gradient, learningRate: learningRate)
        return weights
    }

    public var checkpointState: [Double] {
        var e = StateEncoder()
        e.add(logWeights); e.add(initialLosses); e.add(optimizer)
        return e.values
    }
    public mutating func restore(checkpointState s: [Double]) throws {
        var inner = optimizer
        (logWeights, initialLosses) = try Self.decode(s) { d in
            let state = (try d.array(count: logWeights.count), try d.optionalArray())
            try inner.restore(checkpointState: try d.array())
            return state
        }
        optimizer = inner
    }
}
