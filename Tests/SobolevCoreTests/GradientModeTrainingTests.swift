// The fused and per-term gradient modes inside the training loop: the same update, the same
// lambda and loss histories for the schemes that read only the losses, and `auto` picking
// per-term gradients exactly on the steps a scheme reads them.
import Foundation
import Testing
@testable import SobolevCore

/// Trains `data` with `scheme` in `mode`; SGD makes the update proportional to the gradient.
func trainInMode(_ mode: GradientMode, scheme: String, data: Dataset, hidden: [Int] = [12, 10], activation: Activation = .tanh,
                 adaptiveScale: Double? = nil, epochs: Int, batchSize: Int? = nil, sgd: Bool = false,
                 grouped: Bool = false, constants: [String: WeightingConstant] = [:]) -> TrainingOutcome {
    let arch = MLPArchitecture(layerSizes: [data.inputDimension] + hidden + [data.outputDimension], activation: activation,
                               adaptiveScale: adaptiveScale)
    let layout = TermLayout(inputDimension: data.inputDimension, hasDerivatives: data.hasJacobians, groupDerivatives: grouped)
    var options = TrainingOptions()
    options.epochs = epochs
    options.learningRate = sgd ? 0.005 : 3e-3
    if sgd { options.optimizer = .sgd(momentum: 0, nesterov: false) }
    options.batchSize = batchSize
    options.logEvery = 1
    options.gradientMode = mode
    var weighting = WeightingCatalog.scheme(named: scheme)!.make(
        constants, context: WeightingContext(layout: layout, optimizer: options.optimizer, seed: 1))
    return Trainer(architecture: arch, options: options, layout: layout)
        .train(initialParameters: arch.glorotUniformParameters(seed: 3), train: data, validation: nil, weighting: &weighting, seed: 1)
}

func worstRelative(_ a: [[Double]], _ b: [[Double]]) -> Double {
    zip(a.joined(), b.joined()).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? .infinity
}

@Suite("Gradient modes in training")
struct GradientModeTrainingTests {
    @Test("one SGD step: the fused update equals the per-term one, every activation, slopes, outputs, mini-batches",
          arguments: Activation.allCases)
    func sameUpdate(activation: Activation) {
        let initial = MLPArchitecture(layerSizes: [3, 12, 10, 2], activation: activation).glorotUniformParameters(seed: 3)
        for (adaptive, batch, grouped) in [(nil, nil, false), (10.0, 5, false), (nil, 7, true)] as [(Double?, Int?, Bool)] {
            let data = randomBatch(n: 13, d: 3, m: 2, seed: 21)
            let epochs = batch == nil ? 1 : 2
            let a = trainInMode(.fused, scheme: "fixed", data: data, activation: activation, adaptiveScale: adaptive,
                                epochs: epochs, batchSize: batch, sgd: true, grouped: grouped)
            let b = trainInMode(.perTerm, scheme: "fixed", data: data, activation: activation, adaptiveScale: adaptive,
                                epochs: epochs, batchSize: batch, sgd: true, grouped: grouped)
            #expect(a.status == .completed && a.fusedSteps > 0 && a.perTermSteps == 0 && b.fusedSteps == 0)
            let base = adaptive == nil ? initial
                : MLPArchitecture(layerSizes: [3, 12, 10, 2], activation: activation, adaptiveScale: adaptive).glorotUniformParameters(seed: 3)
            let ua = zip(a.parameters, base).map { $0 - $1 }, ub = zip(b.parameters, base).map { $0 - $1 }
            #expect(relativeError(ua, ub) < 1e-12, "\(a.status) \(b.status) \(activation) adaptive=\(String(describing: adaptive)) batch=\(String(describing: batch))")
        }
    }

    @Test("200 steps: lambda and loss histories of the loss-only schemes agree between the modes",
          arguments: ["fixed", "lmax", "uncertainty", "softadapt", "relobralo", "ntk"])
    func sameHistories(scheme: String) {
        let data = waveData(count: 24, seed: 5)
        let fused = trainInMode(.auto, scheme: scheme, data: data, epochs: 50, batchSize: 6,
                                constants: scheme == "ntk" ? ["ntk_every": .integer(20)] : [:])
        let perTerm = trainInMode(.perTerm, scheme: scheme, data: data, epochs: 50, batchSize: 6,
                                  constants: scheme == "ntk" ? ["ntk_every": .integer(20)] : [:])
        #expect(fused.steps == 200 && fused.gradientModeUsed == "fused" && perTerm.gradientModeUsed == "per_term")
        #expect(worstRelative(fused.history.lambdas, perTerm.history.lambdas) < 1e-9, "\(scheme) lambdas")
        #expect(worstRelative(fused.history.trainLosses, perTerm.history.trainLosses) < 1e-9, "\(scheme) losses")
    }

    @Test("auto takes per-term gradients on exactly the steps the scheme reads them")
    func autoFollowsTheScheme() {
        let data = waveData(count: 16, seed: 6)
        let lra = trainInMode(.auto, scheme: "lra", data: data, epochs: 30, constants: ["update_every": .integer(10)])
        #expect(lra.perTermSteps == 3 && lra.fusedSteps == 27 && lra.gradientModeUsed == "mixed")
        let lraPerTerm = trainInMode(.perTerm, scheme: "lra", data: data, epochs: 30, constants: ["update_every": .integer(10)])
        #expect(worstRelative(lra.history.lambdas, lraPerTerm.history.lambdas) < 1e-9)
        let cdmin = trainInMode(.auto, scheme: "cdmin", data: data, epochs: 5)
        #expect(cdmin.perTermSteps == 5 && cdmin.fusedSteps == 0)
        let proxy = trainInMode(.auto, scheme: "ntk", data: data, epochs: 25, constants: ["ntk_mode": .word("proxy"), "ntk_every": .integer(10)])
        #expect(proxy.perTermSteps == 2)
        #expect(WeightingCatalog.names.filter {
            WeightingCatalog.scheme(named: $0)!.make([:], context: WeightingContext(layout: TermLayout(inputDimension: 2, hasDerivatives: true),
                                                                                   optimizer: .sgd(momentum: 0, nesterov: false), seed: 0)).readsTermGradients
        }.sorted() == ["cdmin", "gradnorm", "lra"])
    }
}
