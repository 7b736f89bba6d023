// One run from configuration to result: data, standardisation, training, metrics. No MPI and no
// writing: the group to train with is handed in and the caller stores the result; the only files
// touched are the users' data files a run reads (UserDataset).
import Foundation
import SobolevCore
import SobolevProblems

/// Training, validation and test data of one run, in original units.
public struct RunData: Sendable {
    public var train: Dataset
    public var validation: Dataset?
    public var test: Dataset
    /// What the data cost, copied from a data file made by `sobolev data` (data_generation_time,
    /// simulation_time_per_sample): the report's surrogate break-even needs it.
    public var costs: [String: Double] = [:]
    /// The data file's own split ("datasets train_index, ...", "a column split") when the run
    /// split it by fractions instead: the preflight asks that problem.split say so.
    public var ignoredSplit: String? = nil

    public init(train: Dataset, validation: Dataset?, test: Dataset, costs: [String: Double] = [:]) {
        self.train = train; self.validation = validation; self.test = test; self.costs = costs
    }
}

/// Everything a finished (or failed) run leaves behind.
public struct RunResult: Sendable {
    public var spec: RunSpec
    public var status: RunStatus
    /// Why a run failed, and at which step (nil when completed).
    public var failureReason: String?
    public var failureStep: Int?
    /// "completed", "early_stopped", "diverged", or "search" (stopped at a budget).
    public var stopReason: String
    public var termNames: [String]
    public var history: TrainingHistory
    /// Metrics in original units, by name (train_, validation_, test_ prefixes).
    public var metrics: [(name: String, value: Double)]
    public var architecture: MLPArchitecture
    public var parameters: [Double]
    public var standardization: Standardization
    /// The test set and the surrogate's predictions on it (original units).
    public var test: Dataset
    public var testPredictedValues: Matrix
    public var testPredictedJacobians: [Double]
    /// The surrogate's Hessians on the test set [n, m, d, d], when the test set has Hessians.
    public var testPredictedHessians: [Double]? = nil
    /// Seconds: data_generation_time and simulation_time_per_sample (from the data file, when
    /// known) and surrogate_time_per_sample (measured on the test set).
    public var costs: [String: Double]
    public var steps: Int
    public var bestStep: Int
    public var ranks: Int
    public var wallTime: Double
    public var trainTime: Double
    /// Seconds of `trainTime` rank 0 spent in the group's all-reduces (moving the numbers and
    /// waiting for the slower ranks); 0 on one rank.
    public var allReduceTime = 0.0
    public var samplesPerSecond: Double
    /// Which gradients the steps computed ("fused", "per_term" or "mixed") and how the fused
    /// steps took the Jacobian ("forward" or "reverse").
    public var gradientModeUsed = "per_term"
    public var jacobianPlan = "forward"
    /// A run stopped at a budget (status stopped): its state there, to continue it from.
    public var continuation: TrainingState? = nil
    /// A trial of a search scheduler: the rung it reached and its metric at every rung so far.
    public var search: SearchRecord? = nil

    public var id: String { spec.id }
}

/// Where a trial of a search scheduler got: stored as search_rung, search_budget, search_budgets
/// and search_metrics, which a resumed search reads back to make the same decisions.
public struct SearchRecord: Sendable, Equatable {
    /// Rung reached (0 = the lowest) and its budget in epochs.
    public var rung: Int
    public var budget: Int
    /// The search metric at each rung the trial reached (NaN where it failed), and the budgets
    /// of those rungs (a Hyperband trial starts at its bracket's lowest budget).
    public var metrics: [Double]
    public var budgets: [Int]
    public init(rung: Int, budget: Int, metrics: [Double], budgets: [Int]) {
        self.rung = rung; self.budget = budget; self.metrics = metrics; self.budgets = budgets
    }
}

/// Training stopped at a step boundary on request (a signal); the caller checkpointed it.
public struct RunInterrupted: Error {
    public let step: Int
}

public enum RunExecutor {
    /// Generates the run's data from its problem and seed (identical on every rank): training
    /// and validation inputs from the configured sampler with noise on values and derivatives,
    /// the test set exact on a dense grid (a Sobol set above 3 dimensions); with loss.order 2
    /// also the exact Hessians (without noise). A data file is read and split instead (no noise
    /// is added to users' data).
    public static func data(for config: RunConfig) throws -> RunData {
        if let source = config.problem.dataset {
            return try UserDataset.load(source, baseDirectory: config.baseDirectory, seed: config.problem.dataSeed ?? config.seed)
        }
        let f = try config.problem.function()
        let seed = config.problem.dataSeed ?? config.seed
        func sample(_ count: Int, _ purpose: String) -> Dataset {
            let purposeSeed = seed ^ SeededRNG.fnv1a(purpose)
            let x = Sampler(kind: config.problem.sampler, seed: purposeSeed).samples(count: count, domain: f.domain)
            return noisy(f.dataset(at: x, hessians: config.loss.trainsHessians), valueNoise: config.problem.valueNoise, gradientNoise: config.problem.gradNoise, seed: purposeSeed)
        }
        let train = sample(config.problem.trainSamples, "train")
        let validation = config.problem.validationSamples > 0 ? sample(config.problem.validationSamples, "validation") : nil
        let testInputs = Sampler.testInputs(count: config.problem.testSamples, domain: f.domain)
        return RunData(train: train, validation: validation, test: f.dataset(at: testInputs, hessians: config.loss.trainsHessians))
    }

    /// A data file's data against the run: a Sobolev loss needs derivatives, loss.order 2 needs
    /// Hessians, early stopping needs validation samples (generated problems always have all;
    /// the schema checks their counts).
    public static func check(_ data: RunData, config: RunConfig) throws {
        guard let source = config.problem.dataset else { return }
        let path = source.path(baseDirectory: config.baseDirectory)
        try checkProjections(data, config: config, file: path)
        // (A fixed run with lambda_grad 0 trains derivatives only through lambda_hess: the loss.order check below names it.)
        let firstOrder = config.loss.scheme != "fixed" || config.loss.lambdaGrad != 0
        if firstOrder && !data.train.hasJacobians && !data.train.hasDirections {
            let (key, value) = config.loss.scheme != "fixed" ? ("loss.scheme", config.loss.scheme) : ("loss.lambda_grad", ConfigValue.format(config.loss.lambdaGrad))
            let missing = source.isCSV ? "derivative columns" : source.dy.isEmpty ? "derivatives (problem.dy is \"\")" : "dataset \(source.dy)"
            // Values alone train with the fixed scheme (an adaptive scheme balances derivative terms).
            let remedy = config.loss.scheme == "fixed" ? "set loss.lambda_grad: 0" : "set loss.scheme: fixed with loss.lambda_grad: 0"
            throw DataFileError(file: path, object: key, message: "\(value) trains on derivatives, but the file has no \(missing); \(remedy) to train on values only")
        }
        if config.loss.trainsHessians && !data.train.hasHessians {
            let missing = source.isCSV ? "Hessian columns d2<output>/d<input>d<input>"
                : source.dy.isEmpty ? "Hessians (problem.dy is \"\")" : source.d2y.isEmpty ? "Hessians (problem.d2y is \"\")" : "dataset \(source.d2y)"
            throw DataFileError(file: path, object: "loss.order", message: "2 trains on Hessians, but the file has no \(missing); set loss.order: 1 to train on values and gradients")
        }
        if let patience = config.training.patience, data.validation == nil {
            throw DataFileError(file: path, object: "training.patience", message: "\(patience) needs validation samples to stop early, but the split leaves none")
        }
        if config.training.keepBest, data.validation == nil {
            throw DataFileError(file: path, object: "training.keep_best", message: "true needs validation samples to choose the best parameters, but the split leaves none")
        }
    }

    /// The data a run trains on against its term layout, before training: a layout with Hessian
    /// terms needs Hessians in the training and validation sets and one without needs none (the
    /// trainer's precondition is never reached with input from a file).
    static func checkLayout(_ layout: TermLayout, train: Dataset, validation: Dataset?, config: RunConfig) throws {
        let file = config.problem.dataset?.path(baseDirectory: config.baseDirectory) ?? config.problem.name
        for (set, data) in [("training", train), ("validation", validation)] {
            guard let data, data.hasHessians != layout.hasHessians else { continue }
            throw DataFileError(file: file, object: "loss.order", message: layout.hasHessians
                ? "\(config.loss.order) trains on Hessians, but the \(set) set has none"
                : "\(config.loss.order) trains without Hessian terms, but the \(set) set carries Hessians")
        }
    }

    /// Trains one run on `group` and measures it, from the start or from `resume` (a checkpoint's
    /// state). `afterStep` sees every step boundary (see `Trainer.train`); when it stops training
    /// this throws `RunInterrupted`.
    ///
    /// With `budget` (epochs, fewer than the run's), training stops at the end of that epoch: the
    /// result is `stopped` ("search"), measured as a finished run would be there (on the best
    /// parameters so far with early stopping or keep_best), and carries the state to continue from
    /// (`continuation`). Continuing from it gives the same bits as never stopping: the run's own
    /// epochs, which fix its schedule and its last logged step, are unchanged.
    public static func execute(_ spec: RunSpec, group: ReductionGroup = SoloGroup(), resume: TrainingState? = nil,
                               budget: Int? = nil,
                               afterStep: ((Int, () -> TrainingState) -> StepAction)? = nil) throws -> RunResult {
        let start = DispatchTime.now()
        let config = RunConfig(spec)
        let data = try data(for: config)
        try check(data, config: config)
        // First-order runs train on values and gradients alone, even where the data carry
        // Hessians (the metrics still measure them, on `data`).
        var train = data.train, validation = data.validation
        if !config.loss.trainsHessians { train.hessians = nil; validation?.hessians = nil }

        let stdz = config.standardize ? Standardization.fit(train) : .identity(inputs: train.inputDimension, outputs: train.outputDimension)
        let trainN = stdz.normalize(train)
        let validationN = validation.map { stdz.normalize($0) }

        let arch = config.model.architecture(inputs: train.inputDimension, outputs: train.outputDimension)
        let layout = config.layout(inputDimension: train.inputDimension, hasJacobians: train.hasJacobians,
                                   directions: train.directionCount, hasHessians: config.loss.trainsHessians)
        try checkLayout(layout, train: trainN, validation: validationN, config: config)
        var weighting = config.loss.makeScheme(layout: layout, optimizer: config.training.optimizer, seed: config.seed)
        // Early stopping watches the terms that are trained (for plain L2: the value term only).
        let monitored = config.monitoredTerms(layout)
        let trainer = Trainer(architecture: arch, options: config.training, layout: layout, monitoredTerms: monitored,
                              derivativeGradients: config.trainsDerivatives)

        if let resume { try trainer.check(resume, trainCount: train.count, weighting: weighting, run: spec.id) }
        // The step that ends the budget's last epoch (none when the budget is the full run).
        let batch = min(config.training.batchSize ?? train.count, train.count)
        let budgetStep = budget.flatMap { $0 < config.training.epochs ? $0 * ((train.count + batch - 1) / batch) : nil }
        if let budgetStep, let resume, resume.step >= budgetStep {
            preconditionFailure("run \(spec.id) is at step \(resume.step), past its budget of \(budget!) epochs")
        }
        var continuation: TrainingState? = nil
        let stepHook: ((Int, () -> TrainingState) -> StepAction)?
        if let budgetStep {
            stepHook = { steps, state in
                // The caller's hook first: a signal or a checkpoint due at this very step still counts.
                if afterStep?(steps, state) == .stop { return .stop }
                guard steps >= budgetStep else { return .proceed }
                continuation = state()
                return .stop
            }
        } else {
            stepHook = afterStep
        }
        let trainStart = DispatchTime.now()
        let outcome = trainer.train(initialParameters: arch.glorotUniformParameters(seed: config.seed), train: trainN,
                                    validation: validationN, weighting: &weighting, group: group, seed: config.seed,
                                    resume: resume, budgetEnd: budgetStep, afterStep: stepHook)
        if outcome.status == .interrupted && continuation == nil { throw RunInterrupted(step: outcome.steps) }
        let trainTime = seconds(since: trainStart)

        // Metrics in original units, with one BLAS thread whatever training.threads: OpenBLAS's
        // threaded kernels sum in another order, and `sobolev predict` (one thread) is to give
        // the stored predictions' bits. (The next run's training sets its threads again.)
        BLAS.setThreads(1)
        func predict(_ x: Matrix) -> (values: Matrix, jacobians: [Double]) {
            arch.predict(parameters: outcome.parameters, standardization: stdz, inputs: x)
        }
        // The network's Hessians (a plain reference evaluation) where the truth has them.
        func hessians(_ truth: Dataset) -> [Double]? {
            truth.hasHessians ? arch.predictHessians(parameters: outcome.parameters, standardization: stdz, inputs: truth.inputs).hessians : nil
        }
        var metrics: [(name: String, value: Double)] = []
        let trainPrediction = predict(data.train.inputs)
        metrics += ErrorMetrics(values: trainPrediction.values, jacobians: trainPrediction.jacobians, hessians: hessians(data.train),
                                truth: data.train).named(prefix: "train_").map { (name: $0.0, value: $0.1) }
        if let v = data.validation {
            let p = predict(v.inputs)
            metrics += ErrorMetrics(values: p.values, jacobians: p.jacobians, hessians: hessians(v), truth: v).named(prefix: "validation_").map { (name: $0.0, value: $0.1) }
        }
        let predictionStart = DispatchTime.now()
        let testPrediction = predict(data.test.inputs)
        var costs = data.costs
        costs["surrogate_time_per_sample"] = seconds(since: predictionStart) / Double(max(data.test.count, 1))
        let testHessians = hessians(data.test)
        metrics += ErrorMetrics(values: testPrediction.values, jacobians: testPrediction.jacobians, hessians: testHessians,
                                truth: data.test).named(prefix: "test_").map { (name: $0.0, value: $0.1) }
        if let signal = (try? config.problem.function()) as? MultiFrequency {
            // Spectral bias: the amplitude of each of the signal's frequencies left in the test
            // residual (the test set is a uniform grid of [-1, 1] with both ends).
            let residual = zip(testPrediction.values.data, data.test.values.data).map { $0 - $1 }
            let amplitudes = signal.frequencyAmplitudes(ofResidual: residual, includesEndpoint: true)
            for (nu, a) in zip(signal.frequencies, amplitudes) {
                metrics.append((name: "test_value_error_freq_\(ConfigValue.format(nu))", value: a))
            }
        }

        var status = RunStatus.completed
        var reason: String? = nil, failStep: Int? = nil
        let stopReason: String
        switch outcome.status {
        case .completed: stopReason = "completed"
        case .earlyStopped: stopReason = "early_stopped"
        case let .diverged(step, why):
            stopReason = "diverged"; status = .failed; reason = "diverged: \(why)"; failStep = step
        case .interrupted: stopReason = "search"; status = .stopped   // at the budget (others thrown above)
        }
        var result = RunResult(
            spec: spec, status: status, failureReason: reason, failureStep: failStep, stopReason: stopReason,
            termNames: layout.names, history: outcome.history, metrics: metrics, architecture: arch,
            parameters: outcome.parameters, standardization: stdz, test: data.test,
            testPredictedValues: testPrediction.values, testPredictedJacobians: testPrediction.jacobians,
            costs: costs, steps: outcome.steps, bestStep: outcome.bestStep, ranks: group.size, wallTime: seconds(since: start),
            trainTime: trainTime, samplesPerSecond: Double(outcome.samplesProcessed) / max(trainTime, 1e-9))
        result.gradientModeUsed = outcome.gradientModeUsed
        result.jacobianPlan = outcome.jacobianPlan.rawValue
        result.allReduceTime = outcome.allReduceSeconds
        result.continuation = continuation
        result.testPredictedHessians = testHessians
        return result
    }

    static func seconds(since t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }
}
