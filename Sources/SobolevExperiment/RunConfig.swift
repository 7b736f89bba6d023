// The typed view of one run's resolved configuration.
import SobolevCore
import SobolevProblems

public struct ProblemConfig: Sendable, Equatable {
    public var name: String
    public var trainSamples: Int
    public var validationSamples: Int
    public var testSamples: Int
    public var sampler: SamplerKind
    public var valueNoise: NoiseModel
    public var gradNoise: NoiseModel
    /// Seed of the data; nil: the run's seed.
    public var dataSeed: UInt64?
    /// The data file when `name` is "dataset".
    public var dataset: DatasetSource?
    /// Input dimension of a problem defined in any dimension; nil: the function's own.
    public var dimension: Int? = nil

    /// The analytic problem with its dimension; `file` names the experiment file in errors.
    public func function(file: String = "") throws -> any AnalyticFunction {
        guard ProblemCatalog.names.contains(name) else {
            throw ExperimentError(file: file, key: "problem.name", line: nil, message: "unknown problem \(name)")
        }
        let parameters = dimension.map { ["dimension": Double($0)] } ?? [:]
        guard let f = ProblemCatalog.function(named: name, parameters: parameters) else {
            throw ExperimentError(file: file, key: "problem.dimension", line: nil,
                                  message: "\(dimension ?? 0): \(name) has a fixed dimension (only \(ProblemConfig.anyDimension.joined(separator: ", ")) take problem.dimension)")
        }
        return f
    }

    /// Problems defined in any dimension d >= 2.
    public static let anyDimension = ["ackley", "rosenbrock", "styblinski_tang"]
}

public struct ModelConfig: Sendable, Equatable {
    public var hidden: [Int]
    public var activation: Activation
    public var adaptiveScale: Double?

    public func architecture(inputs: Int, outputs: Int) -> MLPArchitecture {
        MLPArchitecture(layerSizes: [inputs] + hidden + [outputs], activation: activation, adaptiveScale: adaptiveScale)
    }
}

public struct LossConfig: Sendable, Equatable {
    public var scheme: String
    public var groupGradients: Bool
    /// The scheme's constants by name (loss.<name>), checked, defaults filled in.
    public var constants: WeightingConstants
    /// 1: value and gradient terms; 2: also the Hessian terms (loss.order).
    public var order = 1
    /// One Hessian term instead of one per pair j <= k (loss.group_hessian).
    public var groupHessian = false
    /// The fixed scheme's weight of each Hessian term (loss.lambda_hess); nil: lambda_grad.
    public var lambdaHess: Double? = nil

    public var trainsHessians: Bool { order == 2 }

    /// The fixed scheme's weights (1 for the other schemes).
    public var lambdaValue: Double { fixedWeight("lambda_value") }
    public var lambdaGrad: Double { fixedWeight("lambda_grad") }
    /// The Hessian terms' weight under the fixed scheme (1 for the other schemes).
    public var lambdaHessian: Double { scheme == "fixed" ? (lambdaHess ?? lambdaGrad) : 1 }

    func fixedWeight(_ name: String) -> Double {
        if case let .number(v)? = constants.values[name] { return v }
        return 1
    }
}

/// Everything one run needs, typed.
public struct RunConfig: Sendable, Equatable {
    public var problem: ProblemConfig
    public var model: ModelConfig
    public var training: TrainingOptions
    public var standardize: Bool
    public var loss: LossConfig
    public var seed: UInt64
    /// Folder of the experiment file (relative data paths start here).
    public var baseDirectory: String

    /// Builds the typed configuration from a validated run (every field has passed the schema).
    public init(_ run: RunSpec) {
        let v = run.values
        func d(_ k: String) -> Double { v[k]!.doubleValue! }
        func i(_ k: String) -> Int { v[k]!.intValue! }
        func s(_ k: String) -> String { v[k]!.stringValue! }
        func b(_ k: String) -> Bool { v[k]!.boolValue! }

        problem = ProblemConfig(
            name: s("problem.name"), trainSamples: i("problem.train_samples"),
            validationSamples: i("problem.validation_samples"), testSamples: i("problem.test_samples"),
            sampler: SamplerKind(rawValue: s("problem.sampler"))!,
            valueNoise: NoiseModel(kind: NoiseKind(rawValue: s("problem.value_noise"))!, level: d("problem.value_noise_level")),
            gradNoise: NoiseModel(kind: NoiseKind(rawValue: s("problem.grad_noise"))!, level: d("problem.grad_noise_level")),
            dataSeed: v["problem.data_seed"]?.intValue.map { UInt64($0) },
            dataset: s("problem.name") != "dataset" ? nil : DatasetSource(
                file: s("problem.file"), format: s("problem.format"), x: s("problem.x"), y: s("problem.y"), dy: s("problem.dy"),
                inputColumns: v["problem.input_columns"]?.stringListValue, outputColumns: v["problem.output_columns"]?.stringListValue,
                derivativeColumns: v["problem.derivative_columns"]?.stringListValue,
                split: DatasetSource.Split(rawValue: s("problem.split"))!,
                trainFraction: d("problem.train_fraction"), validationFraction: d("problem.validation_fraction"),
                d2y: v["problem.d2y"]?.stringValue ?? "d2Y"),
            dimension: v["problem.dimension"]?.intValue)
        baseDirectory = run.baseDirectory

        model = ModelConfig(
            hidden: v["model.hidden"]?.intListValue ?? Array(repeating: i("model.width"), count: i("model.depth")),
            activation: Activation(rawValue: s("model.activation"))!,
            adaptiveScale: v["model.adaptive_scale"]?.doubleValue)

        var t = TrainingOptions()
        t.optimizer = s("training.optimizer") == "sgd"
            ? .sgd(momentum: d("training.momentum"), nesterov: b("training.nesterov"))
            : .adam(beta1: d("training.beta1"), beta2: d("training.beta2"), epsilon: d("training.epsilon"))
        t.learningRate = d("training.learning_rate")
        t.schedule = s("training.schedule") == "exponential"
            ? .exponential(rate: d("training.decay_rate"), steps: i("training.decay_steps")) : .constant
        t.epochs = i("training.epochs")
        t.batchSize = v["training.batch_size"]!.intValue
        t.shuffle = b("training.shuffle")
        t.weightDecay = d("training.weight_decay")
        t.logEvery = i("training.log_every")
        t.patience = i("training.patience") > 0 ? i("training.patience") : nil
        t.keepBest = v["training.keep_best"]?.boolValue ?? false
        t.gradientMode = GradientMode(rawValue: s("training.gradient_mode"))!
        t.threads = i("training.threads")
        t.projections = v["loss.projections"]?.intValue
        training = t
        standardize = b("training.standardize")

        loss = LossConfig(scheme: s("loss.scheme"), groupGradients: b("loss.group_gradients"),
                          constants: run.lossConstants!, order: v["loss.order"]?.intValue ?? 1,
                          groupHessian: v["loss.group_hessian"]?.boolValue ?? false,
                          lambdaHess: v["loss.lambda_hess"]?.doubleValue)
        seed = run.seed
    }

    /// Whether derivative terms are trained (their gradients needed): any adaptive scheme, or the
    /// fixed scheme with a non-zero derivative weight (lambda_grad, or lambda_hess with loss.order
    /// 2). Plain L2 (lambda_grad = 0) only watches them.
    public var trainsDerivatives: Bool {
        loss.scheme != "fixed" || loss.lambdaGrad != 0 || (loss.trainsHessians && loss.lambdaHessian != 0)
    }

    /// The term layout of a run on data with (or without) Jacobians, directions and Hessians:
    /// value, grad_*, dir_*, hess_* (the Hessian terms with loss.order 2 only).
    public func layout(inputDimension d: Int, hasJacobians: Bool, directions: Int, hasHessians: Bool) -> TermLayout {
        TermLayout(inputDimension: d, hasDerivatives: hasJacobians && training.projections == nil,
                   groupDerivatives: loss.groupGradients, directionCount: training.projections ?? directions,
                   hasHessians: hasHessians && loss.trainsHessians, groupHessian: loss.groupHessian)
    }

    /// Which terms early stopping adds up: those trained (for plain L2 the value term only).
    public func monitoredTerms(_ layout: TermLayout) -> [Bool] {
        [loss.lambdaValue > 0] + Array(repeating: loss.lambdaGrad > 0, count: layout.derivativeTermCount + layout.directionTermCount)
            + Array(repeating: loss.lambdaHessian > 0, count: layout.hessianTermCount)
    }
}
