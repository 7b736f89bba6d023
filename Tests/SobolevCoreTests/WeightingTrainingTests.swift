// Every scheme inside the training loop: short runs stay finite (with and without adaptive
// activations, one and several derivative terms), and what is recorded matches what is applied.
import Foundation
import Testing
@testable import SobolevCore

/// f(x) = sin(2 pi x) on [-1, 1] with f' = 2 pi cos(2 pi x): the sine problem.
func sineData(count: Int, seed: UInt64) -> Dataset {
    var rng = SeededRNG(seed: seed)
    let x = (0..<count).map { _ in rng.uniform(-1, 1) }
    return Dataset(inputs: Matrix(rows: count, cols: 1, data: x),
                   values: Matrix(rows: count, cols: 1, data: x.map { sin(2 * .pi * $0) }),
                   jacobians: x.map { 2 * .pi * cos(2 * .pi * $0) })
}

/// f(x, y) = sin(x) cos(2 y) on [-1, 1]^2 with its gradient.
func waveData(count: Int, seed: UInt64) -> Dataset {
    var rng = SeededRNG(seed: seed)
    let x = (0..<(2 * count)).map { _ in rng.uniform(-1, 1) }
    var y: [Double] = [], dy: [Double] = []
    for i in 0..<count {
        let a = x[2 * i], b = x[2 * i + 1]
        y.append(sin(a) * cos(2 * b))
        dy += [cos(a) * cos(2 * b), -2 * sin(a) * sin(2 * b)]
    }
    return Dataset(inputs: Matrix(rows: count, cols: 2, data: x), values: Matrix(rows: count, cols: 1, data: y), jacobians: dy)
}

func trainWith(_ scheme: String, data: Dataset, layout: TermLayout, adaptiveScale: Double? = nil,
               epochs: Int, batchSize: Int? = nil) -> (TrainingOutcome, [Double]) {
    let arch = MLPArchitecture(inputs: data.inputDimension, outputs: 1, depth: 2, width: 16, activation: .tanh,
                               adaptiveScale: adaptiveScale)
    var options = TrainingOptions()
    options.epochs = epochs
    options.learningRate = 3e-3
    options.batchSize = batchSize
    options.logEvery = 5
    var weighting = WeightingCatalog.scheme(named: scheme)!.make(
        [:], context: WeightingContext(layout: layout, optimizer: options.optimizer, seed: 1))
    let initial = arch.glorotUniformParameters(seed: 3)
    let outcome = Trainer(architecture: arch, options: options, layout: layout)
        .train(initialParameters: initial, train: data, validation: nil, weighting: &weighting, seed: 1)
    return (outcome, initial)
}

@Suite("Weighting schemes in training")
struct WeightingTrainingTests {
    @Test("sine problem: every scheme trains 300 steps, stays finite and lowers the loss; adaptive slopes train too",
          arguments: WeightingCatalog.names, [nil, 10.0])
    func sine(scheme: String, adaptiveScale: Double?) {
        let data = sineData(count: 40, seed: 2)
        let layout = TermLayout(inputDimension: 1, hasDerivatives: true)
        let (outcome, initial) = trainWith(scheme, data: data, layout: layout, adaptiveScale: adaptiveScale, epochs: 300)
        #expect(outcome.status == .completed, "\(scheme): \(outcome.status)")
        #expect(outcome.parameters.allSatisfy { $0.isFinite })
        #expect(outcome.history.lambdas.allSatisfy { $0.count == 2 && $0.allSatisfy { $0.isFinite && $0 >= 0 } })
        let first = outcome.history.trainLosses.first!, last = outcome.history.trainLosses.last!
        #expect(last.reduce(0, +) < first.reduce(0, +), "\(scheme): loss \(first) -> \(last)")
        if adaptiveScale != nil {
            let arch = MLPArchitecture(inputs: 1, outputs: 1, depth: 2, width: 16, activation: .tanh, adaptiveScale: 10)
            let slopes = outcome.parameters[arch.slopeOffset...], before = initial[arch.slopeOffset...]
            #expect(zip(slopes, before).contains { $0 != $1 }, "\(scheme): the slopes did not move")
        }
    }

    @Test("2-D data, mini-batches, per-direction and grouped derivative terms", arguments: WeightingCatalog.names, [false, true])
    func twoDimensional(scheme: String, grouped: Bool) {
        let data = waveData(count: 30, seed: 4)
        let layout = TermLayout(inputDimension: 2, hasDerivatives: true, groupDerivatives: grouped)
        let (outcome, _) = trainWith(scheme, data: data, layout: layout, epochs: 60, batchSize: 10)
        #expect(outcome.status == .completed, "\(scheme): \(outcome.status)")
        #expect(outcome.history.lambdas.allSatisfy { $0.count == (grouped ? 2 : 3) && $0.allSatisfy(\.isFinite) })
    }

    @Test("uncertainty: theta moves by lr * 1/2 sum exp(-s_i) g_i and history records exp(-s_i)")
    func uncertaintyRecordedAndApplied() {
        let data = sineData(count: 8, seed: 5)
        let arch = MLPArchitecture(inputs: 1, outputs: 1, depth: 1, width: 4, activation: .tanh)
        var options = TrainingOptions()
        options.optimizer = .sgd(momentum: 0, nesterov: false)
        options.learningRate = 0.01
        options.epochs = 2
        options.logEvery = 1
        let layout = TermLayout(inputDimension: 1, hasDerivatives: true)
        let theta0 = arch.glorotUniformParameters(seed: 1)
        var weighting: any WeightingScheme = UncertaintyWeighting(termCount: 2, optimizer: options.optimizer)
        let trainer = Trainer(architecture: arch, options: options, layout: layout)
        let one = { () -> TrainingOutcome in
            var o = options; o.epochs = 1
            var w: any WeightingScheme = UncertaintyWeighting(termCount: 2, optimizer: options.optimizer)
            return Trainer(architecture: arch, options: o, layout: layout)
                .train(initialParameters: theta0, train: data, validation: nil, weighting: &w, seed: 0)
        }()
        let two = trainer.train(initialParameters: theta0, train: data, validation: nil, weighting: &weighting, seed: 0)

        // Step 0: s = 0, lambda = 1, theta1 = theta0 - 0.01 * 0.5 (g_0 + g_1).
        let P = arch.parameterCount
        let sums = arch.termSums(parameters: theta0, batch: data)
        let g = sums.gradients.map { $0 / Double(data.count) }
        let theta1 = (0..<P).map { theta0[$0] - 0.01 * 0.5 * (g[$0] + g[P + $0]) }
        #expect(two.history.lambdas[0] == [1, 1])
        #expect(relativeError(one.parameters, theta1) < 1e-14)
        // Step 1: s = -0.01 * 0.5 (1 - L_i(0)), recorded lambda = exp(-s).
        let L0 = two.history.trainLosses[0]
        let s = L0.map { -0.01 * 0.5 * (1 - $0) }
        expectClose(two.history.lambdas[1], s.map { exp(-$0) }, 1e-14)
    }
}
