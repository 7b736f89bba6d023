import ArgumentParser
import SobolevCore
import SobolevStore
import SobolevHDF5
import SobolevExperiment

struct Gradients: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every loss term and each term's gradient per parameter array, for a stored model and a data file.")

    @Option(help: "Model: RESULTS.h5 (the best completed run by --metric), RESULTS.h5:/runs/<id>, or FILE:/group holding a model.")
    var model: String

    @Option(help: "Metric that picks the best completed run when no run id is given (lower is better; R² higher).")
    var metric = "test_grad_rmse"

    @Option(help: "Data file with X (n x d), Y (n x m) and optionally dY (n x m x d) with d2Y (n x m x d x d), or V and JV.")
    var data: String

    @Option(help: "Output file (never overwritten).")
    var out: String

    func run() throws {
        do {
            // The same choice of model as predict and export (one reader of stored models).
            let selected = try ModelSelection.open(model, metric: metric, acceptingStopped: true)
            print("model: \(selected.location)" + (selected.choice.map { " (\($0))" } ?? ""))
            let m = selected.model, location = selected.location
            var d = try DatasetFile.read(data)
            if d.hasHessians && d.hasDirections {
                // As a first-order run on such a file: its directional terms; the Hessians are not a term then.
                d.hessians = nil
                print("note: \(data): /d2Y left out: directional (V, JV) and Hessian terms do not combine in one step; the terms are value, grad and dir")
            }
            try GradientDump.check(model: m, data: d, dataPath: data)
            let terms = TermGradients(architecture: m.architecture, parameters: m.parameters, normalized: m.standardization.normalize(d))
            try GradientDump.write(terms, modelLocation: location, dataPath: data, samples: d.count, out: out)
            print("gradients: \(out)")
        } catch {
            fail("\(error)")
        }
    }
}
