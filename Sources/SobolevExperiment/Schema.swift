import SobolevCore
import SobolevProblems

// The experiment-file schema: every key, its type, its allowed range and its default.
// docs/experiment-files.md documents the same table for people.

/// A resolved value of one experiment field.
public enum ConfigValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case intList([Int])
    case stringList([String])

    public var description: String {
        switch self {
        case let .int(v): return String(v)
        case let .double(v): return ConfigValue.format(v)
        case let .string(v): return v
        case let .bool(v): return v ? "true" : "false"
        case let .intList(v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case let .stringList(v): return "[" + v.joined(separator: ", ") + "]"
        }
    }

    /// Shortest round-tripping text of a double ("0.001", "1e-08", "3").
    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return "\(v)"
    }

    public var doubleValue: Double? {
        switch self { case let .double(v): return v; case let .int(v): return Double(v); default: return nil }
    }
    public var intValue: Int? { if case let .int(v) = self { return v }; return nil }
    public var stringValue: String? { if case let .string(v) = self { return v }; return nil }
    public var boolValue: Bool? { if case let .bool(v) = self { return v }; return nil }
    public var intListValue: [Int]? { if case let .intList(v) = self { return v }; return nil }
    public var stringListValue: [String]? { if case let .stringList(v) = self { return v }; return nil }
}

/// The type and range of one field.
public enum FieldKind: Sendable {
    /// A number in [min, max]; `openMin` excludes the lower bound.
    case double(min: Double, max: Double, openMin: Bool)
    case int(min: Int, max: Int)
    case choice([String])
    case bool
    /// A list of 1..maxCount integers in 1...max (hidden layer widths); a list of lists is a grid axis.
    case intList(maxCount: Int, max: Int)
    /// A positive integer or the word "full".
    case intOrFull
    /// A list of names (e.g. CSV columns); a list of lists is a grid axis.
    case stringList
    /// Free text.
    case text

    var expectation: String {
        switch self {
        case let .double(lo, hi, open):
            if hi == .infinity { return "a number \(open ? ">" : ">=") \(ConfigValue.format(lo))" }
            return "a number in \(open ? "(" : "[")\(ConfigValue.format(lo)), \(ConfigValue.format(hi))]"
        case let .int(lo, hi):
            return hi == Int.max ? "an integer >= \(lo)" : "an integer in [\(lo), \(hi)]"
        case let .choice(options): return "one of " + options.joined(separator: ", ")
        case .bool: return "true or false"
        case let .intList(count, hi): return "a list of 1 to \(count) integers in [1, \(hi)]"
        case .intOrFull: return "a positive integer or \"full\""
        case .stringList: return "a list of names"
        case .text: return "text"
        }
    }
}

public struct FieldSpec: Sendable {
    public let key: String
    public let kind: FieldKind
    /// nil: optional with no default (the field is absent unless given).
    public let defaultValue: ConfigValue?
    public let help: String
}

public enum ExperimentSchema {
    /// Bounds of the network's shape (model.depth, model.width and model.hidden alike).
    public static let maximumDepth = 64
    public static let maximumWidth = 1 << 16
    static func number(_ key: String, _ def: Double?, min: Double = 0, max: Double = .infinity, openMin: Bool = false, _ help: String) -> FieldSpec {
        FieldSpec(key: key, kind: .double(min: min, max: max, openMin: openMin), defaultValue: def.map { .double($0) }, help: help)
    }
    static func integer(_ key: String, _ def: Int?, min: Int = 0, max: Int = .max, _ help: String) -> FieldSpec {
        FieldSpec(key: key, kind: .int(min: min, max: max), defaultValue: def.map { .int($0) }, help: help)
    }
    static func choice(_ key: String, _ def: String?, _ options: [String], _ help: String) -> FieldSpec {
        FieldSpec(key: key, kind: .choice(options), defaultValue: def.map { .string($0) }, help: help)
    }
    static func flag(_ key: String, _ def: Bool, _ help: String) -> FieldSpec {
        FieldSpec(key: key, kind: .bool, defaultValue: .bool(def), help: help)
    }

    /// Every field of an experiment file (sections problem, model, training, loss).
    public static let fields: [FieldSpec] = [
        choice("problem.name", "sine", ProblemCatalog.names + ["dataset"], "the function to learn, or dataset for a data file"),
        integer("problem.dimension", nil, min: 2, max: 1_000, "input dimension of ackley, rosenbrock or styblinski_tang (default: 2)"),
        FieldSpec(key: "problem.file", kind: .text, defaultValue: nil, help: "data file (.h5 or .csv) of problem dataset, relative to the experiment file"),
        choice("problem.format", "auto", ["auto", "hdf5", "csv"], "data file format (auto: by extension)"),
        FieldSpec(key: "problem.x", kind: .text, defaultValue: .string("X"), help: "HDF5 dataset of the inputs (n x d)"),
        FieldSpec(key: "problem.y", kind: .text, defaultValue: .string("Y"), help: "HDF5 dataset of the outputs (n x m)"),
        FieldSpec(key: "problem.dy", kind: .text, defaultValue: .string("dY"), help: "HDF5 dataset of the Jacobians (n x m x d); \"\" for none"),
        // No default (absent: d2Y), so that run ids of files written before the key are unchanged.
        FieldSpec(key: "problem.d2y", kind: .text, defaultValue: nil, help: "HDF5 dataset of the Hessians (n x m x d x d); default d2Y when present; \"\" for none"),
        FieldSpec(key: "problem.input_columns", kind: .stringList, defaultValue: nil, help: "CSV columns of the inputs"),
        FieldSpec(key: "problem.output_columns", kind: .stringList, defaultValue: nil, help: "CSV columns of the outputs"),
        FieldSpec(key: "problem.derivative_columns", kind: .stringList, defaultValue: nil, help: "CSV columns of dY, output-major; default d<out>/d<in> when present"),
        choice("problem.split", "fraction", ["fraction", "indices"], "how a data file is split into train/validation/test"),
        number("problem.train_fraction", 0.7, max: 1, openMin: true, "share of a data file for training (split: fraction)"),
        number("problem.validation_fraction", 0.15, max: 1, "share of a data file for validation (split: fraction); the rest is the test set"),
        integer("problem.train_samples", 40, min: 1, "training samples"),
        integer("problem.validation_samples", 40, min: 0, "validation samples (0: no validation set)"),
        integer("problem.test_samples", 1000, min: 1, "test samples on a dense grid against the exact function"),
        choice("problem.sampler", "uniform", SamplerKind.allCases.map(\.rawValue), "how training and validation inputs are drawn"),
        choice("problem.value_noise", "uniform", NoiseKind.allCases.map(\.rawValue), "noise model on training/validation values"),
        number("problem.value_noise_level", 0.1, "noise level: level * U(-1,1) or level * N(0,1)"),
        choice("problem.grad_noise", "none", NoiseKind.allCases.map(\.rawValue), "noise model on training/validation derivatives"),
        number("problem.grad_noise_level", 0.0, "noise level on derivatives"),
        integer("problem.data_seed", nil, min: 0, "seed of the data set; default: the run's seed"),

        integer("model.depth", 2, min: 1, max: maximumDepth, "hidden layers"),
        integer("model.width", 50, min: 1, max: maximumWidth, "neurons per hidden layer"),
        FieldSpec(key: "model.hidden", kind: .intList(maxCount: maximumDepth, max: maximumWidth), defaultValue: nil,
                  help: "hidden widths, overrides depth and width"),
        choice("model.activation", "tanh", Activation.allCases.map(\.rawValue), "hidden activation"),
        number("model.adaptive_scale", nil, openMin: true, "scale n of the adaptive activation phi(n a z); absent: off"),

        choice("training.optimizer", "adam", ["adam", "sgd"], "optimizer"),
        number("training.learning_rate", 1e-3, openMin: true, "learning rate"),
        number("training.momentum", 0.9, max: 1, "SGD momentum"),
        flag("training.nesterov", false, "SGD with Nesterov momentum"),
        number("training.beta1", 0.9, max: 1, "Adam beta1"),
        number("training.beta2", 0.999, max: 1, "Adam beta2"),
        number("training.epsilon", 1e-8, openMin: true, "Adam epsilon"),
        integer("training.epochs", 1000, min: 1, "passes over the training set"),
        FieldSpec(key: "training.batch_size", kind: .intOrFull, defaultValue: .string("full"), help: "mini-batch size, \"full\", or 1 for stochastic"),
        flag("training.shuffle", true, "shuffle every epoch (mini-batch modes)"),
        number("training.weight_decay", 0, "L2 weight decay on weight matrices"),
        choice("training.schedule", "constant", ["constant", "exponential"], "learning-rate schedule"),
        number("training.decay_rate", 0.1, max: 1, openMin: true, "exponential schedule: factor reached after decay_steps"),
        integer("training.decay_steps", 1000, min: 1, "exponential schedule: steps to reach decay_rate"),
        flag("training.standardize", true, "standardise inputs and outputs (Jacobians scaled consistently)"),
        integer("training.patience", 0, min: 0, "early stopping: steps without validation improvement (0: off)"),
        // No default: absent leaves the run ids of earlier results as they were.
        FieldSpec(key: "training.keep_best", kind: .bool, defaultValue: nil,
                  help: "keep the parameters with the best validation loss at a logged step, without stopping early"),
        integer("training.log_every", 10, min: 1, "record history every this many steps"),
        choice("training.gradient_mode", "auto", GradientMode.allCases.map(\.rawValue),
               "auto: every term's gradient only on the steps where the scheme reads them, else one fused gradient; fused; per_term"),
        integer("training.threads", 1, min: 1, max: 256, "threads of one run (BLAS and element-wise loops); 1 per rank under mpirun"),

        integer("loss.projections", nil, min: 1,
                "stochastic Sobolev: k random unit directions per sample and step replace the d gradient terms (needs dY; k <= d)"),
    ] + WeightingKeys.fields

    /// Keys that choose how a run is computed, not what: left out of run ids, so that a sweep
    /// resumed with other threads or another gradient mode keeps its finished runs.
    public static let executionKeys: Set<String> = ["training.gradient_mode", "training.threads"]

    public static let fieldsByKey: [String: FieldSpec] = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0) })

    /// Keys allowed at the top level besides the sections.
    public static let topLevelKeys = ["name", "description", "seeds", "search", "problem", "model", "training", "loss"]
    public static let sections = ["problem", "model", "training", "loss"]
}
