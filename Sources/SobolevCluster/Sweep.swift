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
    public init() {}
}

/// What a sweep will do: the grid, what is stored already, what will be trained.
public struct SweepPlan: Sendable {
    public var runs: [RunSpec]
    /// Status of every run stored already (results file and parts), by id.
    public var stored: [String: String]
    /// Indices into `runs` that will be trained, in grid order.
    public var pending: [Int]
    public var groups: Int
    public var ranksPerRun: Int

    public init(runs: [RunSpec], stored: [String: String], retryFailed: Bool, worldSize: Int, ranksPerRun: Int) {
        self.runs = runs; self.stored = stored; self.ranksPerRun = ranksPerRun
        groups = (worldSize + ranksPerRun - 1) / ranksPerRun
        pending = runs.indices.filter { i in
            switch stored[runs[i].id] {
            case nil: return true
            case "failed": return retryFailed
            default: return false
            }
        }
    }

    public var completedCount: Int { runs.filter { stored[$0.id] == "completed" }.count }
    public var failedCount: Int { runs.filter { stored[$0.id] == "failed" }.count }

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
            let state = pendingSet.contains(i) ? (stored[r.id] == "failed" ? "retry" : "train") : (stored[r.id] ?? "?")
            lines.append("  \(r.id)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.label)")
        }
        lines.append("plan: train \(pending.count) runs on \(worldSize) rank(s) in \(groups) group(s) of \(ranksPerRun)\(worldSize % ranksPerRun == 0 ? "" : " (the last group has \(worldSize % ranksPerRun))")")
        return lines.joined(separator: "\n")
    }
}

enum Tag {
    static let request = 1
    static let assignment = 2
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

    func finished(group g: Int, index: Int, ok: Bool, detail: String) {
        running[g] = nil
        progress.finished(plan.runs[index].label, ok: ok, detail: detail, running: running.count)
    }

    /// Answers one leader's message.
    func handle(_ bytes: [UInt8], from source: Int) {
        let text = String(decoding: bytes, as: UTF8.self)
        let g = source / plan.ranksPerRun
        if text.hasPrefix("DONE ") {
            let parts = text.split(separator: " ", maxSplits: 4).map(String.init)
            if parts.count >= 3, let i = Int(parts[1]) {
                finished(group: g, index: i, ok: parts[2] == "completed", detail: parts.count > 4 ? parts[4] : "")
            }
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
        while world.hasMessage(from: nil, tag: Tag.request) {
            let m = world.receive(from: nil, tag: Tag.request)
            handle(m.bytes, from: m.source)
        }
        mergeIfDue()
    }

    /// Blocks until every other group has been told to stop.
    func serveRemoteGroups() {
        while stoppedGroups.count < plan.groups - 1 {
            let m = world.receive(from: nil, tag: Tag.request)
            handle(m.bytes, from: m.source)
            mergeIfDue()
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
                           world: any Communicator) -> (completed: Int, failed: Int)? {
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
            text = Array(data)
        }
        world.broadcast(bytes: &text, root: 0)
        let experiment: Experiment
        do {
            experiment = try Experiment.parse(text: String(decoding: text, as: UTF8.self), file: experimentPath, overrides: overrides)
        } catch { die("\(error)") }
        let store = ResultsStore(path: out ?? "results/\(experiment.name).h5", experiment: experiment, replacing: options.replace)

        // Rank 0 prepares the results file and decides what to train; everyone gets the list.
        var pendingWire: [Int64] = []
        var plan: SweepPlan? = nil
        if world.rank == 0 {
            do {
                if options.dryRun {
                    try store.checkBelongs(to: experiment)   // reads only: a dry run writes nothing
                } else {
                    if options.replace, let old = store.replacedContents() {
                        print("--force: \(store.path) will be replaced at the first merge; \(old)")
                    }
                    try store.prepare(for: experiment)   // creates nothing
                    try store.consolidate()              // parts a killed job left behind
                }
                let p = SweepPlan(runs: experiment.runs, stored: try store.storedRuns(), retryFailed: options.retryFailed,
                                  worldSize: world.size, ranksPerRun: options.ranksPerRun)
                plan = p
                pendingWire = [Int64(options.dryRun ? -1 : p.pending.count)] + p.pending.map(Int64.init)
            } catch { die("\(error)") }
        }
        var count = [Int64(pendingWire.count)]
        world.broadcast(&count, root: 0)
        if world.rank != 0 { pendingWire = [Int64](repeating: 0, count: Int(count[0])) }
        world.broadcast(&pendingWire, root: 0)
        if pendingWire[0] < 0 {   // dry run
            if world.rank == 0, let plan { print(plan.describe(experiment: experiment, worldSize: world.size)) }
            return world.rank == 0 ? (plan!.completedCount, plan!.failedCount) : nil
        }

        let group = world.split(color: world.rank / options.ranksPerRun, key: world.rank)
        func train(_ index: Int, afterStep: (() -> Void)?) -> RunResult {
            do { return try RunExecutor.execute(experiment.runs[index], group: group, afterStep: afterStep) } catch {
                die("run \(experiment.runs[index].label): \(error)")
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
        func nextFromLeader(_ index: Int?) -> Int? {
            var v = [Int64(index ?? -1)]
            group.broadcast(&v, root: 0)
            return v[0] < 0 ? nil : Int(v[0])
        }

        if world.rank == 0 {
            let plan = plan!
            print("experiment \(experiment.name): \(plan.runs.count) runs, \(plan.completedCount) stored, \(plan.pending.count) to train on \(world.size) rank(s) in \(plan.groups) group(s) of \(options.ranksPerRun); results: \(store.path)")
            let coordinator = Coordinator(world: world, plan: plan, store: store, options: options)
            while let i = nextFromLeader(coordinator.assign(group: 0)) {
                let r = train(i, afterStep: { coordinator.poll() })
                save(r)
                coordinator.finished(group: 0, index: i, ok: r.status == .completed, detail: metricSummary(r))
                coordinator.poll()
            }
            coordinator.serveRemoteGroups()
            do { try store.consolidate() } catch { die("merging results into \(store.path): \(error)") }
            let stored = (try? store.storedRuns()) ?? [:]
            let completed = experiment.runs.filter { stored[$0.id] == "completed" }.count
            let failed = experiment.runs.filter { stored[$0.id] == "failed" }.count
            print("results: \(store.path)  (\(completed) completed, \(failed) failed, \(experiment.runs.count - completed - failed) missing of \(experiment.runs.count))")
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
            return (completed, failed)
        } else if group.rank == 0 {
            var report = "REQ"
            while true {
                world.send(report, to: 0, tag: Tag.request)
                let reply = String(decoding: world.receive(from: 0, tag: Tag.assignment).bytes, as: UTF8.self)
                let index = reply.hasPrefix("RUN ") ? Int(reply.dropFirst(4)) : nil
                guard let i = nextFromLeader(index) else { break }
                let r = train(i, afterStep: nil)
                save(r)
                report = "DONE \(i) \(r.status.rawValue) \(String(format: "%.3f", r.wallTime)) \(metricSummary(r))"
            }
        } else {
            while let i = nextFromLeader(nil) { _ = train(i, afterStep: nil) }
        }
        return nil
    }
}
