// The exact NTK traces against per-sample gradients taken one sample and one residual component
// at a time through termSums.
import Testing
@testable import SobolevCore

/// sum over samples b and outputs o of |d r_{t,b,o} / d theta|^2 per term t, by brute force: a
/// one-sample batch whose targets equal the network except for component o, offset so that its
/// residual is 1, has d S_t / d theta = d r_{t,b,o} / d theta (all other residuals are 0).
func bruteForceTraces(_ net: MLPArchitecture, _ theta: [Double], _ batch: Dataset) -> [Double] {
    let m = net.outputDimension, d = net.inputDimension, P = net.parameterCount
    var traces = [Double](repeating: 0, count: 1 + (batch.hasJacobians ? d : 0))
    for b in 0..<batch.count {
        let x = Matrix(rows: 1, cols: d, data: batch.inputs.row(b))
        let (values, jacobians) = net.predict(parameters: theta, inputs: x)
        for o in 0..<m {
            var y = values
            y[0, o] -= 1
            var dy = jacobians
            for j in 0..<d { dy[o * d + j] -= 1 }
            let single = Dataset(inputs: x, values: y, jacobians: batch.hasJacobians ? dy : nil)
            let sums = net.termSums(parameters: theta, batch: single)
            for t in traces.indices {
                traces[t] += sums.gradients[(t * P)..<((t + 1) * P)].reduce(0) { $0 + $1 * $1 }
            }
        }
    }
    return traces
}

@Suite("NTK traces")
struct NTKTraceTests {
    @Test("exact trace = brute-force per-sample gradients (tangent channels, biases, multi-output)", arguments: [Activation.tanh, .silu])
    func exactTraceMatchesBruteForce(activation: Activation) {
        let net = MLPArchitecture(inputs: 3, outputs: 2, depth: 2, width: 5, activation: activation)
        var theta = net.glorotUniformParameters(seed: 4)
        var rng = SeededRNG(seed: 6)
        for i in theta.indices { theta[i] += 0.1 * rng.uniform(-1, 1) }
        let batch = randomBatch(n: 4, d: 3, m: 2, seed: 9)
        let exact = net.ntkTraceSums(parameters: theta, batch: batch)
        let brute = bruteForceTraces(net, theta, batch)
        #expect(exact.count == 4)
        #expect(relativeError(exact, brute) < 1e-12, "\(exact) vs \(brute)")
    }

    @Test("exact trace with adaptive slopes")
    func adaptiveSlopes() {
        let net = MLPArchitecture(inputs: 2, outputs: 1, depth: 3, width: 4, activation: .tanh, adaptiveScale: 10)
        var theta = net.glorotUniformParameters(seed: 2)
        for l in 0..<net.hiddenLayerCount { theta[net.slopeOffset + l] = 0.1 + 0.02 * Double(l) }
        let batch = randomBatch(n: 3, d: 2, m: 1, seed: 1)
        let exact = net.ntkTraceSums(parameters: theta, batch: batch)
        let brute = bruteForceTraces(net, theta, batch)
        #expect(relativeError(exact, brute) < 1e-12, "\(exact) vs \(brute)")
    }

    @Test("value-only data: the value term's trace alone")
    func valueOnly() {
        let net = MLPArchitecture(inputs: 2, outputs: 2, depth: 2, width: 3, activation: .sin)
        let theta = net.glorotUniformParameters(seed: 8)
        let s = randomBatch(n: 3, d: 2, m: 2, seed: 3)
        let plain = Dataset(inputs: s.inputs, values: s.values, jacobians: nil)
        let exact = net.ntkTraceSums(parameters: theta, batch: plain)
        #expect(exact.count == 1)
        #expect(relativeError(exact, bruteForceTraces(net, theta, plain)) < 1e-12)
    }

    @Test("traces add over shards of a batch (what the all-reduce relies on)")
    func additiveOverShards() {
        let net = MLPArchitecture(inputs: 2, outputs: 1, depth: 2, width: 6, activation: .tanh)
        let theta = net.glorotUniformParameters(seed: 12)
        let batch = randomBatch(n: 5, d: 2, m: 1, seed: 13)
        let whole = net.ntkTraceSums(parameters: theta, batch: batch)
        let a = net.ntkTraceSums(parameters: theta, batch: batch.subset([0, 1]))
        let b = net.ntkTraceSums(parameters: theta, batch: batch.subset([2, 3, 4]))
        #expect(relativeError(whole, zip(a, b).map { $0 + $1 }) < 1e-13)
    }
}
