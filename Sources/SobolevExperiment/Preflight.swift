// Checks of a whole experiment before anything is trained or written: every data file is read
// and checked once, every configuration's sizes are bounded and its memory estimated against
// the limit. Errors name the file, the key and the value.
import Foundation
import SobolevCore
import SobolevProblems

public struct Preflight: Sendable {
    /// Steps of one run at most (epochs x batches per epoch): far beyond any real run, and far
    /// from Int overflow.
    public static let maximumSteps = 1 << 40

    /// One line per configuration (runs that differ only by seed share one).
    public var configurations: [(label: String, shape: RunShape, estimate: MemoryEstimate)] = []
    public var limit: MemoryLimit?
    let file: String

    /// Reads each data file once and checks every configuration; `ranksPerRun` share a batch.
    public init(_ experiment: Experiment, ranksPerRun: Int = 1, limit: MemoryLimit?) throws {
        self.file = experiment.file
        self.limit = limit
        var seen = Set<String>()
        var loaded: [DatasetSource: RunData] = [:]
        for run in experiment.runs where seen.insert(run.configurationKey).inserted {
            let config = RunConfig(run)
            let shape: RunShape
            if let source = config.problem.dataset {
                let data = try loaded[source] ?? RunExecutor.data(for: config)
                loaded[source] = data
                try Preflight.checkOwnSplit(source, data, experiment: experiment)
                try RunExecutor.check(data, config: config)
                shape = Preflight.shape(config, inputs: data.train.inputDimension, outputs: data.train.outputDimension,
                                        hasDerivatives: data.train.hasJacobians, hasHessians: data.train.hasHessians,
                                        directions: data.train.directionCount, train: data.train.count,
                                        validation: data.validation?.count ?? 0, test: data.test.count, ranksPerRun: ranksPerRun)
            } else {
                shape = try Preflight.generatedShape(config, ranksPerRun: ranksPerRun, file: file)
            }
            let batches = (shape.trainSamples + (config.training.batchSize ?? shape.trainSamples) - 1) / (config.training.batchSize ?? shape.trainSamples)
            let (steps, overflow) = config.training.epochs.multipliedReportingOverflow(by: max(batches, 1))
            guard !overflow, steps <= Preflight.maximumSteps else {
                throw ExperimentError(file: file, key: "training.epochs", line: nil, message:
                    "\(config.training.epochs) epochs of \(batches) batches are more than \(Preflight.maximumSteps) steps\(Preflight.context(run))")
            }
            configurations.append((run.configurationKey.isEmpty ? "every run" : run.configurationKey, shape, MemoryEstimator.estimate(shape)))
        }
    }

    /// A file with its own split (HDF5 index sets, a CSV split column) under problem.split
    /// fraction by default: its held-out samples would be shuffled into training without a word.
    /// Only problem.split given (fraction or indices) says which split is meant.
    static func checkOwnSplit(_ source: DatasetSource, _ data: RunData, experiment: Experiment) throws {
        guard let own = data.ignoredSplit, !experiment.givenKeys.contains("problem.split") else { return }
        throw ExperimentError(file: experiment.file, key: "problem.split", line: nil, message:
            "\(source.file) has its own split (\(own)), which problem.split fraction, the default, would ignore: give problem.split: indices to use it, or problem.split: fraction to split by fractions anyway")
    }

    /// Refuses the first configuration whose estimate exceeds the limit.
    public func checkMemory() throws {
        guard let limit else { return }
        for c in configurations where c.estimate.total > limit.bytes {
            throw ExperimentError(file: file, key: c.estimate.dominantKeys, line: nil, message:
                "\(c.label == "every run" ? "" : c.label + ": ")needs about \(MemorySize.format(c.estimate.total)) per process "
                + "(network \(c.shape.layerSizes.map(String.init).joined(separator: "-")), batch \(c.shape.batch), "
                + "samples \(c.shape.trainSamples)/\(c.shape.validationSamples)/\(c.shape.testSamples); \(c.estimate.breakdown)), "
                + "more than the limit of \(MemorySize.format(limit.bytes)) (\(limit.source))")
        }
    }

    /// The estimates, one line per configuration (for --dry-run).
    public var description: String {
        let head = "memory per process" + (limit.map { " (limit \(MemorySize.format($0.bytes)): \($0.source))" } ?? " (limit unknown)") + ":"
        return ([head] + configurations.map { c in
            let over = limit.map { c.estimate.total > $0.bytes } ?? false
            return "  \(MemorySize.format(c.estimate.total))\(over ? " OVER THE LIMIT" : "")  \(c.label)  (\(c.estimate.breakdown))"
        }).joined(separator: "\n")
    }

    static func context(_ run: RunSpec) -> String {
        run.configurationKey.isEmpty ? "" : " (\(run.configurationKey))"
    }

    /// A generated problem's sizes, known without generating it; the Sobol sequence's bound.
    static func generatedShape(_ config: RunConfig, ranksPerRun: Int, file: String) throws -> RunShape {
        let p = config.problem
        let f = try p.function(file: file)
        let d = f.inputDimension
        let sobolLimit = Sampler.sobolMaximumCount
        for (key, count) in [("problem.train_samples", p.trainSamples), ("problem.validation_samples", p.validationSamples)]
        where p.sampler == .sobol && count > sobolLimit {
            throw ExperimentError(file: file, key: key, line: nil, message: "\(count) is more than the \(sobolLimit) points of the sobol sampler")
        }
        if p.sampler == .sobol && d > Sampler.sobolMaximumDimension {
            throw ExperimentError(file: file, key: "problem.sampler", line: nil, message:
                "sobol supports up to \(Sampler.sobolMaximumDimension) inputs and \(p.name) has \(d); take halton, latin_hypercube or uniform")
        }
        if Sampler.testSetKind(dimension: d) == .sobol && p.testSamples > sobolLimit {
            throw ExperimentError(file: file, key: "problem.test_samples", line: nil, message:
                "\(p.testSamples) is more than the \(sobolLimit) points of the sobol test set (\(p.name) has \(d) inputs)")
        }
        // The dense grid has k^d points, k = round(count^(1/d)) (Sampler.grid); a Sobol set above 3 inputs.
        let k = d == 1 ? Double(p.testSamples) : max(2, pow(Double(p.testSamples), 1 / Double(d)).rounded())
        let test = d <= 3 ? min(pow(k, Double(d)), Double(Int.max / 2)) : Double(p.testSamples)
        return shape(config, inputs: d, outputs: f.outputDimension, hasDerivatives: true, hasHessians: config.loss.trainsHessians,
                     train: p.trainSamples, validation: p.validationSamples, test: Int(test), ranksPerRun: ranksPerRun)
    }

    static func shape(_ config: RunConfig, inputs d: Int, outputs m: Int, hasDerivatives: Bool, hasHessians: Bool = false,
                      directions: Int = 0, train: Int, validation: Int, test: Int, ranksPerRun: Int) -> RunShape {
        let layout = config.layout(inputDimension: d, hasJacobians: hasDerivatives, directions: directions, hasHessians: hasHessians)
        let batch = min(config.training.batchSize ?? train, train)
        let state: Int
        switch config.training.optimizer { case .adam: state = 2; case .sgd: state = 1 }
        let batches = (train + batch - 1) / max(batch, 1)
        let steps = config.training.epochs.multipliedReportingOverflow(by: batches)
        var shape = RunShape(layerSizes: [d] + config.model.hidden + [m], trainSamples: train, validationSamples: validation,
                             testSamples: test, batch: (batch + ranksPerRun - 1) / ranksPerRun, terms: layout.count,
                             optimizerState: state, steps: steps.overflow ? Int.max : steps.partialValue, logEvery: config.training.logEvery)
        shape.hessians = hasHessians
        shape.hessianTerms = layout.hasHessians
        shape.directions = directions
        shape.jacobians = hasDerivatives
        // The steps the trainer takes (Trainer: per-term where the scheme reads term gradients);
        // exact NTK traces hold the per-term step's tangent blocks too.
        let mode = config.training.gradientMode
        let scheme = config.loss.makeScheme(layout: layout, optimizer: config.training.optimizer, seed: config.seed)
        shape.perTermSteps = mode == .perTerm || (mode == .auto && scheme.readsTermGradients) || scheme.readsNTKTraces
        return shape
    }
}
