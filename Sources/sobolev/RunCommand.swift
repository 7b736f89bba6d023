import ArgumentParser
import Foundation
import SobolevCore
import SobolevCluster
import SobolevExperiment
import SobolevStore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train every run of an experiment in this process (single-node debug mode) and write HDF5 results; resumable.",
        discussion: """
        Run the same command again to finish a run that was interrupted: finished runs are kept, \
        an interrupted run continues from its checkpoint. SIGTERM, SIGINT or SIGUSR1 stop cleanly \
        after the current step (checkpoint, merge, exit status 128 + the signal's number). Exit \
        status: 0 when every run completed, 2 when some runs failed (stored as failed; \
        --retry-failed of sweep trains them again), 1 for bad input. One command writes a results \
        file at a time (OUT.h5.lock).
        """)

    @Argument(help: "Experiment file (YAML).")
    var experiment: String

    @Option(name: .long, help: "Results file (default: results/<experiment name>.h5).")
    var out: String?

    @Option(name: .customLong("set"), parsing: .singleValue, help: "Override a field: key=value (YAML value; a list makes a grid axis). Repeatable.")
    var overrides: [String] = []

    @Option(name: .long, help: "Seconds between checkpoints of the running run (also written on SIGTERM, SIGINT, SIGUSR1).")
    var checkpointEvery: Double = 300

    @Flag(name: .long, help: "Replace an existing results file (a file only, never a folder) instead of resuming it; says what it discards.")
    var force = false

    @Option(parsing: .unconditional, help: "Threads for each run (BLAS and element-wise loops): training.threads.")
    var threads: Int?

    /// `--threads N` is `--set training.threads=N` (one path from the option to the trainer).
    var allOverrides: [String] { overrides + (threads.map { ["training.threads=\($0)"] } ?? []) }

    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        try memory.checkFitsMachine()
        try requirePositive(checkpointEvery, "--checkpoint-every")
        if let threads, !(1...256).contains(threads) { fail("--threads \(threads): expected an integer in [1, 256] (training.threads)") }
        if threads != nil, let set = overrides.first(where: { $0.hasPrefix("training.threads=") }) {
            fail("--threads and --set \(set) both set training.threads; give one")
        }
    }

    func run() throws {
        if let size = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), size > 1 {
            fail("sobolev run trains in one process; under mpirun with \(size) ranks use sobolev sweep")
        }
        let exp: Experiment
        do { exp = try Experiment.load(path: experiment, overrides: allOverrides) } catch { fail("\(error)") }
        // Data files, sizes and memory before --force may replace anything (the sweep checks again).
        do { try Preflight(exp, limit: memory.limit).checkMemory() } catch { fail("\(error)") }
        let path = out ?? "results/\(exp.name).h5"
        var options = SweepOptions()
        options.replace = force
        options.checkpointEvery = checkpointEvery
        options.memoryLimit = memory.limit
        // The same code path as `sobolev sweep`, on a single-process communicator.
        let outcome = Sweep.run(experimentPath: experiment, overrides: allOverrides, out: path, options: options,
                                world: SoloGroup(), parsed: exp)
        try exitStatus(outcome, dryRun: false)
    }
}
