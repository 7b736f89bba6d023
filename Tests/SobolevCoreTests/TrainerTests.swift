// The training loop: batching, determinism, early stopping, divergence, weight decay.
import Foundation
import Testing
@testable import SobolevCore

/// y = sin(3 x) with derivative, on [-1, 1].
func sineData(_ n: Int, seed: UInt64) -> Dataset {
    var rng = SeededRNG(seed: seed)
    let x = (0..<n).map { _ in rng.uniform(-1, 1) }
    return Dataset(inputs: Matrix(rows: n, cols: 1, data: x), values: Matrix(rows: n, cols: 1, data: x.map { sin(3 * $0) }),
                   jacobians: x.map { 3 * cos(3 * $0) })
}

@Suite("Trainer")
struct TrainerTests {
    let arch = MLPArchitecture(inputs: 1, outputs: 1, depth: 2, width: 8, activation: .tanh)
    let layout = TermLayout(inputDimension: 1, hasDerivatives: true)

    func train(_ options: TrainingOptions, data: Dataset, validation: Dataset? = nil, seed: UInt64 = 1) -> TrainingOutcome {
        var w: any WeightingScheme = FixedWeighting(value: 1, gradient: 1, gradientTerms: 1)
        return Trainer(architecture: arch, options: options, layout: layout)
            .train(initialParameters: arch.glorotUniformParameters(seed: seed), train: data, validation: validation, weighting: &w, seed: seed)
    }

    @Test("full-batch Adam lowers both loss terms, and the same seed gives the same run")
    func deterministicAndLearning() {
        var o = TrainingOptions(); o.epochs = 300; o.learningRate = 1e-2
        let data = sineData(30, seed: 2)
        let a = train(o, data: data), b = train(o, data: data)
        #expect(a.parameters == b.parameters)
        #expect(a.history.trainLosses == b.history.trainLosses)
        let first = a.history.trainLosses.first!, last = a.history.trainLosses.last!
        #expect(last[0] < 0.1 * first[0] && last[1] < 0.1 * first[1])
        #expect(a.status == .completed && a.steps == 300)
    }

    @Test("mini-batches: steps per epoch round up, every sample is used each epoch")
    func miniBatch() {
        var o = TrainingOptions(); o.epochs = 3; o.batchSize = 7
        let out = train(o, data: sineData(30, seed: 3))
        #expect(out.steps == 3 * 5)        // ceil(30 / 7) = 5 batches per epoch
        #expect(out.samplesProcessed == 90)
        var s = TrainingOptions(); s.epochs = 2; s.batchSize = 1
        #expect(train(s, data: sineData(10, seed: 3)).steps == 20)  // stochastic: one sample per step
    }

    @Test("history is logged every log_every steps and at the last step")
    func logging() {
        var o = TrainingOptions(); o.epochs = 25; o.logEvery = 10
        let out = train(o, data: sineData(10, seed: 4))
        #expect(out.history.steps == [0, 10, 20, 24])
        #expect(out.history.lambdas.allSatisfy { $0 == [1, 1] })
    }

    @Test("early stopping keeps the best validation step's parameters")
    func earlyStopping() {
        // A tiny noisy training set and a large learning rate overfit quickly.
        var o = TrainingOptions(); o.epochs = 3000; o.learningRate = 3e-2; o.patience = 100; o.logEvery = 5
        var noisyTrain = sineData(6, seed: 5)
        var rng = SeededRNG(seed: 9)
        for i in 0..<6 { noisyTrain.values.data[i] += 0.5 * rng.uniform(-1, 1); noisyTrain.jacobians![i] += 3 * rng.uniform(-1, 1) }
        let out = train(o, data: noisyTrain, validation: sineData(40, seed: 6))
        #expect(out.status == .earlyStopped)
        #expect(out.steps < 3000)
        let i = out.history.steps.firstIndex(of: out.bestStep)!
        let bestVal = out.history.validationLosses[i].reduce(0, +)
        #expect(out.history.validationLosses.allSatisfy { $0.reduce(0, +) >= bestVal })
        #expect(out.steps - out.bestStep >= 100)
    }

    @Test("keep_best returns the best logged step's parameters, trains every step, and agrees with patience that never fires")
    func keepBest() {
        var o = TrainingOptions(); o.epochs = 600; o.learningRate = 3e-2; o.logEvery = 5; o.keepBest = true
        var noisyTrain = sineData(6, seed: 5)
        var rng = SeededRNG(seed: 9)
        for i in 0..<6 { noisyTrain.values.data[i] += 0.5 * rng.uniform(-1, 1); noisyTrain.jacobians![i] += 3 * rng.uniform(-1, 1) }
        let validation = sineData(40, seed: 6)
        let out = train(o, data: noisyTrain, validation: validation)
        #expect(out.status == .completed && out.steps == 600)
        // It overfits: the best logged step is well before the last, and its losses are the least logged.
        #expect(out.bestStep < 500)
        let i = out.history.steps.firstIndex(of: out.bestStep)!
        let best = out.history.validationLosses[i]
        #expect(out.history.validationLosses.allSatisfy { $0.reduce(0, +) >= best.reduce(0, +) })
        // The returned parameters are that step's: their validation losses are the logged ones.
        let trainer = Trainer(architecture: arch, options: o, layout: layout)
        #expect(trainer.evaluate(parameters: out.parameters, data: validation, group: SoloGroup()) == best)
        // Without keep_best the last parameters come back; patience longer than the run keeps the same best.
        var last = o; last.keepBest = false
        let plain = train(last, data: noisyTrain, validation: validation)
        #expect(plain.history == out.history && plain.bestStep == 600 && plain.parameters != out.parameters)
        var patient = last; patient.patience = 10_000
        let p = train(patient, data: noisyTrain, validation: validation)
        #expect(p.parameters == out.parameters && p.bestStep == out.bestStep && p.status == .completed)
    }

    @Test("the group average divides by the summed count in place, without copying a buffer that has room for it")
    func averageInPlace() {
        /// A group of three ranks holding the same buffer: the all-reduce triples it.
        struct Tripling: ReductionGroup {
            var rank: Int { 0 }
            var size: Int { 3 }
            func allReduceSum(_ buffer: inout [Double]) { for i in buffer.indices { buffer[i] *= 3 } }
        }
        var buffer = [Double]()
        buffer.reserveCapacity(4)
        buffer += [1, 2, 4]
        let before = buffer.withUnsafeBufferPointer { $0.baseAddress! }
        let total = Tripling().average(&buffer, count: 2)
        #expect(total == 6 && buffer == [0.5, 1, 2])
        #expect(buffer.withUnsafeBufferPointer { $0.baseAddress! } == before)
        // means(ofSums:) is the same average on a copy; no sample anywhere divides by 1.
        #expect(Tripling().means(ofSums: [1, 2, 4], count: 2).means == [0.5, 1, 2])
        #expect(SoloGroup().means(ofSums: [3], count: 0) == ([3], 1))
    }

    @Test("a diverging run is reported with its step and reason, not as completed")
    func divergence() {
        var o = TrainingOptions(); o.epochs = 200; o.optimizer = .sgd(momentum: 0, nesterov: false); o.learningRate = 1e6
        let out = train(o, data: sineData(10, seed: 7))
        guard case let .diverged(step, reason) = out.status else { Issue.record("expected divergence, got \(out.status)"); return }
        #expect(step > 0 && step < 200)
        #expect(reason.contains("not finite") || reason.contains("nan") || reason.contains("inf"))
    }

    @Test("a run that diverges with keep_best or early stopping still fails, but keeps its best parameters on validation and their step")
    func divergenceKeepsTheBest() {
        for patience in [nil, 1000] as [Int?] {
            var o = TrainingOptions(); o.epochs = 200; o.optimizer = .sgd(momentum: 0, nesterov: false); o.learningRate = 1e6
            o.keepBest = patience == nil; o.patience = patience; o.logEvery = 1
            let out = train(o, data: sineData(10, seed: 7), validation: sineData(5, seed: 8))
            guard case let .diverged(step, _) = out.status else { Issue.record("expected divergence, got \(out.status)"); return }
            #expect(out.bestStep < step, "best step \(out.bestStep), diverged at \(step)")
            #expect(out.parameters.allSatisfy { $0.isFinite })
            // The parameters kept are those of the lowest validation loss logged.
            let values = out.history.validationLosses.map { $0.reduce(0, +) }
            let lowest = values.indices.filter { values[$0].isFinite }.min { values[$0] < values[$1] }!
            #expect(out.history.steps[lowest] == out.bestStep, "\(out.history.steps) \(values)")
        }
    }

    @Test("a weight decay so large that Adam's second moment overflows fails the run instead of freezing the weights")
    func optimizerStateOverflow() {
        var o = TrainingOptions(); o.epochs = 50; o.learningRate = 1e-2; o.weightDecay = 1e160
        let out = train(o, data: sineData(10, seed: 7))
        guard case let .diverged(step, reason) = out.status else { Issue.record("expected divergence, got \(out.status)"); return }
        #expect(step == 0 && reason.contains("optimizer's state is not finite"), "\(step) \(reason)")
        o.weightDecay = 1e100   // large, but the squares stay finite: trains on
        #expect(train(o, data: sineData(10, seed: 7)).status == .completed)
    }

    @Test("weight decay adds wd * W to the weights' gradient only")
    func weightDecay() {
        // One SGD step at zero data loss gradient isolates the decay term: use lambda 0 on all terms.
        var o = TrainingOptions(); o.epochs = 1; o.optimizer = .sgd(momentum: 0, nesterov: false); o.learningRate = 0.1; o.weightDecay = 0.5
        var w: any WeightingScheme = FixedWeighting(weights: [0, 0])
        var theta = arch.glorotUniformParameters(seed: 3)
        for i in theta.indices { theta[i] += 0.01 }
        let out = Trainer(architecture: arch, options: o, layout: layout)
            .train(initialParameters: theta, train: sineData(5, seed: 1), validation: nil, weighting: &w, seed: 1)
        for s in arch.layers {
            for p in s.weightOffset..<(s.weightOffset + s.weightCount) { #expect(abs(out.parameters[p] - theta[p] * (1 - 0.05)) < 1e-15) }
            for p in s.biasOffset..<(s.biasOffset + s.outputs) { #expect(out.parameters[p] == theta[p]) }
        }
    }

    @Test("plain L2 (no derivative gradients) still records the derivative losses, and trains only on values")
    func plainTrainingWatchesDerivatives() {
        var o = TrainingOptions(); o.epochs = 50; o.learningRate = 1e-2
        let data = sineData(20, seed: 8)
        var w: any WeightingScheme = FixedWeighting(value: 1, gradient: 0, gradientTerms: 1)
        let plain = Trainer(architecture: arch, options: o, layout: layout, derivativeGradients: false)
            .train(initialParameters: arch.glorotUniformParameters(seed: 1), train: data, validation: nil, weighting: &w, seed: 1)
        var w2: any WeightingScheme = FixedWeighting(value: 1, gradient: 0, gradientTerms: 1)
        let valuesOnly = Dataset(inputs: data.inputs, values: data.values, jacobians: nil)
        let reference = Trainer(architecture: arch, options: o, layout: TermLayout(inputDimension: 1, hasDerivatives: false))
            .train(initialParameters: arch.glorotUniformParameters(seed: 1), train: valuesOnly, validation: nil, weighting: &w2, seed: 1)
        #expect(plain.history.trainLosses[0].count == 2)
        #expect(relativeError(plain.parameters, reference.parameters) < 1e-12)
    }
}
