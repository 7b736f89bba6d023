import ArgumentParser
import SobolevStore

/// The stored surrogate a command uses (predict, export).
struct ModelChoice: ParsableArguments {
    @Argument(help: "RESULTS.h5 (the best completed run by --metric), RESULTS.h5:/runs/<id>, or FILE:/group holding a model.")
    var model: String

    @Option(help: "Metric that picks the best completed run when no run id is given (lower is better; R² higher).")
    var metric = "test_grad_rmse"

    /// Opens the model and prints which one it is (and how it was chosen).
    func open() throws -> SelectedModel {
        let selected = try ModelSelection.open(model, metric: metric)
        print("model: \(selected.location)" + (selected.choice.map { " (\($0))" } ?? ""))
        return selected
    }
}
