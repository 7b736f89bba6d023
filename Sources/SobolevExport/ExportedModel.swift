// What an exporter needs of a trained surrogate: the network, its parameters and standardisation.
// The formulas every exporter writes out are those of docs/results-format.md ("Model layout"):
//     x' = (x - input_mean) / input_std,  z_l = W_l h_{l-1} + b_l,  h_l = phi(s_l z_l),
//     y = output_mean + output_std * z_L,
// with the Jacobian by forward tangents t_0 = e_j, zt_l = W_l t_{l-1}, t_l = (s_l phi'(s_l z_l)) zt_l,
// dy_o/dx_j = zt_L[o] * (output_std[o] / input_std[j]), in the same order of operations as
// MLPArchitecture.predict so that every export reproduces `sobolev predict` to rounding.
import SobolevCore

/// A trained surrogate to export.
public struct ExportedModel: Sendable {
    public var architecture: MLPArchitecture
    public var parameters: [Double]
    public var standardization: Standardization
    /// Where the model came from (e.g. "results.h5:/runs/<id>/model"), written into the export.
    public var source: String

    public init(architecture: MLPArchitecture, parameters: [Double], standardization: Standardization, source: String) {
        precondition(parameters.count == architecture.parameterCount, "\(parameters.count) parameters for a network of \(architecture.parameterCount)")
        self.architecture = architecture; self.parameters = parameters; self.standardization = standardization; self.source = source
    }

    public var inputs: Int { architecture.inputDimension }
    public var outputs: Int { architecture.outputDimension }

    /// W_l, row-major [outputs, inputs].
    func weights(_ l: Int) -> [Double] {
        let s = architecture.layers[l]
        return Array(parameters[s.weightOffset..<(s.weightOffset + s.weightCount)])
    }

    func biases(_ l: Int) -> [Double] {
        let s = architecture.layers[l]
        return Array(parameters[s.biasOffset..<(s.biasOffset + s.outputs)])
    }

    /// Slope s_l of hidden layer l: adaptive_scale * a_l, or nil without adaptive activation.
    func slope(_ l: Int) -> Double? {
        architecture.adaptiveScale.map { $0 * parameters[architecture.slopeOffset + l] }
    }

    /// output_std[o] / input_std[j], row-major [m, d]: the Jacobian's change of units.
    var jacobianScale: [Double] {
        let s = standardization
        return (0..<outputs).flatMap { o in (0..<inputs).map { j in s.outputStd[o] / s.inputStd[j] } }
    }
}
