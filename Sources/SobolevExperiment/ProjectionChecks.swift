// loss.projections (stochastic Sobolev training) against the run's problem: it projects full
// Jacobians, so the data need dY, k is at most the input dimension d, and data that carry their
// own directions (V, JV) do not mix with it. Directional terms (projections or V/JV data) and
// Hessian terms (loss.order 2) do not combine: both would extend the step's tangent blocks.
import SobolevCore
import SobolevProblems

extension Experiment {
    /// For an analytic problem (its d known from the catalog); data files are checked once read.
    static func checkProjections(_ values: [String: ConfigValue], file: String, given: [String: RawNode]) throws {
        guard let k = values["loss.projections"]?.intValue else { return }
        if values["loss.order"]?.intValue == 2 {
            throw ExperimentError(file: file, key: "loss.projections", line: given["loss.projections"]?.line,
                                  message: "\(k): directional terms and loss.order 2 (Hessian terms) do not combine; use one or the other")
        }
        guard !isDataFile(values),
              let name = values["problem.name"]?.stringValue,
              let f = ProblemCatalog.function(named: name, parameters: values["problem.dimension"]?.intValue.map { ["dimension": Double($0)] } ?? [:])
        else { return }
        if k > f.inputDimension {
            throw ExperimentError(file: file, key: "loss.projections", line: given["loss.projections"]?.line,
                                  message: "\(k) is more than the input dimension of \(name), d = \(f.inputDimension)")
        }
    }
}

extension RunExecutor {
    /// For a data file, once read.
    static func checkProjections(_ data: RunData, config: RunConfig, file: String) throws {
        if config.loss.trainsHessians && data.train.hasDirections {
            throw DataFileError(file: file, object: "loss.order", message:
                "2 trains on Hessians, but the file also has directions V and JV: directional and Hessian terms do not combine; set loss.order: 1 or use a file without V")
        }
        guard let k = config.training.projections else { return }
        let d = data.train.inputDimension
        if !data.train.hasJacobians {
            throw DataFileError(file: file, object: "loss.projections", message: "\(k) projects full Jacobians, but the file has no dY")
        }
        if k > d {
            throw DataFileError(file: file, object: "loss.projections", message: "\(k) is more than the input dimension d = \(d)")
        }
        if data.train.hasDirections {
            throw DataFileError(file: file, object: "loss.projections", message:
                "\(k) draws its own directions, but the file has directions V and JV (use one or the other)")
        }
    }
}
