import ArgumentParser
import SobolevHDF5
import SobolevStore

/// The stored surrogate a command uses (predict, export).
struct ModelChoice: ParsableArguments {
    @Argument(help: "RESULTS.h5 or RESULTS.h5:/runs (the best completed run by --metric), RESULTS.h5:/runs/<id>, or FILE:/group holding a model.")
    var model: String

    @Option(help: "Metric that picks the best completed run when no run id is given (lower is better; R² higher; default test_grad_rmse).")
    var metric: String?

    /// Why `output` may not be written: it is the file the model is read from (nil when not).
    func replacedBy(_ output: String) -> String? {
        Self.replaces(output, modelFile: ModelSelection.split(model).path)
    }

    static func replaces(_ output: String, modelFile: String) -> String? {
        guard FileIdentity.same(output, modelFile) else { return nil }
        return "\(output) is the file the model is read from (\(modelFile)); --out names another file (--force never replaces an input)"
    }

    /// Opens the model and prints which one it is (and how it was chosen).
    func open() throws -> SelectedModel {
        let selected = try ModelSelection.open(model, metric: metric)
        print("model: \(selected.location)" + (selected.choice.map { " (\($0))" } ?? ""))
        return selected
    }
}
