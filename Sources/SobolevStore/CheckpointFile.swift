// A running run's checkpoint: `OUT.h5.parts/<run-id>.ckpt`, an HDF5 file written whole under a
// temporary name and renamed (docs/results-format.md, "Checkpoints"). It holds the trainer's
// complete state at a step boundary; the run continues from it bit for bit.
import Foundation
import SobolevCore
import SobolevHDF5

public enum CheckpointFile {
    public static let format = "sobolev-checkpoint"
    public static let version = 1

    /// Written uncompressed: float64 parameters deflate by a few percent at about 30 MB/s, and a
    /// stop must write its checkpoint within the second mpirun leaves between SIGTERM and SIGKILL
    /// (a 1M-parameter Adam state is 32 MB: 1.1 s deflated, a few tens of ms as it is).
    /// `ranks`: the ranks of the group that trained it (a run continues to the same bits on as many).
    public static func write(_ s: TrainingState, run id: String, ranks: Int, to path: String) throws {
        try H5File.writeAtomically(path, replace: true) { f in
            try f.setAttribute("format", format)
            try f.setAttribute("format_version", version)
            try f.setAttribute("run_id", id)
            try f.setAttribute("ranks", ranks)
            try f.setAttribute("step", s.step)
            try f.setAttribute("best_loss", s.bestLoss)
            try f.setAttribute("best_step", s.bestStep)
            try f.setAttribute("samples", s.samples)
            try f.setAttribute("per_term_steps", s.perTermSteps)
            try f.setAttribute("fused_steps", s.fusedSteps)
            try f.write("parameters", s.parameters, compress: false)
            try f.write("best_parameters", s.bestParameters, compress: false)
            try f.write("optimizer_state", s.optimizer, compress: false)
            try f.write("weighting_state", s.weighting, compress: false)
            try f.write("shuffle_state", s.shuffler, compress: false)
            try f.write("order", s.order, compress: false)
            let h = try f.createGroup("history"), n = s.history.steps.count
            try h.write("step", s.history.steps, compress: false)
            try h.write("epoch", s.history.epochs, compress: false)
            try h.write("learning_rate", s.history.learningRates, compress: false)
            func rows(_ name: String, _ r: [[Double]]) throws {
                try h.write(name, r.flatMap { $0 }, shape: [r.count, r.first?.count ?? 0], compress: false)
            }
            try rows("loss_terms", s.history.trainLosses)
            try rows("lambda", s.history.lambdas)
            try rows("val_loss_terms", s.history.validationLosses)
            precondition(s.history.trainLosses.count == n && s.history.lambdas.count == n)
        }
    }

    /// The state in the checkpoint at `path` and the ranks that wrote it (nil: a checkpoint from
    /// before the attribute); errors name the file and what is wrong.
    public static func read(_ path: String, run id: String) throws -> (state: TrainingState, ranks: Int?) {
        let f = try H5File.open(path)
        guard f.hasAttribute("format"), try f.scalarStringAttribute("format") == format else {
            throw HDF5Error(file: path, object: "/", message: "not a sobolev checkpoint")
        }
        guard try f.scalarIntAttribute("format_version") <= version else {
            throw HDF5Error(file: path, object: "/", message: "checkpoint format is newer than this tool reads")
        }
        guard try f.scalarStringAttribute("run_id") == id else {
            throw HDF5Error(file: path, object: "/run_id", message: "belongs to another run")
        }
        func int(_ name: String) throws -> Int { try f.scalarIntAttribute(name) }
        func ints(_ g: H5Group, _ name: String) throws -> [Int] { try g.read(name).values.map { Int($0) } }
        func rows(_ g: H5Group, _ name: String) throws -> [[Double]] {
            let (v, shape) = try g.read(name)
            guard shape.count == 2 else { throw HDF5Error(file: path, object: "/history/" + name, message: "shape \(shape) is not [n, T]") }
            return (0..<shape[0]).map { Array(v[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        }
        let h = try f.openGroup("history")
        var history = TrainingHistory()
        history.steps = try ints(h, "step")
        history.epochs = try ints(h, "epoch")
        history.learningRates = try h.read("learning_rate").values
        history.trainLosses = try rows(h, "loss_terms")
        history.lambdas = try rows(h, "lambda")
        history.validationLosses = try rows(h, "val_loss_terms")
        let n = history.steps.count
        guard history.epochs.count == n, history.learningRates.count == n, history.trainLosses.count == n, history.lambdas.count == n,
              history.validationLosses.isEmpty || history.validationLosses.count == n else {
            throw HDF5Error(file: path, object: "/history", message: "histories of different lengths")
        }
        let ranks = f.hasAttribute("ranks") ? try int("ranks") : nil
        let state = TrainingState(step: try int("step"), parameters: try f.read("parameters").values,
                             optimizer: try f.read("optimizer_state").values, weighting: try f.read("weighting_state").values,
                             shuffler: try f.read("shuffle_state").values, order: try ints(f, "order"), history: history,
                             bestLoss: try f.scalarDoubleAttribute("best_loss"), bestStep: try int("best_step"),
                             bestParameters: try f.read("best_parameters").values, samples: try int("samples"),
                             perTermSteps: try int("per_term_steps"), fusedSteps: try int("fused_steps"))
        return (state, ranks)
    }
}
