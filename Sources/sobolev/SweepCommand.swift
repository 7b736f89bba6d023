import ArgumentParser
import Foundation
import SobolevCluster

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train an experiment's grid over all ranks of an MPI job (or in this process without mpirun); resumable.",
        discussion: """
        The same command runs with and without mpirun/srun. Groups of --ranks-per-run ranks train one \
        grid point each, data-parallel; a coordinator on rank 0 hands out grid points as groups become \
        free. Run it again with the same arguments to finish a sweep that was killed: completed runs \
        are kept and not retrained, interrupted runs continue from their checkpoint. SIGTERM, SIGINT \
        or SIGUSR1 stop cleanly: every group finishes its step and checkpoints its run, finished runs \
        are merged, the command that continues is printed, and the exit status is 128 + the signal's \
        number (143, 130, 138). A second signal ends at once. Before anything is trained or written, \
        data files are read and each configuration's memory is estimated against --max-memory \
        (default: the machine's memory). Exit status: 0 when every run completed, 2 when some runs \
        failed (stored as failed; --retry-failed trains them again), 1 for bad input. One job writes \
        a results file at a time (OUT.h5.lock): a second one on the same --out is refused.
        """)

    @Argument(help: "Experiment file (YAML).")
    var experiment: String

    @Option(name: .long, help: "Results file (created, or resumed when it exists).")
    var out: String

    @Option(name: .long, parsing: .unconditional, help: "Ranks that train one run together (data-parallel).")
    var ranksPerRun: Int = 1

    @Option(name: .customLong("set"), parsing: .singleValue, help: "Override a field: key=value. Repeatable.")
    var overrides: [String] = []

    @Flag(name: .long, help: "Print the expanded grid, what is complete, the plan and each configuration's memory estimate; train nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Train runs stored as failed again.")
    var retryFailed = false

    @Flag(name: .long, help: "Replace an existing results file (a file only, never a folder) instead of resuming it; says what it discards.")
    var force = false

    @Flag(name: .long, help: "Log each group's runs as they start.")
    var verbose = false

    @Option(name: .long, help: "Seconds between merges of finished runs into the results file (> 0).")
    var mergeEvery: Double = 60

    @Option(name: .long, help: "Seconds between checkpoints of each running run (> 0; also written on SIGTERM, SIGINT, SIGUSR1).")
    var checkpointEvery: Double = 300

    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if !dryRun { try memory.checkFitsMachine() }
        try requirePositive(mergeEvery, "--merge-every")
        try requirePositive(checkpointEvery, "--checkpoint-every")
        try requireAtLeast(ranksPerRun, 1, "--ranks-per-run")
    }

    func run() throws {
        var options = SweepOptions()
        options.ranksPerRun = ranksPerRun
        options.dryRun = dryRun
        options.retryFailed = retryFailed
        options.replace = force
        options.verbose = verbose
        options.consolidateEvery = mergeEvery
        options.checkpointEvery = checkpointEvery
        options.memoryLimit = memory.limit
        let world = MPIRuntime.world()
        let outcome = Sweep.run(experimentPath: experiment, overrides: overrides, out: out, options: options, world: world)
        MPIRuntime.finalize()
        try exitStatus(outcome, dryRun: dryRun)
    }
}
