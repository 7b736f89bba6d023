// The two roles of the ranks other than 0: a group leader asks rank 0 for runs and reports each
// one; a follower trains whatever its leader picks. Both train through GroupTrainer, which keeps
// the group's ranks in step.
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevStore

/// One assignment: a run and, for a search scheduler, the rung to train it to and its metrics at
/// the rungs before (for its stored record; the leader alone needs them).
struct Job {
    var index: Int
    var rung: Int? = nil
    var previous: [Double] = []

    /// "RUN <index>" or "RUN <index> <rung> <metrics as hexadecimal bit patterns>...".
    var message: String {
        guard let rung else { return "RUN \(index)" }
        return (["RUN", String(index), String(rung)] + previous.map { String($0.bitPattern, radix: 16) }).joined(separator: " ")
    }

    init(index: Int, rung: Int? = nil, previous: [Double] = []) { self.index = index; self.rung = rung; self.previous = previous }

    init?(message: String) {
        let parts = message.split(separator: " ")
        guard parts.count >= 2, parts[0] == "RUN", let i = Int(parts[1]) else { return nil }
        index = i
        if parts.count >= 3 {
            rung = Int(parts[2])
            previous = parts.dropFirst(3).compactMap { UInt64($0, radix: 16).map(Double.init(bitPattern:)) }
        }
    }
}

/// The first rank of a group other than group 0: asks rank 0 for runs and reports each one.
struct GroupLeader {
    let world: any Communicator
    let trainer: GroupTrainer

    func run() {
        var report = "REQ"
        while true {
            world.send(report, to: 0, tag: Tag.request)
            let reply = String(decoding: world.receive(from: 0, tag: Tag.assignment).bytes, as: UTF8.self)
            guard let job = trainer.nextFromLeader(Job(message: reply)) else { break }
            if let r = trainer.train(job, stopAsked: { trainer.haltReceived() }) {
                report = "DONE \(job.index) \(r.status.rawValue) \(String(format: "%.3f", r.wallTime)) \(metricSummary(r))"
            } else {
                report = "HALTED \(job.index) \(trainer.stopSignal)"
            }
        }
        _ = trainer.haltReceived()   // a HALT that crossed this group's last report
    }
}

/// Any other rank: trains the runs its leader picks until the leader says stop.
struct GroupFollower {
    let trainer: GroupTrainer

    func run() {
        while let job = trainer.nextFromLeader(nil) { _ = trainer.train(job, stopAsked: { false }) }
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

    /// The leader's choice (a job or nil), known to every rank of the group (the metrics of the
    /// rungs before stay with the leader, which alone saves the result).
    func nextFromLeader(_ job: Job?) -> Job? {
        var v = [Int64(job?.index ?? -1), Int64(job?.rung ?? -1)]
        group.broadcast(&v, root: 0)
        guard v[0] >= 0 else { return nil }
        return Job(index: Int(v[0]), rung: v[1] < 0 ? nil : Int(v[1]), previous: job?.previous ?? [])
    }

    /// Whether rank 0 sent this (leader) rank a HALT; consumes it.
    func haltReceived() -> Bool {
        while world.hasMessage(from: 0, tag: Tag.halt) {
            _ = world.receive(from: 0, tag: Tag.halt)
            halt = true
        }
        return halt
    }

    /// Trains the job's run (from its checkpoint when there is one; for a search, to its rung's
    /// budget) and, on the leader, saves it. Returns nil when a signal or `stopAsked` stopped it;
    /// it is checkpointed then. A trial stopped at its budget keeps its state as its checkpoint.
    func train(_ job: Job, stopAsked: @escaping () -> Bool) -> RunResult? {
        let spec = experiment.runs[job.index]
        let budget = job.rung.flatMap { experiment.search.halving?.budgets[$0] }
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
        var r: RunResult
        do { r = try RunExecutor.execute(spec, group: group, resume: resume, budget: budget, afterStep: afterStep) }
        catch is RunInterrupted { return nil }
        catch { world.fail("run \(spec.label): \(error)") }
        if let rung = job.rung, let budget, let metric = experiment.search.metric {
            let value = r.status == .failed ? Double.nan : r.metrics.first { $0.name == metric }?.value ?? .nan
            let metrics = job.previous + [value]
            let budgets = experiment.search.scheduler!.budgets(ofTrial: job.index, trials: Array(experiment.runs.indices)).filter { $0 <= budget }
            r.search = SearchRecord(rung: rung, budget: budget, metrics: metrics, budgets: budgets)
        }
        if group.rank == 0 {
            save(r)
            // After the part: a kill in between leaves an older state, which continues to the same bits.
            if r.status == .stopped, let state = r.continuation { checkpoint(state, spec) } else { store.removeCheckpoint(of: spec.id) }
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
                if let (s, ranks) = try store.checkpoint(of: spec.id) {
                    flat = s.flat
                    print("resuming \(spec.label) from its checkpoint at step \(s.step)")
                    if let ranks, ranks != group.size {
                        // Another split of each batch sums its gradients in another order.
                        print("warning: \(spec.label) was checkpointed by a group of \(ranks) rank(s) and continues on \(group.size): "
                              + "its results differ from an uninterrupted run's in the last bits (--ranks-per-run \(ranks) continues it to the same bits)")
                    }
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
        do { try store.saveCheckpoint(state, run: spec.id, ranks: group.size) } catch {
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
