// The typed view of one run's resolved configuration.
import SobolevCore

/// Noise on training/validation data: none, level * U(-1, 1) or level * N(0, 1).
public struct NoiseSpec: Sendable, Equatable {
    public enum Kind: String, Sendable { case none, uniform, gaussian }
    public var kind: Kind
    public var level: Double

    public func apply(to values: inout [Double], rng: inout SeededRNG) {
        guard kind != .none, level != 0 else { return }
        for i in values.indices {
            values[i] += level * (kind == .uniform ? rng.uniform(-1, 1) : rng.normal())
        }
    }
}

public struct ProblemConfig: Sendable, Equatable {
    public var name: String
    public var trainSamples: Int
    public var validationSamples: Int
    public var testSamples: Int
    public var sampler: String
    public var valueNoise: NoiseSpec
    public var gradNoise: NoiseSpec
    /// Seed of the data; nil: the run's seed.
    public var dataSeed: UInt64?
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
    /// The scheme's constants by name (loss.<name>), defaults filled in.
    public var constants: [String: WeightingConstant]

    /// The fixed scheme's weights (1 for the other schemes).
    public var lambdaValue: Double { fixedWeight("lambda_value") }
    public var lambdaGrad: Double { fixedWeight("lambda_grad") }

    func fixedWeight(_ name: String) -> Double {
        if case let .number(v)? = constants[name] { return v }
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
            sampler: s("problem.sampler"),
            valueNoise: NoiseSpec(kind: .init(rawValue: s("problem.value_noise"))!, level: d("problem.value_noise_level")),
            gradNoise: NoiseSpec(kind: .init(rawValue: s("problem.grad_noise"))!, level: d("problem.grad_noise_level")),
            dataSeed: v["problem.data_seed"]?.intValue.map { UInt64($0) })

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
        training = t
        standardize = b("training.standardize")

        loss = LossConfig(scheme: s("loss.scheme"), groupGradients: b("loss.group_gradients"),
                          constants: WeightingKeys.constants(in: v))
        seed = run.seed
    }

    /// Whether derivative terms are trained (their gradients needed): any adaptive scheme, or the
    /// fixed scheme with a non-zero derivative weight. Plain L2 (lambda_grad = 0) only watches them.
    public var trainsDerivatives: Bool { loss.scheme != "fixed" || loss.lambdaGrad != 0 }
}
