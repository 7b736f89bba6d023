// Every loss term's parameter gradient and the input Jacobian against central finite differences.
import Testing
@testable import SobolevCore

/// A random batch of n samples with m outputs and d inputs, Jacobian targets included.
func randomBatch(n: Int, d: Int, m: Int, seed: UInt64) -> Dataset {
    var rng = SeededRNG(seed: seed)
    let x = Matrix(rows: n, cols: d, data: (0..<(n * d)).map { _ in rng.uniform(-1, 1) })
    let y = Matrix(rows: n, cols: m, data: (0..<(n * m)).map { _ in rng.uniform(-1, 1) })
    let dy = (0..<(n * m * d)).map { _ in rng.uniform(-2, 2) }
    return Dataset(inputs: x, values: y, jacobians: dy)
}

/// max_k |a_k - b_k| / max(max_k |b_k|, tiny): a norm-wise relative error.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let num = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    let den = max(b.map { abs($0) }.max() ?? 0, 1e-300)
    return num / den
}

/// Central differences of every term sum with respect to every parameter.
func finiteDifferenceGradients(_ net: MLPArchitecture, _ theta: [Double], _ batch: Dataset, h: Double = 1e-6) -> [[Double]] {
    let T = net.termSums(parameters: theta, batch: batch, withGradients: false).losses.count
    var out = Array(repeating: [Double](repeating: 0, count: theta.count), count: T)
    for p in 0..<theta.count {
        var plus = theta, minus = theta
        plus[p] += h; minus[p] -= h
        let lp = net.termSums(parameters: plus, batch: batch, withGradients: false).losses
        let lm = net.termSums(parameters: minus, batch: batch, withGradients: false).losses
        for t in 0..<T { out[t][p] = (lp[t] - lm[t]) / (2 * h) }
    }
    return out
}

func termGradients(_ sums: TermSums, parameterCount P: Int) -> [[Double]] {
    (0..<sums.losses.count).map { Array(sums.gradients[($0 * P)..<(($0 + 1) * P)]) }
}

@Suite("Sobolev gradients against finite differences")
struct GradientTests {
    @Test("every term's parameter gradient, every activation, multi-output", arguments: Activation.allCases)
    func termGradientsMatchFiniteDifferences(activation: Activation) {
        let net = MLPArchitecture(inputs: 3, outputs: 2, depth: 2, width: 5, activation: activation)
        var theta = net.glorotUniformParameters(seed: 7)
        var rng = SeededRNG(seed: 99)
        for i in theta.indices { theta[i] += 0.1 * rng.uniform(-1, 1) } // non-zero biases too
        let batch = randomBatch(n: 4, d: 3, m: 2, seed: 3)
        let sums = net.termSums(parameters: theta, batch: batch)
        #expect(sums.losses.count == 4)
        let fd = finiteDifferenceGradients(net, theta, batch)
        for (t, g) in termGradients(sums, parameterCount: net.parameterCount).enumerated() {
            let err = relativeError(g, fd[t])
            #expect(err < 1e-6, "term \(t) (\(activation)): relative error \(err)")
        }
    }

    @Test("adaptive slopes: gradient of every term including the slopes", arguments: [Activation.tanh, .sin, .silu])
    func adaptiveSlopeGradients(activation: Activation) {
        let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 3, width: 4, activation: activation, adaptiveScale: 10)
        var theta = net.glorotUniformParameters(seed: 11)
        var rng = SeededRNG(seed: 5)
        for l in 0..<net.hiddenLayerCount { theta[net.slopeOffset + l] = 0.1 + 0.03 * rng.uniform(-1, 1) }
        let batch = randomBatch(n: 5, d: 2, m: 2, seed: 8)
        let sums = net.termSums(parameters: theta, batch: batch)
        let fd = finiteDifferenceGradients(net, theta, batch, h: 1e-7)
        for (t, g) in termGradients(sums, parameterCount: net.parameterCount).enumerated() {
            let err = relativeError(g, fd[t])
            #expect(err < 1e-6, "term \(t): relative error \(err)")
            // The slopes' own entries, checked on their own so the weights cannot hide them.
            let slopes = Array(g[net.slopeOffset...]), fdSlopes = Array(fd[t][net.slopeOffset...])
            #expect(relativeError(slopes, fdSlopes) < 1e-6, "term \(t) slopes")
        }
    }

    @Test("input Jacobian against finite differences of the values", arguments: Activation.allCases)
    func jacobianMatchesFiniteDifferences(activation: Activation) {
        let net = MLPArchitecture(inputs: 3, outputs: 4, depth: 3, width: 6, activation: activation)
        let theta = net.glorotUniformParameters(seed: 21)
        let x = randomBatch(n: 6, d: 3, m: 4, seed: 4).inputs
        let (_, jac) = net.predict(parameters: theta, inputs: x)
        var fd = [Double](repeating: 0, count: jac.count)
        let h = 1e-6
        for j in 0..<3 {
            var xp = x, xm = x
            for i in 0..<x.rows { xp[i, j] += h; xm[i, j] -= h }
            let vp = net.predictValues(parameters: theta, inputs: xp)
            let vm = net.predictValues(parameters: theta, inputs: xm)
            for i in 0..<x.rows { for o in 0..<4 { fd[(i * 4 + o) * 3 + j] = (vp[i, o] - vm[i, o]) / (2 * h) } }
        }
        #expect(relativeError(jac, fd) < 1e-6)
    }

    @Test("plain data without Jacobians has the value term only, and its gradient is the Sobolev value term's")
    func valueOnlyBatch() {
        let net = MLPArchitecture(inputs: 2, outputs: 1, depth: 2, width: 4, activation: .tanh)
        let theta = net.glorotUniformParameters(seed: 1)
        let sob = randomBatch(n: 5, d: 2, m: 1, seed: 2)
        let plain = Dataset(inputs: sob.inputs, values: sob.values, jacobians: nil)
        let a = net.termSums(parameters: theta, batch: plain)
        let b = net.termSums(parameters: theta, batch: sob)
        #expect(a.losses.count == 1)
        #expect(a.losses[0] == b.losses[0])
        #expect(relativeError(a.gradients, Array(b.gradients[0..<net.parameterCount])) < 1e-14)
    }
}
