import ArgumentParser
import SobolevCore
import SobolevStore
import SobolevHDF5
import SobolevExperiment

struct Gradients: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every loss term and each term's gradient per parameter array, for a stored model and a data file.")

    @Option(help: "Model: FILE or FILE:/group (default group /model, or the only run of a results file).")
    var model: String

    @Option(help: "Data file with X (n x d), Y (n x m) and optionally dY (n x m x d) with d2Y (n x m x d x d), or V and JV.")
    var data: String

    @Option(help: "Output file (never overwritten).")
    var out: String

    func run() throws {
        do {
            let (m, location) = try GradientDump.readModel(model)
            let d = try DatasetFile.read(data)
            try GradientDump.check(model: m, data: d, dataPath: data)
            let terms = TermGradients(architecture: m.architecture, parameters: m.parameters, normalized: m.standardization.normalize(d))
            try GradientDump.write(terms, modelLocation: location, dataPath: data, samples: d.count, out: out)
            print("gradients: \(out)")
        } catch {
            fail("\(error)")
        }
    }
}
