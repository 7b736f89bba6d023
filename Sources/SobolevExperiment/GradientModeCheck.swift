// training.gradient_mode against the weighting scheme: `fused` computes no per-term gradients,
// so a scheme that reads them cannot run with it (auto computes them on the steps that need them).
import SobolevCore

extension Experiment {
    static func checkGradientMode(_ values: [String: ConfigValue], file: String, given: [String: RawNode]) throws {
        guard values["training.gradient_mode"]?.stringValue == GradientMode.fused.rawValue else { return }
        let scheme = values["loss.scheme"]?.stringValue ?? "fixed"
        // Constants out of range are reported with their key when the runs are resolved.
        guard let constants = try? WeightingCatalog.scheme(named: scheme)?.checked(WeightingKeys.given(in: values, scheme: scheme)) else { return }
        let loss = LossConfig(scheme: scheme, groupGradients: false, constants: constants)
        let probe = loss.makeScheme(layout: TermLayout(inputDimension: 1, hasDerivatives: true), optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), seed: 0)
        if probe.readsTermGradients {
            throw ExperimentError(file: file, key: "training.gradient_mode", line: given["training.gradient_mode"]?.line,
                                  message: "loss.scheme \(loss.scheme) reads every term's gradient; gradient_mode fused cannot give them (use auto or per_term)")
        }
    }
}
