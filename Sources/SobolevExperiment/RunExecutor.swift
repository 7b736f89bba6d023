// One run from configuration to result: data, standardisation, training, metrics. No MPI and no
// files here: the group to train with is handed in, and the caller stores the result.
import Foundation
import SobolevCore
import SobolevProblems

/// The problems an experiment can name.
public enum ProblemFactory {
    public static let names = ["sine"]

    public static func function(named name: String) -> (any AnalyticFunction)? {
        switch name {
        case "sine": return Sine()
        default: return nil
        }
    }
}

/// Training, validation and test data of one run, in original units.
public struct RunData: Sendable {
    public var train: Dataset
    public var validation: Dataset?
    public var test: Dataset
}

/// Everything a finished (or failed) run leaves behind.
public struct RunResult: Sendable {
    public enum Status: String, Sendable { case completed, failed }

    public var spec: RunSpec
    public var status: Status
    /// Why a run failed, and at which step (nil when completed).
    public var failureReason: String?
    public var failureStep: Int?
    /// "completed", "early_stopped" or "diverged".
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
    public var steps: Int
    public var bestStep: Int
    public var ranks: Int
    public var wallTime: Double
    public var trainTime: Double
    public var samplesPerSecond: Double

    public var id: String { spec.id }
}

public enum RunExecutor {
    /// Generates the run's data from its problem and seed (identical on every rank).
    public static func data(for config: RunConfig) throws -> RunData {
        guard let f = ProblemFactory.function(named: config.problem.name) else {
            throw ExperimentError(file: "", key: "problem.name", line: nil, message: "unknown problem \(config.problem.name)")
        }
        let seed = config.problem.dataSeed ?? config.seed
        func sample(_ count: Int, _ purpose: String) -> Dataset {
            var rng = SeededRNG(seed: seed, stream: "\(purpose)-inputs")
            let d = f.inputDimension
            var x = Matrix(rows: count, cols: d)
            for i in 0..<count { for j in 0..<d { x[i, j] = rng.uniform(f.domain[j].lowerBound, f.domain[j].upperBound) } }
            var data = f.dataset(at: x)
            var valueRNG = SeededRNG(seed: seed, stream: "\(purpose)-value-noise")
            config.problem.valueNoise.apply(to: &data.values.data, rng: &valueRNG)
            if var jac = data.jacobians {
                var gradRNG = SeededRNG(seed: seed, stream: "\(purpose)-grad-noise")
                config.problem.gradNoise.apply(to: &jac, rng: &gradRNG)
                data.jacobians = jac
            }
            return data
        }
        let train = sample(config.problem.trainSamples, "train")
        let validation = config.problem.validationSamples > 0 ? sample(config.problem.validationSamples, "validation") : nil
        let test = f.dataset(at: grid(count: config.problem.testSamples, domain: f.domain))
        return RunData(train: train, validation: validation, test: test)
    }

    /// A tensor grid with about `count` points over the box (exactly `count` in 1-D).
    public static func grid(count: Int, domain: [ClosedRange<Double>]) -> Matrix {
        let d = domain.count
        let per = max(2, Int(pow(Double(count), 1 / Double(d)).rounded()))
        let n = d == 1 ? max(count, 2) : per
        let total = Int(pow(Double(n), Double(d)))
        var x = Matrix(rows: total, cols: d)
        for r in 0..<total {
            var k = r
            for j in (0..<d).reversed() {
                let i = k % n; k /= n
                x[r, j] = domain[j].lowerBound + (domain[j].upperBound - domain[j].lowerBound) * Double(i) / Double(n - 1)
            }
        }
        return x
    }

    /// Trains one run on `group` and measures it.
    public static func execute(_ spec: RunSpec, group: ReductionGroup = SoloGroup()) throws -> RunResult {
        let start = DispatchTime.now()
        let config = RunConfig(spec)
        let data = try data(for: config)
        let train = data.train, validation = data.validation

        let stdz = config.standardize ? Standardization.fit(train) : .identity(inputs: train.inputDimension, outputs: train.outputDimension)
        let trainN = stdz.normalize(train)
        let validationN = validation.map { stdz.normalize($0) }

        let arch = config.model.architecture(inputs: train.inputDimension, outputs: train.outputDimension)
        let layout = TermLayout(inputDimension: train.inputDimension, hasDerivatives: train.hasJacobians,
                                groupDerivatives: config.loss.groupGradients)
        var weighting = config.loss.makeScheme(layout: layout, optimizer: config.training.optimizer, seed: config.seed)
        // Early stopping watches the terms that are trained (for plain L2: the value term only).
        let monitored = [config.loss.lambdaValue > 0] + Array(repeating: config.loss.lambdaGrad > 0, count: layout.derivativeTermCount)
        let trainer = Trainer(architecture: arch, options: config.training, layout: layout, monitoredTerms: monitored,
                              derivativeGradients: config.trainsDerivatives)

        let trainStart = DispatchTime.now()
        let outcome = trainer.train(initialParameters: arch.glorotUniformParameters(seed: config.seed), train: trainN,
                                    validation: validationN, weighting: &weighting, group: group, seed: config.seed)
        let trainTime = seconds(since: trainStart)

        // Metrics in original units.
        func predict(_ x: Matrix) -> (values: Matrix, jacobians: [Double]) {
            let p = arch.predict(parameters: outcome.parameters, inputs: stdz.normalizeInputs(x))
            return stdz.denormalize(values: p.values, jacobians: p.jacobians)
        }
        var metrics: [(name: String, value: Double)] = []
        let trainPrediction = predict(data.train.inputs)
        metrics += ErrorMetrics(values: trainPrediction.values, jacobians: trainPrediction.jacobians, truth: data.train).named(prefix: "train_").map { (name: $0.0, value: $0.1) }
        if let v = data.validation {
            let p = predict(v.inputs)
            metrics += ErrorMetrics(values: p.values, jacobians: p.jacobians, truth: v).named(prefix: "validation_").map { (name: $0.0, value: $0.1) }
        }
        let testPrediction = predict(data.test.inputs)
        metrics += ErrorMetrics(values: testPrediction.values, jacobians: testPrediction.jacobians, truth: data.test).named(prefix: "test_").map { (name: $0.0, value: $0.1) }

        var status = RunResult.Status.completed
        var reason: String? = nil, failStep: Int? = nil
        let stopReason: String
        switch outcome.status {
        case .completed: stopReason = "completed"
        case .earlyStopped: stopReason = "early_stopped"
        case let .diverged(step, why):
            stopReason = "diverged"; status = .failed; reason = "diverged: \(why)"; failStep = step
        }
        return RunResult(
            spec: spec, status: status, failureReason: reason, failureStep: failStep, stopReason: stopReason,
            termNames: layout.names, history: outcome.history, metrics: metrics, architecture: arch,
            parameters: outcome.parameters, standardization: stdz, test: data.test,
            testPredictedValues: testPrediction.values, testPredictedJacobians: testPrediction.jacobians,
            steps: outcome.steps, bestStep: outcome.bestStep, ranks: group.size, wallTime: seconds(since: start),
            trainTime: trainTime, samplesPerSecond: Double(outcome.samplesProcessed) / max(trainTime, 1e-9))
    }

    static func seconds(since t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }
}
