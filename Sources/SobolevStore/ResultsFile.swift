// The results schema (docs/results-format.md): how a run and an experiment are laid out in HDF5.
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevHDF5

public enum ResultsFormat {
    public static let name = "sobolev-results"
    public static let version = 1
    public static let toolVersion = "0.1.0"
}

/// Writes runs and the file header in the documented layout.
public enum ResultsWriter {
    /// Root attributes: format, version, tool, experiment name and text, the data files' fingerprints, grid.
    public static func writeHeader(_ root: H5Group, experiment: Experiment) throws {
        try describe(root, experiment: experiment)
        try root.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
        _ = try root.group("runs")
    }

    /// The header's description of the experiment (all but `created`): also what a file takes
    /// when an experiment that includes its runs extends it.
    static func describe(_ root: H5Group, experiment: Experiment) throws {
        try root.setAttribute("format", ResultsFormat.name)
        try root.setAttribute("format_version", ResultsFormat.version)
        try root.setAttribute("tool_version", ResultsFormat.toolVersion)
        try root.setAttribute("experiment_name", experiment.name)
        try root.setAttribute("experiment_description", experiment.description)
        try root.setAttribute("experiment_file", experiment.file)
        try root.setAttribute("experiment_text", experiment.text)
        try root.setAttribute("overrides", experiment.overrides.joined(separator: "\n"))
        // (A data file that vanished during the sweep leaves the results without fingerprints
        // rather than failing the merge of finished runs.)
        if let data = try? experiment.dataFingerprints(), !data.files.isEmpty {
            try root.setAttribute("data_files", data.files)
            try root.setAttribute("data_hashes", data.hashes)
        }
        // Searched keys vary between configurations as axes do: the report orders by both.
        let varying = experiment.search.ranges.map(\.key) + experiment.axes.map(\.key)
        if !varying.isEmpty { try root.setAttribute("grid_axes", varying) }
        try root.setAttribute("seeds", experiment.seeds.map { Int($0) })
        try root.setAttribute("total_runs", experiment.runs.count)
    }

    /// Sets a configuration value as an attribute of the natural HDF5 type.
    static func setConfig(_ g: H5Group, _ key: String, _ value: ConfigValue) throws {
        switch value {
        case let .int(v): try g.setAttribute(key, v)
        case let .double(v): try g.setAttribute(key, v)
        case let .string(v): try g.setAttribute(key, v)
        case let .bool(v): try g.setAttribute(key, v ? 1 : 0)
        case let .intList(v): try g.setAttribute(key, v)
        case let .stringList(v): try g.setAttribute(key, v)
        }
    }

    /// Writes `/runs/<id>` for one result into `runs`.
    public static func writeRun(_ r: RunResult, into runs: H5Group) throws {
        if runs.contains(r.id) { try runs.remove(r.id) }
        let g = try runs.createGroup(r.id)
        try g.setAttribute("status", r.status.rawValue)
        try g.setAttribute("stop_reason", r.stopReason)
        try g.setAttribute("error", r.failureReason ?? "")
        try g.setAttribute("failure_step", r.failureStep ?? -1)
        try g.setAttribute("seed", Int(r.spec.seed))
        try g.setAttribute("label", r.spec.label)
        try g.setAttribute("configuration", r.spec.configurationKey)
        try g.setAttribute("term_names", r.termNames)
        try g.setAttribute("ranks", r.ranks)
        try g.setAttribute("wall_time", r.wallTime)
        try g.setAttribute("train_time", r.trainTime)
        try g.setAttribute("allreduce_time", r.allReduceTime)
        try g.setAttribute("samples_per_second", r.samplesPerSecond)
        try g.setAttribute("steps", r.steps)
        try g.setAttribute("best_step", r.bestStep)
        try g.setAttribute("gradient_mode_used", r.gradientModeUsed)
        try g.setAttribute("jacobian_plan", r.jacobianPlan)
        if let s = r.search {
            try g.setAttribute("search_rung", s.rung)
            try g.setAttribute("search_budget", s.budget)
            try g.setAttribute("search_metrics", s.metrics)
            try g.setAttribute("search_budgets", s.budgets)
        }
        for key in r.spec.values.keys.sorted() { try setConfig(g, key, r.spec.values[key]!) }
        for (name, seconds) in r.costs.sorted(by: { $0.key < $1.key }) { try g.setAttribute(name, seconds) }

        // History: one row per logged step.
        let h = try g.createGroup("history")
        let n = r.history.steps.count, T = r.termNames.count
        try h.write("step", r.history.steps)
        try h.write("epoch", r.history.epochs)
        try h.write("learning_rate", r.history.learningRates)
        let terms = try h.write("loss_terms", r.history.trainLosses.flatMap { $0 }, shape: [n, T])
        try terms.setAttribute("term_names", r.termNames)
        try h.write("loss_value", r.history.trainLosses.map { $0[0] })
        if T > 1 {
            try h.write("loss_grad", r.history.trainLosses.flatMap { $0[1...] }, shape: [n, T - 1])
                .setAttribute("term_names", Array(r.termNames[1...]))
        }
        try h.write("lambda", r.history.lambdas.flatMap { $0 }, shape: [n, T]).setAttribute("term_names", r.termNames)
        if !r.history.validationLosses.isEmpty {
            try h.write("val_loss_terms", r.history.validationLosses.flatMap { $0 }, shape: [n, T])
                .setAttribute("term_names", r.termNames)
        }

        // Metrics: scalar attributes, original units.
        let m = try g.createGroup("metrics")
        for (name, value) in r.metrics { try m.setAttribute(name, value) }

        try writeModel(r.architecture, parameters: r.parameters, standardization: r.standardization, into: try g.createGroup("model"))

        // The test set and the predictions on it (for parity plots and 1-D curves).
        let t = try g.createGroup("test")
        let nt = r.test.count, d = r.test.inputDimension, mo = r.test.outputDimension
        try t.write("X", r.test.inputs.data, shape: [nt, d])
        try t.write("Y", r.test.values.data, shape: [nt, mo])
        if let j = r.test.jacobians { try t.write("dY", j, shape: [nt, mo, d]) }
        try t.write("Y_pred", r.testPredictedValues.data, shape: [nt, mo])
        try t.write("dY_pred", r.testPredictedJacobians, shape: [nt, mo, d])
        if let h = r.test.hessians, let hp = r.testPredictedHessians {
            try t.write("d2Y", h, shape: [nt, mo, d, d])
            try t.write("d2Y_pred", hp, shape: [nt, mo, d, d])
        }
    }

    /// The model layout (docs/results-format.md): attrs activation, layer_sizes, adaptive_scale;
    /// datasets W0, b0, ... (W_l is outputs x inputs), slopes, and the standardisation.
    public static func writeModel(_ arch: MLPArchitecture, parameters: [Double], standardization s: Standardization, into g: H5Group) throws {
        try g.setAttribute("activation", arch.activation.rawValue)
        try g.setAttribute("layer_sizes", arch.layerSizes)
        try g.setAttribute("adaptive_scale", arch.adaptiveScale ?? 0)
        for (name, offset, shape) in arch.parameterArrays {
            let count = shape.reduce(1, *)
            try g.write(name, Array(parameters[offset..<(offset + count)]), shape: shape, compress: false)
        }
        try g.write("input_mean", s.inputMean, compress: false)
        try g.write("input_std", s.inputStd, compress: false)
        try g.write("output_mean", s.outputMean, compress: false)
        try g.write("output_std", s.outputStd, compress: false)
    }
}

/// A stored surrogate: architecture, parameters and standardisation.
public struct StoredModel {
    public var architecture: MLPArchitecture
    public var parameters: [Double]
    public var standardization: Standardization

    /// Reads the model layout from `group` (see ResultsWriter.writeModel).
    public static func read(_ g: H5Group) throws -> StoredModel {
        let actName = try g.scalarStringAttribute("activation")
        guard let act = Activation(rawValue: actName) else {
            throw HDF5Error(file: g.file, object: g.path, message: "attribute activation: unknown activation '\(actName)'")
        }
        let sizes = try g.intAttribute("layer_sizes")
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw HDF5Error(file: g.file, object: g.path, message: "attribute layer_sizes: expected >= 2 positive sizes, got \(sizes)")
        }
        // A model with a NaN or Inf number computes nothing useful: refused, not evaluated.
        func finite(_ values: [Double], _ name: String) throws {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw HDF5Error(file: g.file, object: g.path + "/" + name, message: "entry \(i) is \(values[i]); the model is not usable")
            }
        }
        let scale = g.hasAttribute("adaptive_scale") ? try g.scalarDoubleAttribute("adaptive_scale") : 0
        let arch = MLPArchitecture(layerSizes: sizes, activation: act, adaptiveScale: scale > 0 ? scale : nil)
        var theta = [Double](repeating: 0, count: arch.parameterCount)
        for (name, offset, shape) in arch.parameterArrays {
            let (values, found) = try g.read(name)
            guard found == shape else {
                throw HDF5Error(file: g.file, object: g.path + "/" + name, message: "expected shape \(shape), found \(found)")
            }
            try finite(values, name)
            theta.replaceSubrange(offset..<(offset + values.count), with: values)
        }
        func vector(_ name: String, _ n: Int, default value: Double) throws -> [Double] {
            guard g.contains(name) else { return Array(repeating: value, count: n) }
            let (v, shape) = try g.read(name)
            guard v.count == n else {
                throw HDF5Error(file: g.file, object: g.path + "/" + name, message: "expected \(n) entries, found shape \(shape)")
            }
            try finite(v, name)
            // x' = (x - mean) / std: a zero or negative std has no inverse map.
            if name.hasSuffix("_std"), let i = v.firstIndex(where: { $0 <= 0 }) {
                throw HDF5Error(file: g.file, object: g.path + "/" + name, message: "entry \(i) is \(v[i]), a standard deviation must be positive; the model is not usable")
            }
            return v
        }
        let d = sizes.first!, m = sizes.last!
        let s = Standardization(inputMean: try vector("input_mean", d, default: 0), inputStd: try vector("input_std", d, default: 1),
                                outputMean: try vector("output_mean", m, default: 0), outputStd: try vector("output_std", m, default: 1))
        return StoredModel(architecture: arch, parameters: theta, standardization: s)
    }
}

/// Checks that an open file is a results file of a version this tool reads.
public func checkResultsFormat(_ file: H5File) throws {
    guard file.hasAttribute("format"), try file.scalarStringAttribute("format") == ResultsFormat.name else {
        throw HDF5Error(file: file.file, object: "/", message: "not a sobolev results file (attribute format is not \"\(ResultsFormat.name)\")")
    }
    let version = try file.scalarIntAttribute("format_version")
    guard version <= ResultsFormat.version else {
        throw HDF5Error(file: file.file, object: "/", message: "format_version \(version) is newer than this tool reads (\(ResultsFormat.version))")
    }
}
