// The per-term gradient dump of `sobolev gradients`: checking its data against the model and
// writing the file (the model comes from ModelSelection, the numbers from SobolevCore's TermGradients).
import Foundation
import SobolevCore
import SobolevHDF5

/// Every loss term and every term's gradient per parameter array, for a stored model and data.
public enum GradientDump {
    /// Checks that `data` fits the model (errors name the data file's dataset).
    public static func check(model: StoredModel, data: Dataset, dataPath: String) throws {
        let arch = model.architecture
        guard data.inputDimension == arch.inputDimension else {
            throw HDF5Error(file: dataPath, object: "/X", message: "has \(data.inputDimension) columns, the model takes \(arch.inputDimension) inputs")
        }
        guard data.outputDimension == arch.outputDimension else {
            throw HDF5Error(file: dataPath, object: "/Y", message: "has \(data.outputDimension) columns, the model has \(arch.outputDimension) outputs")
        }
    }

    /// Writes the terms (computed on `samples` samples of `dataPath`) to a new file at `out`
    /// (an existing one only with `replace`).
    public static func write(_ terms: TermGradients, modelLocation: String, dataPath: String, samples: Int, out: String, replace: Bool = false) throws {
        try H5File.writeAtomically(out, replace: replace) { f in
            try f.setAttribute("format", "sobolev-gradients")
            try f.setAttribute("model", modelLocation)
            try f.setAttribute("data", dataPath)
            try f.setAttribute("samples", samples)
            try f.setAttribute("units", "normalized")
            try f.setAttribute("loss_definition", "L_value = 1/(2n) sum_i ||N(x_i) - y_i||^2; L_grad_j = 1/(2n) sum_i ||dN/dx_j(x_i) - dY_i[:, j]||^2; L_dir_c = 1/(2n) sum_i ||dN/dx(x_i) V_i[c] - JV_i[:, c]||^2; L_hess_j_k = 1/(2n) sum_i ||d2N/dx_j dx_k(x_i) - d2Y_i[:, j, k]||^2, j <= k (after the model's standardisation)")
            try f.write("loss_terms", terms.losses, compress: false).setAttribute("term_names", terms.names)
            let grads = try f.createGroup("gradients")
            for (name, arrays) in zip(terms.names, terms.gradients) {
                let g = try grads.createGroup(name)
                for a in arrays { try g.write(a.array, a.values, shape: a.shape, compress: false) }
            }
        }
    }
}
