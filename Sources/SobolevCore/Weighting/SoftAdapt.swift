// SoftAdapt (Heydari, Thompson & Mehmood 2019), overflow-safe as in NVIDIA Modulus: the first
// step is the plain sum; afterwards, with the previous step's losses,
//     r_i = L_i(t) / (L_i(t-1) + eps),   w_i = exp((r_i - max_j r_j) / T),
//     lambda_i = n w_i / (sum_j w_j + eps).
// T is a softmax temperature (1: the reference form). The weights are constants for theta.
import Foundation

public struct SoftAdaptWeighting: WeightingScheme {
    public var name: String { "softadapt" }
    public let temperature: Double
    public let epsilon: Double
    public private(set) var previousLosses: [Double]?

    public init(temperature: Double = 1, epsilon: Double = 1e-8) {
        precondition(temperature > 0, "temperature must be > 0")
        self.temperature = temperature; self.epsilon = epsilon
    }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        defer { previousLosses = input.losses }
        guard let previous = previousLosses else { return Array(repeating: 1, count: input.termCount) }
        let rates = zip(input.losses, previous).map { $0 / ($1 + epsilon) }
        return Self.normalisedSoftmax(rates, temperature: temperature, epsilon: epsilon)
    }

    /// n exp((x_i - max x) / T) / (sum_j exp((x_j - max x) / T) + eps).
    public static func normalisedSoftmax(_ x: [Double], temperature: Double, epsilon: Double) -> [Double] {
        let top = x.max() ?? 0
        let w = x.map { exp(($0 - top) / temperature) }
        let scale = Double(x.count) / (w.reduce(0, +) + epsilon)
        return w.map { $0 * scale }
    }

    public var checkpointState: [Double] {
        var e = StateEncoder(); e.add(previousLosses); return e.values
    }
    public mutating func restore(checkpointState s: [Double]) throws {
        previousLosses = try Self.decode(s) { try $0.optionalArray() }
    }
}
