// The output of `sobolev predict` (docs/results-format.md, "Prediction files"): HDF5 with X, Y,
// dYdX and d2YdX2, or CSV with the input, output, d<output>/d<input> and
// d2<output>/d<input>d<input> columns (which an experiment reads back as a data set).
import Foundation
import SobolevCore
import SobolevHDF5

public struct Predictions {
    public var inputs: Matrix
    public var values: Matrix
    /// [n, m, d], or nil when not asked for.
    public var jacobians: [Double]?
    /// [n, m, d, d], or nil when not asked for.
    public var hessians: [Double]? = nil
    public var inputNames: [String]
    public var outputNames: [String]
    /// Written as root attributes of an HDF5 file (model, run_id, chosen_by, time_per_sample).
    public var attributes: [(name: String, value: String)]
    public var timePerSample: Double

    public init(inputs: Matrix, values: Matrix, jacobians: [Double]?, inputNames: [String], outputNames: [String],
                attributes: [(name: String, value: String)], timePerSample: Double) {
        self.inputs = inputs; self.values = values; self.jacobians = jacobians
        self.inputNames = inputNames; self.outputNames = outputNames
        self.attributes = attributes; self.timePerSample = timePerSample
    }

    /// The CSV column of dy_o/dx_j, as experiments name derivative columns.
    public static func derivativeName(output: String, input: String) -> String { "d\(output)/d\(input)" }

    /// The CSV column of d2y_o/dx_j dx_k (j <= k), as experiments name Hessian columns.
    public static func hessianName(output: String, inputs j: String, _ k: String) -> String { "d2\(output)/d\(j)d\(k)" }
}

public enum PredictionFile {
    public static let format = "sobolev-predictions"

    /// True for a CSV path (by extension); everything else is HDF5.
    public static func isCSV(_ path: String) -> Bool { path.lowercased().hasSuffix(".csv") }

    /// Writes `p` as HDF5 under a temporary name, then moves it into place (replacing only with `replace`).
    public static func writeHDF5(_ p: Predictions, to path: String, replace: Bool) throws {
        let n = p.inputs.rows, d = p.inputs.cols, m = p.values.cols
        try H5File.writeAtomically(path, replace: replace) { f in
            try f.setAttribute("format", format)
            for (name, value) in p.attributes { try f.setAttribute(name, value) }
            try f.setAttribute("time_per_sample", p.timePerSample)
            try f.setAttribute("input_names", p.inputNames)
            try f.setAttribute("output_names", p.outputNames)
            try f.write("X", p.inputs.data, shape: [n, d], compress: false)
            try f.write("Y", p.values.data, shape: [n, m], compress: false)
            if let j = p.jacobians { try f.write("dYdX", j, shape: [n, m, d], compress: false) }
            if let h = p.hessians { try f.write("d2YdX2", h, shape: [n, m, d, d], compress: false) }
        }
    }

    /// A CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote,
    /// a line break or surrounding spaces, so that a column name such as "thick, mm" reads back as one.
    static func csvField(_ s: String) -> String {
        let plain = !s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
            && s.trimmingCharacters(in: .whitespaces) == s
        return plain ? s : "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `p` as CSV: the input, output and (when present) derivative and Hessian (pairs j <= k) columns.
    public static func csv(_ p: Predictions) -> String {
        let n = p.inputs.rows, d = p.inputs.cols, m = p.values.cols
        var header = p.inputNames + p.outputNames
        if p.jacobians != nil {
            header += p.outputNames.flatMap { o in p.inputNames.map { Predictions.derivativeName(output: o, input: $0) } }
        }
        let pairs = (0..<d).flatMap { j in (j..<d).map { (j, $0) } }
        if p.hessians != nil {
            header += p.outputNames.flatMap { o in pairs.map { Predictions.hessianName(output: o, inputs: p.inputNames[$0.0], p.inputNames[$0.1]) } }
        }
        // Shortest round-trip decimal: reading the file back gives the same doubles.
        var text = header.map(csvField).joined(separator: ",") + "\n"
        for i in 0..<n {
            var row = (0..<d).map { "\(p.inputs[i, $0])" } + (0..<m).map { "\(p.values[i, $0])" }
            if let j = p.jacobians { row += (0..<(m * d)).map { "\(j[i * m * d + $0])" } }
            if let h = p.hessians { row += (0..<m).flatMap { o in pairs.map { "\(h[((i * m + o) * d + $0.0) * d + $0.1])" } } }
            text += row.joined(separator: ",") + "\n"
        }
        return text
    }
}
