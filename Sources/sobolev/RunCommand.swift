import ArgumentParser
import Foundation
import SobolevCluster
import SobolevExperiment
import SobolevStore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train every run of an experiment in this process (single-node debug mode) and write HDF5 results.")

    @Argument(help: "Experiment file (YAML).")
    var experiment: String

    @Option(name: .long, help: "Results file (default: results/<experiment name>.h5).")
    var out: String?

    @Option(name: .customLong("set"), parsing: .singleValue, help: "Override a field: key=value (YAML value; a list makes a grid axis). Repeatable.")
    var overrides: [String] = []

    @Flag(name: .long, help: "Replace an existing results file.")
    var force = false

    @Option(help: "Threads for each run (BLAS and element-wise loops): training.threads.")
    var threads: Int?

    /// `--threads N` is `--set training.threads=N` (one path from the option to the trainer).
    var allOverrides: [String] { overrides + (threads.map { ["training.threads=\($0)"] } ?? []) }

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        if let size = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), size > 1 {
            fail("sobolev run trains in one process; under mpirun with \(size) ranks use sobolev sweep")
        }
        let exp: Experiment
        do { exp = try Experiment.load(path: experiment, overrides: allOverrides) } catch { fail("\(error)") }
        // Data files, sizes and memory before --force may replace anything (the sweep checks again).
        do { try Preflight(exp, limit: memory.limit).checkMemory() } catch { fail("\(error)") }
        let path = out ?? "results/\(exp.name).h5"
        let store = ResultsStore(path: path)
        if store.exists && !force {
            fail("\(path) exists already; not overwritten (use --force to replace it)")
        }
        do {
            if force { try store.removeAll() }
        } catch {
            fail("\(error)")
        }
        // The same code path as `sobolev sweep`, on a single-process communicator.
        var options = SweepOptions()
        options.memoryLimit = memory.limit
        let outcome = Sweep.run(experimentPath: experiment, overrides: allOverrides, out: path, options: options,
                                world: SingleProcessCommunicator())
        if let outcome, outcome.failed > 0 { throw ExitCode(2) }
    }
}
