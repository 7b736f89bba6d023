// Reads a results file through its documented layout (docs/results-format.md) only. Tolerant of
// what a sweep in progress or a failed run leaves: missing runs, runs without history or test set.
import Foundation
import SobolevHDF5

public enum ResultsReader {
    /// Root attribute names of the optional break-even costs (also allowed on each run).
    public static let costAttributes = ["data_generation_time", "simulation_time_per_sample", "surrogate_time_per_sample"]

    public static func read(_ path: String) throws -> SweepResults {
        if let waiting = PartsFolder.beforeFirstMerge(of: path) { throw ReportError.unreadable(file: path, message: waiting) }
        let file: H5File
        do { file = try H5File.open(path) } catch let e as HDF5Error {
            throw ReportError.unreadable(file: path, message: e.message)
        }
        let version = try FormatCheck.check(file)
        let header = readHeader(file, version: version)
        var runs: [RunRecord] = []
        if file.contains("runs"), let group = try? file.openGroup("runs") {
            for id in (try? group.childNames()) ?? [] { runs.append(readRun(id, in: group)) }
        }
        return SweepResults(header: header, runs: runs, unmergedParts: PartsFolder.unmergedCount(besides: path))
    }

    static func readHeader(_ f: H5File, version: Int) -> SweepHeader {
        func text(_ name: String) -> String? { try? f.scalarStringAttribute(name) }
        return SweepHeader(
            file: f.file, formatVersion: version, toolVersion: text("tool_version"),
            experimentName: text("experiment_name") ?? URL(fileURLWithPath: f.file).deletingPathExtension().lastPathComponent,
            experimentDescription: text("experiment_description") ?? "",
            gridAxes: (try? f.stringAttribute("grid_axes")) ?? [],
            seeds: (try? f.intAttribute("seeds")) ?? [],
            totalRuns: (try? f.scalarDoubleAttribute("total_runs")).map { Int($0) },
            created: text("created"), updated: text("updated"), costs: costs(of: f))
    }

    static func costs(of g: H5Group) -> [String: Double] {
        var out: [String: Double] = [:]
        for name in costAttributes { if let v = try? g.scalarDoubleAttribute(name) { out[name] = v } }
        return out
    }

    /// One run; a group that cannot be read at all becomes a run with status "unreadable".
    static func readRun(_ id: String, in runs: H5Group) -> RunRecord {
        guard let g = try? runs.openGroup(id) else {
            return RunRecord(id: id, status: "unreadable", stopReason: "", error: "cannot open /runs/\(id)", label: id,
                             configuration: id, hyperparameters: [:], costs: [:], metrics: [:])
        }
        func text(_ name: String) -> String? { try? g.scalarStringAttribute(name) }
        func number(_ name: String) -> Double? { try? g.scalarDoubleAttribute(name) }
        var hyper: [String: AttributeValue] = [:]
        for name in (try? g.attributeNames()) ?? []
        where !RunAttribute.bookkeeping.contains(name) && !costAttributes.contains(name) {
            if let v = AttributeValue.read(name, of: g) { hyper[name] = v }
        }
        let seed = number("seed").map { Int($0) }
        let label = text("label") ?? id
        let termNames = (try? g.stringAttribute("term_names")) ?? []
        let failureStep = number("failure_step").map { Int($0) }
        return RunRecord(
            id: id, status: text("status") ?? "unknown", stopReason: text("stop_reason") ?? "",
            error: text("error") ?? "", failureStep: failureStep.flatMap { $0 >= 0 ? $0 : nil }, seed: seed,
            // An experiment without grid axes has one configuration, stored as "": name it.
            label: label, configuration: text("configuration").map { $0.isEmpty ? "(single configuration)" : $0 } ?? label,
            ranks: number("ranks").map { Int($0) },
            wallTime: number("wall_time"), trainTime: number("train_time"), allReduceTime: number("allreduce_time"),
            samplesPerSecond: number("samples_per_second"), steps: number("steps").map { Int($0) },
            hyperparameters: hyper, costs: costs(of: g), metrics: metrics(of: g),
            history: (try? g.openGroup("history")).flatMap { try? RunHistory.read($0, termNames: termNames) },
            test: (try? g.openGroup("test")).flatMap { try? TestPredictions.read($0) },
            parameterCount: (try? g.openGroup("model")).flatMap(parameterCount), search: search(of: g))
    }

    /// search_budgets and search_metrics of a trial (a file written before search_budgets
    /// existed has only the last budget, search_budget: its trial is shown at that budget).
    static func search(of g: H5Group) -> SearchResults? {
        guard let metrics = try? g.doubleAttribute("search_metrics"), !metrics.isEmpty else { return nil }
        if let budgets = try? g.intAttribute("search_budgets"), budgets.count == metrics.count {
            return SearchResults(budgets: budgets, metrics: metrics)
        }
        guard let last = (try? g.intAttribute("search_budget"))?.first else { return nil }
        return SearchResults(budgets: [last], metrics: [metrics.last!])
    }

    static func metrics(of g: H5Group) -> [String: Double] {
        guard let m = try? g.openGroup("metrics") else { return [:] }
        var out: [String: Double] = [:]
        for name in (try? m.attributeNames()) ?? [] { if let v = try? m.scalarDoubleAttribute(name) { out[name] = v } }
        return out
    }

    /// Weights and biases of every layer, plus the adaptive slopes when the model has them.
    static func parameterCount(_ model: H5Group) -> Int? {
        guard let sizes = try? model.intAttribute("layer_sizes"), sizes.count >= 2 else { return nil }
        let dense = zip(sizes, sizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
        let adaptive = ((try? model.scalarDoubleAttribute("adaptive_scale")) ?? 0) > 0 ? sizes.count - 2 : 0
        return dense + adaptive
    }
}
