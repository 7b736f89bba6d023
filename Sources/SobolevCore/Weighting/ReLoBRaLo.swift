// ReLoBRaLo, relative loss balancing with random lookback (Bischof & Kraus 2021; defaults of
// NVIDIA Modulus): the first step is the plain sum and stores L(0); afterwards
//     w_hat(t; t') = n softmax_i( L_i(t) / (tau L_i(t') + eps) )      (shifted by its max)
//     lambda_i <- alpha (rho lambda_i + (1 - rho) w_hat_i(t; 0)) + (1 - alpha) w_hat_i(t; t-1)
// with rho ~ Bernoulli(lookback) drawn from the run's seeded stream "relobralo", one draw per
// step, so every rank of a data-parallel group draws the same rho. sum_i lambda_i stays n.
import Foundation

public struct ReLoBRaLoWeighting: WeightingScheme {
    public var name: String { "relobralo" }
    public let alpha: Double
    /// Probability of rho = 1 (Modulus's beta): keep the history instead of looking back to L(0).
    public let lookback: Double
    public let temperature: Double
    public let epsilon: Double
    public private(set) var current: [Double] = []
    public private(set) var initialLosses: [Double]?
    public private(set) var previousLosses: [Double] = []
    private var rng: SeededRNG

    public init(seed: UInt64, alpha: Double = 0.95, lookback: Double = 0.99, temperature: Double = 1, epsilon: Double = 1e-8) {
        self.init(rng: SeededRNG(seed: seed, stream: "relobralo"), alpha: alpha, lookback: lookback,
                  temperature: temperature, epsilon: epsilon)
    }

    /// With a given generator (tests).
    public init(rng: SeededRNG, alpha: Double, lookback: Double, temperature: Double, epsilon: Double) {
        precondition(temperature > 0, "temperature must be > 0")
        self.rng = rng; self.alpha = alpha; self.lookback = lookback
        self.temperature = temperature; self.epsilon = epsilon
    }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        let losses = input.losses
        defer { previousLosses = losses }
        guard let initial = initialLosses else {
            initialLosses = losses
            current = Array(repeating: 1, count: losses.count)
            return current
        }
        let rho: Double = rng.bernoulli(lookback) ? 1 : 0
        let fromStart = balance(losses, against: initial), fromPrevious = balance(losses, against: previousLosses)
        for i in current.indices {
            current[i] = alpha * (rho * current[i] + (1 - rho) * fromStart[i]) + (1 - alpha) * fromPrevious[i]
        }
        return current
    }

    /// n softmax_i( L_i(t) / (tau L_i(t') + eps) ).
    func balance(_ losses: [Double], against reference: [Double]) -> [Double] {
        let x = zip(losses, reference).map { $0 / (temperature * $1 + epsilon) }
        let top = x.max() ?? 0
        let w = x.map { exp($0 - top) }
        let scale = Double(x.count) / w.reduce(0, +)
        return w.map { $0 * scale }
    }

    public var checkpointState: [Double] {
        var e = StateEncoder()
        e.add(current); e.add(initialLosses); e.add(previousLosses); e.add(rng)
        return e.values
    }
    public mutating func restore(checkpointState s: [Double]) throws {
        var generator = rng
        (current, initialLosses, previousLosses) = try Self.decode(s) { d in
            let state = (try d.array(), try d.optionalArray(), try d.array())
            try generator.restore(checkpointState: try d.array())
            return state
        }
        rng = generator
    }
}
