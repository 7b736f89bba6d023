import ArgumentParser
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevExport
import SobolevStore
import SobolevHDF5

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a stored surrogate (and its Jacobian) in original units on inputs from a CSV or HDF5 file.")

    @OptionGroup var choice: ModelChoice

    @Option(help: "Inputs: CSV with the model's input columns (the run's problem.input_columns, else x0, x1, ...) or HDF5 with X [n, d].")
    var inputs: String

    @Option(help: "Output: .csv (input, output, d<output>/d<input> and d2<output>/d<input>d<input> columns) or HDF5 (X, Y, dYdX [n, m, d], d2YdX2 [n, m, d, d]).")
    var out: String

    @Flag(help: "Also write the Jacobian dY/dX.")
    var jacobian = false

    @Flag(help: "Also write the Hessians d2Y/dX2 (CSV: the pairs j <= k), and with them the Jacobian (Hessian columns train again only beside the derivative columns).")
    var hessian = false

    @Option(name: .customLong("input-columns"), help: "CSV input columns, comma-separated, in the model's input order.")
    var inputColumns: String?

    @Flag(help: "Replace an existing output file.")
    var force = false

    func validate() throws {
        guard [".csv", ".h5", ".hdf5"].contains(where: out.lowercased().hasSuffix) else {
            fail("--out \(out): name a .csv, .h5 or .hdf5 file (the format follows the extension)")
        }
        // By file identity: a link to an input, or the results file the model is read from, is an input too.
        if FileIdentity.same(out, inputs) { fail("--out \(out) is the inputs file (--inputs \(inputs)); give another name (--force never replaces an input)") }
        if let why = choice.replacedBy(out) { fail(why) }
        if let why = OutputFiles.problem(out, replace: force) { fail(why) }
        guard FileManager.default.fileExists(atPath: inputs) else { fail("\(inputs): no such file (--inputs)") }
        if let columns = inputColumns {
            guard PredictionFile.isCSV(inputs) else { fail("--input-columns applies to CSV inputs; \(inputs) is read as HDF5 (X)") }
            if columns.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                fail("--input-columns '\(columns)': an empty column name")
            }
            var seen = Set<String>()
            if let twice = self.columns?.first(where: { !seen.insert($0).inserted }) {
                fail("--input-columns '\(columns)': column \(twice) is named twice")
            }
        }
    }

    func run() throws {
        do {
            let selected = try choice.open()
            let d = selected.model.architecture.inputDimension
            let x = try readInputs(names: selected.inputNames)
            guard x.cols == d else {
                fail(columns == nil ? "\(inputs): /X has \(x.cols) columns, the model takes \(d) inputs"
                                    : "--input-columns names \(x.cols) columns, the model takes \(d) inputs")
            }
            let start = DispatchTime.now()
            let p = selected.model.predict(x)
            let perSample = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 / Double(x.rows)
            var attributes = [(name: "model", value: selected.location)]
            if let id = selected.runID { attributes.append((name: "run_id", value: id)) }
            if let choice = selected.choice { attributes.append((name: "chosen_by", value: choice)) }
            var predictions = Predictions(inputs: x, values: p.values, jacobians: jacobian || hessian ? p.jacobians : nil,
                                          inputNames: columns ?? selected.inputNames, outputNames: selected.outputNames,
                                          attributes: attributes, timePerSample: perSample)
            if hessian {
                let m = selected.model
                predictions.hessians = m.architecture.predictHessians(parameters: m.parameters, standardization: m.standardization, inputs: x).hessians
            }
            if PredictionFile.isCSV(out) {
                try OutputFiles.write([(out, Array(PredictionFile.csv(predictions).utf8))], replace: force)
            } else {
                try PredictionFile.writeHDF5(predictions, to: out, replace: force)
            }
            print("predict: \(x.rows) samples -> \(out); time per sample \(String(format: "%.3g", perSample)) s (values and Jacobians\(hessian ? "; the Hessians not timed" : ""))")
        } catch {
            fail("\(error)")
        }
    }

    var columns: [String]? {
        inputColumns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func readInputs(names: [String]) throws -> Matrix {
        if PredictionFile.isCSV(inputs) { return try UserDataset.readColumns(inputs, columns: columns ?? names) }
        return try DatasetFile.readInputs(try H5File.open(inputs))
    }
}
