// The Hessian terms (order-2 Sobolev): the network's input Hessian against differences of its
// Jacobian, every term's parameter gradient of the reference against central differences, the
// per-term and fused modes of SobolevStep against the reference, and the term layout.
import Testing
@testable import SobolevCore

/// A random batch with Jacobian (when `jacobians`) and symmetric Hessian targets.
func randomHessianBatch(n: Int, d: Int, m: Int, seed: UInt64, jacobians: Bool = true) -> Dataset {
    let base = randomBatch(n: n, d: d, m: m, seed: seed)
    var rng = SeededRNG(seed: seed &+ 1000)
    var h = [Double](repeating: 0, count: n * m * d * d)
    for i in 0..<n { for o in 0..<m { for j in 0..<d { for k in j..<d {
        let v = rng.uniform(-2, 2)
        h[((i * m + o) * d + j) * d + k] = v; h[((i * m + o) * d + k) * d + j] = v
    } } } }
    return Dataset(inputs: base.inputs, values: base.values, jacobians: jacobians ? base.jacobians : nil, hessians: h)
}

/// Glorot parameters with small random offsets (non-zero biases), slopes near 1/n when adaptive.
func perturbedParameters(_ net: MLPArchitecture, seed: UInt64) -> [Double] {
    var theta = net.glorotUniformParameters(seed: seed)
    var rng = SeededRNG(seed: seed &+ 77)
    for i in 0..<net.slopeOffset { theta[i] += 0.1 * rng.uniform(-1, 1) }
    if let n = net.adaptiveScale {
        for l in 0..<net.hiddenLayerCount { theta[net.slopeOffset + l] = (1 + 0.3 * rng.uniform(-1, 1)) / n }
    }
    return theta
}

/// The step tests' cases: for each (slope, Jacobians, m) a 3 -> 5 -> 5 -> m network of `activation`
/// with perturbed parameters and a batch of `samples` with Hessian targets.
func hessianCases(_ activation: Activation, _ cases: [(adaptive: Double?, jacobians: Bool, m: Int)], samples n: Int,
                  network: UInt64, data: UInt64)
    -> [(adaptive: Double?, jacobians: Bool, m: Int, net: MLPArchitecture, theta: [Double], batch: Dataset)] {
    cases.map { c in
        let net = MLPArchitecture(inputs: 3, outputs: c.m, depth: 2, width: 5, activation: activation, adaptiveScale: c.adaptive)
        return (c.adaptive, c.jacobians, c.m, net, perturbedParameters(net, seed: network),
                randomHessianBatch(n: n, d: 3, m: c.m, seed: data, jacobians: c.jacobians))
    }
}

@Suite("Hessian terms")
struct HessianTests {
    @Test("input Hessian against central differences of the Jacobian, every activation, slopes",
          arguments: Activation.allCases)
    func hessianMatchesDifferencesOfJacobian(activation: Activation) {
        for adaptive in [nil, 5.0] as [Double?] {
            let net = MLPArchitecture(inputs: 3, outputs: 2, depth: 2, width: 5, activation: activation, adaptiveScale: adaptive)
            let theta = perturbedParameters(net, seed: 4)
            let x = randomBatch(n: 4, d: 3, m: 2, seed: 9).inputs
            let (values, jac, hess) = net.predictHessians(parameters: theta, inputs: x)
            let plain = net.predict(parameters: theta, inputs: x)
            #expect(relativeError(values.data, plain.values.data) < 1e-14)
            #expect(relativeError(jac, plain.jacobians) < 1e-13)
            var fd = [Double](repeating: 0, count: hess.count)
            let h = 1e-5
            for k in 0..<3 {
                var xp = x, xm = x
                for i in 0..<x.rows { xp[i, k] += h; xm[i, k] -= h }
                let jp = net.predict(parameters: theta, inputs: xp).jacobians, jm = net.predict(parameters: theta, inputs: xm).jacobians
                for i in 0..<x.rows { for o in 0..<2 { for j in 0..<3 {
                    fd[((i * 2 + o) * 3 + j) * 3 + k] = (jp[(i * 2 + o) * 3 + j] - jm[(i * 2 + o) * 3 + j]) / (2 * h)
                } } }
            }
            #expect(relativeError(hess, fd) < 1e-8, "\(activation) adaptive \(String(describing: adaptive))")
        }
    }

    @Test("reference: every term's gradient against central differences, every activation, m = 2, slopes on and off",
          arguments: Activation.allCases)
    func referenceGradientsMatchFiniteDifferences(activation: Activation) {
        for adaptive in [nil, 10.0] as [Double?] {
            let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 2, width: 4, activation: activation, adaptiveScale: adaptive)
            let theta = perturbedParameters(net, seed: 7)
            let batch = randomHessianBatch(n: 3, d: 2, m: 2, seed: 5)
            let sums = net.referenceHessianTermSums(parameters: theta, batch: batch)
            #expect(sums.losses.count == 1 + 2 + 3)
            let P = net.parameterCount, h = adaptive == nil ? 1e-6 : 1e-7
            var fd = [[Double]](repeating: [Double](repeating: 0, count: P), count: sums.losses.count)
            for p in 0..<P {
                var plus = theta, minus = theta
                plus[p] += h; minus[p] -= h
                let lp = net.referenceHessianTermSums(parameters: plus, batch: batch, withGradients: false).losses
                let lm = net.referenceHessianTermSums(parameters: minus, batch: batch, withGradients: false).losses
                for t in fd.indices { fd[t][p] = (lp[t] - lm[t]) / (2 * h) }
            }
            for (t, g) in termGradients(sums, parameterCount: P).enumerated() {
                let err = relativeError(g, fd[t])
                #expect(err < 1e-6, "term \(t) (\(activation), adaptive \(String(describing: adaptive))): relative error \(err)")
                if adaptive != nil {
                    let slopes = Array(g[net.slopeOffset...]), fdSlopes = Array(fd[t][net.slopeOffset...])
                    #expect(relativeError(slopes, fdSlopes) < 1e-6, "term \(t) slopes (\(activation))")
                }
            }
        }
    }

    @Test("reference: the value and gradient terms are the first-order reference's")
    func referenceAgreesWithFirstOrder() {
        let net = MLPArchitecture(inputs: 3, outputs: 2, depth: 2, width: 5, activation: .tanh, adaptiveScale: 10)
        let theta = perturbedParameters(net, seed: 2)
        let batch = randomHessianBatch(n: 4, d: 3, m: 2, seed: 6)
        let first = net.referenceTermSums(parameters: theta, batch: Dataset(inputs: batch.inputs, values: batch.values, jacobians: batch.jacobians))
        let second = net.referenceHessianTermSums(parameters: theta, batch: batch)
        let P = net.parameterCount, T1 = first.losses.count
        #expect(second.losses.count == T1 + 6)
        #expect(relativeError(Array(second.losses[0..<T1]), first.losses) < 1e-13)
        #expect(relativeError(Array(second.gradients[0..<(T1 * P)]), first.gradients) < 1e-12)
    }

    @Test("per-term mode equals the reference, with and without Jacobians, slopes, derivative gradients off",
          arguments: Activation.allCases)
    func perTermMatchesReference(activation: Activation) {
        for (adaptive, jacobians, _, net, theta, batch) in hessianCases(
            activation, [(nil, true, 2), (10.0, true, 1), (nil, false, 2), (10.0, false, 3)], samples: 4, network: 3, data: 8) {
            let ref = net.referenceHessianTermSums(parameters: theta, batch: batch)
            let fast = SobolevStep(architecture: net).termSums(parameters: theta, batch: batch)
            #expect(fast.losses.count == (jacobians ? 10 : 7))
            #expect(relativeError(fast.losses, ref.losses) < 1e-13)
            for (t, (a, b)) in zip(termGradients(fast, parameterCount: net.parameterCount),
                                   termGradients(ref, parameterCount: net.parameterCount)).enumerated() {
                #expect(relativeError(a, b) < 1e-12, "term \(t), \(activation), adaptive \(String(describing: adaptive)), jacobians \(jacobians)")
            }
            let valueOnly = SobolevStep(architecture: net).termSums(parameters: theta, batch: batch, derivativeGradients: false)
            let P = net.parameterCount
            #expect(valueOnly.losses == fast.losses)
            #expect(relativeError(Array(valueOnly.gradients[0..<P]), Array(ref.gradients[0..<P])) < 1e-12)
            #expect(valueOnly.gradients[P...].allSatisfy { $0 == 0 })
        }
    }

    @Test("fused mode equals the per-term mode's weighted sum, both plans, m = 1..3, slopes", arguments: Activation.allCases)
    func fusedMatchesWeightedSum(activation: Activation) {
        for (adaptive, jacobians, m, net, theta, batch) in hessianCases(
            activation, [(nil, true, 1), (10.0, true, 2), (nil, false, 3), (10.0, true, 3)], samples: 5, network: 12, data: 13) {
            let step = SobolevStep(architecture: net)
            let perTerm = step.termSums(parameters: theta, batch: batch)
            let T = perTerm.losses.count, P = net.parameterCount
            var rng = SeededRNG(seed: 17)
            let weights = (0..<T).map { _ in rng.uniform(0.1, 2) }
            var expected = [Double](repeating: 0, count: P)
            for t in 0..<T { for p in 0..<P { expected[p] += weights[t] * perTerm.gradients[t * P + p] } }
            for plan in JacobianPlan.allCases {
                let losses = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
                #expect(losses.losses == perTerm.losses)
                let fused = step.fusedGradient(parameters: theta, weights: weights)
                #expect(relativeError(fused, expected) < 1e-12, "\(activation) \(plan) m \(m) adaptive \(String(describing: adaptive))")
            }
            // Zero Hessian weights: the first-order fused gradient of the same batch without Hessians.
            if jacobians {
                let first = Dataset(inputs: batch.inputs, values: batch.values, jacobians: batch.jacobians)
                _ = step.fusedLosses(parameters: theta, batch: first, plan: .forward)
                let a = step.fusedGradient(parameters: theta, weights: Array(weights[0..<4]))
                _ = step.fusedLosses(parameters: theta, batch: batch, plan: .forward)
                let b = step.fusedGradient(parameters: theta, weights: Array(weights[0..<4]) + Array(repeating: 0, count: T - 4))
                #expect(relativeError(b, a) < 1e-12)
            }
        }
    }

    @Test("tiles of a few samples give the whole batch's per-term and fused Hessian steps", arguments: Activation.allCases)
    func tiles(activation: Activation) {
        for (adaptive, jacobians, m, net, theta, batch) in hessianCases(
            activation, [(nil, true, 1), (10.0, true, 2), (nil, false, 3), (10.0, false, 1)], samples: 9, network: 21, data: 22) {
            let whole = SobolevStep(architecture: net), tiled = SobolevStep(architecture: net)
            let a = whole.termSums(parameters: theta, batch: batch)
            var rng = SeededRNG(seed: 23)
            let weights = a.losses.map { _ in rng.uniform(0.1, 2) }
            _ = whole.fusedLosses(parameters: theta, batch: batch, plan: .forward)
            let fa = whole.fusedGradient(parameters: theta, weights: weights)
            for limit in [1, 2, 4] {
                tiled.tileSamplesLimit = limit   // 9 samples in tiles of 1, of 2 (the last of 1) and of 4
                let b = tiled.termSums(parameters: theta, batch: batch)
                #expect(b.losses == a.losses && relativeError(b.gradients, a.gradients) < 1e-13,
                        "per-term \(activation) m \(m) jacobians \(jacobians) tiles of \(limit)")
                _ = tiled.fusedLosses(parameters: theta, batch: batch, plan: .forward)
                let fb = tiled.fusedGradient(parameters: theta, weights: weights)
                #expect(relativeError(fb, fa) < 1e-13, "fused \(activation) m \(m) adaptive \(String(describing: adaptive)) tiles of \(limit)")
            }
        }
    }

    @Test("fused gradient against central differences of the weighted loss sum", arguments: [Activation.tanh, .softplus])
    func fusedMatchesFiniteDifferences(activation: Activation) {
        let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 2, width: 4, activation: activation, adaptiveScale: 10)
        let theta = perturbedParameters(net, seed: 41)
        let batch = randomHessianBatch(n: 3, d: 2, m: 2, seed: 42)
        let weights = [0.7, 1.3, 0.4, 2, 0.9, 1.6]
        let step = SobolevStep(architecture: net)
        _ = step.fusedLosses(parameters: theta, batch: batch, plan: .forward)
        let g = step.fusedGradient(parameters: theta, weights: weights)
        func weighted(_ p: [Double]) -> Double {
            zip(weights, step.lossSums(parameters: p, batch: batch).losses).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let h = 1e-7
        let fd = theta.indices.map { p -> Double in
            var plus = theta, minus = theta
            plus[p] += h; minus[p] -= h
            return (weighted(plus) - weighted(minus)) / (2 * h)
        }
        #expect(relativeError(g, fd) < 1e-6, "\(activation): \(relativeError(g, fd))")
    }

    @Test("NTK traces of every term = brute-force per-sample residual gradients of the reference, slopes, m = 2",
          arguments: [Activation.tanh, .gelu])
    func ntkTraces(activation: Activation) {
        for (adaptive, jacobians) in [(nil, true), (10.0, true), (nil, false)] as [(Double?, Bool)] {
            let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 2, width: 4, activation: activation, adaptiveScale: adaptive)
            let theta = perturbedParameters(net, seed: 21)
            let batch = randomHessianBatch(n: 3, d: 2, m: 2, seed: 22, jacobians: jacobians)
            let traces = net.ntkTraceSums(parameters: theta, batch: batch)
            // d r_{t,i,o} / d theta is the gradient of S_t on sample i with targets the network's
            // own outputs minus e_o (every residual 0 but that one, which is 1).
            let P = net.parameterCount
            var brute = [Double](repeating: 0, count: traces.count)
            for i in 0..<3 {
                let x = batch.inputs.rows([i])
                let (v, jac, hess) = net.predictHessians(parameters: theta, inputs: x)
                for o in 0..<2 {
                    var y = v, dy = jac, d2y = hess
                    y[0, o] -= 1
                    for j in 0..<2 { dy[o * 2 + j] -= 1 }
                    for q in 0..<4 { d2y[o * 4 + q] -= 1 }
                    let probe = Dataset(inputs: x, values: y, jacobians: jacobians ? dy : nil, hessians: d2y)
                    let g = net.referenceHessianTermSums(parameters: theta, batch: probe).gradients
                    for t in brute.indices { brute[t] += g[(t * P)..<((t + 1) * P)].reduce(0) { $0 + $1 * $1 } }
                }
            }
            #expect(traces.count == (jacobians ? 6 : 4))
            #expect(relativeError(traces, brute) < 1e-12, "\(activation) adaptive \(String(describing: adaptive)) jacobians \(jacobians)")
        }
    }

    @Test("term sums, per-term and fused gradients and NTK traces add over shards of a batch (what the all-reduce relies on)")
    func additiveOverShards() {
        let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 2, width: 5, activation: .sin, adaptiveScale: 10)
        let theta = perturbedParameters(net, seed: 31)
        let batch = randomHessianBatch(n: 5, d: 2, m: 2, seed: 32)
        let shards = [batch.subset([0, 1]), batch.subset([2, 3, 4])]
        let step = SobolevStep(architecture: net)
        func add(_ x: [[Double]]) -> [Double] { x.dropFirst().reduce(x[0]) { zip($0, $1).map { $0 + $1 } } }
        let whole = step.termSums(parameters: theta, batch: batch)
        let parts = shards.map { step.termSums(parameters: theta, batch: $0) }
        #expect(relativeError(add(parts.map(\.losses)), whole.losses) < 1e-13)
        #expect(relativeError(add(parts.map(\.gradients)), whole.gradients) < 1e-13)
        let weights = [1, 0.5, 2, 0.3, 0.7, 1.1]
        func fused(_ b: Dataset) -> [Double] {
            _ = step.fusedLosses(parameters: theta, batch: b, plan: .forward)
            return step.fusedGradient(parameters: theta, weights: weights)
        }
        #expect(relativeError(add(shards.map(fused)), fused(batch)) < 1e-13)
        let traces = net.ntkTraceSums(parameters: theta, batch: batch)
        #expect(relativeError(add(shards.map { net.ntkTraceSums(parameters: theta, batch: $0) }), traces) < 1e-13)
    }

    @Test("term layout: names, counts and grouping of the Hessian terms")
    func layout() {
        let a = TermLayout(inputDimension: 3, hasDerivatives: true, hasHessians: true)
        #expect(a.names == ["value", "grad_1", "grad_2", "grad_3", "hess_1_1", "hess_1_2", "hess_1_3", "hess_2_2", "hess_2_3", "hess_3_3"])
        #expect(a.count == 10 && a.hessianTermCount == 6)
        let values = (0..<10).map { Double($0 + 1) }
        #expect(a.combine(values) == values)
        let g = TermLayout(inputDimension: 3, hasDerivatives: true, groupDerivatives: true, hasHessians: true, groupHessian: true)
        #expect(g.names == ["value", "grad", "hess"])
        let grouped: [Double] = [1, 9, 45]
        #expect(g.combine(values) == grouped)
        let h = TermLayout(inputDimension: 2, hasDerivatives: true, groupDerivatives: false, hasHessians: true, groupHessian: true)
        #expect(h.names == ["value", "grad_1", "grad_2", "hess"])
        #expect(h.combine([1, 2, 3, 4, 5, 6]) == [1, 2, 3, 15])
        let (losses, grads) = h.combine(losses: [1, 2, 3, 4, 5, 6], gradients: (0..<12).map(Double.init), parameterCount: 2)
        #expect(losses == [1, 2, 3, 15])
        let summed: [Double] = [0, 1, 2, 3, 4, 5, 24, 27]
        #expect(grads == summed)
        let noJac = TermLayout(inputDimension: 2, hasDerivatives: false, hasHessians: true)
        #expect(noJac.names == ["value", "hess_1_1", "hess_1_2", "hess_2_2"])
        // The first-order layouts are unchanged.
        #expect(TermLayout(inputDimension: 2, hasDerivatives: true, groupDerivatives: true).combine([1, 2, 3]) == [1, 5])
    }

    @Test("standardisation: normalised Hessian targets are the differences of the normalised Jacobian targets")
    func standardizedHessians() {
        let data = quadraticData(count: 6, seed: 2)
        let s = Standardization(inputMean: [0.5, -1], inputStd: [2, 0.25], outputMean: [0.3], outputStd: [4])
        let norm = s.normalize(data)
        #expect(norm.hasHessians)
        let h = 1e-5
        for k in 0..<2 {
            var plus = data.inputs, minus = data.inputs
            for i in 0..<6 { plus[i, k] += h; minus[i, k] -= h }
            let jp = s.normalize(quadraticData(at: plus)).jacobians!, jm = s.normalize(quadraticData(at: minus)).jacobians!
            for i in 0..<6 { for j in 0..<2 {
                // x' = (x - mu) / sigma: a step h in x is h / sigma_k in x'.
                let fd = (jp[i * 2 + j] - jm[i * 2 + j]) / (2 * h / s.inputStd[k])
                #expect(abs(norm.hessian(i, 0, j, k) - fd) < 1e-7)
            } }
        }
        let back = s.scaleHessians(norm.hessians!, toNormalized: false)
        #expect(relativeError(back, data.hessians!) < 1e-15)
        // The surrogate's Hessian in original units against differences of its Jacobian there.
        let net = MLPArchitecture(inputs: 2, outputs: 1, depth: 2, width: 5, activation: .silu)
        let theta = perturbedParameters(net, seed: 1)
        let predicted = net.predictHessians(parameters: theta, standardization: s, inputs: data.inputs).hessians
        for k in 0..<2 {
            var plus = data.inputs, minus = data.inputs
            for i in 0..<6 { plus[i, k] += h; minus[i, k] -= h }
            let jp = net.predict(parameters: theta, standardization: s, inputs: plus).jacobians
            let jm = net.predict(parameters: theta, standardization: s, inputs: minus).jacobians
            for i in 0..<6 { for j in 0..<2 {
                let fd = (jp[i * 2 + j] - jm[i * 2 + j]) / (2 * h)
                #expect(abs(predicted[(i * 2 + j) * 2 + k] - fd) < 1e-7 * max(1, abs(fd)))
            } }
        }
    }

    @Test("the memory preflight's count is what the Hessian steps hold; evaluation on a larger batch grows only the forward")
    func memoryBound() {
        let net = MLPArchitecture(inputs: 3, outputs: 2, depth: 2, width: 16, activation: .tanh, adaptiveScale: 10)
        let theta = perturbedParameters(net, seed: 1)
        let batch = randomHessianBatch(n: 10, d: 3, m: 2, seed: 3), large = randomHessianBatch(n: 25, d: 3, m: 2, seed: 4)
        let step = SobolevStep(architecture: net)
        _ = step.termSums(parameters: theta, batch: batch)
        _ = step.fusedLosses(parameters: theta, batch: batch, plan: .forward)
        _ = step.fusedGradient(parameters: theta, weights: [Double](repeating: 1, count: 10))
        #expect(step.workspaceCount == SobolevStep.hessianWorkspaceCount(net, batch: 10, evaluationBatch: 10, perTerm: true, fused: true))
        _ = step.lossSums(parameters: theta, batch: large)
        #expect(step.workspaceCount == SobolevStep.hessianWorkspaceCount(net, batch: 10, evaluationBatch: 25, perTerm: true, fused: true))
        #expect(SobolevStep.hessianWorkspaceCount(net, batch: 10, evaluationBatch: 25, perTerm: false, fused: false)
                < SobolevStep.hessianWorkspaceCount(net, batch: 10, evaluationBatch: 25, perTerm: true, fused: false))
    }

    @Test("two threads give the single thread's Hessian steps (per-term, fused, slopes)")
    func threads() {
        let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 2, width: 48, activation: .silu, adaptiveScale: 10)
        let theta = perturbedParameters(net, seed: 5)
        let batch = randomHessianBatch(n: 300, d: 2, m: 2, seed: 6)
        let one = SobolevStep(architecture: net, threads: 1), two = SobolevStep(architecture: net, threads: 2)
        #expect(two.termSums(parameters: theta, batch: batch) == one.termSums(parameters: theta, batch: batch))
        let weights = (0..<6).map { 0.5 + Double($0) }
        _ = one.fusedLosses(parameters: theta, batch: batch, plan: .forward)
        _ = two.fusedLosses(parameters: theta, batch: batch, plan: .forward)
        #expect(two.fusedGradient(parameters: theta, weights: weights) == one.fusedGradient(parameters: theta, weights: weights))
    }

    @Test("1000 Hessian steps do not grow the workspace or the heap")
    func noGrowth() {
        let net = MLPArchitecture(inputs: 2, outputs: 1, depth: 2, width: 8, activation: .tanh, adaptiveScale: 10)
        var theta = perturbedParameters(net, seed: 7)
        let batch = randomHessianBatch(n: 16, d: 2, m: 1, seed: 8)
        let step = SobolevStep(architecture: net)
        func oneOfEach() {
            let sums = step.termSums(parameters: theta, batch: batch)
            _ = step.fusedLosses(parameters: theta, batch: batch, plan: .forward)
            let g = step.fusedGradient(parameters: theta, weights: [Double](repeating: 1, count: 6))
            for p in theta.indices { theta[p] -= 1e-6 * (g[p] + sums.gradients[p]) }
        }
        oneOfEach()
        let held = step.workspaceCount
        #expect(held == SobolevStep.hessianWorkspaceCount(net, batch: 16, evaluationBatch: 16, perTerm: true, fused: true))
        let growth = leastGrowth { for _ in 0..<1000 { oneOfEach() } }
        #expect(step.workspaceCount == held)
        #expect(growth < 1 << 20, "resident set grew by \(growth) bytes")
    }

    @Test("a subset keeps the Hessians of the chosen samples")
    func subsetKeepsHessians() {
        let batch = randomHessianBatch(n: 5, d: 2, m: 2, seed: 1)
        let s = batch.subset([3, 1])
        #expect(s.hasHessians && s.count == 2)
        for (a, i) in [3, 1].enumerated() { for o in 0..<2 { for j in 0..<2 { for k in 0..<2 {
            #expect(s.hessian(a, o, j, k) == batch.hessian(i, o, j, k))
        } } } }
    }
}
