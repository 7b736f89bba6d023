import ArgumentParser
import SobolevCore
import SobolevExport
import SobolevStore
import SobolevHDF5
import SobolevExperiment

struct Gradients: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every loss term and each term's gradient per parameter array, for a stored model and a data file.")

    @Option(help: "Model: RESULTS.h5 or RESULTS.h5:/runs (the best completed run by --metric), RESULTS.h5:/runs/<id>, or FILE:/group holding a model.")
    var model: String

    @Option(help: "Metric that picks the best completed run when no run id is given (lower is better; R² higher; default test_grad_rmse).")
    var metric: String?

    @Option(help: "Data file with X (n x d), Y (n x m) and optionally dY (n x m x d) with d2Y (n x m x d x d), or V and JV.")
    var data: String

    @Option(help: "Output file: HDF5 (.h5 or .hdf5).")
    var out: String

    @Flag(help: "Replace an existing output file.")
    var force = false

    func validate() throws {
        guard [".h5", ".hdf5"].contains(where: out.lowercased().hasSuffix) else {
            fail("--out \(out): name a .h5 or .hdf5 file (the dump is HDF5)")
        }
        if FileIdentity.same(out, data) { fail("--out \(out) is the data file (--data \(data)); give another name (--force never replaces an input)") }
        if let why = ModelChoice.replaces(out, modelFile: ModelSelection.split(model).path) { fail(why) }
        if let why = OutputFiles.problem(out, replace: force) { fail(why) }
    }

    func run() throws {
        do {
            // The same choice of model as predict and export (one reader of stored models).
            let selected = try ModelSelection.open(model, metric: metric, acceptingStopped: true)
            print("model: \(selected.location)" + (selected.choice.map { " (\($0))" } ?? ""))
            let m = selected.model, location = selected.location
            var d = try DatasetFile.read(data, model: (m.architecture.inputDimension, m.architecture.outputDimension))
            if d.hasHessians && d.hasDirections {
                // As a first-order run on such a file: its directional terms; the Hessians are not a term then.
                d.hessians = nil
                print("note: \(data): /d2Y left out: directional (V, JV) and Hessian terms do not combine in one step; the terms are value, grad and dir")
            }
            try GradientDump.check(model: m, data: d, dataPath: data)
            let terms = TermGradients(architecture: m.architecture, parameters: m.parameters, normalized: m.standardization.normalize(d))
            try GradientDump.write(terms, modelLocation: location, dataPath: data, samples: d.count, out: out, replace: force)
            print("gradients: \(out)")
        } catch {
            fail("\(error)")
        }
    }
}
