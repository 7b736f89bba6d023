// Hyperparameter search beyond grids: a key may take a range instead of a value or a list, and
// `search.samples` configurations are drawn from the ranges, randomly or along Sobol's sequence,
// from the search seed. Each drawn configuration is crossed with the grid axes and the seeds; the
// drawn values are resolved values like any other, so run ids, resume and reports are unchanged.
import Foundation
import SobolevCore
import SobolevProblems

/// How configurations are chosen.
public enum SearchMethod: String, CaseIterable, Sendable {
    /// Only lists (grid axes); a range is an error.
    case grid
    /// Independent uniform draws from the search seed's stream.
    case random
    /// Sobol's low-discrepancy points with a random digital shift from the search seed: N = 2^m
    /// points put exactly one point in each of the N equal strata of every key's range.
    case sobol
}

/// The range of one key: where its sampled values come from.
public enum SearchRange: Sendable, Equatable, CustomStringConvertible {
    case uniform(Double, Double)
    case logUniform(Double, Double)
    case intUniform(Int, Int)
    case choice([ConfigValue])

    public static let forms = ["uniform", "log_uniform", "int_uniform", "choice"]

    public var description: String {
        switch self {
        case let .uniform(a, b): return "uniform [\(ConfigValue.format(a)), \(ConfigValue.format(b))]"
        case let .logUniform(a, b): return "log_uniform [\(ConfigValue.format(a)), \(ConfigValue.format(b))]"
        case let .intUniform(a, b): return "int_uniform [\(a), \(b)]"
        case let .choice(c): return "choice [" + c.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The value at the unit coordinate u in [0, 1): uniform affinely, log_uniform affinely in
    /// log space, int_uniform and choice by floor over equal strata (each integer or choice has
    /// probability 1 / count). Numbers are rounded to `significantDigits`.
    public func value(at u: Double) -> ConfigValue {
        switch self {
        case let .uniform(a, b):
            return .double(SearchRange.shortened(a + (b - a) * u, into: a...b))
        case let .logUniform(a, b):
            return .double(SearchRange.shortened(exp(log(a) + (log(b) - log(a)) * u), into: a...b))
        case let .intUniform(a, b):
            let span = b - a + 1
            return .int(a + min(Int((u * Double(span)).rounded(.down)), span - 1))
        case let .choice(c):
            return c[min(Int((u * Double(c.count)).rounded(.down)), c.count - 1)]
        }
    }

    /// Drawn numbers keep 6 significant digits: labels and reports stay readable, a value can be
    /// typed back with --set, and a last-bit difference of exp and log between C libraries does
    /// not change the run id (it would only where it crosses a rounding boundary).
    public static let significantDigits = 6

    /// `x` to `significantDigits` digits (printf's exact decimal rounding), kept inside `bounds`.
    static func shortened(_ x: Double, into bounds: ClosedRange<Double>) -> Double {
        let r = Double(String(format: "%.\(significantDigits)g", x)) ?? x
        return min(max(r, bounds.lowerBound), bounds.upperBound)
    }
}

/// The `search` section: how configurations are chosen, and the ranges of the keys that take one.
public struct SearchSpec: Sendable {
    public static let keys = ["method", "samples", "seed", "scheduler", "metric", "reduction", "min_budget", "max_budget"]
    /// Schedulers of trials (TrialScheduler).
    public static let schedulers = ["successive_halving", "hyperband", "asha"]
    /// Validation metrics a scheduler may rank trials by (lower is better).
    public static let metrics = ["validation_value_rmse", "validation_grad_rmse", "validation_value_rel_l2", "validation_grad_rel_l2"]

    public var method: SearchMethod = .grid
    public var samples: Int? = nil
    /// Seed of the draws; default 0. Independent of the runs' seeds (its own stream).
    public var seed: UInt64 = 0
    /// Keys with a range, in schema order (the order of the sample's coordinates).
    public var ranges: [(key: String, range: SearchRange)] = []
    /// Early stopping across trials (search.scheduler): the scheduler with its rungs, and the
    /// validation metric that ranks the trials at each. nil: every run trains to its epochs.
    public var scheduler: TrialScheduler? = nil
    public var metric: String? = nil
    var reduction = 3, minBudget: Int? = nil, maxBudget: Int? = nil, schedulerName: String? = nil
    /// The rungs (budgets eta apart up to the full budget), nil without a scheduler.
    public var halving: SuccessiveHalving? { scheduler?.ladder }

    /// The drawn configurations: `samples` rows, one value per range. Point i does not depend on
    /// the number of samples, so raising search.samples keeps the configurations (and runs)
    /// already drawn.
    public func configurations() -> [[(key: String, value: ConfigValue)]] {
        guard let n = samples, !ranges.isEmpty else { return [[]] }
        let sampler = Sampler(kind: method == .sobol ? .sobol : .uniform, seed: seed ^ SeededRNG.fnv1a("search"))
        let unit = sampler.unitSamples(count: n, dimension: ranges.count)
        return (0..<n).map { i in ranges.enumerated().map { (j, r) in (r.key, r.range.value(at: unit[i, j])) } }
    }

    /// Reads the `search` section (method, samples, seed), checked.
    static func parse(_ node: RawNode, fail: (String, RawNode?, String) -> ExperimentError) throws -> SearchSpec {
        guard case let .map(pairs, _) = node else { throw fail("search", node, "expected a section of keys, got \(node.text)") }
        var spec = SearchSpec()
        for (key, value) in pairs {
            let full = "search.\(key)"
            guard case let .scalar(s, _) = value else { throw fail(full, value, "expected a single value, got \(value.text)") }
            switch key {
            case "method":
                guard let m = SearchMethod(rawValue: s) else {
                    throw fail(full, value, "expected one of \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), got \(s)")
                }
                spec.method = m
            case "samples":
                guard let n = Int(s), n >= 1, n <= Experiment.maximumRuns else {
                    throw fail(full, value, "expected an integer in [1, \(Experiment.maximumRuns)], got \(s)")
                }
                spec.samples = n
            case "seed":
                guard let v = UInt64(s) else { throw fail(full, value, "expected an integer >= 0, got \(s)") }
                spec.seed = v
            case "scheduler":
                guard schedulers.contains(s) else {
                    throw fail(full, value, "expected \(schedulers.joined(separator: ", ")), got \(s)" + Experiment.nearest(s, in: schedulers))
                }
                spec.schedulerName = s
            case "metric":
                guard metrics.contains(s) else {
                    throw fail(full, value, "expected a validation metric (lower is better): \(metrics.joined(separator: ", ")), got \(s)" + Experiment.nearest(s, in: metrics))
                }
                spec.metric = s
            case "reduction":
                guard let v = Int(s), v >= 2, v <= 1000 else { throw fail(full, value, "expected an integer in [2, 1000] (eta), got \(s)") }
                spec.reduction = v
            case "min_budget", "max_budget":
                guard let v = Int(s), v >= 1 else { throw fail(full, value, "expected a number of epochs >= 1, got \(s)") }
                if key == "min_budget" { spec.minBudget = v } else { spec.maxBudget = v }
            default:
                throw fail(full, value, "unknown key" + Experiment.nearest(key, in: keys))
            }
        }
        return spec
    }

    /// Checks the scheduler against the runs and sets `halving`: the full budget is the runs'
    /// training.epochs (one value for all), a trial is ranked on validation data, and a trial that
    /// stops early by patience would have nothing to continue from at the next rung (keep_best,
    /// which never stops a trial, combines: a rung then ranks the best parameters so far).
    mutating func checkScheduler(runs: [RunSpec], section: RawNode?, given: [String: RawNode],
                                 fail: (String, RawNode?, String) -> ExperimentError) throws {
        var nodes: [String: RawNode] = [:]
        if let section, case let .map(pairs, _) = section { for (k, v) in pairs { nodes[k] = v } }
        guard let schedulerName else {
            for key in ["metric", "reduction", "min_budget", "max_budget"] where nodes[key] != nil {
                throw fail("search.\(key)", nodes[key], "does not apply: search.\(key) is read only with search.scheduler")
            }
            return
        }
        guard let metric else { throw fail("search.scheduler", nodes["scheduler"], "needs search.metric, the validation metric that ranks the trials (\(SearchSpec.metrics.joined(separator: ", ")))") }
        guard let minBudget else { throw fail("search.scheduler", nodes["scheduler"], "needs search.min_budget, the epochs of the lowest rung") }
        let epochs = Set(runs.compactMap { $0.values["training.epochs"]?.intValue })
        guard epochs.count == 1, let full = epochs.first else {
            throw fail("training.epochs", given["training.epochs"], "search.scheduler needs one training.epochs for every run (the full budget), got \(epochs.sorted().map(String.init).joined(separator: ", "))")
        }
        if let maxBudget, maxBudget != full {
            throw fail("search.max_budget", nodes["max_budget"], "\(maxBudget) differs from training.epochs \(full): the full budget is the runs' epochs (leave max_budget out or make them equal)")
        }
        guard minBudget < full else {
            throw fail("search.min_budget", nodes["min_budget"], "\(minBudget) is not below the full budget of \(full) epochs: nothing would be stopped")
        }
        if given["training.patience"] != nil, runs.contains(where: { ($0.values["training.patience"]?.intValue ?? 0) > 0 }) {
            throw fail("training.patience", given["training.patience"], "does not combine with search.scheduler: a trial stopped early by patience has nothing to continue at the next rung (training.keep_best: true keeps the best validation parameters without stopping)")
        }
        if let r = runs.first(where: { Experiment.lacksValidation($0.values) }) {
            throw fail("search.metric", nodes["metric"], "\(metric) needs validation samples, but \(r.configurationKey.isEmpty ? "the runs have" : r.configurationKey + " has") none")
        }
        let ladder = SuccessiveHalving(reduction: reduction, minBudget: minBudget, maxBudget: full)
        switch schedulerName {
        case "hyperband": scheduler = .hyperband(Hyperband(ladder: ladder))
        case "asha": scheduler = .asha(ASHA(ladder: ladder))
        default: scheduler = .successiveHalving(ladder)
        }
    }

    /// Checks that the ranges and the section agree: a range needs a sampling method, a sampling
    /// method needs ranges and a number of samples.
    func check(section: RawNode?, rangeNodes: [String: RawNode], fail: (String, RawNode?, String) -> ExperimentError) throws {
        var given: [String: RawNode] = [:]
        if let section, case let .map(pairs, _) = section {
            for (key, value) in pairs { given[key] = value }
        }
        func node(_ key: String) -> RawNode? { given[key] }
        switch method {
        case .grid:
            if let first = ranges.first {
                throw fail(first.key, rangeNodes[first.key], "a range (\(first.range)) is sampled, not a grid axis: set search.method to random or sobol, and search.samples")
            }
            for key in ["samples", "seed"] where node(key) != nil {
                throw fail("search.\(key)", node(key), "does not apply: search.\(key) is read only with search.method random or sobol")
            }
        case .random, .sobol:
            guard !ranges.isEmpty else {
                throw fail("search.method", node("method"), "\(method.rawValue) samples ranges, but no key has one: give a key a range, e.g. {log_uniform: [1e-4, 1e-2]}")
            }
            guard samples != nil else {
                throw fail("search.method", node("method"), "\(method.rawValue) needs search.samples (how many configurations to draw)")
            }
            if method == .sobol && ranges.count > Sampler.sobolMaximumDimension {
                throw fail(ranges.last!.key, rangeNodes[ranges.last!.key], "\(ranges.count) keys with ranges are more than Sobol's \(Sampler.sobolMaximumDimension) dimensions")
            }
        }
    }
}

extension Experiment {
    /// " (did you mean 'x'?)" for a name at most three edits from the nearest of `names`.
    static func nearest(_ name: String, in names: [String]) -> String {
        guard let (k, d) = names.map({ ($0, editDistance($0, name)) }).min(by: { $0.1 < $1.1 }), d <= 3 else { return "" }
        return " (did you mean '\(k)'?)"
    }

    /// The range a YAML map `{form: [..]}` gives for the field `spec`, every bound or choice
    /// checked exactly as a value of the field would be.
    static func searchRange(_ node: RawNode, spec: FieldSpec, fail: (String, RawNode?) -> ExperimentError) throws -> SearchRange {
        guard case let .map(pairs, _) = node, pairs.count == 1 else {
            throw fail("expected \(spec.kind.expectation), a list (grid axis) or one range {\(SearchRange.forms.joined(separator: "|")): [...]}, got \(node.text)", node)
        }
        let form: String = pairs[0].0, argument: RawNode = pairs[0].1
        guard SearchRange.forms.contains(form) else {
            throw fail("unknown range \(form) in \(node.text): expected one of \(SearchRange.forms.joined(separator: ", "))" + nearest(form, in: SearchRange.forms), node)
        }
        guard case let .list(items, _) = argument else {
            throw fail("\(form) takes a list, got \(node.text)", argument)
        }
        // Which forms fit the key: numbers take uniform and log_uniform, integers int_uniform.
        let fits: [String]
        switch spec.kind {
        case .double: fits = ["uniform", "log_uniform", "choice"]
        case .int, .intOrFull: fits = ["int_uniform", "choice"]
        default: fits = ["choice"]
        }
        guard fits.contains(form) else {
            throw fail("\(form) does not fit \(spec.kind.expectation): use \(fits.dropLast().joined(separator: ", "))\(fits.count > 1 ? " or " : "")choice, got \(node.text)", node)
        }
        if form == "choice" {
            guard !items.isEmpty else { throw fail("choice needs at least one value, got \(node.text)", node) }
            let values = try items.map { try value($0, spec: spec, fail: fail) }
            guard Set(values).count == values.count else { throw fail("a value is listed twice in \(node.text)", node) }
            return SearchRange.choice(values)
        }
        guard items.count == 2 else { throw fail("\(form) takes two bounds [low, high], got \(node.text)", argument) }
        if form == "int_uniform" {
            let bounds = try items.map { item -> Int in
                guard case let .int(v) = try value(item, spec: spec, fail: fail) else {
                    throw fail("int_uniform takes integer bounds, got \(node.text)", item)
                }
                return v
            }
            guard bounds[0] < bounds[1] else { throw fail("int_uniform needs low < high, got \(node.text)", argument) }
            // Wider spans than 2^52 integers outrun the unit coordinate's precision (and Int).
            let span = bounds[1].subtractingReportingOverflow(bounds[0])
            guard !span.overflow, span.partialValue < 1 << 52 else {
                throw fail("int_uniform spans more than 2^52 integers, got \(node.text)", argument)
            }
            return SearchRange.intUniform(bounds[0], bounds[1])
        }
        let bounds = try items.map { item -> Double in try value(item, spec: spec, fail: fail).doubleValue ?? .nan }
        guard bounds[0] < bounds[1] else { throw fail("\(form) needs low < high, got \(node.text)", argument) }
        if form == "uniform" { return SearchRange.uniform(bounds[0], bounds[1]) }
        guard bounds[0] > 0 else { throw fail("log_uniform needs positive bounds, got \(node.text)", argument) }
        return SearchRange.logUniform(bounds[0], bounds[1])
    }
}
