// `sobolev sweep`: the grid of an experiment over all ranks of the job.
//
// The world is split into groups of K ranks (MPI_Comm_split, color = rank / K). World rank 0 is
// the coordinator and also the leader of group 0: it hands grid points to group leaders as they
// become free (dynamic scheduling: run times differ by orders of magnitude across a grid) and
// answers them between its own training steps. Each group trains its run data-parallel (one
// all-reduce of the packed Sobolev gradients per step); the group leader saves the finished run
// as its own part file; only rank 0 writes the results file, by atomic consolidation.
//
// Messages on the world communicator are short texts:
//   leader -> 0, tag 1:  "REQ"  or  "DONE <index> <status> <wall seconds> <summary>"
//   0 -> leader, tag 2:  "RUN <index>"  or  "STOP"
//   0 -> leader, tag 3:  "HALT"  (a signal: checkpoint the running run at the next step and stop)
//   leader -> 0, tag 1:  "HALTED <index> <signal>"  (the run was checkpointed, not finished)
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevStore

public struct SweepOptions: Sendable {
    public var ranksPerRun = 1
    public var dryRun = false
    public var retryFailed = false
    /// Per-group log lines (start of each run, with the group's ranks).
    public var verbose = false
    /// Seconds between merges of finished runs into the results file during the sweep.
    public var consolidateEvery = 60.0
    /// --force: replace the results file (at the first merge) instead of resuming it.
    public var replace = false
    /// Seconds between checkpoints of a running run (and one on every clean stop).
    public var checkpointEvery = 300.0
    /// Memory one process may use (the preflight refuses configurations that need more).
    public var memoryLimit = MemoryLimit.resolve(maxMemory: nil)
    public init() {}
}

/// What a sweep will do: the grid, what is stored already, what will be trained.
public struct SweepPlan: Sendable {
    public var runs: [RunSpec]
    /// Status of every run stored already (results file and parts), by id.
    public var stored: [String: RunStatus]
    /// Indices into `runs` that will be trained, in grid order.
    public var pending: [Int]
    public var groups: Int
    public var ranksPerRun: Int
    /// Runs with a checkpoint (interrupted mid-run): they continue from it.
    public var checkpointed = Set<String>()

    public init(runs: [RunSpec], stored: [String: RunStatus], retryFailed: Bool, worldSize: Int, ranksPerRun: Int) {
        self.runs = runs; self.stored = stored; self.ranksPerRun = ranksPerRun
        groups = (worldSize + ranksPerRun - 1) / ranksPerRun
        pending = runs.indices.filter { i in
            switch stored[runs[i].id] {
            case nil: return true
            case .failed?: return retryFailed
            default: return false
            }
        }
    }

    public var completedCount: Int { runs.filter { stored[$0.id] == .completed }.count }
    public var failedCount: Int { runs.filter { stored[$0.id] == .failed }.count }

    /// The expanded grid, what is complete, and the plan (for --dry-run).
    public func describe(experiment: Experiment, worldSize: Int) -> String {
        var lines = ["experiment \(experiment.name): \(runs.count) runs (\(experiment.axes.map { "\($0.key) x\($0.values.count)" }.joined(separator: ", "))\(experiment.axes.isEmpty ? "" : ", ")seeds x\(experiment.seeds.count))"]
        for axis in experiment.axes {
            lines.append("  axis \(axis.key): \(axis.values.map(\.description).joined(separator: ", "))")
        }
        lines.append("  seeds: \(experiment.seeds.map(String.init).joined(separator: ", "))")
        lines.append("stored: \(completedCount) completed, \(failedCount) failed")
        let pendingSet = Set(pending)
        for (i, r) in runs.enumerated() {
            let state = pendingSet.contains(i) ? (stored[r.id] == .failed ? "retry" : (checkpointed.contains(r.id) ? "continue" : "train"))
                                               : (stored[r.id]?.rawValue ?? "?")
            lines.append("  \(r.id)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.label)")
        }
        lines.append("plan: train \(pending.count) runs on \(worldSize) rank(s) in \(groups) group(s) of \(ranksPerRun)\(worldSize % ranksPerRun == 0 ? "" : " (the last group has \(worldSize % ranksPerRun))")")
        return lines.joined(separator: "\n")
    }
}

enum Tag {
    static let request = 1
    static let assignment = 2
    static let halt = 3
}

/// Rank 0's bookkeeping: the queue of pending runs, which group runs what, progress, merges.
final class Coordinator {
    let world: any Communicator
    let plan: SweepPlan
    let store: ResultsStore
    let options: SweepOptions
    var queue: [Int]
    var running: [Int: Int] = [:]     // group -> run index
    var stoppedGroups = Set<Int>()
    var progress: ProgressReporter
    var lastMerge = DispatchTime.now()
    /// The signal that stopped the sweep (0: none); then no run is handed out any more.
    var stopSignal: Int32 = 0
    var interrupted: [String] = []

    init(world: any Communicator, plan: SweepPlan, store: ResultsStore, options: SweepOptions) {
        self.world = world; self.plan = plan; self.store = store; self.options = options
        queue = plan.pending
        progress = ProgressReporter(total: plan.pending.count)
    }

    func groupRanks(_ g: Int) -> String {
        let first = g * plan.ranksPerRun, last = min(first + plan.ranksPerRun, world.size) - 1
        return first == last ? "rank \(first)" : "ranks \(first)-\(last)"
    }

    /// The next run for group `g`, or nil when the queue is empty.
    func assign(group g: Int) -> Int? {
        guard !queue.isEmpty else { return nil }
        let i = queue.removeFirst()
        running[g] = i
        if options.verbose { print("group \(g) (\(groupRanks(g))): start \(plan.runs[i].label)") }
        return i
    }

    /// Stops handing out runs and tells every other running group to checkpoint and stop.
    func requestStop(_ signal: Int32) {
        guard stopSignal == 0 else { return }
        stopSignal = signal == 0 ? SIGTERM : signal
        queue.removeAll()
        print("\(StopSignals.name(stopSignal)): stopping; running runs are checkpointed at their next step (a second signal ends at once)")
        for g in running.keys where g != 0 { world.send("HALT", to: g * plan.ranksPerRun, tag: Tag.halt) }
    }

    func halted(group g: Int, index: Int) {
        running[g] = nil
        interrupted.append(plan.runs[index].label)
    }

    func finished(group g: Int, index: Int, ok: Bool, detail: String) {
        running[g] = nil
        progress.finished(plan.runs[index].label, ok: ok, detail: detail, running: running.count)
    }

    /// Answers one leader's message.
    func handle(_ bytes: [UInt8], from source: Int) {
        let text = String(decoding: bytes, as: UTF8.self)
        let g = source / plan.ranksPerRun
        let parts = text.split(separator: " ", maxSplits: 4).map(String.init)
        if parts[0] == "DONE", parts.count >= 3, let i = Int(parts[1]) {
            finished(group: g, index: i, ok: RunStatus(rawValue: parts[2]) == .completed, detail: parts.count > 4 ? parts[4] : "")
        } else if parts[0] == "HALTED", parts.count == 3, let i = Int(parts[1]), let signal = Int32(parts[2]) {
            halted(group: g, index: i)
            requestStop(signal)
        }
        if let i = assign(group: g) {
            world.send("RUN \(i)", to: source, tag: Tag.assignment)
        } else {
            stoppedGroups.insert(g)
            world.send("STOP", to: source, tag: Tag.assignment)
        }
    }

    /// Answers every waiting message (between training steps), and merges finished runs now and then.
    func poll() {
        if StopSignals.pending != 0 { requestStop(StopSignals.pending) }
        while world.hasMessage(from: nil, tag: Tag.request) {
            let m = world.receive(from: nil, tag: Tag.request)
            handle(m.bytes, from: m.source)
        }
        mergeIfDue()
    }

    /// Waits until every other group has been told to stop (watching for signals meanwhile).
    func serveRemoteGroups() {
        while stoppedGroups.count < plan.groups - 1 {
            poll()
            usleep(500)
        }
    }

    func mergeIfDue() {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - lastMerge.uptimeNanoseconds) / 1e9
        guard elapsed >= options.consolidateEvery else { return }
        lastMerge = DispatchTime.now()
        // Other groups may be saving parts right now: the parts folder stays.
        do { try store.consolidate(removeEmptyParts: false) } catch {
            print("warning: merging finished runs into \(store.path) failed (will retry): \(error)")
        }
    }
}

public enum Sweep {
    /// Runs the sweep on every rank of `world`. Returns (completed, failed) on rank 0, nil elsewhere.
    /// Any error that would leave other ranks waiting ends the whole job with a clear message.
    public static func run(experimentPath: String, overrides: [String], out: String?, options: SweepOptions,
                           world: any Communicator) -> SweepOutcome? {
        func die(_ message: String) -> Never {
            FileHandle.standardError.write(Data("error\(world.size > 1 ? " (rank \(world.rank))" : ""): \(message)\n".utf8))
            world.abort(code: 1)
        }
        guard options.ranksPerRun >= 1 else { die("--ranks-per-run must be >= 1, got \(options.ranksPerRun)") }
        guard options.ranksPerRun <= world.size else {
            die("--ranks-per-run \(options.ranksPerRun) is more than the \(world.size) rank(s) of this job")
        }

        // Rank 0 reads the experiment and sends its text to everyone, so a file that only rank 0
        // can see still works, and a bad file stops the job at once instead of leaving ranks waiting.
        var text = [UInt8]()
        if world.rank == 0 {
            guard let data = FileManager.default.contents(atPath: experimentPath) else {
                die("\(experimentPath): cannot read the experiment file")
            }
            guard String(data: data, encoding: .utf8) != nil else { die("\(experimentPath): not UTF-8 text") }
            text = Array(data)
        }
        world.broadcast(bytes: &text, root: 0)
        let experiment: Experiment
        do {
            experiment = try Experiment.parse(text: String(decoding: text, as: UTF8.self), file: experimentPath, overrides: overrides)
        } catch {
            // Every rank finds the same error: rank 0 alone reports it and ends the job.
            if world.rank == 0 { die("\(error)") }
            world.barrier()
            die("\(error)")
        }
        let store = ResultsStore(path: out ?? "results/\(experiment.name).h5", experiment: experiment, replacing: options.replace)

        // Rank 0 prepares the results file and decides what to train; everyone gets the list.
        var pendingWire: [Int64] = []
        var plan: SweepPlan? = nil
        var preflight: Preflight? = nil
        if world.rank == 0 {
            do {
                // Data files, sizes and memory are checked before the results file is touched.
                preflight = try Preflight(experiment, ranksPerRun: options.ranksPerRun, limit: options.memoryLimit)
                if !options.dryRun { try preflight?.checkMemory() }
                if options.dryRun {
                    try store.checkBelongs(to: experiment)   // reads only: a dry run writes nothing
                } else {
                    if options.replace, let old = store.replacedContents() {
                        print("--force: \(store.path) will be replaced at the first merge; \(old)")
                    }
                    try store.prepare(for: experiment)   // creates nothing
                    try store.consolidate()              // parts a killed job left behind
                    store.removeFinishedCheckpoints()    // a kill between saving a part and this
                }
                var p = SweepPlan(runs: experiment.runs, stored: try store.storedRuns(), retryFailed: options.retryFailed,
                                  worldSize: world.size, ranksPerRun: options.ranksPerRun)
                p.checkpointed = Set(store.checkpointedRuns())
                plan = p
                pendingWire = [Int64(options.dryRun ? -1 : p.pending.count)] + p.pending.map(Int64.init)
            } catch { die("\(error)") }
        }
        var count = [Int64(pendingWire.count)]
        world.broadcast(&count, root: 0)
        if world.rank != 0 { pendingWire = [Int64](repeating: 0, count: Int(count[0])) }
        world.broadcast(&pendingWire, root: 0)
        if pendingWire[0] < 0 {   // dry run
            if world.rank == 0, let plan, let preflight {
                print(plan.describe(experiment: experiment, worldSize: world.size))
                print(preflight.description)
                do { try preflight.checkMemory() } catch { die("\(error)") }
            }
            return world.rank == 0 ? SweepOutcome(completed: plan!.completedCount, failed: plan!.failedCount, stopSignal: 0) : nil
        }

        let group = world.split(color: world.rank / options.ranksPerRun, key: world.rank)
        StopSignals.install()
        let trainer = GroupTrainer(world: world, group: group, experiment: experiment, store: store, options: options, die: die)

        if world.rank == 0 {
            let plan = plan!
            print("experiment \(experiment.name): \(plan.runs.count) runs, \(plan.completedCount) stored, \(plan.pending.count) to train on \(world.size) rank(s) in \(plan.groups) group(s) of \(options.ranksPerRun); results: \(store.path)")
            let coordinator = Coordinator(world: world, plan: plan, store: store, options: options)
            while let i = trainer.nextFromLeader(coordinator.assign(group: 0)) {
                guard let r = trainer.train(i, stopAsked: { coordinator.poll(); return coordinator.stopSignal != 0 }) else {
                    coordinator.halted(group: 0, index: i)
                    coordinator.requestStop(trainer.stopSignal)
                    continue
                }
                coordinator.finished(group: 0, index: i, ok: r.status == .completed, detail: metricSummary(r))
                coordinator.poll()
            }
            coordinator.serveRemoteGroups()
            do { try store.consolidate() } catch { die("merging results into \(store.path): \(error)") }
            return summary(experiment: experiment, plan: plan, store: store, coordinator: coordinator, world: world)
        } else if group.rank == 0 {
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
        } else {
            while let i = trainer.nextFromLeader(nil) { _ = trainer.train(i, stopAsked: { false }) }
        }
        return nil
    }

    /// Rank 0's closing lines: what is stored, timing, and after a signal how to continue.
    static func summary(experiment: Experiment, plan: SweepPlan, store: ResultsStore, coordinator: Coordinator,
                        world: any Communicator) -> SweepOutcome {
        let stored = (try? store.storedRuns()) ?? [:]
        let completed = experiment.runs.filter { stored[$0.id] == .completed }.count
        let failed = experiment.runs.filter { stored[$0.id] == .failed }.count
        print("results: \(store.path)  (\(completed) completed, \(failed) failed, \(experiment.runs.count - completed - failed) missing of \(experiment.runs.count))")
        if coordinator.stopSignal != 0 {
            let launcher = world.size > 1 ? "mpirun -np \(world.size) " : ""
            print("stopped by \(StopSignals.name(coordinator.stopSignal)): \(coordinator.interrupted.count) run(s) checkpointed mid-run\(coordinator.interrupted.isEmpty ? "" : " (" + coordinator.interrupted.joined(separator: ", ") + ")"); to continue, run the same command again: \(launcher)\(resumeCommand())")
            return SweepOutcome(completed: completed, failed: failed, stopSignal: coordinator.stopSignal)
        }
        if !plan.pending.isEmpty, let t = try? store.timing(of: plan.pending.map { experiment.runs[$0].id }) {
            // Rank-seconds of the job (ranks x elapsed) split into: training loops; the rest of
            // each run (data generation, final metrics); and the harness (scheduling, HDF5
            // writes and merges, idle ranks at the end of the grid).
            let elapsed = coordinator.progress.elapsed
            let available = elapsed * Double(world.size)
            let harness = max(available - t.wall, 0)
            print(String(format: "timing: %.2f s elapsed on %d rank(s); training %.2f rank-s; data and metrics %.2f rank-s (%.2f%%); harness (scheduling, HDF5, idle) %.2f rank-s (%.2f%% of training); parallel efficiency %.1f%%",
                         elapsed, world.size, t.train, t.wall - t.train, 100 * (t.wall - t.train) / max(t.train, 1e-9),
                         harness, 100 * harness / max(t.train, 1e-9), 100 * t.train / max(available, 1e-9)))
        }
        return SweepOutcome(completed: completed, failed: failed, stopSignal: 0)
    }

    /// This process's command line, quoted for a shell where needed.
    static func resumeCommand() -> String {
        CommandLine.arguments.map { a in
            a.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) }) && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}

/// How a sweep ended (rank 0).
public struct SweepOutcome: Sendable {
    public var completed: Int
    public var failed: Int
    /// The signal that stopped it cleanly (0: it ran to the end).
    public var stopSignal: Int32
}

/// One rank's side of training runs in its group: resuming from checkpoints, checkpointing,
/// agreeing with the group's other ranks to stop at the same step, saving finished runs.
final class GroupTrainer {
    let world: any Communicator
    let group: any Communicator
    let experiment: Experiment
    let store: ResultsStore
    let options: SweepOptions
    let die: (String) -> Never
    /// The signal the group stopped on (0 when a HALT from rank 0 stopped it).
    private(set) var stopSignal: Int32 = 0
    private var halt = false

    init(world: any Communicator, group: any Communicator, experiment: Experiment, store: ResultsStore, options: SweepOptions,
         die: @escaping (String) -> Never) {
        self.world = world; self.group = group; self.experiment = experiment; self.store = store; self.options = options; self.die = die
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
        catch { die("run \(spec.label): \(error)") }
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
        do { return try TrainingState(flat: flat) } catch { die("checkpoint of run \(spec.label): \(error)") }
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
            die("saving run \(r.spec.label): \(error)" + (kept > 0 ? "; \(kept) finished run(s) are kept in \(store.partsDirectory) (the same command continues)" : ""))
        }
    }
}
