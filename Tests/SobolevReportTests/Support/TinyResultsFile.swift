// Small results files written by hand through SobolevStore's H5File, in the documented layout, so
// statistics and edge cases can be checked against values computed on paper.
import Foundation
import SobolevStore
import SobolevHDF5

struct TinyRun {
    var id: String
    var configuration: String
    var seed: Int
    var metrics: [String: Double]
    var status = "completed"
    var error = ""
    var failureStep = -1
    var scheme = "fixed"
    var width = 8
    var ranks = 1
    var wallTime = 2.0
    var trainTime = 1.5
    var samplesPerSecond = 1000.0
    /// The allreduce_time attribute; nil leaves it out, as files written before it do.
    var allReduceTime: Double? = nil
    /// Extra numeric run attributes (e.g. the optional cost attributes).
    var extra: [String: Double] = [:]
    /// Input dimension d of the test set (X [5, d], dY [5, 1, d]).
    var inputs = 1
    /// Optimizer steps taken (the `steps` attribute).
    var steps = 20
    /// Extra string run attributes (e.g. training.batch_size "full").
    var texts: [String: String] = [:]
}

enum TinyResultsFile {
    /// Writes a results file at `path`; `root` may add or change root attributes afterwards.
    static func write(_ path: String, runs: [TinyRun], totalRuns: Int, root: (H5File) throws -> Void = { _ in }) throws {
        let f = try H5File.create(path)
        try f.setAttribute("format", "sobolev-results")
        try f.setAttribute("format_version", 1)
        try f.setAttribute("tool_version", "0.1.0")
        try f.setAttribute("experiment_name", "tiny")
        try f.setAttribute("experiment_description", "hand-written test file")
        try f.setAttribute("grid_axes", ["model.width"])
        try f.setAttribute("seeds", [0, 1, 2])
        try f.setAttribute("total_runs", totalRuns)
        let group = try f.createGroup("runs")
        for r in runs { try writeRun(r, into: group) }
        try root(f)
        try f.flush()
    }

    static func writeRun(_ r: TinyRun, into runs: H5Group) throws {
        let g = try runs.createGroup(r.id)
        try g.setAttribute("status", r.status)
        try g.setAttribute("stop_reason", r.status == "completed" ? "completed" : "diverged")
        try g.setAttribute("error", r.error)
        try g.setAttribute("failure_step", r.failureStep)
        try g.setAttribute("seed", r.seed)
        try g.setAttribute("label", r.configuration + " seed=\(r.seed)")
        try g.setAttribute("configuration", r.configuration)
        try g.setAttribute("term_names", ["value", "grad_1"])
        try g.setAttribute("ranks", r.ranks)
        try g.setAttribute("wall_time", r.wallTime)
        try g.setAttribute("train_time", r.trainTime)
        if let a = r.allReduceTime { try g.setAttribute("allreduce_time", a) }
        try g.setAttribute("samples_per_second", r.samplesPerSecond)
        try g.setAttribute("steps", r.steps)
        try g.setAttribute("best_step", 20)
        try g.setAttribute("model.width", r.width)
        try g.setAttribute("model.activation", "tanh")
        try g.setAttribute("loss.scheme", r.scheme)
        try g.setAttribute("training.learning_rate", 0.001)
        for (k, v) in r.extra { try g.setAttribute(k, v) }
        for (k, v) in r.texts { try g.setAttribute(k, v) }

        let h = try g.createGroup("history")
        try h.write("step", [0, 10, 20])
        try h.write("epoch", [0, 10, 20])
        try h.write("learning_rate", [0.001, 0.001, 0.001])
        try h.write("loss_terms", [1.0, 4.0, 0.1, 0.4, 0.01, 0.04], shape: [3, 2]).setAttribute("term_names", ["value", "grad_1"])
        try h.write("lambda", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], shape: [3, 2]).setAttribute("term_names", ["value", "grad_1"])

        let m = try g.createGroup("metrics")
        for (k, v) in r.metrics { try m.setAttribute(k, v) }

        let model = try g.createGroup("model")
        try model.setAttribute("activation", "tanh")
        try model.setAttribute("layer_sizes", [1, r.width, 1])
        try model.setAttribute("adaptive_scale", 0.0)

        let t = try g.createGroup("test")
        let x = [-1.0, -0.5, 0, 0.5, 1], d = r.inputs
        let inputs = x.flatMap { v in (0..<d).map { v + Double($0) } }
        try t.write("X", inputs, shape: [5, d])
        try t.write("Y", x.map { $0 * $0 }, shape: [5, 1])
        try t.write("Y_pred", x.map { $0 * $0 + 0.01 }, shape: [5, 1])
        try t.write("dY", inputs.map { 2 * $0 }, shape: [5, 1, d])
        try t.write("dY_pred", inputs.map { 2 * $0 + 0.1 }, shape: [5, 1, d])
    }
}

/// A fresh empty folder under the system's temporary folder.
func temporaryFolder(_ name: String = #function) throws -> String {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "sobolev-report-tests-\(safe)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
