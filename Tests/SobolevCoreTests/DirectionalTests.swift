// Directional-derivative terms (Directional.swift): losses against J v from the Jacobian, every
// term's gradient against central finite differences, the fast step's per-term and fused modes
// against the reference step, the cost model, and stochastic projections.
import Foundation
import Testing
@testable import SobolevCore

/// A random batch with k directions per sample (and Jacobian targets when asked).
func directionalBatch(n: Int, d: Int, m: Int, k: Int, jacobians: Bool, seed: UInt64) -> Dataset {
    let base = randomBatch(n: n, d: d, m: m, seed: seed)
    var rng = SeededRNG(seed: seed, stream: "directions")
    let V = (0..<(n * k * d)).map { _ in rng.uniform(-1, 1) }
    let JV = (0..<(n * m * k)).map { _ in rng.uniform(-2, 2) }
    return Dataset(inputs: base.inputs, values: base.values, jacobians: jacobians ? base.jacobians : nil,
                   directions: V, directionalDerivatives: JV)
}

/// Central differences of the reference step's term sums.
func referenceFiniteDifferences(_ net: MLPArchitecture, _ theta: [Double], _ batch: Dataset, h: Double = 1e-6) -> [[Double]] {
    let T = net.referenceTermSums(parameters: theta, batch: batch, withGradients: false).losses.count
    var out = Array(repeating: [Double](repeating: 0, count: theta.count), count: T)
    for p in 0..<theta.count {
        var plus = theta, minus = theta
        plus[p] += h; minus[p] -= h
        let lp = net.referenceTermSums(parameters: plus, batch: batch, withGradients: false).losses
        let lm = net.referenceTermSums(parameters: minus, batch: batch, withGradients: false).losses
        for t in 0..<T { out[t][p] = (lp[t] - lm[t]) / (2 * h) }
    }
    return out
}

/// (d, m, k, with dY) cases: directions alone and besides dY, one and two outputs.
let directionalShapes: [(d: Int, m: Int, k: Int, jac: Bool)] = [(3, 1, 2, false), (4, 2, 1, false), (3, 2, 2, true), (2, 1, 3, true)]

@Suite("Directional derivative terms and stochastic projections")
struct DirectionalTests {
    @Test("directional losses are 1/2 sum ||J v - JV||^2 with J from the forward tangents")
    func lossesMatchJacobianProducts() {
        for (d, m, k, jac) in directionalShapes {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6, 5], activation: .tanh, adaptive: false, seed: 2)
            let batch = directionalBatch(n: 5, d: d, m: m, k: k, jacobians: jac, seed: 21)
            let J = net.referencePredict(parameters: theta, inputs: batch.inputs).jacobians
            let JV = batch.directionalDerivatives(of: J)
            var expected = [Double](repeating: 0, count: k)
            for i in 0..<batch.count { for o in 0..<m { for c in 0..<k {
                let r = JV[(i * m + o) * k + c] - batch.directionalDerivatives![(i * m + o) * k + c]
                expected[c] += 0.5 * r * r
            } } }
            let unit = jac ? d : 0
            for losses in [net.referenceTermSums(parameters: theta, batch: batch).losses,
                           SobolevStep(architecture: net).termSums(parameters: theta, batch: batch).losses] {
                #expect(losses.count == 1 + unit + k)
                #expect(relativeError(Array(losses[(1 + unit)...]), expected) < 1e-13, "d=\(d) m=\(m) k=\(k)")
            }
        }
    }

    @Test("every term's gradient against central finite differences", arguments: [Activation.tanh, .sin, .gelu])
    func gradientsMatchFiniteDifferences(activation: Activation) {
        for (d, m, k, jac) in directionalShapes { for adaptive in [false, true] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [5, 4], activation: activation, adaptive: adaptive, seed: 5)
            let batch = directionalBatch(n: 4, d: d, m: m, k: k, jacobians: jac, seed: 31)
            let fd = referenceFiniteDifferences(net, theta, batch, h: adaptive ? 1e-7 : 1e-6)
            let P = net.parameterCount
            for sums in [net.referenceTermSums(parameters: theta, batch: batch),
                         SobolevStep(architecture: net).termSums(parameters: theta, batch: batch)] {
                for t in 0..<fd.count {
                    let err = relativeError(Array(sums.gradients[(t * P)..<((t + 1) * P)]), fd[t])
                    #expect(err < 1e-6, "term \(t) d=\(d) m=\(m) k=\(k) \(activation) adaptive=\(adaptive): \(err)")
                }
            }
        } }
    }

    @Test("per-term, fused (both plans) and reference agree", arguments: [Activation.tanh, .softplus, .silu])
    func modesAgree(activation: Activation) {
        var rng = SeededRNG(seed: 8)
        for (d, m, k, jac) in directionalShapes + [(5, 1, 3, false), (2, 3, 4, false)] { for adaptive in [false, true] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6, 5], activation: activation, adaptive: adaptive, seed: 6)
            let batch = directionalBatch(n: 7, d: d, m: m, k: k, jacobians: jac, seed: 41)
            let step = SobolevStep(architecture: net)
            let reference = net.referenceTermSums(parameters: theta, batch: batch)
            let sums = step.termSums(parameters: theta, batch: batch)
            #expect(relativeError(sums.losses, reference.losses) < 1e-12)
            #expect(relativeError(sums.gradients, reference.gradients) < 1e-12, "per-term d=\(d) m=\(m) k=\(k)")
            let T = sums.losses.count, P = net.parameterCount
            let weights = (0..<T).map { _ in rng.uniform(0.1, 3) }
            var expected = [Double](repeating: 0, count: P)
            for t in 0..<T { for p in 0..<P { expected[p] += weights[t] * reference.gradients[t * P + p] } }
            for plan in JacobianPlan.allCases {
                let losses = step.fusedLosses(parameters: theta, batch: batch, plan: plan).losses
                #expect(relativeError(losses, reference.losses) < 1e-12, "losses \(plan)")
                let g = step.fusedGradient(parameters: theta, weights: weights)
                #expect(relativeError(g, expected) < 1e-12, "fused \(plan) d=\(d) m=\(m) k=\(k) \(activation) adaptive=\(adaptive)")
            }
            // Only the directional weights non-zero: the reverse plan's residual is sum_c w_c r_ic v_ic^T alone.
            let dirOnly = weights.enumerated().map { t, w in t == 0 || t > (jac ? d : 0) ? w : 0 }
            var expectedDir = [Double](repeating: 0, count: P)
            for t in 0..<T { for p in 0..<P { expectedDir[p] += dirOnly[t] * reference.gradients[t * P + p] } }
            for plan in JacobianPlan.allCases {
                _ = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
                #expect(relativeError(step.fusedGradient(parameters: theta, weights: dirOnly), expectedDir) < 1e-12)
            }
        } }
    }

    @Test("what the memory preflight counts is what the step holds, with directions besides dY or alone")
    func workspaceCount() {
        for (d, m, k, jac) in directionalShapes + [(2, 1, 6, true), (3, 2, 5, false)] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6, 5], activation: .tanh, adaptive: true, seed: 6)
            let batch = directionalBatch(n: 40, d: d, m: m, k: k, jacobians: jac, seed: 41)
            let step = SobolevStep(architecture: net)
            let blocks = (jac ? d : 0) + k
            _ = step.termSums(parameters: theta, batch: batch)
            _ = step.fusedLosses(parameters: theta, batch: batch, plan: JacobianPlan.cheapest(net, batch: 40, for: batch))
            _ = step.fusedGradient(parameters: theta, weights: [Double](repeating: 1, count: 1 + blocks))
            _ = step.lossSums(parameters: theta, batch: batch)
            let counted = SobolevStep.workspaceCount(net, batch: 40, evaluationBatch: 40, perTerm: true, fused: true,
                                                     jacobians: jac, directions: k)
            #expect(step.workspaceCount == counted, "d=\(d) m=\(m) k=\(k) dY=\(jac)")
        }
    }

    @Test("the cost model: k directional tangents against m reverse passes")
    func costModel() {
        let net = MLPArchitecture(inputs: 16, outputs: 1, depth: 3, width: 64, activation: .tanh)
        #expect(JacobianPlan.cheapest(net, batch: 256) == .reverse)                                 // d = 16 unit tangents
        #expect(JacobianPlan.cheapest(net, batch: 256, jacobians: false, directions: 1) == .forward) // k = 1
        #expect(JacobianPlan.cheapest(net, batch: 256, jacobians: false, directions: 8) == .reverse)
        let f1 = JacobianPlan.forward.cost(net, batch: 256, jacobians: false, directions: 1)
        let f2 = JacobianPlan.forward.cost(net, batch: 256, jacobians: false, directions: 2)
        let full = JacobianPlan.forward.cost(net, batch: 256)
        #expect(f1 < f2 && f2 < full)
        // forward cost ~ (1 + blocks): 17 blocks against 2
        #expect(full / f1 > 7)
    }

    @Test("term layout: dir_1..dir_k after the gradient terms, grouped per family")
    func layout() {
        let l = TermLayout(inputDimension: 2, hasDerivatives: true, directionCount: 3)
        #expect(l.names == ["value", "grad_1", "grad_2", "dir_1", "dir_2", "dir_3"])
        var g = l; g.groupDerivatives = true
        #expect(g.names == ["value", "grad", "dir"])
        #expect(g.combine([1, 2, 3, 4, 5, 6]) == [1, 5, 15])
        let c = g.combine(losses: [1, 2, 3, 4, 5, 6], gradients: [1, 2, 3, 4, 5, 6], parameterCount: 1)
        #expect(c.gradients == [1, 5, 15])
        #expect(TermLayout(inputDimension: 4, hasDerivatives: false, directionCount: 2).names == ["value", "dir_1", "dir_2"])
    }

    @Test("projections: unit directions, JV = dY v, deterministic, independent of the shard")
    func projectionsDeterministic() {
        let data = randomBatch(n: 6, d: 5, m: 2, seed: 7)
        let stream = ProjectionStream(seed: 42, step: 3)
        let a = data.projected(2, stream: stream, sampleIndices: Array(10..<16))
        let b = data.projected(2, stream: stream, sampleIndices: Array(10..<16))
        #expect(a == b)
        #expect(a.jacobians == nil && a.directionCount == 2)
        for r in 0..<12 {
            let v = a.directions![(r * 5)..<((r + 1) * 5)]
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-14)
        }
        #expect(a.directionalDerivatives! == Dataset(inputs: data.inputs, values: data.values, jacobians: nil,
                                                     directions: a.directions, directionalDerivatives: a.directionalDerivatives)
                                                .directionalDerivatives(of: data.jacobians!))
        // A sample's directions depend on its global index only: the second half projected alone.
        let half = data.subset([3, 4, 5]).projected(2, stream: stream, sampleIndices: [13, 14, 15])
        #expect(half == a.subset([3, 4, 5]))
        // Another step or seed draws others.
        #expect(data.projected(2, stream: ProjectionStream(seed: 42, step: 4), sampleIndices: Array(10..<16)).directions != a.directions)
        #expect(data.projected(2, stream: ProjectionStream(seed: 43, step: 3), sampleIndices: Array(10..<16)).directions != a.directions)
    }

    @Test("projections: the mean projected loss over many draws is k/d times the full Jacobian loss")
    func projectedLossExpectation() {
        let d = 6, m = 2, k = 2
        let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6], activation: .tanh, adaptive: false, seed: 9)
        let data = randomBatch(n: 5, d: d, m: m, seed: 17)
        let step = SobolevStep(architecture: net)
        let full = step.lossSums(parameters: theta, batch: data).losses
        let jacobianLoss = full[1...].reduce(0, +)
        let draws = 4000
        var mean = 0.0, meanSquare = 0.0
        for s in 0..<draws {
            let p = data.projected(k, stream: ProjectionStream(seed: 1, step: s), sampleIndices: Array(0..<5))
            let l = step.lossSums(parameters: theta, batch: p).losses
            #expect(abs(l[0] - full[0]) < 1e-14 * max(1, full[0]))
            let x = l[1...].reduce(0, +)
            mean += x / Double(draws); meanSquare += x * x / Double(draws)
        }
        let expected = Double(k) / Double(d) * jacobianLoss
        let standardError = ((meanSquare - mean * mean) / Double(draws)).squareRoot()
        #expect(abs(mean - expected) < 4 * standardError, "mean \(mean) expected \(expected) +- \(standardError)")
        #expect(standardError < 0.05 * expected)
    }

    @Test("training with projections: deterministic given the seed, and it lowers the full Jacobian loss")
    func trainingWithProjections() {
        let d = 4, m = 1, k = 2
        let net = MLPArchitecture(inputs: d, outputs: m, depth: 2, width: 12, activation: .tanh)
        // y = sum_j sin(x_j), dY_j = cos(x_j)
        let x = randomBatch(n: 16, d: d, m: m, seed: 23).inputs
        let data = Dataset(inputs: x, values: Matrix(rows: 16, cols: 1, data: (0..<16).map { i in (0..<d).map { sin(x[i, $0]) }.reduce(0, +) }),
                           jacobians: (0..<(16 * d)).map { cos(x[$0 / d, $0 % d]) })
        var options = TrainingOptions()
        options.epochs = 30; options.batchSize = 8; options.learningRate = 1e-2; options.projections = k
        let layout = TermLayout(inputDimension: d, hasDerivatives: false, directionCount: k)
        func run(_ mode: GradientMode) -> TrainingOutcome {
            var o = options; o.gradientMode = mode
            var scheme: any WeightingScheme = FixedWeighting(value: 1, gradient: 1, gradientTerms: k)
            return Trainer(architecture: net, options: o, layout: layout)
                .train(initialParameters: net.glorotUniformParameters(seed: 1), train: data, validation: data,
                       weighting: &scheme, seed: 5)
        }
        let a = run(.fused), b = run(.fused), c = run(.perTerm)
        #expect(a.parameters == b.parameters)
        #expect(relativeError(c.parameters, a.parameters) < 1e-9)
        #expect(a.history.trainLosses[0].count == 1 + k && a.history.validationLosses[0].count == 1 + k)
        let start = net.termSums(parameters: net.glorotUniformParameters(seed: 1), batch: data, withGradients: false).losses
        let end = net.termSums(parameters: a.parameters, batch: data, withGradients: false).losses
        #expect(end[1...].reduce(0, +) < 0.5 * start[1...].reduce(0, +), "\(start) -> \(end)")
    }

    @Test("NTK traces of directional terms = brute-force per-sample gradients")
    func ntkTraces() {
        for (d, m, k, jac) in directionalShapes {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [5, 4], activation: .tanh, adaptive: false, seed: 12)
            let batch = directionalBatch(n: 3, d: d, m: m, k: k, jacobians: jac, seed: 51)
            let P = net.parameterCount, unit = jac ? d : 0
            var brute = [Double](repeating: 0, count: 1 + unit + k)
            // A one-sample batch whose residuals are 0 except component o of every term, which is 1:
            // then d S_t / d theta = d r_{t,o} / d theta.
            for b in 0..<batch.count {
                let one = batch.subset([b])
                let (values, J) = net.predict(parameters: theta, inputs: one.inputs)
                let JV = one.directionalDerivatives(of: J)
                for o in 0..<m {
                    var y = values; y[0, o] -= 1
                    var dy = J; for j in 0..<d { dy[o * d + j] -= 1 }
                    var jv = JV; for c in 0..<k { jv[o * k + c] -= 1 }
                    let single = Dataset(inputs: one.inputs, values: y, jacobians: jac ? dy : nil,
                                         directions: one.directions, directionalDerivatives: jv)
                    let sums = net.referenceTermSums(parameters: theta, batch: single)
                    for t in brute.indices { brute[t] += sums.gradients[(t * P)..<((t + 1) * P)].reduce(0) { $0 + $1 * $1 } }
                }
            }
            let exact = net.ntkTraceSums(parameters: theta, batch: batch)
            #expect(exact.count == brute.count)
            #expect(relativeError(exact, brute) < 1e-10, "d=\(d) m=\(m) k=\(k)")
        }
    }

    @Test("training with projections stopped and resumed gives the same bits (the directions follow the step)")
    func projectionsResume() throws {
        let d = 3, k = 2
        let net = MLPArchitecture(inputs: d, outputs: 2, depth: 2, width: 6, activation: .tanh)
        let data = randomBatch(n: 14, d: d, m: 2, seed: 61)
        var options = TrainingOptions()
        options.epochs = 6; options.batchSize = 4; options.projections = k; options.logEvery = 3
        let trainer = Trainer(architecture: net, options: options, layout: TermLayout(inputDimension: d, hasDerivatives: false, directionCount: k))
        let theta0 = net.glorotUniformParameters(seed: 3)
        func scheme() -> any WeightingScheme { FixedWeighting(value: 1, gradient: 1, gradientTerms: k) }
        var w = scheme()
        let reference = trainer.train(initialParameters: theta0, train: data, validation: data, weighting: &w, seed: 8)
        var state: TrainingState? = nil
        w = scheme()
        _ = trainer.train(initialParameters: theta0, train: data, validation: data, weighting: &w, seed: 8,
                          afterStep: { steps, current in
            guard steps == 9 else { return .proceed }
            state = current(); return .stop
        })
        w = scheme()
        #expect(state != nil)
        let resumed = trainer.train(initialParameters: theta0, train: data, validation: data, weighting: &w, seed: 8, resume: state)
        #expect(resumed.parameters == reference.parameters)
        #expect(resumed.history == reference.history)
    }
}
