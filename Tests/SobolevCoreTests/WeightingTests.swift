// Each weighting scheme's update against values worked out by hand on small fixed inputs, and the
// schemes' invariants. Expected numbers are written as the arithmetic that gives them.
import Foundation
import Testing
@testable import SobolevCore

/// A weighting input with per-term gradients given as rows; the last layer is `lastLayer`.
func weightingInput(step: Int = 0, losses: [Double], gradients: [[Double]], lastLayer: Range<Int>? = nil,
                    learningRate: Double = 0.1, ntkTraces: (() -> [Double])? = nil) -> WeightingInput {
    let P = gradients[0].count
    return WeightingInput(step: step, losses: losses, gradients: gradients.flatMap { $0 }, parameterCount: P,
                          lastLayerWeights: lastLayer ?? 0..<P, learningRate: learningRate, ntkTraces: ntkTraces)
}

func expectClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "\(what): \(a) vs \(b)", sourceLocation: sourceLocation)
    for (x, y) in zip(a, b) {
        #expect(abs(x - y) <= tolerance * max(1, abs(y)), "\(what): \(a) vs expected \(b)", sourceLocation: sourceLocation)
    }
}

@Suite("Weighting schemes against hand-computed updates")
struct WeightingTests {
    @Test("L_max: lambda_i <- max(1, lambda_i + eta L_i)")
    func lossMaximisation() {
        var s = LossMaximisationWeighting(termCount: 3, eta: 0.5)
        let g = [[0.0], [0.0], [0.0]]
        // 1 + 0.5 * 0.4 = 1.2;  1 + 0.5 * 3 = 2.5;  1 + 0.5 * 0 = 1
        expectClose(s.lambdas(for: weightingInput(losses: [0.4, 3.0, 0.0], gradients: g)), [1.2, 2.5, 1.0])
        // 1.2 + 0.1 = 1.3;  2.5 + 0.5 = 3;  1 + 0.25 = 1.25
        expectClose(s.lambdas(for: weightingInput(step: 1, losses: [0.2, 1.0, 0.5], gradients: g)), [1.3, 3.0, 1.25])
    }

    @Test("CD_min: one step from lambda = 1 with g_1 = (1, 0), g_2 = (0, 2), and the clip")
    func cosineDistance() {
        // g = (1, 2), |g| = sqrt 5.  cos_1 = 1/sqrt5, cos_2 = 4/(2 sqrt5) = 2/sqrt5.
        // d cos_1 = (1/sqrt5)(1 - 1/5) = 0.8/sqrt5;  d cos_2 = (2/sqrt5)(1 - 4/5) = 0.4/sqrt5.
        let r5 = 5.0.squareRoot()
        var s = CosineDistanceWeighting(termCount: 2, eta: 1, lambdaMax: 10)
        expectClose(s.lambdas(for: weightingInput(losses: [1, 1], gradients: [[1, 0], [0, 2]])), [1 + 0.8 / r5, 1 + 0.4 / r5])
        // The dominated term (smaller cosine) grew more; with lambda_max = 1.3 it is clipped.
        var clipped = CosineDistanceWeighting(termCount: 2, eta: 1, lambdaMax: 1.3)
        expectClose(clipped.lambdas(for: weightingInput(losses: [1, 1], gradients: [[1, 0], [0, 2]])), [1.3, 1 + 0.4 / r5])
        // Aligned gradients (cos = 1) leave the weights alone.
        var aligned = CosineDistanceWeighting(termCount: 2, eta: 1, lambdaMax: 10)
        expectClose(aligned.lambdas(for: weightingInput(losses: [1, 1], gradients: [[1, 1], [2, 2]])), [1, 1])
    }

    @Test("CD_min: d cos_i / d lambda_i = (|g_i|/|g|)(1 - cos_i^2) against central differences")
    func cosineDerivativeByFiniteDifferences() {
        var rng = SeededRNG(seed: 3)
        let n = 3, P = 5
        let g = (0..<n).map { _ in (0..<P).map { _ in rng.uniform(-1, 1) } }
        let lambdas = (0..<n).map { _ in rng.uniform(1, 3) }
        func cosine(_ i: Int, _ l: [Double]) -> Double {
            let total = (0..<P).map { p in (0..<n).reduce(0) { $0 + l[$1] * g[$1][p] } }
            let dot = zip(total, g[i]).reduce(0) { $0 + $1.0 * $1.1 }
            let nt = total.reduce(0) { $0 + $1 * $1 }.squareRoot(), ni = g[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
            return dot / (nt * ni)
        }
        let h = 1e-6
        func finiteDifference(_ i: Int, at l: [Double]) -> Double {
            var plus = l, minus = l
            plus[i] += h; minus[i] -= h
            return (cosine(i, plus) - cosine(i, minus)) / (2 * h)
        }
        for i in 0..<n {
            let total = (0..<P).map { p in (0..<n).reduce(0) { $0 + lambdas[$1] * g[$1][p] } }
            let exact = CosineDistanceWeighting.cosineDerivative(
                termNorm: g[i].reduce(0) { $0 + $1 * $1 }.squareRoot(),
                totalNorm: total.reduce(0) { $0 + $1 * $1 }.squareRoot(),
                dot: zip(total, g[i]).reduce(0) { $0 + $1.0 * $1.1 })
            let fd = finiteDifference(i, at: lambdas)
            #expect(abs(fd - exact) < 1e-8, "term \(i): finite difference \(fd), formula \(exact)")
            #expect(exact >= 0)
        }
        // The scheme's first step (from lambda = 1) is eta times the derivative there, projected.
        var s = CosineDistanceWeighting(termCount: n, eta: 0.1, lambdaMax: 100)
        let step = s.lambdas(for: weightingInput(losses: [1, 1, 1], gradients: g))
        let ones = [Double](repeating: 1, count: n)
        for i in 0..<n { #expect(abs(step[i] - max(1, 1 + 0.1 * finiteDifference(i, at: ones))) < 1e-9) }
    }

    @Test("learning-rate annealing: max (paper) and mean (Modulus) statistics, moving average, update_every")
    func learningRateAnnealing() {
        // g_ref = (0.4, -0.2, 0, 0.2): max |.| = 0.4, mean |.| = 0.2.  g_1 = (0.1, -0.1, 0.1, -0.1): mean |.| = 0.1.
        let g = [[0.4, -0.2, 0, 0.2], [0.1, -0.1, 0.1, -0.1]]
        var paper = LearningRateAnnealingWeighting(termCount: 2, alpha: 0.5, statistic: .max, epsilon: 0)
        // lambda_hat = 0.4 / 0.1 = 4:  0.5 * 1 + 0.5 * 4 = 2.5, then 0.5 * 2.5 + 0.5 * 4 = 3.25
        expectClose(paper.lambdas(for: weightingInput(step: 0, losses: [1, 1], gradients: g)), [1, 2.5])
        expectClose(paper.lambdas(for: weightingInput(step: 1, losses: [1, 1], gradients: g)), [1, 3.25])
        var modulus = LearningRateAnnealingWeighting(termCount: 2, alpha: 0.5, statistic: .mean, epsilon: 0)
        // lambda_hat = 0.2 / 0.1 = 2:  0.5 + 1 = 1.5
        expectClose(modulus.lambdas(for: weightingInput(step: 0, losses: [1, 1], gradients: g)), [1, 1.5])
        // update_every = 2: step 1 keeps step 0's lambdas, step 2 updates.
        var sparse = LearningRateAnnealingWeighting(termCount: 2, alpha: 0.5, statistic: .max, epsilon: 0, updateEvery: 2)
        expectClose(sparse.lambdas(for: weightingInput(step: 0, losses: [1, 1], gradients: g)), [1, 2.5])
        expectClose(sparse.lambdas(for: weightingInput(step: 1, losses: [1, 1], gradients: g)), [1, 2.5])
        expectClose(sparse.lambdas(for: weightingInput(step: 2, losses: [1, 1], gradients: g)), [1, 3.25])
    }

    @Test("uncertainty: lambda = exp(-s), s stepped by its own optimizer with dL/ds = (1 - exp(-s) L)/2")
    func uncertainty() {
        var s = UncertaintyWeighting(termCount: 2, optimizer: .sgd(momentum: 0, nesterov: false))
        #expect(s.gradientScale == 0.5)
        let g = [[0.0], [0.0]]
        // s = 0: lambdas 1;  dL/ds = (0.5 (1 - 0.5), 0.5 (1 - 2)) = (0.25, -0.5);  s <- s - 0.1 dL/ds = (-0.025, 0.05)
        expectClose(s.lambdas(for: weightingInput(losses: [0.5, 2.0], gradients: g, learningRate: 0.1)), [1, 1])
        expectClose(s.logVariances, [-0.025, 0.05])
        // exp(0.025) = 1.0253151205..., exp(-0.05) = 0.9512294245...
        let next = s.lambdas(for: weightingInput(step: 1, losses: [0.5, 2.0], gradients: g, learningRate: 0.1))
        expectClose(next, [1.0253151205244289, 0.951229424500714], 1e-15)
        // The recorded lambda is exp(-s) of the s it was computed from.
        expectClose(next, [exp(0.025), exp(-0.05)])
    }

    @Test("SoftAdapt: plain sum first, then n softmax of loss ratios; temperature; sums to n")
    func softAdapt() {
        var s = SoftAdaptWeighting(temperature: 1, epsilon: 0)
        let g = [[0.0], [0.0]]
        expectClose(s.lambdas(for: weightingInput(losses: [1, 2], gradients: g)), [1, 1])
        // r = (0.5/1, 3/2) = (0.5, 1.5); for two terms 2 softmax = 1 -/+ tanh((r_2 - r_1)/2) = 1 -/+ tanh(0.5)
        expectClose(s.lambdas(for: weightingInput(step: 1, losses: [0.5, 3], gradients: g)), [1 - tanh(0.5), 1 + tanh(0.5)])
        var cold = SoftAdaptWeighting(temperature: 0.5, epsilon: 0)
        _ = cold.lambdas(for: weightingInput(losses: [1, 2], gradients: g))
        // (r_2 - r_1) / T = 2:  1 -/+ tanh(1)
        expectClose(cold.lambdas(for: weightingInput(step: 1, losses: [0.5, 3], gradients: g)), [1 - tanh(1), 1 + tanh(1)])
        // Overflow-safe: a ratio of 1e6 gives finite weights (all on that term).
        var big = SoftAdaptWeighting()
        _ = big.lambdas(for: weightingInput(losses: [1e-3, 1], gradients: g))
        let l = big.lambdas(for: weightingInput(step: 1, losses: [1e3, 1], gradients: g))
        #expect(l.allSatisfy { $0.isFinite })
        expectClose(l, [2, 0], 1e-8)
    }

    @Test("ReLoBRaLo: hand-computed steps with rho fixed at 1 and at 0")
    func relobralo() {
        let g = [[0.0], [0.0]]
        let losses: [[Double]] = [[1, 4], [0.5, 1.0], [0.25, 0.8]]
        // Two terms: 2 softmax(x) = (1 + tanh((x_1 - x_2)/2), 1 - tanh((x_1 - x_2)/2)).
        func pair(_ x1: Double, _ x2: Double) -> [Double] { [1 + tanh((x1 - x2) / 2), 1 - tanh((x1 - x2) / 2)] }
        // Step 1: against L(0) = L(t-1) = (1, 4): x = (0.5, 0.25).
        let w1 = pair(0.5, 0.25)
        // Step 2: against L(0): x = (0.25, 0.2); against L(1) = (0.5, 1): x = (0.5, 0.8).
        let w2start = pair(0.25, 0.2), w2prev = pair(0.5, 0.8)

        // lookback = 1 (rho = 1 always), alpha = 0.5: lambda <- 0.5 lambda + 0.5 w_hat(t; t-1)
        var keep = ReLoBRaLoWeighting(seed: 0, alpha: 0.5, lookback: 1, temperature: 1, epsilon: 0)
        expectClose(keep.lambdas(for: weightingInput(losses: losses[0], gradients: g)), [1, 1])
        let k1 = [0.5 + 0.5 * w1[0], 0.5 + 0.5 * w1[1]]
        expectClose(keep.lambdas(for: weightingInput(step: 1, losses: losses[1], gradients: g)), k1)
        expectClose(keep.lambdas(for: weightingInput(step: 2, losses: losses[2], gradients: g)),
                    [0.5 * k1[0] + 0.5 * w2prev[0], 0.5 * k1[1] + 0.5 * w2prev[1]])

        // lookback = 0 (rho = 0 always): lambda <- 0.5 w_hat(t; 0) + 0.5 w_hat(t; t-1)
        var back = ReLoBRaLoWeighting(seed: 0, alpha: 0.5, lookback: 0, temperature: 1, epsilon: 0)
        _ = back.lambdas(for: weightingInput(losses: losses[0], gradients: g))
        expectClose(back.lambdas(for: weightingInput(step: 1, losses: losses[1], gradients: g)), w1)
        expectClose(back.lambdas(for: weightingInput(step: 2, losses: losses[2], gradients: g)),
                    [0.5 * w2start[0] + 0.5 * w2prev[0], 0.5 * w2start[1] + 0.5 * w2prev[1]])

        // Temperature tau divides the reference: tau = 2 halves x.
        var warm = ReLoBRaLoWeighting(seed: 0, alpha: 0, lookback: 1, temperature: 2, epsilon: 0)
        _ = warm.lambdas(for: weightingInput(losses: losses[0], gradients: g))
        expectClose(warm.lambdas(for: weightingInput(step: 1, losses: losses[1], gradients: g)), pair(0.25, 0.125))
    }

    @Test("ReLoBRaLo draws rho from the run's seeded stream \"relobralo\": same seed, same trajectory")
    func relobraloSeededStream() {
        var rng = SeededRNG(seed: 11)
        let steps = (0..<60).map { _ in [rng.uniform(0.1, 2), rng.uniform(0.1, 2), rng.uniform(0.1, 2)] }
        let g = [[0.0], [0.0], [0.0]]
        var a = ReLoBRaLoWeighting(seed: 42, lookback: 0.5)
        var b = ReLoBRaLoWeighting(rng: SeededRNG(seed: 42, stream: "relobralo"), alpha: 0.95, lookback: 0.5, temperature: 1, epsilon: 1e-8)
        var c = ReLoBRaLoWeighting(seed: 43, lookback: 0.5)
        var differs = false
        for (t, l) in steps.enumerated() {
            let la = a.lambdas(for: weightingInput(step: t, losses: l, gradients: g))
            let lb = b.lambdas(for: weightingInput(step: t, losses: l, gradients: g))
            let lc = c.lambdas(for: weightingInput(step: t, losses: l, gradients: g))
            #expect(la == lb)
            if la != lc { differs = true }
            #expect(abs(la.reduce(0, +) - 3) < 1e-12, "sum of lambdas is n")
        }
        #expect(differs, "another seed draws other rho")
    }

    @Test("GradNorm: G_i, targets, sign rule and renormalised weights, hand-computed over two steps")
    func gradNorm() {
        // Last layer = parameters 2..<4: |dL_1/dW| = |(3, 4)| = 5, |dL_2/dW| = |(0, 1)| = 1.
        let g = [[9.0, 9, 3, 4], [9.0, 9, 0, 1]]
        var s = GradNormWeighting(termCount: 2, alpha: 1, optimizer: .sgd(momentum: 0, nesterov: false), learningRate: 0.1)
        // Step 0: w = (1, 1), r = (1, 1), G = (5, 1), c = mean(G) = 3: dL/da = (+5, -1); a = (-0.5, 0.1).
        expectClose(s.lambdas(for: weightingInput(losses: [1, 1], gradients: g, lastLayer: 2..<4)), [1, 1])
        expectClose(s.logWeights, [-0.5, 0.1])
        // Step 1: w = 2 exp(a) / (exp(-0.5) + exp(0.1)) = (1 - tanh(0.3), 1 + tanh(0.3)).
        let w = [1 - tanh(0.3), 1 + tanh(0.3)]
        expectClose(s.lambdas(for: weightingInput(step: 1, losses: [0.5, 1], gradients: g, lastLayer: 2..<4)), w)
        // L/L(0) = (0.5, 1), mean 0.75: r = (2/3, 4/3).  G = (5 w_1, w_2), c = mean(G) r:
        // G_1 = 3.54 > c_1 = 1.61 and G_2 = 1.29 < c_2 = 3.22, so dL/da = (G_1, -G_2).
        let G = [5 * w[0], w[1]], meanG = (G[0] + G[1]) / 2
        #expect(G[0] > meanG * 2 / 3 && G[1] < meanG * 4 / 3)
        // a was renormalised by log(2 / (e^-0.5 + e^0.1)) before the step of 0.1 (G_1, -G_2).
        let shift = log(2 / (exp(-0.5) + exp(0.1)))
        expectClose(s.logWeights, [-0.5 + shift - 0.1 * G[0], 0.1 + shift + 0.1 * G[1]])
    }

    @Test("GradNorm: dL_gn/da_i = sign(G_i - c_i) G_i matches central differences of sum |G_i - c_i|")
    func gradNormSignRule() {
        var rng = SeededRNG(seed: 5)
        for alpha in [0.12, 1.0, 1.5] {
            let n = 4
            let a = (0..<n).map { _ in rng.uniform(-1, 1) }
            let norms = (0..<n).map { _ in rng.uniform(0.1, 2) }
            let losses = (0..<n).map { _ in rng.uniform(0.1, 1) }, initial = (0..<n).map { _ in rng.uniform(0.5, 2) }
            let w = a.map { exp($0) }
            // c_i = mean(G) r_i^alpha held constant at a.
            let G = zip(w, norms).map { $0 * $1 }
            let rates = zip(losses, initial).map { $0 / $1 }
            let meanRate = rates.reduce(0, +) / Double(n)
            let c = rates.map { G.reduce(0, +) / Double(n) * pow($0 / meanRate, alpha) }
            func lgn(_ a: [Double]) -> Double { (0..<n).reduce(0) { $0 + abs(exp(a[$1]) * norms[$1] - c[$1]) } }
            let grad = GradNormWeighting.logWeightGradient(weights: w, lastLayerNorms: norms, losses: losses,
                                                           initialLosses: initial, alpha: alpha)
            for i in 0..<n {
                var plus = a, minus = a
                plus[i] += 1e-7; minus[i] -= 1e-7
                let fd = (lgn(plus) - lgn(minus)) / 2e-7
                #expect(abs(fd - grad[i]) < 1e-6, "alpha \(alpha), term \(i): fd \(fd) vs \(grad[i])")
                #expect(abs(grad[i]) == G[i])
            }
        }
    }

    @Test("NTK: lambdas 1 before the first computation, then sum_j tr_j / tr_i every ntk_every steps")
    func ntkSchedule() {
        var calls: [Int] = []
        let traces: [[Double]] = [[1, 3], [2, 0]]
        var s = NTKWeighting(termCount: 2, mode: .exact, every: 2)
        var results: [[Double]] = []
        for step in 0..<5 {
            let input = weightingInput(step: step, losses: [1, 1], gradients: [[0.0], [0.0]],
                                       ntkTraces: { calls.append(step); return traces[calls.count - 1] })
            results.append(s.lambdas(for: input))
        }
        #expect(calls == [2, 4])
        // (1 + 3)/1 = 4, (1 + 3)/3 = 4/3; then (2 + 0)/2 = 1 and the zero trace keeps 4/3.
        expectClose(results[0], [1, 1]); expectClose(results[1], [1, 1])
        expectClose(results[2], [4, 4.0 / 3]); expectClose(results[3], [4, 4.0 / 3])
        expectClose(results[4], [1, 4.0 / 3])
    }

    @Test("NTK proxy: |g_i| / (2 sqrt L_i) in place of the trace, as NVIDIA Modulus")
    func ntkProxy() {
        var s = NTKWeighting(termCount: 2, mode: .proxy, every: 1)
        // |(3, 4)| / (2 sqrt 0.25) = 5;  |(0, 1)| / (2 sqrt 1) = 0.5;  sum 5.5
        let l = s.lambdas(for: weightingInput(step: 1, losses: [0.25, 1], gradients: [[3, 4], [0, 1]]))
        expectClose(l, [5.5 / 5, 5.5 / 0.5])
    }

    @Test("invariants over random inputs: lmax, cdmin >= 1, cdmin <= lambda_max, normalised schemes sum to n")
    func invariants() {
        var rng = SeededRNG(seed: 17)
        let n = 4, P = 6
        var lmax = LossMaximisationWeighting(termCount: n, eta: 0.3)
        var cdmin = CosineDistanceWeighting(termCount: n, eta: 0.7, lambdaMax: 5)
        var soft = SoftAdaptWeighting()
        var relo = ReLoBRaLoWeighting(seed: 1)
        var gradnorm = GradNormWeighting(termCount: n, optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), learningRate: 0.05)
        var unc = UncertaintyWeighting(termCount: n, optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        for step in 0..<300 {
            let input = weightingInput(step: step, losses: (0..<n).map { _ in rng.uniform(0, 2) },
                                       gradients: (0..<n).map { _ in (0..<P).map { _ in rng.uniform(-1, 1) } }, lastLayer: 3..<6)
            #expect(lmax.lambdas(for: input).allSatisfy { $0 >= 1 })
            #expect(cdmin.lambdas(for: input).allSatisfy { $0 >= 1 && $0 <= 5 })
            #expect(abs(soft.lambdas(for: input).reduce(0, +) - Double(n)) < 1e-6)
            #expect(abs(relo.lambdas(for: input).reduce(0, +) - Double(n)) < 1e-9)
            #expect(abs(gradnorm.lambdas(for: input).reduce(0, +) - Double(n)) < 1e-9)
            let s = unc.logVariances
            expectClose(unc.lambdas(for: input), s.map { exp(-$0) }, 1e-15, "uncertainty lambda = exp(-s)")
        }
        #expect(cdmin.current.contains { $0 == 5 }, "the clip was reached")
    }
}
