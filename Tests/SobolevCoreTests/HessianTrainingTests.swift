// Training on Hessian data: the weighting schemes see the Hessian terms like any other, the losses
// fall, and the gradient modes give the same trajectory.
import Foundation
import Testing
@testable import SobolevCore

/// f = x1^2 - x1 x2 + x2^2 / 2 + 0.3 sin(x1 + x2), its gradient and Hessian, at `count` points.
func quadraticData(count: Int, seed: UInt64) -> Dataset {
    var rng = SeededRNG(seed: seed)
    return quadraticData(at: Matrix(rows: count, cols: 2, data: (0..<(2 * count)).map { _ in rng.uniform(-1, 1) }))
}

/// The same function at the rows of `inputs` (n x 2).
func quadraticData(at inputs: Matrix) -> Dataset {
    let x = inputs.data, count = inputs.rows
    var y: [Double] = [], dy: [Double] = [], d2y: [Double] = []
    for i in 0..<count {
        let a = x[2 * i], b = x[2 * i + 1], s = Foundation.sin(a + b), c = Foundation.cos(a + b)
        y.append(a * a - a * b + 0.5 * b * b + 0.3 * s)
        dy += [2 * a - b + 0.3 * c, -a + b + 0.3 * c]
        d2y += [2 - 0.3 * s, -1 - 0.3 * s, -1 - 0.3 * s, 1 - 0.3 * s]
    }
    return Dataset(inputs: Matrix(rows: count, cols: 2, data: x), values: Matrix(rows: count, cols: 1, data: y),
                   jacobians: dy, hessians: d2y)
}

/// Trains a [2, 8, 8, 1] tanh network on `data` with `scheme` in `mode`.
func trainHessian(_ scheme: String, mode: GradientMode, data: Dataset, groupHessian: Bool = false, epochs: Int,
                  batchSize: Int? = nil, adaptiveScale: Double? = nil) -> TrainingOutcome {
    let arch = MLPArchitecture(inputs: 2, outputs: 1, depth: 2, width: 8, activation: .tanh, adaptiveScale: adaptiveScale)
    let layout = TermLayout(inputDimension: 2, hasDerivatives: true, hasHessians: true, groupHessian: groupHessian)
    var options = TrainingOptions()
    options.epochs = epochs
    options.learningRate = 5e-3
    options.batchSize = batchSize
    options.gradientMode = mode
    var weighting = WeightingCatalog.scheme(named: scheme)!.make(
        [:], context: WeightingContext(layout: layout, optimizer: options.optimizer, seed: 1))
    return Trainer(architecture: arch, options: options, layout: layout)
        .train(initialParameters: arch.glorotUniformParameters(seed: 3), train: data, validation: nil, weighting: &weighting, seed: 1)
}

@Suite("Training with Hessian terms")
struct HessianTrainingTests {
    // LRA lets the value term drift for a few hundred steps while its lambdas on the derivative
    // terms grow to 1e3..1e4 (matching derivatives leaves the constant free), hence 600 steps.
    @Test("every scheme trains on Hessian data: histories name six terms, all finite, the loss falls",
          arguments: WeightingCatalog.names)
    func schemesTrain(scheme: String) {
        let data = quadraticData(count: 16, seed: 4)
        let out = trainHessian(scheme, mode: .auto, data: data, epochs: 600)
        #expect(out.status == .completed, "\(scheme): \(out.status)")
        let first = out.history.trainLosses.first!, last = out.history.trainLosses.last!
        #expect(first.count == 6 && out.history.lambdas.last!.count == 6)
        let finite = out.history.lambdas.joined().allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(last.reduce(0, +) < first.reduce(0, +), "\(scheme): \(first) -> \(last)")
        #expect(last[3...].reduce(0, +) < 0.5 * first[3...].reduce(0, +), "\(scheme) Hessian terms: \(first) -> \(last)")
    }

    @Test("CD_min (per-term gradients every step) and ReLoBRaLo (fused): every term's loss falls, grouped Hessian too",
          arguments: ["cdmin", "relobralo"], [false, true])
    func everyTermFalls(scheme: String, grouped: Bool) {
        let data = quadraticData(count: 16, seed: 4)
        let out = trainHessian(scheme, mode: .auto, data: data, groupHessian: grouped, epochs: 300)
        #expect(out.status == .completed)
        #expect(scheme == "cdmin" ? out.fusedSteps == 0 : out.perTermSteps == 0)
        let first = out.history.trainLosses.first!, last = out.history.trainLosses.last!
        #expect(first.count == (grouped ? 4 : 6))
        for t in first.indices { #expect(last[t] < 0.5 * first[t], "\(scheme) term \(t): \(first[t]) -> \(last[t])") }
    }

    @Test("fixed weights: auto, fused and per-term modes give the same trajectory (mini-batches, slopes, grouped Hessian)",
          arguments: [(false, false), (true, false), (false, true)])
    func sameTrajectory(adaptive: Bool, grouped: Bool) {
        let data = quadraticData(count: 12, seed: 9)
        let runs = [GradientMode.auto, .fused, .perTerm].map {
            trainHessian("fixed", mode: $0, data: data, groupHessian: grouped, epochs: 10, batchSize: 5,
                         adaptiveScale: adaptive ? 10 : nil)
        }
        #expect(runs[0].fusedSteps > 0 && runs[0].perTermSteps == 0 && runs[2].fusedSteps == 0)
        for r in runs.dropFirst() {
            #expect(relativeError(r.parameters, runs[0].parameters) < 1e-9)
            #expect(worstRelative(r.history.trainLosses, runs[0].history.trainLosses) < 1e-9)
        }
    }
}
