// Loading an experiment file: YAML -> a checked tree -> a grid of runs.
//
// A list where the schema expects a single value makes that field a grid axis; a range
// ({log_uniform: [a, b]}, ...) makes it a searched key (Search.swift). The runs are the drawn
// configurations (one without a search) times the Cartesian product of all axes times the seeds.
// Unknown keys, wrong types and out-of-range values are errors that name the file, the key (with
// its line) and the value.
import Foundation
import SobolevCore
import Yams

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
    /// The search: method, samples, seed and the keys with a range (method grid: no ranges).
    public let search: SearchSpec
    public let seeds: [UInt64]
    public let runs: [RunSpec]
    /// Notes on keys that still work but are deprecated, one line each (file:line: ...).
    public let warnings: [String]
    /// The dotted keys the file and --set give (the rest are defaults).
    public let givenKeys: Set<String>

    /// The ways the runs read data files, each once: the source (its split settings left out, as
    /// they do not change what is read) and the folder its relative path is taken from.
    public var dataReads: [(source: DatasetSource, baseDirectory: String)] {
        var reads: [(source: DatasetSource, baseDirectory: String)] = []
        for run in runs {
            guard var source = RunConfig(run).problem.dataset else { continue }
            source.split = .fraction; source.trainFraction = 0; source.validationFraction = 0
            guard !reads.contains(where: { $0.source == source && $0.baseDirectory == run.baseDirectory }) else { continue }
            reads.append((source, run.baseDirectory))
        }
        return reads
    }

    /// The files the runs read: the experiment file and each data file (relative paths resolved).
    public var inputFiles: [String] {
        var files = [file]
        for read in dataReads {
            let path = read.source.path(baseDirectory: read.baseDirectory)
            if !files.contains(path) { files.append(path) }
        }
        return files
    }

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
        if let line = RawNode.tooDeep(text) {
            throw ExperimentError(file: file, key: "", line: line, message: "nested deeper than an experiment file can be (more than 64 levels of brackets or 1000 columns of indentation)")
        }
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
        var overridden: [String: String] = [:]
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                throw ExperimentError(file: file, key: o, line: nil, message: "--set takes key=value")
            }
            let key = String(o[..<eq]), valueText = String(o[o.index(after: eq)...])
            // As a key given twice in the file: which one was meant is not for us to guess.
            if let first = overridden[key] {
                throw ExperimentError(file: "--set", key: key, line: nil, message: "given twice (\(first) and \(o))")
            }
            overridden[key] = o
            let value: RawNode
            if RawNode.tooDeep(valueText) != nil {
                throw ExperimentError(file: "--set", key: key, line: nil, message: "value nested deeper than 64 levels of brackets")
            }
            do {
                value = try Yams.compose(yaml: valueText).map { try RawNode.from($0, file: "--set", path: key) } ?? .scalar("", line: nil)
            } catch {
                throw ExperimentError(file: "--set", key: key, line: nil, message: "value '\(valueText)' is not valid YAML")
            }
            root = root.setting(key.split(separator: ".").map(String.init), to: value)
        }
        do {
            return try Experiment(root: root, file: file, text: text, overrides: overrides)
        } catch let e as ExperimentError where overridden.keys.contains(where: { e.key == $0 || e.key.hasPrefix($0 + ".") }) {
            // The value came from the command line, not from the file's line the node carries.
            throw ExperimentError(file: "--set", key: e.key, line: nil, message: e.message)
        }
    }

    init(root: RawNode, file: String, text: String, overrides: [String]) throws {
        self.file = file; self.text = text; self.overrides = overrides
        guard case let .map(top, _) = root else { fatalError("checked by parse") }
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var description = ""
        var seeds: [UInt64] = [0]
        var given: [String: RawNode] = [:]
        var order: [String] = []
        var search = SearchSpec(), searchNode: RawNode? = nil

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
            case "search":
                search = try SearchSpec.parse(node, fail: { fail($0, $1, $2) })
                searchNode = node
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
        givenKeys = Set(given.keys)

        // Resolve every field: a single value, or an axis of values.
        var single: [String: ConfigValue] = [:]
        var axes: [(key: String, values: [ConfigValue])] = []
        var rangeNodes: [String: RawNode] = [:]
        for spec in ExperimentSchema.fields {
            guard let node = given[spec.key] else {
                if let d = spec.defaultValue { single[spec.key] = d }
                continue
            }
            if case .map = node {
                search.ranges.append((spec.key, try Experiment.searchRange(node, spec: spec, fail: { fail(spec.key, $1 ?? node, $0) })))
                rangeNodes[spec.key] = node
            } else if let axis = try Experiment.axisValues(node, spec: spec, fail: { fail(spec.key, $1 ?? node, $0) }) {
                axes.append((spec.key, axis))
            } else {
                single[spec.key] = try Experiment.value(node, spec: spec, fail: { fail(spec.key, $1 ?? node, $0) })
            }
        }
        axes.sort { order.firstIndex(of: $0.key)! < order.firstIndex(of: $1.key)! }
        self.axes = axes
        try search.check(section: searchNode, rangeNodes: rangeNodes, fail: { fail($0, $1, $2) })

        // The drawn configurations (slowest), times the grid (first axis slowest), times the seeds.
        let samples = search.ranges.isEmpty ? 1 : search.samples ?? 1
        let runCount = axes.reduce(Double(seeds.count) * Double(samples)) { $0 * Double($1.values.count) }
        guard runCount <= Double(Experiment.maximumRuns) else {
            let factors = (samples > 1 ? ["search.samples x\(samples)"] : []) + axes.map { "\($0.key) x\($0.values.count)" } + ["seeds x\(seeds.count)"]
            throw fail(axes.last?.key ?? "seeds", axes.last.flatMap { given[$0.key] },
                       "the grid has \(ConfigValue.format(runCount)) runs (\(factors.joined(separator: ", "))), more than the limit of \(Experiment.maximumRuns)")
        }
        var points: [[(String, ConfigValue)]] = search.configurations().map { $0.map { ($0.key, $0.value) } }
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
        try search.checkScheduler(runs: self.runs, section: searchNode, given: given, fail: { fail($0, $1, $2) })
        self.search = search
        warnings = WeightingKeys.deprecations(given: given, file: file)
    }

    static func parseSeeds(_ node: RawNode, fail: (String) -> ExperimentError) throws -> [UInt64] {
        switch node {
        case let .scalar(s, _):
            guard let n = Int(s), n >= 1 else { throw fail("expected a count >= 1 or a list of seeds, got \(s)") }
            guard n <= maximumRuns else { throw fail("\(s) seeds are more than the limit of \(maximumRuns) runs of an experiment") }
            return (0..<n).map { UInt64($0) }
        case let .list(items, _):
            let seeds = try items.map { item -> UInt64 in
                // Stored as a 64-bit signed integer attribute (what h5py and pandas read as int64).
                guard case let .scalar(s, _) = item, let v = UInt64(s), v <= UInt64(Int64.max) else {
                    throw fail("expected integer seeds from 0 to 2^63 - 1 = \(Int64.max), got \(item.text)")
                }
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
}
