// `sobolev sweep`: the grid of an experiment over all ranks of the job.
//
// The world is split into groups of K ranks (MPI_Comm_split, color = rank / K; SweepPlan). Rank 0
// reads the experiment and makes the plan; every rank gets both. Then each rank plays one role:
// the coordinator (rank 0, also the leader of group 0; SweepCoordinator.swift), a group leader or
// a follower (GroupRoles.swift). Each group trains its run data-parallel (one all-reduce of the
// packed Sobolev gradients per step); the group leader saves the finished run as its own part
// file; only rank 0 writes the results file, by atomic consolidation.
//
// Messages on the world communicator are short texts:
//   leader -> 0, tag 1:  "REQ"  or  "DONE <index> <status> <wall seconds> <summary>"
//   0 -> leader, tag 2:  "RUN <index>"  or  "STOP"; for a search scheduler
//                        "RUN <index> <rung> <metrics of the rungs before, hexadecimal bits>..."
//   0 -> leader, tag 3:  "HALT"  (a signal: checkpoint the running run at the next step and stop)
//   leader -> 0, tag 1:  "HALTED <index> <signal>"  (the run was checkpointed, not finished)
import Foundation
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

enum Tag {
    static let request = 1
    static let assignment = 2
    static let halt = 3
}

public enum Sweep {
    /// Runs the sweep on every rank of `world`. Returns (completed, failed) on rank 0, nil elsewhere.
    /// Any error that would leave other ranks waiting ends the whole job with a clear message.
    /// `parsed`: the experiment already read from `experimentPath` with `overrides` (single-process
    /// `run`, which checks memory before anything else), so a large grid is not parsed twice.
    public static func run(experimentPath: String, overrides: [String], out: String?, options: SweepOptions,
                           world: any Communicator, parsed: Experiment? = nil) -> SweepOutcome? {
        guard options.ranksPerRun >= 1 else { world.fail("--ranks-per-run must be >= 1, got \(options.ranksPerRun)") }
        guard options.ranksPerRun <= world.size else {
            world.fail("--ranks-per-run \(options.ranksPerRun) is more than the \(world.size) rank(s) of this job")
        }
        let experiment = parsed ?? readExperiment(experimentPath, overrides: overrides, world: world)
        if world.rank == 0 {
            for w in experiment.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        }
        let store = ResultsStore(path: out ?? "results/\(experiment.name).h5", experiment: experiment, replacing: options.replace)
        let (plan, preflight) = makePlan(experiment, store: store, options: options, world: world)
        if plan.dryRun {
            guard world.rank == 0, let preflight else { return nil }
            print(plan.describe(experiment: experiment))
            print(preflight.description)
            do { try preflight.checkMemory() } catch { world.fail("\(error)") }
            return SweepOutcome(completed: plan.completedCount, failed: plan.failedCount, stopSignal: 0)
        }

        let group = world.split(color: plan.group(ofRank: world.rank), key: world.rank)
        StopSignals.install()
        let trainer = GroupTrainer(world: world, group: group, experiment: experiment, store: store, options: options)
        if world.rank == 0 {
            defer { store.unlock() }
            return SweepCoordinator(world: world, plan: plan, experiment: experiment, store: store, options: options).run(trainer)
        } else if group.rank == 0 {
            GroupLeader(world: world, trainer: trainer).run()
        } else {
            GroupFollower(trainer: trainer).run()
        }
        return nil
    }

    /// Rank 0 reads the experiment and sends its text to everyone, so a file that only rank 0
    /// can see still works, and a bad file stops the job at once instead of leaving ranks waiting.
    static func readExperiment(_ path: String, overrides: [String], world: any Communicator) -> Experiment {
        var text = [UInt8]()
        if world.rank == 0 {
            guard let data = FileManager.default.contents(atPath: path) else {
                world.fail("\(path): cannot read the experiment file")
            }
            guard String(data: data, encoding: .utf8) != nil else { world.fail("\(path): not UTF-8 text") }
            text = Array(data)
        }
        world.broadcast(bytes: &text, root: 0)
        let experiment: Experiment
        do {
            experiment = try Experiment.parse(text: String(decoding: text, as: UTF8.self), file: path, overrides: overrides)
        } catch { world.failAlike("\(error)") }
        return experiment
    }

    /// Rank 0 prepares the results file and decides what to train; every rank gets the plan.
    /// The preflight (rank 0 only) is for a dry run's description.
    static func makePlan(_ experiment: Experiment, store: ResultsStore, options: SweepOptions,
                         world: any Communicator) -> (SweepPlan, Preflight?) {
        var wire: [Int64] = []
        var plan: SweepPlan? = nil
        var preflight: Preflight? = nil
        if world.rank == 0 {
            // A search's rungs were decided without its failed trials: they stay out of it.
            if options.retryFailed, let scheduler = experiment.search.scheduler {
                world.fail("--retry-failed does not apply to a search with a scheduler (\(scheduler.name)): its rungs were decided without the failed trials; to search again, choose another --out")
            }
            do {
                // Data files, sizes and memory are checked before the results file is touched.
                preflight = try Preflight(experiment, ranksPerRun: options.ranksPerRun, limit: options.memoryLimit)
                if !options.dryRun { try preflight?.checkMemory() }
                if options.dryRun {
                    try store.checkBelongs(to: experiment)   // reads only: a dry run writes nothing
                    try store.checkParts(belongTo: experiment)
                } else {
                    try store.lock()                     // one writer per results file
                    let replaced = options.replace ? store.replacedContents() : nil
                    try store.prepare(for: experiment)   // creates nothing but the lock
                    if let replaced { print("--force: \(store.path) will be replaced at the first merge; \(replaced)") }
                }
                // Before the merge below, which gives the file the new header.
                if let e = store.extending { print(Sweep.extensionNote(store.path, e)) }
                if !options.dryRun {
                    try store.consolidate()              // parts a killed job left behind
                    store.removeFinishedCheckpoints()    // a kill between saving a part and this
                }
                var p = SweepPlan(runs: experiment.runs, stored: try store.storedRuns(), retryFailed: options.retryFailed,
                                  worldSize: world.size, ranksPerRun: options.ranksPerRun)
                p.checkpointed = Set(store.checkpointedRuns())
                p.dryRun = options.dryRun
                if options.dryRun, let scheduler = experiment.search.scheduler {
                    let schedule = TrialSchedule(scheduler: scheduler, runs: experiment.runs)
                    try schedule.load(from: store)
                    p.searchRemaining = schedule.remainingJobs
                }
                plan = p
                wire = p.wire
            } catch { store.unlock(); world.fail("\(error)") }
        }
        world.broadcast(variable: &wire, root: 0)
        return (plan ?? SweepPlan(wire: wire, runs: experiment.runs, worldSize: world.size, ranksPerRun: options.ranksPerRun), preflight)
    }

    /// What keeping a results file under an experiment that includes its runs means.
    static func extensionNote(_ path: String, _ e: (storedRuns: Int, total: Int)) -> String {
        "\(path): made by another experiment text or other --set overrides, whose \(e.storedRuns) stored run(s) are all runs of this one: they are kept, and the file describes this experiment (\(e.total) runs) from the next merge"
    }

    /// The launcher to put before `resumeCommand`: "mpirun -np N " under Open MPI's mpirun (also
    /// for one rank: its ranks see the address of mpirun's daemon, OMPI_MCA_orte_hnp_uri),
    /// "srun -n N " in a Slurm job step that mpirun did not start, "" for a process started alone.
    /// mpirun inside a Slurm allocation starts its daemons as a job step, so its variable comes first.
    static func launcher(ranks: Int, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let underMpirun = StopSignals.startedByMpirun(environment)
        if !underMpirun, environment["SLURM_STEP_ID"] != nil, environment["SLURM_PROCID"] != nil {
            return "srun -n \(ranks) "
        }
        return underMpirun || environment["OMPI_COMM_WORLD_SIZE"] != nil || ranks > 1 ? "mpirun -np \(ranks) " : ""
    }

    /// This process's command line, quoted for a shell where needed; without --force once the
    /// results file was replaced (again it would discard what this command stored).
    static func resumeCommand(droppingForce: Bool) -> String {
        CommandLine.arguments.filter { !(droppingForce && $0 == "--force") }.map { a in
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

