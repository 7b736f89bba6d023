// The training loop: mini-batches, the data-parallel sum of the Sobolev term gradients, the
// weighting scheme, the optimizer, validation, early stopping and divergence detection.
//
// Data parallelism (docs/design.md): every rank of a group holds the same parameters and draws
// the same shuffled batch order from the run's seed; each takes a contiguous shard of every batch,
// computes the unnormalised term sums and their gradients, and the group adds one packed buffer
// [term gradients | term losses | sample count] with a single all-reduce. Every rank then divides
// by the global count and applies the weighting scheme and the optimizer identically.
import Foundation

/// A group of ranks that train one configuration together. The core needs only a sum.
public protocol ReductionGroup {
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise sum of `buffer` over all ranks of the group; every rank gets the result.
    func allReduceSum(_ buffer: inout [Double])
}

extension ReductionGroup {
    /// Sums `sums` and `count` over the group with one all-reduce and returns the means
    /// (sums / total count) and the total count (at least 1).
    func means(ofSums sums: [Double], count: Int) -> (means: [Double], count: Double) {
        var buffer = sums
        let total = average(&buffer, count: count)
        return (buffer, total)
    }

    /// Sums `buffer` and `count` over the group with one all-reduce (the count rides at the end)
    /// and divides the buffer by the total count (at least 1) in place; returns the total count.
    /// A buffer with room for one more number is not copied.
    func average(_ buffer: inout [Double], count: Int) -> Double {
        buffer.append(Double(count))
        allReduceSum(&buffer)
        let total = max(buffer.removeLast(), 1)
        let scale = 1 / total
        buffer.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= scale } }
        return total
    }
}

/// A group of one: the single-process case.
public struct SoloGroup: ReductionGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: inout [Double]) {}
}

/// A group whose all-reduces are timed: the seconds this rank spends in them (moving the numbers
/// and waiting for the group's slower ranks), what a data-parallel run's communication costs.
/// A group of one is not timed (its all-reduce does nothing).
struct TimedGroup: ReductionGroup {
    final class Clock { var seconds = 0.0 }
    let group: ReductionGroup
    let clock = Clock()
    var rank: Int { group.rank }
    var size: Int { group.size }
    func allReduceSum(_ buffer: inout [Double]) {
        guard size > 1 else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        group.allReduceSum(&buffer)
        clock.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}

/// Which parameter gradients a step computes (`training.gradient_mode`, docs/design.md).
public enum GradientMode: String, Sendable, CaseIterable {
    /// Every term's gradient on the steps where the weighting scheme needs them, one gradient of
    /// the weighted sum on the others.
    case auto
    /// Always one gradient of the weighted sum (for schemes that need only the losses).
    case fused
    /// Always every term's gradient.
    case perTerm = "per_term"
}

/// How to train (the experiment file's `training` section).
public struct TrainingOptions: Sendable, Equatable {
    public var optimizer: OptimizerKind = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    public var learningRate = 1e-3
    public var schedule: LearningRateSchedule = .constant
    public var epochs = 1000
    /// Samples per mini-batch; nil is full batch, 1 is stochastic gradient descent.
    public var batchSize: Int? = nil
    /// Shuffle the training set every epoch (mini-batch and stochastic modes).
    public var shuffle = true
    /// L2 weight decay on the weight matrices (not biases, not slopes): g += wd * W.
    public var weightDecay = 0.0
    /// Record history (and evaluate validation) every this many steps, and at the last step.
    public var logEvery = 1
    /// Stop when the validation loss has not improved for this many steps; nil: never.
    public var patience: Int? = nil
    /// Return the parameters of the logged step with the best validation loss, without stopping
    /// early (model selection on validation; `patience` implies it).
    public var keepBest = false
    /// Per-term or fused gradients (results agree up to rounding; fused is cheaper).
    public var gradientMode: GradientMode = .auto
    /// Threads of this run's BLAS calls and element-wise loops (1 per rank under a launcher).
    public var threads = 1

    /// Stochastic Sobolev training (`loss.projections`): k random unit directions per sample and
    /// step replace the full Jacobian terms (Directional.swift); the layout then has k
    /// directional terms and no gradient terms. nil: the data's own terms.
    public var projections: Int? = nil

    public init() {}
}

/// Loss histories over logged steps.
public struct TrainingHistory: Sendable, Equatable {
    public var steps: [Int] = []
    public var epochs: [Int] = []
    public var learningRates: [Double] = []
    /// Per logged step, the training batch's term losses (in normalised units).
    public var trainLosses: [[Double]] = []
    /// Per logged step, the scheme's lambdas (theta's gradient is gradientScale * sum_k lambda_k g_k).
    public var lambdas: [[Double]] = []
    /// Per logged step, the validation term losses (empty rows without a validation set).
    public var validationLosses: [[Double]] = []
    public init() {}

    /// One logged step's row.
    mutating func append(step: Int, epoch: Int, learningRate: Double, losses: [Double], lambdas: [Double], validation: [Double]?) {
        steps.append(step); epochs.append(epoch); learningRates.append(learningRate)
        trainLosses.append(losses); self.lambdas.append(lambdas)
        if let validation { validationLosses.append(validation) }
    }

    mutating func append(contentsOf other: TrainingHistory) {
        steps += other.steps; epochs += other.epochs; learningRates += other.learningRates
        trainLosses += other.trainLosses; lambdas += other.lambdas; validationLosses += other.validationLosses
    }
}

/// How a training run ended.
public enum TrainingStatus: Sendable, Equatable {
    case completed
    case earlyStopped
    /// Loss or gradient not finite at `step`.
    case diverged(step: Int, reason: String)
    /// Stopped at a step boundary on request (`StepAction.stop`); the caller holds the state.
    case interrupted
}

public struct TrainingOutcome: Sendable {
    /// Final parameters (the best on validation with early stopping or keepBest).
    public var parameters: [Double]
    public var history: TrainingHistory
    public var status: TrainingStatus
    public var steps: Int
    /// Step whose parameters were kept (the best on validation, or the last).
    public var bestStep: Int
    /// Samples processed over all ranks (for throughput figures).
    public var samplesProcessed: Int
    /// Steps that computed every term's gradient, and steps that computed the fused gradient.
    public var perTermSteps = 0
    public var fusedSteps = 0
    /// How the fused steps took the Jacobian.
    public var jacobianPlan: JacobianPlan = .forward
    /// Seconds this rank spent in the group's all-reduces (0 on one rank): see `TimedGroup`.
    public var allReduceSeconds = 0.0

    /// "fused", "per_term", or "mixed" (a scheme that needs per-term gradients on some steps).
    public var gradientModeUsed: String {
        perTermSteps == 0 ? "fused" : (fusedSteps == 0 ? "per_term" : "mixed")
    }
}

public struct Trainer {
    public var architecture: MLPArchitecture
    public var options: TrainingOptions
    public var layout: TermLayout
    /// Which terms the early-stopping criterion adds up (default: all).
    public var monitoredTerms: [Bool]
    /// Whether the derivative terms' gradients are needed (false for plain L2 training with a
    /// fixed zero weight: their losses are still recorded, their gradients not computed).
    public var derivativeGradients: Bool

    public init(architecture: MLPArchitecture, options: TrainingOptions, layout: TermLayout,
                monitoredTerms: [Bool]? = nil, derivativeGradients: Bool = true) {
        self.architecture = architecture; self.options = options; self.layout = layout
        self.monitoredTerms = monitoredTerms ?? Array(repeating: true, count: layout.count)
        self.derivativeGradients = derivativeGradients
    }

    /// The contiguous share of `count` items that rank `rank` of `size` takes.
    public static func shard(count: Int, rank: Int, size: Int) -> Range<Int> {
        (rank * count / size)..<((rank + 1) * count / size)
    }

    /// Term losses (means) of `data` under `parameters`, sharded over the group.
    public func evaluate(parameters: [Double], data: Dataset, group: ReductionGroup, using step: SobolevStep? = nil) -> [Double] {
        let part = data.subset(Array(Trainer.shard(count: data.count, rank: group.rank, size: group.size)))
        let engine = step ?? SobolevStep(architecture: architecture, threads: options.threads)
        let sums = engine.lossSums(parameters: parameters, batch: part)
        return layout.combine(group.means(ofSums: sums.losses, count: sums.count).means)
    }

    /// The weight of each of the step's terms in the fused gradient: (value, grad_1..grad_d,
    /// dir_1..dir_k, hess pairs) from the layout's lambdas (one lambda per family when grouped),
    /// times `scale`.
    func directionWeights(_ lambdas: [Double], scale: Double) -> [Double] {
        layout.termOfStepTerm.enumerated().map { t, term in
            t == 0 || derivativeGradients ? scale * lambdas[term] : 0
        }
    }

    /// Trains from `initialParameters` on `train` (normalised units), logging and early-stopping
    /// on `validation` when given. `weighting` keeps its state across calls. `afterStep` runs
    /// after every optimizer step with the number of steps taken and the state at that boundary
    /// (built only when asked for: checkpoints); it can stop training there. `resume` continues
    /// from such a state, bit for bit as if training had never stopped.
    ///
    /// A step computes every term's gradient when the mode asks for it or the scheme needs them
    /// at that step (one all-reduce of [gradients | losses | count]); otherwise the fused step
    /// all-reduces [losses | count], asks the scheme for the lambdas, and computes and all-reduces
    /// the one gradient of the weighted sum.
    ///
    /// `budgetEnd`: the step count at which `afterStep` will stop training (a search budget).
    /// The step before it is logged in the interrupted outcome's history, as the last step of a
    /// run is, but not in the states: a run continued from them logs as if never stopped.
    public func train(initialParameters: [Double], train: Dataset, validation: Dataset?,
                      weighting: inout any WeightingScheme, group: ReductionGroup = SoloGroup(),
                      seed: UInt64, resume: TrainingState? = nil, budgetEnd: Int? = nil,
                      afterStep: ((_ steps: Int, _ state: () -> TrainingState) -> StepAction)? = nil) -> TrainingOutcome {
        let group = TimedGroup(group: group)
        let P = architecture.parameterCount
        let n = train.count
        precondition(n > 0, "training set is empty")
        precondition(layout.hasHessians == train.hasHessians && (validation?.hasHessians ?? train.hasHessians) == train.hasHessians,
                     "the term layout \(layout.hasHessians ? "has" : "has no") Hessian terms, the training data \(train.hasHessians ? "has" : "has no") Hessians, the validation data \(validation.map { $0.hasHessians ? "has" : "has no" } ?? "is absent")")
        let batch = min(options.batchSize ?? n, n)
        let batchesPerEpoch = (n + batch - 1) / batch
        let totalSteps = options.epochs * batchesPerEpoch
        let lastLayer = architecture.layers.last!
        let lastLayerWeights = lastLayer.weightOffset..<(lastLayer.weightOffset + lastLayer.weightCount)
        let weightRanges = architecture.layers.map { $0.weightOffset..<($0.weightOffset + $0.weightCount) }
        BLAS.setThreads(options.threads)
        let engine = SobolevStep(architecture: architecture, threads: options.threads)
        precondition(!(layout.hasHessians && layout.directionCount > 0), "a layout has directional or Hessian terms, not both")
        // Batches with Hessian data always take forward tangents (docs/design.md, "Hessian terms").
        let plan = train.hasHessians ? JacobianPlan.forward
            : JacobianPlan.cheapest(architecture, batch: Trainer.shard(count: batch, rank: 0, size: group.size).count,
                                    jacobians: layout.hasDerivatives, directions: layout.directionCount)
        precondition(options.projections == nil || (train.hasJacobians && layout.directionCount == options.projections),
                     "projections need Jacobians and a layout of as many directional terms")
        // With projections the validation losses use one fixed draw of directions, so they compare across steps.
        let validation = options.projections.map { k in
            validation?.projected(k, stream: .validation(seed: seed), sampleIndices: Array(0..<validation!.count))
        } ?? validation

        var theta = initialParameters
        var optimizer = options.optimizer.make(parameterCount: P)
        var shuffler = SeededRNG(seed: seed, stream: "shuffle")
        var order = Array(0..<n)
        var history = TrainingHistory()
        var budgetRow: TrainingHistory? = nil
        var best = (loss: Double.infinity, step: 0, parameters: theta)
        var samples = 0
        var step = 0
        var perTermSteps = 0, fusedSteps = 0
        if let r = resume {
            // A state that does not fit this run is a programming error upstream (the store
            // checks a checkpoint's run id and shapes): stop loudly rather than train wrong.
            precondition(r.parameters.count == P && r.order.count == n, "checkpoint does not fit this run")
            do {
                try optimizer.restore(checkpointState: r.optimizer)
                try weighting.restore(checkpointState: r.weighting)
                try shuffler.restore(checkpointState: r.shuffler)
            } catch { preconditionFailure("checkpoint does not fit this run: \(error)") }
            theta = r.parameters; order = r.order; history = r.history; step = r.step
            best = (r.bestLoss, r.bestStep, r.bestParameters)
            samples = r.samples; perTermSteps = r.perTermSteps; fusedSteps = r.fusedSteps
        }
        func state() -> TrainingState {
            TrainingState(step: step, parameters: theta, optimizer: optimizer.checkpointState, weighting: weighting.checkpointState,
                          shuffler: shuffler.checkpointState, order: order, history: history, bestLoss: best.loss,
                          bestStep: best.step, bestParameters: best.parameters, samples: samples,
                          perTermSteps: perTermSteps, fusedSteps: fusedSteps)
        }

        func finish(_ status: TrainingStatus) -> TrainingOutcome {
            if status == .interrupted, let row = budgetRow, row.steps == [step - 1] { history.append(contentsOf: row) }
            let keepBest = (options.patience != nil || options.keepBest) && validation != nil && best.loss.isFinite
            // Also after a divergence (the run still fails): the best parameters on validation
            // were finite and are what keep_best and early stopping promise to keep.
            var outcome = TrainingOutcome(parameters: keepBest ? best.parameters : theta, history: history, status: status,
                                          steps: step, bestStep: keepBest ? best.step : step, samplesProcessed: samples)
            outcome.perTermSteps = perTermSteps; outcome.fusedSteps = fusedSteps; outcome.jacobianPlan = plan
            outcome.allReduceSeconds = group.clock.seconds
            return outcome
        }

        // A resumed run starts inside its epoch; the epoch's shuffle happened before the state.
        let firstEpoch = step / batchesPerEpoch
        for epoch in firstEpoch..<max(options.epochs, firstEpoch) {
            let firstBatch = epoch == firstEpoch ? step % batchesPerEpoch : 0
            if options.shuffle && batch < n && firstBatch == 0 { shuffler.shuffle(&order) }
            for b in firstBatch..<batchesPerEpoch {
                let batchIndices = Array(order[(b * batch)..<min((b + 1) * batch, n)])
                let mine = Trainer.shard(count: batchIndices.count, rank: group.rank, size: group.size)
                var shard = train.subset(Array(batchIndices[mine]))
                if let k = options.projections {
                    // Directions by global sample index: the same on every rank whatever the shard.
                    shard = shard.projected(k, stream: ProjectionStream(seed: seed, step: step), sampleIndices: Array(batchIndices[mine]))
                }
                let learningRate = options.schedule.learningRate(base: options.learningRate, step: step)
                let perTerm = options.gradientMode == .perTerm
                    || (options.gradientMode == .auto && weighting.needsTermGradients(atStep: step))

                // NTK traces on demand: this shard's per-sample sums, all-reduced like the gradients.
                let parameters = theta
                let ntkTraces = { [architecture, layout] () -> [Double] in
                    let traces = architecture.ntkTraceSums(parameters: parameters, batch: shard)
                    return layout.combine(group.means(ofSums: traces, count: shard.count).means)
                }
                func input(_ losses: [Double], _ gradients: [Double]) -> WeightingInput {
                    WeightingInput(step: step, losses: losses, gradients: gradients, parameterCount: P,
                                   lastLayerWeights: lastLayerWeights, learningRate: learningRate, ntkTraces: ntkTraces)
                }

                let losses: [Double], lambdas: [Double]
                var total: [Double]
                if perTerm {
                    // One all-reduce of [gradients | losses | count], then means, in one buffer
                    // (T x P numbers: one copy of the step's gradients, not four).
                    let sums = engine.termSums(parameters: theta, batch: shard, derivativeGradients: derivativeGradients)
                    let T0 = sums.losses.count
                    var buffer = [Double]()
                    buffer.reserveCapacity(T0 * P + T0 + 1)
                    buffer += sums.gradients
                    buffer += sums.losses
                    let count = group.average(&buffer, count: sums.count)
                    let stepLosses = Array(buffer[(T0 * P)...])
                    buffer.removeLast(T0)
                    let combined = layout.combine(losses: stepLosses, gradients: buffer, parameterCount: P)
                    losses = combined.losses
                    samples += Int(count)
                    if let bad = losses.firstIndex(where: { !$0.isFinite }) {
                        return finish(.diverged(step: step, reason: "loss term \(layout.names[bad]) is \(losses[bad])"))
                    }
                    if combined.gradients.contains(where: { !$0.isFinite }) {
                        return finish(.diverged(step: step, reason: "a loss-term gradient is not finite"))
                    }
                    lambdas = weighting.lambdas(for: input(losses, combined.gradients))
                    if let bad = lambdas.firstIndex(where: { !$0.isFinite }) {
                        return finish(.diverged(step: step, reason: "lambda of term \(layout.names[bad]) is \(lambdas[bad])"))
                    }
                    // theta's gradient: c * sum_k lambda_k g_k (c = the scheme's gradientScale).
                    total = [Double](repeating: 0, count: P)
                    let c = weighting.gradientScale
                    combined.gradients.withUnsafeBufferPointer { g in
                        total.withUnsafeMutableBufferPointer { t in
                            for (k, lambda) in lambdas.enumerated() where lambda != 0 {
                                Kernels.addScaled(g.baseAddress! + k * P, times: c * lambda, into: t.baseAddress!, count: P)
                            }
                        }
                    }
                    perTermSteps += 1
                } else {
                    // Losses first (their all-reduce is T + 1 numbers), the lambdas, then one gradient.
                    let sums = engine.fusedLosses(parameters: theta, batch: shard, plan: plan)
                    let (means, count) = group.means(ofSums: sums.losses, count: sums.count)
                    losses = layout.combine(means)
                    samples += Int(count)
                    if let bad = losses.firstIndex(where: { !$0.isFinite }) {
                        return finish(.diverged(step: step, reason: "loss term \(layout.names[bad]) is \(losses[bad])"))
                    }
                    lambdas = weighting.lambdas(for: input(losses, []))
                    if let bad = lambdas.firstIndex(where: { !$0.isFinite }) {
                        return finish(.diverged(step: step, reason: "lambda of term \(layout.names[bad]) is \(lambdas[bad])"))
                    }
                    total = engine.fusedGradient(parameters: theta,
                                                 weights: directionWeights(lambdas, scale: weighting.gradientScale / count))
                    group.allReduceSum(&total)
                    if total.contains(where: { !$0.isFinite }) {
                        return finish(.diverged(step: step, reason: "a loss-term gradient is not finite"))
                    }
                    fusedSteps += 1
                }
                if options.weightDecay != 0 {
                    for r in weightRanges { for p in r { total[p] += options.weightDecay * theta[p] } }
                }

                let isLast = step == totalSteps - 1
                if step % options.logEvery == 0 || isLast {
                    let v = validation.map { evaluate(parameters: theta, data: $0, group: group, using: engine) }
                    history.append(step: step, epoch: epoch, learningRate: learningRate, losses: losses, lambdas: lambdas, validation: v)
                    if let v {
                        let monitored = zip(v, monitoredTerms).filter { $0.1 }.map { $0.0 }.reduce(0, +)
                        if monitored < best.loss {
                            best = (monitored, step, theta)
                        } else if let patience = options.patience, step - best.step >= patience {
                            return finish(.earlyStopped)
                        }
                    }
                } else if let budgetEnd, step == budgetEnd - 1 {
                    // Kept aside (no early-stopping bookkeeping): the states stay the straight run's.
                    let v = validation.map { evaluate(parameters: theta, data: $0, group: group, using: engine) }
                    var row = TrainingHistory()
                    row.append(step: step, epoch: epoch, learningRate: learningRate, losses: losses, lambdas: lambdas, validation: v)
                    budgetRow = row
                }

                optimizer.step(parameters: &theta, gradient: total, learningRate: learningRate)
                // Checked where the history is logged (a pass over the state, not every step).
                if step % options.logEvery == 0 && !optimizer.stateIsFinite {
                    return finish(.diverged(step: step, reason: "the optimizer's state is not finite (Adam squares the gradient, with its weight decay: entries above about 1e154 overflow)"))
                }
                step += 1
                if let afterStep, afterStep(step, state) == .stop { return finish(.interrupted) }
            }
        }
        if theta.contains(where: { !$0.isFinite }) {
            return finish(.diverged(step: step, reason: "parameters not finite after the last update"))
        }
        return finish(.completed)
    }
}
