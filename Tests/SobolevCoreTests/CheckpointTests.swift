// Training stopped at a step boundary and continued from its state gives the same bits as
// training that never stopped: every scheme (their optimizers and random streams), mini-batch
// shuffles, early stopping on validation, and the state's flat encoding.
import Foundation
import Testing
@testable import SobolevCore

@Suite("checkpoints: stop and resume")
struct CheckpointTests {
    let data = sineData(count: 23, seed: 5)
    let validation = sineData(count: 9, seed: 6)
    let arch = MLPArchitecture(inputs: 1, outputs: 1, depth: 2, width: 8, activation: .tanh)
    let layout = TermLayout(inputDimension: 1, hasDerivatives: true)

    func options(_ optimizer: OptimizerKind, keepBest: Bool = false) -> TrainingOptions {
        var o = TrainingOptions()
        o.optimizer = optimizer
        o.epochs = 12
        o.batchSize = 5          // 5 batches per epoch, the last of 3: shuffled every epoch
        o.learningRate = 3e-3
        o.logEvery = 2
        if keepBest { o.keepBest = true } else { o.patience = 1000 }
        return o
    }

    func scheme(_ name: String, _ o: TrainingOptions) -> any WeightingScheme {
        let spec = WeightingCatalog.scheme(named: name)!
        let given: [String: WeightingConstant] = name == "ntk" ? ["ntk_every": .integer(7)] : [:]
        return spec.make(given, context: WeightingContext(layout: layout, optimizer: o.optimizer, seed: 4))
    }

    /// Trains uninterrupted, then again stopped after each of `stops` steps and resumed from the
    /// state (through its flat encoding, as a group broadcast carries it).
    func compare(_ name: String, optimizer: OptimizerKind, stops: [Int], keepBest: Bool = false) throws {
        let o = options(optimizer, keepBest: keepBest)
        let trainer = Trainer(architecture: arch, options: o, layout: layout)
        let theta0 = arch.glorotUniformParameters(seed: 2)
        var w = scheme(name, o)
        let reference = trainer.train(initialParameters: theta0, train: data, validation: validation, weighting: &w, seed: 9)

        var state: TrainingState? = nil
        var outcome: TrainingOutcome? = nil
        for stop in stops + [Int.max] {
            var fresh = scheme(name, o)   // a new process: a fresh scheme, then the checkpoint
            if let state { try trainer.check(state, trainCount: data.count, weighting: fresh, run: name) }
            let o = trainer.train(initialParameters: theta0, train: data, validation: validation, weighting: &fresh, seed: 9,
                                  resume: state, afterStep: { steps, current in
                guard steps == stop else { return .proceed }
                state = try! TrainingState(flat: current().flat)
                return .stop
            })
            if stop == Int.max { outcome = o } else { #expect(o.status == .interrupted, "\(name)") }
        }
        let r = try #require(outcome)
        #expect(r.status == reference.status, "\(name)")
        #expect(r.parameters == reference.parameters, "\(name): parameters differ")
        #expect(r.history == reference.history, "\(name): history differs")
        #expect(r.steps == reference.steps && r.bestStep == reference.bestStep && r.samplesProcessed == reference.samplesProcessed)
        #expect(r.perTermSteps == reference.perTermSteps && r.fusedSteps == reference.fusedSteps)
    }

    @Test("every scheme, Adam and SGD with momentum: stopped three times (mid-epoch and at an epoch's end), the same bits",
          arguments: ["fixed", "lmax", "cdmin", "lra", "uncertainty", "softadapt", "relobralo", "gradnorm", "ntk"])
    func resumeIsBitwise(scheme: String) throws {
        try compare(scheme, optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), stops: [1, 13, 25])
        try compare(scheme, optimizer: .sgd(momentum: 0.9, nesterov: true), stops: [7, 40])
    }

    @Test("keep_best: stopped and resumed, the same kept parameters and best step")
    func keepBestResume() throws {
        try compare("relobralo", optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), stops: [1, 13, 25], keepBest: true)
    }

    @Test("a state that does not fit the run is refused with a reason")
    func misfit() throws {
        let o = options(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        let trainer = Trainer(architecture: arch, options: o, layout: layout)
        var w = scheme("relobralo", o)
        var state: TrainingState? = nil
        _ = trainer.train(initialParameters: arch.glorotUniformParameters(seed: 2), train: data, validation: nil, weighting: &w, seed: 1,
                          afterStep: { steps, current in state = current(); return steps == 3 ? .stop : .proceed })
        let good = try #require(state)
        try trainer.check(good, trainCount: data.count, weighting: scheme("relobralo", o), run: "r")
        var bad = good; bad.parameters.removeLast()
        #expect(throws: CheckpointError.self) { try trainer.check(bad, trainCount: data.count, weighting: scheme("relobralo", o), run: "r") }
        bad = good; bad.weighting.removeLast()
        #expect(throws: CheckpointError.self) { try trainer.check(bad, trainCount: data.count, weighting: scheme("relobralo", o), run: "r") }
        #expect(throws: CheckpointError.self) { try trainer.check(good, trainCount: data.count, weighting: scheme("gradnorm", o), run: "r") }
        bad = good; bad.order[0] = bad.order[1]
        #expect(throws: CheckpointError.self) { try trainer.check(bad, trainCount: data.count, weighting: scheme("relobralo", o), run: "r") }
        #expect(throws: CheckpointError.self) { try TrainingState(flat: Array(good.flat.dropLast())) }
    }
}
