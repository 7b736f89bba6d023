// Checkpoint files: the state written and read back bit for bit, h5dump reads them, foreign or
// mismatched files are refused with the file named, and stale checkpoints are cleaned up.
import Foundation
import Testing
import SobolevCore
import SobolevExperiment
@testable import SobolevStore

@Suite("checkpoint files")
struct CheckpointFileTests {
    /// The state of a short run stopped after 17 steps (scheme with its own optimizer).
    func stoppedState(_ exp: Experiment) throws -> TrainingState {
        var state: TrainingState? = nil
        _ = try? RunExecutor.execute(exp.runs[0], afterStep: { steps, current in
            guard steps == 17 else { return .proceed }
            state = current()
            return .stop
        })
        return try #require(state)
    }

    @Test("written atomically beside the parts, read back equal; h5dump reads it; misfits are refused")
    func roundTrip() throws {
        let dir = temporaryFolder()
        let exp = try Experiment.parse(text: "name: c\ntraining:\n  epochs: 30\n  batch_size: 7\nloss:\n  scheme: gradnorm\nproblem:\n  validation_samples: 8", file: "c.yaml")
        let store = ResultsStore(path: dir + "/r.h5", experiment: exp)
        let state = try stoppedState(exp)
        #expect(state.step == 17 && !state.history.validationLosses.isEmpty)
        let id = exp.runs[0].id
        try store.saveCheckpoint(state, run: id, ranks: 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.partsDirectory) == [id + ".ckpt"])
        #expect(try store.checkpoint(of: id)?.state == state)
        #expect(try store.checkpoint(of: id)?.ranks == 3)
        #expect(try runProcess(h5dump, ["-H", store.checkpointPath(id)]).status == 0)
        // Nothing deflated or chunked: a stop writes it within mpirun's second before SIGKILL.
        let layout = try runProcess(h5dump, ["-p", "-H", store.checkpointPath(id)]).output
        #expect(layout.contains("CONTIGUOUS") && !layout.contains("CHUNKED") && !layout.contains("DEFLATE"))
        #expect(try store.checkpoint(of: "0000000000000000") == nil)
        #expect(store.checkpointedRuns() == [id])

        // Another run's checkpoint under this run's name, and a file that is not a checkpoint.
        try FileManager.default.copyItem(atPath: store.checkpointPath(id), toPath: store.checkpointPath("00000000000000aa"))
        #expect { try store.checkpoint(of: "00000000000000aa") } throws: { "\($0)".contains("00000000000000aa.ckpt") && "\($0)".contains("another run") }
        try "junk".write(toFile: store.checkpointPath("00000000000000bb"), atomically: true, encoding: .utf8)
        #expect { try store.checkpoint(of: "00000000000000bb") } throws: { "\($0)".contains("00000000000000bb.ckpt") }

        // A finished run's checkpoint goes once its part is stored; the parts folder then too.
        for junk in ["00000000000000aa", "00000000000000bb"] { store.removeCheckpoint(of: junk) }
        try store.save(try RunExecutor.execute(exp.runs[0]))
        store.removeFinishedCheckpoints()
        #expect(store.checkpointedRuns().isEmpty)
        try store.consolidate()
        #expect(!FileManager.default.fileExists(atPath: store.partsDirectory))
    }
}
