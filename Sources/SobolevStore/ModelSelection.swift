// Which stored surrogate a command uses: `FILE`, `FILE:/runs/<id>` or any `FILE:/group` holding
// the model layout (docs/results-format.md). A results file without a run id (or `FILE:/runs`)
// gives the best completed run by a metric (lowest error, highest R²).
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevHDF5

/// A stored surrogate and where it came from.
public struct SelectedModel {
    public var model: StoredModel
    /// "FILE:/runs/<id>/model" (or the group given).
    public var location: String
    /// The run id when the model belongs to a run of a results file.
    public var runID: String?
    /// How the run was chosen when the file held several, e.g. "best test_grad_rmse = 0.0012 of 8 completed runs".
    public var choice: String?
    /// Names of the inputs and outputs: the run's problem.input_columns / output_columns, else x0.., y0...
    public var inputNames: [String]
    public var outputNames: [String]
}

public enum ModelSelection {
    /// R² is a score (higher is better); every other metric is an error.
    public static func higherIsBetter(_ metric: String) -> Bool { metric.contains("_r2") }

    /// The id with the best finite value of a metric (ties: the first id in sorted order).
    public static func best(_ values: [(id: String, value: Double)], metric: String) -> (id: String, value: Double)? {
        let higher = higherIsBetter(metric)
        return values.filter { $0.value.isFinite }.sorted { $0.id < $1.id }.min { a, b in higher ? a.value > b.value : a.value < b.value }
    }

    /// Splits "FILE:/group" into the file and the group ("FILE" alone: nil group).
    public static func split(_ spec: String) -> (path: String, group: String?) {
        if let colon = spec.lastIndex(of: ":"), spec[spec.index(after: colon)...].hasPrefix("/") {
            return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
        }
        return (spec, nil)
    }

    /// The metric that chooses a run when none is given.
    public static let defaultMetric = "test_grad_rmse"

    /// Opens the model of `spec`; without a group (or with /runs), a results file's best completed
    /// run by `metric` (default test_grad_rmse; its only completed run whatever the metric).
    /// A `metric` given where it chooses nothing (a model named, a file of one model) is refused,
    /// and so is a file holding both runs and a root /model without a group: which one is meant is
    /// not for a default to decide. `acceptingStopped`: a run a search stopped at a budget, named
    /// by its id, is usable too (`gradients` looks at any trained model).
    public static func open(_ spec: String, metric: String? = nil, acceptingStopped: Bool = false) throws -> SelectedModel {
        let (path, group) = split(spec)
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(file: path, object: "", message: "no such file")
        }
        let f = try H5File.open(path)
        if f.contains("runs"), group == nil || group == "/runs" {
            if group == nil, f.contains("model") {
                throw HDF5Error(file: path, object: "/", message: "holds runs (/runs) and a model (/model); name one: \(path):/model, \(path):/runs/<id>, or \(path):/runs for the best completed run by --metric")
            }
            try checkResultsFormat(f)
            return try bestRun(in: f, path: path, metric: metric ?? defaultMetric)
        }
        if let metric {
            let named = group.map { "the model is named (\($0))" } ?? "the file holds one model, no runs"
            throw HDF5Error(file: path, object: "", message: "--metric \(metric) chooses nothing: \(named); leave --metric out")
        }
        if let group {
            let parts = group.split(separator: "/").map(String.init)
            var g: H5Group = f
            for (i, part) in parts.enumerated() {
                guard g.contains(part), g.isGroup(part) else {
                    throw HDF5Error(file: path, object: "/" + parts[0...i].joined(separator: "/"), message: "no such group")
                }
                g = try g.openGroup(part)
            }
            // /runs/<id> (or /runs/<id>/model) of a results file: the run's model and names.
            if parts.count >= 2, parts[0] == "runs", parts.count == 2 || (parts.count == 3 && parts[2] == "model") {
                return try run(parts[1], in: f, path: path, choice: nil, acceptingStopped: acceptingStopped)
            }
            return try plain(g, location: "\(path):\(group)")
        }
        if f.contains("model") { return try plain(try f.openGroup("model"), location: "\(path):/model") }
        guard f.hasAttribute("activation") else {
            let format = (try? f.scalarStringAttribute("format")).map { " (format \($0))" } ?? ""
            throw HDF5Error(file: path, object: "/", message: "holds no model\(format): not a results file (no /runs), no /model group, no model at the root")
        }
        return try plain(f, location: "\(path):/")
    }

    static func plain(_ g: H5Group, location: String) throws -> SelectedModel {
        let model = try StoredModel.read(g)
        return SelectedModel(model: model, location: location, runID: nil, choice: nil,
                             inputNames: defaultNames("x", model.architecture.inputDimension),
                             outputNames: defaultNames("y", model.architecture.outputDimension))
    }

    static func defaultNames(_ prefix: String, _ n: Int) -> [String] { (0..<n).map { "\(prefix)\($0)" } }

    static func bestRun(in f: H5File, path: String, metric: String) throws -> SelectedModel {
        let runs = try f.openGroup("runs")
        var scored: [(id: String, value: Double)] = []
        var finite = Set<String>(), completed: [String] = []
        for id in try runs.childNames() {
            guard let g = try? runs.openGroup(id), RunStatus(stored: try? g.scalarStringAttribute("status")) == .completed else { continue }
            completed.append(id)
            guard let m = try? g.openGroup("metrics") else { continue }
            for name in (try? m.attributeNames()) ?? [] where (try? m.scalarDoubleAttribute(name))?.isFinite == true { finite.insert(name) }
            if let v = try? m.scalarDoubleAttribute(metric) { scored.append((id, v)) }
        }
        guard !completed.isEmpty else { throw HDF5Error(file: path, object: "/runs", message: "holds no completed run") }
        // (A metric no run has is still an error: a typo in --metric is not taken for a choice.)
        if completed.count == 1, let only = completed.first, !scored.isEmpty, best(scored, metric: metric) == nil {
            return try run(only, in: f, path: path, choice: "the only completed run")
        }
        guard let (id, value) = best(scored, metric: metric) else {
            // A metric every run has as NaN (test_grad_rmse without Jacobians in the data) is
            // there but chooses nothing: the metrics with values are the ones to offer.
            let why = scored.isEmpty ? "no completed run has metric \(metric)" : "metric \(metric) is NaN in every completed run"
            throw HDF5Error(file: path, object: "/runs", message: "\(why); choose another --metric (with values: \(finite.sorted().joined(separator: ", ")))")
        }
        return try run(id, in: f, path: path, choice: "best \(metric) = \(value) of \(completed.count) completed runs")
    }

    static func run(_ id: String, in f: H5File, path: String, choice: String?, acceptingStopped: Bool = false) throws -> SelectedModel {
        let runs = try f.openGroup("runs")
        guard runs.contains(id) else { throw HDF5Error(file: path, object: "/runs/\(id)", message: "no such run") }
        let g = try runs.openGroup(id)
        if let status = try? g.scalarStringAttribute("status"), RunStatus(stored: status) != .completed,
           !(acceptingStopped && RunStatus(stored: status) == .stopped) {
            let why = (try? g.scalarStringAttribute("error")) ?? ""
            throw HDF5Error(file: path, object: "/runs/\(id)", message: "run \(status)\(why.isEmpty ? "" : " (\(why))"); its model is not usable")
        }
        guard g.contains("model") else { throw HDF5Error(file: path, object: "/runs/\(id)/model", message: "no such group") }
        let model = try StoredModel.read(try g.openGroup("model"))
        func names(_ key: String, _ prefix: String, _ n: Int) -> [String] {
            if g.hasAttribute(key), let v = try? g.stringAttribute(key), v.count == n { return v }
            return defaultNames(prefix, n)
        }
        return SelectedModel(model: model, location: "\(path):/runs/\(id)/model", runID: id, choice: choice,
                             inputNames: names("problem.input_columns", "x", model.architecture.inputDimension),
                             outputNames: names("problem.output_columns", "y", model.architecture.outputDimension))
    }
}

extension StoredModel {
    /// Values [n, m] and Jacobians [n, m, d] in original units at `inputs` [n, d] (original units).
    public func predict(_ inputs: Matrix) -> (values: Matrix, jacobians: [Double]) {
        architecture.predict(parameters: parameters, standardization: standardization, inputs: inputs)
    }
}
