// World rank 0's role: the coordinator, which is also the leader of group 0. It hands grid points
// to group leaders as they become free (dynamic scheduling: run times differ by orders of
// magnitude across a grid), answers them between its own training steps, merges finished runs
// into the results file now and then, and prints the closing lines.
import Foundation
import SobolevExperiment
import SobolevStore

final class SweepCoordinator {
    let world: any Communicator
    let plan: SweepPlan
    let experiment: Experiment
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

    init(world: any Communicator, plan: SweepPlan, experiment: Experiment, store: ResultsStore, options: SweepOptions) {
        self.world = world; self.plan = plan; self.experiment = experiment; self.store = store; self.options = options
        queue = plan.pending
        progress = ProgressReporter(total: plan.pending.count)
    }

    /// Trains group 0's runs, serving the other leaders between steps, then merges and summarises.
    func run(_ trainer: GroupTrainer) -> SweepOutcome {
        print("experiment \(experiment.name): \(plan.runs.count) runs, \(plan.completedCount) stored, \(plan.pending.count) to train on \(world.size) rank(s) in \(plan.groups) group(s) of \(options.ranksPerRun); results: \(store.path)")
        while let i = trainer.nextFromLeader(assign(group: 0)) {
            guard let r = trainer.train(i, stopAsked: { self.poll(); return self.stopSignal != 0 }) else {
                halted(group: 0, index: i)
                requestStop(trainer.stopSignal)
                continue
            }
            finished(group: 0, index: i, ok: r.status == .completed, detail: metricSummary(r))
            poll()
        }
        serveRemoteGroups()
        do { try store.consolidate() } catch { world.fail("merging results into \(store.path): \(error)") }
        return summary()
    }

    func groupRanks(_ g: Int) -> String {
        let ranks = plan.ranks(ofGroup: g)
        return ranks.count == 1 ? "rank \(ranks.lowerBound)" : "ranks \(ranks.lowerBound)-\(ranks.upperBound)"
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
        for g in running.keys where g != 0 { world.send("HALT", to: plan.leader(ofGroup: g), tag: Tag.halt) }
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
        let g = plan.group(ofRank: source)
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

    /// The closing lines: what is stored, timing, and after a signal how to continue.
    func summary() -> SweepOutcome {
        let stored = (try? store.storedRuns()) ?? [:]
        let completed = experiment.runs.filter { stored[$0.id] == .completed }.count
        let failed = experiment.runs.filter { stored[$0.id] == .failed }.count
        print("results: \(store.path)  (\(completed) completed, \(failed) failed, \(experiment.runs.count - completed - failed) missing of \(experiment.runs.count))")
        if stopSignal != 0 {
            let launcher = world.size > 1 ? "mpirun -np \(world.size) " : ""
            print("stopped by \(StopSignals.name(stopSignal)): \(interrupted.count) run(s) checkpointed mid-run\(interrupted.isEmpty ? "" : " (" + interrupted.joined(separator: ", ") + ")"); to continue, run the same command again: \(launcher)\(Sweep.resumeCommand())")
            return SweepOutcome(completed: completed, failed: failed, stopSignal: stopSignal)
        }
        if !plan.pending.isEmpty, let t = try? store.timing(of: plan.pending.map { experiment.runs[$0].id }) {
            // Rank-seconds of the job (ranks x elapsed) split into: training loops; the rest of
            // each run (data generation, final metrics); and the harness (scheduling, HDF5
            // writes and merges, idle ranks at the end of the grid).
            let elapsed = progress.elapsed
            let available = elapsed * Double(world.size)
            let harness = max(available - t.wall, 0)
            print(String(format: "timing: %.2f s elapsed on %d rank(s); training %.2f rank-s; data and metrics %.2f rank-s (%.2f%%); harness (scheduling, HDF5, idle) %.2f rank-s (%.2f%% of training); parallel efficiency %.1f%%",
                         elapsed, world.size, t.train, t.wall - t.train, 100 * (t.wall - t.train) / max(t.train, 1e-9),
                         harness, 100 * harness / max(t.train, 1e-9), 100 * t.train / max(available, 1e-9)))
        }
        return SweepOutcome(completed: completed, failed: failed, stopSignal: 0)
    }
}
