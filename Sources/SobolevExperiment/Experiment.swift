// Loading an experiment file: YAML -> a checked tree -> a grid of runs.
//
// A list where the schema expects a single value makes that field a grid axis; the runs are the
// Cartesian product of all axes times the seeds. Unknown keys, wrong types and out-of-range
// values are errors that name the file, the key (with its line) and the value.
import Foundation
import SobolevCore
import Yams

/// A bad experiment file or override: names the file, the key and the value.
public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let key: String
    public let line: Int?
    public let message: String

    /// One line: a value's own line breaks are shown as \\n.
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(message)"
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// The YAML as a small tree that remembers line numbers and can take `--set` overrides.
indirect enum RawNode {
    case scalar(String, line: Int?)
    case list([RawNode], line: Int?)
    case map([(String, RawNode)], line: Int?)

    var line: Int? {
        switch self { case let .scalar(_, l), let .list(_, l), let .map(_, l): return l }
    }

    /// The node as one short line of YAML flow text, for messages.
    var text: String {
        let line = fullText.replacingOccurrences(of: "\n", with: "\\n")
        return line.count > 80 ? line.prefix(77) + "..." : line
    }

    private var fullText: String {
        switch self {
        case let .scalar(s, _): return s
        case let .list(items, _): return "[" + items.map(\.fullText).joined(separator: ", ") + "]"
        case let .map(pairs, _): return "{" + pairs.map { "\($0.0): \($0.1.fullText)" }.joined(separator: ", ") + "}"
        }
    }

    /// Converts Yams' tree, counting nodes: an alias expands to a copy of its anchor, so nested
    /// aliases could make a short file expand without bound ("billion laughs").
    static func from(_ node: Node, file: String, path: String) throws -> RawNode {
        var budget = Experiment.maximumNodes
        return try from(node, file: file, path: path, budget: &budget)
    }

    static func from(_ node: Node, file: String, path: String, budget: inout Int) throws -> RawNode {
        let line = node.mark?.line
        budget -= 1
        guard budget >= 0 else {
            throw ExperimentError(file: file, key: path, line: line, message:
                "the file expands to more than \(Experiment.maximumNodes) values (aliases of aliases?); that is the limit of an experiment file")
        }
        switch node {
        case let .scalar(s): return .scalar(s.string, line: line)
        case let .sequence(seq):
            return .list(try seq.enumerated().map { try from($0.element, file: file, path: "\(path)[\($0.offset)]", budget: &budget) }, line: line)
        case let .mapping(map):
            var pairs: [(String, RawNode)] = []
            for (k, v) in map {
                guard case let .scalar(ks) = k else {
                    throw ExperimentError(file: file, key: path, line: k.mark?.line, message: "keys must be plain names")
                }
                let key = path.isEmpty ? ks.string : "\(path).\(ks.string)"
                if pairs.contains(where: { $0.0 == ks.string }) {
                    throw ExperimentError(file: file, key: key, line: k.mark?.line, message: "key given twice")
                }
                pairs.append((ks.string, try from(v, file: file, path: key, budget: &budget)))
            }
            return .map(pairs, line: line)
        }
    }

    /// Sets `path` (dotted) to `value`, creating sections as needed.
    func setting(_ path: [String], to value: RawNode) -> RawNode {
        guard let head = path.first else { return value }
        var pairs: [(String, RawNode)]
        var line: Int? = nil
        if case let .map(p, l) = self { pairs = p; line = l } else { pairs = [] }
        if let i = pairs.firstIndex(where: { $0.0 == head }) {
            pairs[i].1 = pairs[i].1.setting(Array(path.dropFirst()), to: value)
        } else {
            pairs.append((head, RawNode.map([], line: nil).setting(Array(path.dropFirst()), to: value)))
        }
        return .map(pairs, line: line)
    }
}

/// One run of the grid: the full resolved configuration and its seed.
public struct RunSpec: Sendable, Equatable {
    /// Every schema field with a value (given or default), by dotted key.
    public var values: [String: ConfigValue]
    public var seed: UInt64
    /// The grid axes' values of this run, in axis order (for labels).
    public var axisValues: [(key: String, value: ConfigValue)]
    /// Folder of the experiment file: relative data paths start here (not part of the id, so a
    /// moved experiment keeps its run ids).
    public var baseDirectory: String = "."

    public static func == (a: RunSpec, b: RunSpec) -> Bool { a.values == b.values && a.seed == b.seed }

    /// Stable id: a hash of every resolved value and the seed, so the same configuration has the
    /// same id in every sweep and on every machine.
    public var id: String {
        let canonical = values.keys.sorted().filter { !ExperimentSchema.executionKeys.contains($0) }
            .map { "\($0)=\(values[$0]!)" }.joined(separator: "\n") + "\nseed=\(seed)"
        let h = SeededRNG.fnv1a(canonical)
        return String(h, radix: 16).leftPadded(to: 16)
    }

    /// "loss.lambda_grad=1 seed=0": what distinguishes this run within its experiment.
    public var label: String {
        (axisValues.map { "\($0.key)=\($0.value)" } + ["seed=\(seed)"]).joined(separator: " ")
    }

    /// The configuration without the seed: runs that differ only by seed share it.
    public var configurationKey: String {
        axisValues.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

/// A loaded, validated experiment.
public struct Experiment: Sendable {
    /// Values an experiment file may expand to (YAML aliases included), and runs of its grid
    /// (grid points times seeds): bounds that keep a typo from exhausting memory.
    public static let maximumNodes = 100_000
    public static let maximumRuns = 100_000

    public let file: String
    /// The experiment file's text (stored in results for provenance).
    public let text: String
    public let name: String
    public let description: String
    /// Overrides applied (`--set key=value`), in order.
    public let overrides: [String]
    /// Grid axes: key and values, in file order.
    public let axes: [(key: String, values: [ConfigValue])]
    public let seeds: [UInt64]
    public let runs: [RunSpec]

    /// Loads and validates `path`, applying `overrides` ("key=value", value in YAML syntax).
    public static func load(path: String, overrides: [String] = []) throws -> Experiment {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExperimentError(file: path, key: "", line: nil, message: "cannot read the experiment file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ExperimentError(file: path, key: "", line: nil, message: "not UTF-8 text")
        }
        return try parse(text: text, file: path, overrides: overrides)
    }

    public static func parse(text: String, file: String, overrides: [String] = []) throws -> Experiment {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            // Yams adds the offending line and a caret below the message: keep the message.
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw ExperimentError(file: file, key: "", line: nil, message: "not valid YAML: \(first)")
        }
        var root = try node.map { try RawNode.from($0, file: file, path: "") } ?? .map([], line: nil)
        if case let .map(pairs, _) = root, pairs.isEmpty, overrides.isEmpty {
            throw ExperimentError(file: file, key: "", line: nil, message: "the file is empty (no section or key; the defaults would be trained): give at least the problem, e.g. problem: {name: sine}")
        }
        guard case .map = root else {
            throw ExperimentError(file: file, key: "", line: root.line, message: "an experiment file is a mapping of sections (problem, model, training, loss)")
        }
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw ExperimentError(file: file, key: o, line: nil, message: "--set takes key=value")
            }
            let key = String(o[..<eq]), valueText = String(o[o.index(after: eq)...])
            let value: RawNode
            do {
                value = try Yams.compose(yaml: valueText).map { try RawNode.from($0, file: "--set", path: key) } ?? .scalar("", line: nil)
            } catch {
                throw ExperimentError(file: "--set", key: key, line: nil, message: "value '\(valueText)' is not valid YAML")
            }
            root = root.setting(key.split(separator: ".").map(String.init), to: value)
        }
        return try Experiment(root: root, file: file, text: text, overrides: overrides)
    }

    init(root: RawNode, file: String, text: String, overrides: [String]) throws {
        self.file = file; self.text = text; self.overrides = overrides
        guard case let .map(top, _) = root else { fatalError("checked by parse") }
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var description = ""
        var seeds: [UInt64] = [0]
        var given: [String: RawNode] = [:]
        var order: [String] = []

        func fail(_ key: String, _ node: RawNode?, _ message: String) -> ExperimentError {
            ExperimentError(file: file, key: key, line: node?.line, message: message)
        }

        for (key, node) in top {
            switch key {
            case "name":
                guard case let .scalar(s, _) = node, !s.isEmpty else { throw fail(key, node, "expected a name, got \(node.text)") }
                // The name makes the default results file results/<name>.h5: no folders, no hidden file.
                guard !s.contains("/"), !s.hasPrefix("."), !s.contains("\n") else {
                    throw fail(key, node, "expected a name without '/', a leading '.' or line breaks (it names results/<name>.h5), got \(node.text)")
                }
                name = s
            case "description":
                guard case let .scalar(s, _) = node else { throw fail(key, node, "expected text, got \(node.text)") }
                description = s
            case "seeds":
                seeds = try Experiment.parseSeeds(node, fail: { fail("seeds", node, $0) })
            case _ where ExperimentSchema.sections.contains(key):
                guard case let .map(pairs, _) = node else {
                    throw fail(key, node, "expected a section of keys, got \(node.text)")
                }
                for (sub, value) in pairs {
                    let full = "\(key).\(sub)"
                    guard ExperimentSchema.fieldsByKey[full] != nil else {
                        throw fail(full, value, "unknown key" + Experiment.suggestion(for: full))
                    }
                    given[full] = value; order.append(full)
                }
            default:
                throw fail(key, node, "unknown key" + Experiment.suggestion(for: key))
            }
        }
        self.name = name; self.description = description; self.seeds = seeds

        // Resolve every field: a single value, or an axis of values.
        var single: [String: ConfigValue] = [:]
        var axes: [(key: String, values: [ConfigValue])] = []
        for spec in ExperimentSchema.fields {
            guard let node = given[spec.key] else {
                if let d = spec.defaultValue { single[spec.key] = d }
                continue
            }
            if let axis = try Experiment.axisValues(node, spec: spec, fail: { fail(spec.key, $1 ?? node, $0) }) {
                axes.append((spec.key, axis))
            } else {
                single[spec.key] = try Experiment.value(node, spec: spec, fail: { fail(spec.key, $1 ?? node, $0) })
            }
        }
        axes.sort { order.firstIndex(of: $0.key)! < order.firstIndex(of: $1.key)! }
        self.axes = axes

        // The grid: Cartesian product of the axes (first axis slowest), times the seeds.
        let runCount = axes.reduce(Double(seeds.count)) { $0 * Double($1.values.count) }
        guard runCount <= Double(Experiment.maximumRuns) else {
            let factors = axes.map { "\($0.key) x\($0.values.count)" } + ["seeds x\(seeds.count)"]
            throw fail(axes.last?.key ?? "seeds", axes.last.flatMap { given[$0.key] },
                       "the grid has \(ConfigValue.format(runCount)) runs (\(factors.joined(separator: ", "))), more than the limit of \(Experiment.maximumRuns)")
        }
        var points: [[(String, ConfigValue)]] = [[]]
        for axis in axes {
            points = points.flatMap { p in axis.values.map { p + [(axis.key, $0)] } }
        }
        var runs: [RunSpec] = []
        for p in points {
            var values = single
            for (k, v) in p { values[k] = v }
            try Experiment.checkConsistency(values, file: file, given: given)
            try Experiment.checkGradientMode(values, file: file, given: given)
            let base = URL(fileURLWithPath: file).deletingLastPathComponent().path
            for s in seeds {
                var run = RunSpec(values: values, seed: s, axisValues: p.map { (key: $0.0, value: $0.1) })
                run.baseDirectory = base
                runs.append(run)
            }
        }
        try Experiment.checkApplicability(runs, given: given, file: file)
        self.runs = try WeightingKeys.resolve(runs, given: given, file: file)
    }

    /// Keys that only some configurations read, and which: one given for a grid where no run reads
    /// it would be ignored without a word, so it is an error (as for the scheme constants).
    static let applicability: [(keys: [String], when: String, applies: @Sendable ([String: ConfigValue]) -> Bool)] = [
        (["training.momentum", "training.nesterov"], "training.optimizer sgd", { $0["training.optimizer"]?.stringValue == "sgd" }),
        (["training.beta1", "training.beta2", "training.epsilon"], "training.optimizer adam", { $0["training.optimizer"]?.stringValue == "adam" }),
        (["training.decay_rate", "training.decay_steps"], "training.schedule exponential", { $0["training.schedule"]?.stringValue == "exponential" }),
        (["training.shuffle"], "mini-batches (training.batch_size a number)", { $0["training.batch_size"]?.intValue != nil }),
        (["problem.format", "problem.split"], "problem.name dataset", isDataFile),
        (["problem.x", "problem.y", "problem.dy"], "an HDF5 data file (problem.name dataset)", { isDataFile($0) && !isCSV($0) }),
        (["problem.input_columns", "problem.output_columns", "problem.derivative_columns"], "a CSV data file (problem.name dataset)",
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

    static func parseSeeds(_ node: RawNode, fail: (String) -> ExperimentError) throws -> [UInt64] {
        switch node {
        case let .scalar(s, _):
            guard let n = Int(s), n >= 1 else { throw fail("expected a count >= 1 or a list of seeds, got \(s)") }
            guard n <= maximumRuns else { throw fail("\(s) seeds are more than the limit of \(maximumRuns) runs of an experiment") }
            return (0..<n).map { UInt64($0) }
        case let .list(items, _):
            let seeds = try items.map { item -> UInt64 in
                guard case let .scalar(s, _) = item, let v = UInt64(s) else { throw fail("expected non-negative integer seeds, got \(item.text)") }
                return v
            }
            guard !seeds.isEmpty else { throw fail("the list of seeds is empty") }
            guard Set(seeds).count == seeds.count else { throw fail("a seed is given twice in \(node.text)") }
            return seeds
        case .map: throw fail("expected a count or a list of seeds, got \(node.text)")
        }
    }

    /// The values of an axis, or nil when `node` is a single value of the field.
    static func axisValues(_ node: RawNode, spec: FieldSpec, fail: (String, RawNode?) -> ExperimentError) throws -> [ConfigValue]? {
        guard case let .list(items, _) = node else { return nil }
        switch spec.kind {
        case .intList, .stringList:
            // A list of scalars is one value; a list of lists is an axis.
            guard items.contains(where: { if case .list = $0 { return true }; return false }) else { return nil }
        default: break
        }
        guard !items.isEmpty else { throw fail("an empty list gives no values", node) }
        let values = try items.map { try value($0, spec: spec, fail: fail) }
        guard Set(values).count == values.count else { throw fail("a value is listed twice in \(node.text)", node) }
        return values
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
        if let patience = values["training.patience"]?.intValue, patience > 0 {
            let noValidation = values["problem.name"]?.stringValue == "dataset"
                ? values["problem.split"]?.stringValue == "fraction" && values["problem.validation_fraction"]?.doubleValue == 0
                : values["problem.validation_samples"]?.intValue == 0
            if noValidation {
                throw ExperimentError(file: file, key: "training.patience", line: given["training.patience"]?.line, message:
                    "\(patience) needs validation samples to stop early, but \(values["problem.name"]?.stringValue == "dataset" ? "problem.validation_fraction" : "problem.validation_samples") is 0")
            }
        }
        if let d = values["problem.dimension"]?.intValue, let name = values["problem.name"]?.stringValue,
           !ProblemConfig.anyDimension.contains(name) {
            throw ExperimentError(file: file, key: "problem.dimension", line: given["problem.dimension"]?.line, message:
                "\(d): \(name) has a fixed dimension (only \(ProblemConfig.anyDimension.joined(separator: ", ")) take problem.dimension)")
        }
        if values["loss.lambda_value"]?.doubleValue == 0 && values["loss.lambda_grad"]?.doubleValue == 0 {
            throw ExperimentError(file: file, key: "loss.lambda_grad", line: given["loss.lambda_grad"]?.line, message: "lambda_value and lambda_grad are both 0: nothing would be trained")
        }
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

    /// " (did you mean 'x'?)" for a key one or two edits away from a known one.
    static func suggestion(for key: String) -> String {
        let known = ExperimentSchema.fields.map(\.key) + ExperimentSchema.topLevelKeys
        let best = known.map { ($0, editDistance($0, key)) }.min { $0.1 < $1.1 }
        guard let (k, d) = best, d <= 3 else { return "" }
        return " (did you mean '\(k)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
