// Every loss term and each term's gradient per parameter array, as means over a data set: the
// numbers `sobolev gradients` writes (SobolevStore's GradientDump only writes them).

public struct TermGradients: Sendable {
    /// Term names: value, grad_1, ..., hess_1_1, ... (TermLayout).
    public let names: [String]
    /// Each term's loss, the mean over the samples.
    public let losses: [Double]
    /// For each term, each parameter array in `parameterArrays` order: name, shape, mean gradient.
    public let gradients: [[(array: String, shape: [Int], values: [Double])]]

    /// On `data` already in the model's normalised units (the training loss), in passes of
    /// `evaluationSamples` (the sums add up; a data file of any size takes one pass's workspace).
    public init(architecture arch: MLPArchitecture, parameters: [Double], normalized data: Dataset) {
        let step = SobolevStep(architecture: arch)
        let sums = MLPArchitecture.sumInPasses(data) { step.termSums(parameters: parameters, batch: $0) }
        let layout = TermLayout(inputDimension: data.inputDimension, hasDerivatives: data.hasJacobians,
                                directionCount: data.directionCount, hasHessians: data.hasHessians)
        let n = Double(data.count), P = arch.parameterCount
        names = layout.names
        losses = sums.losses.map { $0 / n }
        gradients = layout.names.indices.map { t in
            arch.parameterArrays.map { array, offset, shape in
                let count = shape.reduce(1, *)
                return (array, shape, sums.gradients[(t * P + offset)..<(t * P + offset + count)].map { $0 / n })
            }
        }
    }
}
