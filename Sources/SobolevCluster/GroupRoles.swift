// The two roles of the ranks other than 0: a group leader asks rank 0 for runs and reports each
// one; a follower trains whatever its leader picks. Both train through GroupTrainer, which keeps
// the group's ranks in step.
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevStore

/// The first rank of a group other than group 0: asks rank 0 for runs and reports each one.
struct GroupLeader {
    let world: any Communicator
    let trainer: GroupTrainer

    func run() {
        var report = "REQ"
        while true {
            world.send(report, to: 0, tag: Tag.request)
            let reply = String(decoding: world.receive(from: 0, tag: Tag.assignment).bytes, as: UTF8.self)
            let index = reply.hasPrefix("RUN ") ? Int(reply.dropFirst(4)) : nil
            guard let i = trainer.nextFromLeader(index) else { break }
            if let r = trainer.train(i, stopAsked: { trainer.haltReceived() }) {
                report = "DONE \(i) \(r.status.rawValue) \(String(format: "%.3f", r.wallTime)) \(metricSummary(r))"
            } else {
                report = "HALTED \(i) \(trainer.stopSignal)"
            }
        }
        _ = trainer.haltReceived()   // a HALT that crossed this group's last report
    }
}

/// Any other rank: trains the runs its leader picks until the leader says stop.
struct GroupFollower {
    let trainer: GroupTrainer

    func run() {
        while let i = trainer.nextFromLeader(nil) { _ = trainer.train(i, stopAsked: { false }) }
    }
}

/// One rank's side of training runs in its group: resuming from checkpoints, checkpointing,
/// agreeing with the group's other ranks to stop at the same step, saving finished runs.
final class GroupTrainer {
    let world: any Communicator
    let group: any Communicator
    let experiment: Experiment
    let store: ResultsStore
    let options: SweepOptions
    /// The signal the group stopped on (0 when a HALT from rank 0 stopped it).
    private(set) var stopSignal: Int32 = 0
    private var halt = false

    init(world: any Communicator, group: any Communicator, experiment: Experiment, store: ResultsStore, options: SweepOptions) {
        self.world = world; self.group = group; self.experiment = experiment; self.store = store; self.options = options
    }

    /// The leader's choice (an index or nil), known to every rank of the group.
    func nextFromLeader(_ index: Int?) -> Int? {
        var v = [Int64(index ?? -1)]
        group.broadcast(&v, root: 0)
        return v[0] < 0 ? nil : Int(v[0])
    }

    /// Whether rank 0 sent this (leader) rank a HALT; consumes it.
    func haltReceived() -> Bool {
        while world.hasMessage(from: 0, tag: Tag.halt) {
            _ = world.receive(from: 0, tag: Tag.halt)
            halt = true
        }
        return halt
    }

    /// Trains run `index` (from its checkpoint when there is one) and, on the leader, saves it.
    /// Returns nil when a signal or `stopAsked` stopped it; it is checkpointed then.
    func train(_ index: Int, stopAsked: @escaping () -> Bool) -> RunResult? {
        let spec = experiment.runs[index]
        let resume = resumeState(spec)
        var lastCheckpoint = DispatchTime.now()
        let afterStep = { [self] (steps: Int, state: () -> TrainingState) -> StepAction in
            let stop = agreeToStop(asked: stopAsked())
            let due = Double(DispatchTime.now().uptimeNanoseconds - lastCheckpoint.uptimeNanoseconds) / 1e9 >= options.checkpointEvery
            if group.rank == 0 && (stop || due) {
                checkpoint(state(), spec)
                lastCheckpoint = DispatchTime.now()
            }
            return stop ? .stop : .proceed
        }
        let r: RunResult
        do { r = try RunExecutor.execute(spec, group: group, resume: resume, afterStep: afterStep) }
        catch is RunInterrupted { return nil }
        catch { world.fail("run \(spec.label): \(error)") }
        if group.rank == 0 {
            save(r)
            store.removeCheckpoint(of: spec.id)
        }
        return r
    }

    /// One small all-reduce per step: every rank of the group stops at the same step when any of
    /// them got a signal (or its leader was told to stop).
    func agreeToStop(asked: Bool) -> Bool {
        let pending = StopSignals.pending
        var votes = StopSignals.handled.map { $0 == pending ? 1.0 : 0 } + [asked ? 1 : 0]
        if group.size > 1 { group.allReduceSum(&votes) }
        if let k = votes.dropLast().firstIndex(where: { $0 > 0 }) { stopSignal = StopSignals.handled[k] }
        return votes.contains { $0 > 0 }
    }

    /// The state to continue run `spec` from: the leader reads the checkpoint, the group gets it.
    func resumeState(_ spec: RunSpec) -> TrainingState? {
        var flat: [Double] = []
        if group.rank == 0 {
            do {
                if let s = try store.checkpoint(of: spec.id) {
                    flat = s.flat
                    print("resuming \(spec.label) from its checkpoint at step \(s.step)")
                }
            } catch {
                print("warning: \(error); \(spec.label) starts from step 0")
            }
        }
        if group.size > 1 {
            var bytes = flat.withUnsafeBytes { Array($0) }
            group.broadcast(bytes: &bytes, root: 0)
            flat = bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        guard !flat.isEmpty else { return nil }
        do { return try TrainingState(flat: flat) } catch { world.fail("checkpoint of run \(spec.label): \(error)") }
    }

    func checkpoint(_ state: TrainingState, _ spec: RunSpec) {
        do { try store.saveCheckpoint(state, run: spec.id) } catch {
            print("warning: checkpoint of \(spec.label) at step \(state.step) not written: \(error)")
        }
    }

    func save(_ r: RunResult) {
        do { try store.save(r) } catch {
            // E.g. a full disk: rank 0 merges what it can; no empty parts folder stays.
            if world.rank == 0 { _ = try? store.consolidate() }
            store.removePartsDirectoryIfEmpty()
            let kept = store.unmergedCount
            world.fail("saving run \(r.spec.label): \(error)" + (kept > 0 ? "; \(kept) finished run(s) are kept in \(store.partsDirectory) (the same command continues)" : ""))
        }
    }
}
