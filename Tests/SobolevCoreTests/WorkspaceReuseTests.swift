// One run's step object serves batches of every size and kind one after the other (training
// batches, validation passes, predictions): its workspace grows and is reused. Whatever came
// before, a call must give what a fresh step gives, bit for bit, and never write past a buffer.
import Testing
@testable import SobolevCore

/// Every number one call of `kind` gives on `step` (losses, gradients, values, Jacobians).
private func callBits(_ step: SobolevStep, _ kind: Int, _ theta: [Double], _ batch: Dataset) -> [UInt64] {
    let terms = batch.hasHessians ? 1 + batch.inputDimension + HessianPairs.count(batch.inputDimension) : 1 + batch.tangentBlockCount
    var out: [Double] = []
    switch kind {
    case 0, 1:
        let sums = step.termSums(parameters: theta, batch: batch, derivativeGradients: kind == 0)
        out = sums.losses + sums.gradients
    case 2, 3, 4:
        // Plan F or R with derivative weights, or (4) zero derivative weights: the value rows alone.
        let plan: JacobianPlan = kind == 3 && !batch.hasHessians ? .reverse : .forward
        out = step.fusedLosses(parameters: theta, batch: batch, plan: plan).losses
        let weights = (0..<terms).map { kind == 4 && $0 > 0 ? 0 : 0.5 + 0.1 * Double($0) }
        out += step.fusedGradient(parameters: theta, weights: weights)
    case 5:
        out = step.lossSums(parameters: theta, batch: batch).losses
    default:
        let p = step.predict(parameters: theta, inputs: batch.inputs)
        out = p.values.data + p.jacobians
    }
    return out.map(\.bitPattern)
}

@Suite struct WorkspaceReuseTests {
    @Test("a step reused across batch sizes, data kinds, modes and weights gives a fresh step's bits")
    func reusedStepMatchesFresh() {
        // Widths and sizes around the tile limits: width 50, d = 1 takes tiles of 640 samples with
        // its tangent block and 1296 without; the others several tiles from a few hundred samples.
        let nets = [perturbedNetwork(d: 1, m: 1, hidden: [50, 50], activation: .tanh, adaptive: false, seed: 31),
                    perturbedNetwork(d: 3, m: 2, hidden: [96, 64], activation: .softplus, adaptive: true, seed: 32),
                    perturbedNetwork(d: 6, m: 1, hidden: [128], activation: .sin, adaptive: false, seed: 33)]
        var rng = SeededRNG(seed: 34)
        for (net, theta) in nets {
            let d = net.inputDimension, m = net.outputDimension
            let step = SobolevStep(architecture: net)
            for call in 0..<30 {
                let n = [1, 7, 64, 300, 641, 1300, 1500][Int(rng.uniform(0, 7))]
                let data = Int(rng.uniform(0, 3)), kind = Int(rng.uniform(0, 7))
                let batch = data == 0 ? randomBatch(n: n, d: d, m: m, seed: UInt64(call))
                    : data == 1 ? directionalBatch(n: n, d: d, m: m, k: 2, jacobians: call % 2 == 0, seed: UInt64(call))
                    : randomHessianBatch(n: min(n, 300), d: d, m: m, seed: UInt64(call))
                let fresh = callBits(SobolevStep(architecture: net), kind, theta, batch)
                #expect(callBits(step, kind, theta, batch) == fresh, "d=\(d) call \(call): n=\(batch.count) data \(data) kind \(kind)")
            }
        }
    }
}
