// Value checks of an experiment file: each field against its type and range, keys that apply
// only to some configurations, and cross-field consistency.
import Foundation

extension Experiment {
    /// Keys that only some configurations read, and which: one given for a grid where no run reads
    /// it would be ignored without a word, so it is an error (as for the scheme constants).
    static let applicability: [(keys: [String], when: String, applies: @Sendable ([String: ConfigValue]) -> Bool)] = [
        (["training.momentum", "training.nesterov"], "training.optimizer sgd", { $0["training.optimizer"]?.stringValue == "sgd" }),
        (["training.beta1", "training.beta2", "training.epsilon"], "training.optimizer adam", { $0["training.optimizer"]?.stringValue == "adam" }),
        (["training.decay_rate", "training.decay_steps"], "training.schedule exponential", { $0["training.schedule"]?.stringValue == "exponential" }),
        (["training.shuffle"], "mini-batches (training.batch_size a number)", { $0["training.batch_size"]?.intValue != nil }),
        (["problem.format", "problem.split"], "problem.name dataset", isDataFile),
        (["model.depth", "model.width"], "no model.hidden (which gives every hidden layer's width)", { $0["model.hidden"] == nil }),
        (["loss.group_hessian"], "loss.order 2", { $0["loss.order"]?.intValue == 2 }),
        (["loss.lambda_hess"], "loss.scheme fixed and loss.order 2",
         { $0["loss.order"]?.intValue == 2 && $0["loss.scheme"]?.stringValue == "fixed" }),
        (["problem.x", "problem.y", "problem.dy", "problem.d2y"], "an HDF5 data file (problem.name dataset)", { isDataFile($0) && !isCSV($0) }),
        (["problem.input_columns", "problem.output_columns", "problem.derivative_columns"], "a CSV data file (problem.name dataset; a file named .csv, or problem.format: csv)",
         { isDataFile($0) && isCSV($0) }),
        (["problem.train_fraction", "problem.validation_fraction"], "problem.split fraction (problem.name dataset)",
         { isDataFile($0) && $0["problem.split"]?.stringValue == "fraction" }),
        (["problem.train_samples", "problem.validation_samples", "problem.test_samples", "problem.sampler", "problem.value_noise", "problem.grad_noise"],
         "a generated problem (data files bring their own samples and noise)", { !isDataFile($0) }),
        (["problem.value_noise_level"], "problem.value_noise uniform or gaussian", { !isDataFile($0) && $0["problem.value_noise"]?.stringValue != "none" }),
        (["problem.grad_noise_level"], "problem.grad_noise uniform or gaussian", { !isDataFile($0) && $0["problem.grad_noise"]?.stringValue != "none" }),
    ]

    static func isDataFile(_ v: [String: ConfigValue]) -> Bool { v["problem.name"]?.stringValue == "dataset" }
    static func isCSV(_ v: [String: ConfigValue]) -> Bool {
        let format = v["problem.format"]?.stringValue, file = v["problem.file"]?.stringValue ?? ""
        return format == "csv" || (format == "auto" && file.lowercased().hasSuffix(".csv"))
    }

    static func checkApplicability(_ runs: [RunSpec], given: [String: RawNode], file: String) throws {
        for rule in applicability {
            for key in rule.keys {
                guard let node = given[key], !runs.contains(where: { rule.applies($0.values) }) else { continue }
                throw ExperimentError(file: file, key: key, line: node.line, message: "\(node.text) does not apply: \(key) is read only with \(rule.when)")
            }
        }
    }

    /// One value of the field, checked against its type and range.
    static func value(_ node: RawNode, spec: FieldSpec, fail: (String, RawNode?) -> ExperimentError) throws -> ConfigValue {
        func scalar() throws -> String {
            guard case let .scalar(s, _) = node else { throw fail("expected \(spec.kind.expectation), got \(node.text)", node) }
            return s
        }
        switch spec.kind {
        case let .double(lo, hi, open):
            let s = try scalar()
            guard let v = Double(s), v.isFinite else { throw fail("expected \(spec.kind.expectation), got \(s)", node) }
            guard (open ? v > lo : v >= lo) && v <= hi else { throw fail("expected \(spec.kind.expectation), got \(s)", node) }
            return .double(v)
        case let .int(lo, hi):
            let s = try scalar()
            guard let v = Int(s) else { throw fail("expected \(spec.kind.expectation), got \(s)", node) }
            guard v >= lo && v <= hi else { throw fail("expected \(spec.kind.expectation), got \(s)", node) }
            return .int(v)
        case let .choice(options):
            let s = try scalar()
            guard options.contains(s) else { throw fail("expected \(spec.kind.expectation), got \(s)", node) }
            return .string(s)
        case .bool:
            let s = try scalar()
            switch s.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: throw fail("expected true or false, got \(s)", node)
            }
        case .intOrFull:
            let s = try scalar()
            if s == "full" { return .string("full") }
            guard let v = Int(s), v >= 1 else { throw fail("expected \(spec.kind.expectation), got \(s)", node) }
            return .int(v)
        case .stringList:
            guard case let .list(items, _) = node, !items.isEmpty else {
                throw fail("expected \(spec.kind.expectation), got \(node.text)", node)
            }
            let names = try items.map { item -> String in
                guard case let .scalar(s, _) = item, !s.isEmpty else { throw fail("expected \(spec.kind.expectation), got \(node.text)", item) }
                return s
            }
            guard Set(names).count == names.count else { throw fail("a name is listed twice in \(node.text)", node) }
            return .stringList(names)
        case let .intList(maxCount, hi):
            guard case let .list(items, _) = node, !items.isEmpty, items.count <= maxCount else {
                throw fail("expected \(spec.kind.expectation), got \(node.text)", node)
            }
            return .intList(try items.map { item in
                guard case let .scalar(s, _) = item, let v = Int(s), v >= 1, v <= hi else {
                    throw fail("expected \(spec.kind.expectation), got \(node.text)", item)
                }
                return v
            })
        case .text:
            return .string(try scalar())
        }
    }

    /// Whether a run with these values has no validation set (a data file split by fractions
    /// with validation_fraction 0, or validation_samples 0): what patience, keep_best and a search
    /// metric need.
    static func lacksValidation(_ values: [String: ConfigValue]) -> Bool {
        values["problem.name"]?.stringValue == "dataset"
            ? values["problem.split"]?.stringValue == "fraction" && values["problem.validation_fraction"]?.doubleValue == 0
            : values["problem.validation_samples"]?.intValue == 0
    }

    /// Cross-field checks that no single field can make.
    static func checkConsistency(_ values: [String: ConfigValue], file: String, given: [String: RawNode]) throws {
        if let b1 = values["training.beta1"]?.doubleValue, b1 >= 1 {
            throw ExperimentError(file: file, key: "training.beta1", line: given["training.beta1"]?.line, message: "expected a number in [0, 1), got \(ConfigValue.format(b1))")
        }
        if let b2 = values["training.beta2"]?.doubleValue, b2 >= 1 {
            throw ExperimentError(file: file, key: "training.beta2", line: given["training.beta2"]?.line, message: "expected a number in [0, 1), got \(ConfigValue.format(b2))")
        }
        if let m = values["training.momentum"]?.doubleValue, m >= 1 {
            throw ExperimentError(file: file, key: "training.momentum", line: given["training.momentum"]?.line, message: "expected a number in [0, 1), got \(ConfigValue.format(m))")
        }
        if values["problem.name"]?.stringValue == "dataset" {
            guard let f = values["problem.file"]?.stringValue, !f.isEmpty else {
                throw ExperimentError(file: file, key: "problem.file", line: given["problem.name"]?.line, message: "problem dataset needs problem.file (an .h5 or .csv file)")
            }
            try checkDataNames(values, file: file, given: given)
            let train = values["problem.train_fraction"]?.doubleValue ?? 0, validation = values["problem.validation_fraction"]?.doubleValue ?? 0
            if values["problem.split"]?.stringValue == "fraction" && train + validation >= 1 {
                throw ExperimentError(file: file, key: "problem.validation_fraction", line: given["problem.validation_fraction"]?.line ?? given["problem.train_fraction"]?.line,
                                      message: "train_fraction + validation_fraction = \(ConfigValue.format(train + validation)) leaves no test set (must be < 1)")
            }
        } else if let f = given["problem.file"] {
            throw ExperimentError(file: file, key: "problem.file", line: f.line, message: "a data file needs problem.name: dataset, got problem.name \(values["problem.name"]!)")
        }
        let noValidation = lacksValidation(values)
        let validationKey = values["problem.name"]?.stringValue == "dataset" ? "problem.validation_fraction" : "problem.validation_samples"
        if let patience = values["training.patience"]?.intValue, patience > 0, noValidation {
            throw ExperimentError(file: file, key: "training.patience", line: given["training.patience"]?.line, message:
                "\(patience) needs validation samples to stop early, but \(validationKey) is 0")
        }
        // Validation is measured every log_every steps, so patience counts in those: fewer steps
        // than one interval would silently mean one interval.
        if let patience = values["training.patience"]?.intValue, patience > 0, let every = values["training.log_every"]?.intValue, patience < every {
            throw ExperimentError(file: file, key: "training.patience", line: given["training.patience"]?.line, message:
                "\(patience) steps are fewer than training.log_every \(every): validation is measured every \(every) steps, so early stopping cannot stop sooner")
        }
        if values["training.keep_best"]?.boolValue == true, noValidation {
            throw ExperimentError(file: file, key: "training.keep_best", line: given["training.keep_best"]?.line, message:
                "true needs validation samples to choose the best parameters, but \(validationKey) is 0")
        }
        if let d = values["problem.dimension"]?.intValue, let name = values["problem.name"]?.stringValue,
           !ProblemConfig.anyDimension.contains(name) {
            throw ExperimentError(file: file, key: "problem.dimension", line: given["problem.dimension"]?.line, message:
                "\(d): \(name) has a fixed dimension (only \(ProblemConfig.anyDimension.joined(separator: ", ")) take problem.dimension)")
        }
        let hessianWeight = values["loss.order"]?.intValue == 2 ? values["loss.lambda_hess"]?.doubleValue ?? values["loss.lambda_grad"]?.doubleValue : 0
        if values["loss.lambda_value"]?.doubleValue == 0 && values["loss.lambda_grad"]?.doubleValue == 0 && hessianWeight == 0 {
            throw ExperimentError(file: file, key: "loss.lambda_grad", line: given["loss.lambda_grad"]?.line, message: "lambda_value and lambda_grad are both 0: nothing would be trained")
        }
        try checkProjections(values, file: file, given: given)
    }

    /// Inputs and outputs of a data file must be named, and apart.
    static func checkDataNames(_ values: [String: ConfigValue], file: String, given: [String: RawNode]) throws {
        for key in ["problem.x", "problem.y"] where values[key]?.stringValue?.isEmpty == true {
            throw ExperimentError(file: file, key: key, line: given[key]?.line, message: "expected the name of an HDF5 dataset, got an empty name")
        }
        if values["problem.x"] == values["problem.y"] {
            throw ExperimentError(file: file, key: "problem.y", line: given["problem.y"]?.line ?? given["problem.x"]?.line,
                                  message: "\(values["problem.y"]!) is also problem.x: inputs and outputs must be different datasets")
        }
        let inputs = values["problem.input_columns"]?.stringListValue ?? [], outputs = values["problem.output_columns"]?.stringListValue ?? []
        if let both = inputs.first(where: outputs.contains) {
            throw ExperimentError(file: file, key: "problem.output_columns", line: given["problem.output_columns"]?.line,
                                  message: "column \(both) is also an input column: inputs and outputs must be different columns")
        }
    }
}
