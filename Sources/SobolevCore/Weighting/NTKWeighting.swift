// NTK weighting (Wang, Yu & Perdikaris, J. Comput. Phys. 449, 2022):
//     lambda_i = sum_j tr(K_jj) / tr(K_ii),   tr(K_ii) = sum_b |d r_i(x_b) / d theta|^2,
// recomputed every `every` steps (at steps every, 2 every, ...; lambdas are 1 before the first).
// `exact` takes the traces from the per-sample gradients (WeightingInput.ntkTraces);
// `proxy` puts NVIDIA Modulus's |d sqrt(L_i) / d theta|_2 = |g_i| / (2 sqrt(L_i)) in the place
// of tr(K_ii), unsquared as Modulus does (docs/weighting.md).

public struct NTKWeighting: WeightingScheme {
    public enum Mode: String, Sendable, CaseIterable { case exact, proxy }

    public var name: String { "ntk" }
    public let mode: Mode
    public let every: Int
    public private(set) var current: [Double]

    public init(termCount: Int, mode: Mode = .exact, every: Int = 100) {
        precondition(every >= 1, "ntk_every must be >= 1")
        self.mode = mode; self.every = every
        current = Array(repeating: 1, count: termCount)
    }

    /// lambda_i = sum_j tr_j / tr_i; a term with a zero (or non-finite) trace keeps `previous`.
    public static func lambdas(traces: [Double], previous: [Double]) -> [Double] {
        let total = traces.reduce(0, +)
        return zip(traces, previous).map { t, old in
            let l = total / t
            return t > 0 && l.isFinite ? l : old
        }
    }

    /// |d sqrt(L_i) / d theta|_2 = |g_i| / (2 sqrt(L_i)) (0 when L_i = 0).
    public static func proxyTraces(_ input: WeightingInput) -> [Double] {
        (0..<input.termCount).map { i in
            input.losses[i] > 0 ? input.gradientNorm(i) / (2 * input.losses[i].squareRoot()) : 0
        }
    }

    /// The proxy reads gradient norms on its update steps; exact traces come from `ntkTraces`.
    public var readsTermGradients: Bool { mode == .proxy }
    public var readsNTKTraces: Bool { mode == .exact }
    public func needsTermGradients(atStep step: Int) -> Bool { mode == .proxy && step > 0 && step % every == 0 }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        guard input.step > 0, input.step % every == 0 else { return current }
        let traces: [Double]
        switch mode {
        case .proxy: traces = Self.proxyTraces(input)
        case .exact:
            guard let compute = input.ntkTraces else {
                preconditionFailure("exact NTK weighting needs WeightingInput.ntkTraces")
            }
            traces = compute()
        }
        current = Self.lambdas(traces: traces, previous: current)
        return current
    }

    public var checkpointState: [Double] { current }
    public mutating func restore(checkpointState s: [Double]) throws {
        current = try Self.decode([Double(current.count)] + s) { try $0.array(count: current.count) }
    }
}
