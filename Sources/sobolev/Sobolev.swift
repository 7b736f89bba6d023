// The `sobolev` command line: parses arguments and calls the modules; no logic of its own.
import ArgumentParser
import Foundation
import SobolevCluster
import SobolevCore

@main
struct Sobolev: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sobolev",
        abstract: "Sobolev (gradient-enhanced) training of neural-network surrogates: experiments, weighting schemes, HDF5 results.",
        version: "0.1.0",
        subcommands: [Run.self, SweepCommand.self, DataCommand.self, Gradients.self, Predict.self, Export.self, Bench.self, ReportCommand.self])

    static func main() {
        BLASKernel.replaceFallback()
        // One BLAS thread unless a command asks for more (training.threads, bench --threads):
        // OpenBLAS's own default, a thread per core, takes other kernels for small products,
        // whose sums differ in the last bits, and predict, export and gradients would then not
        // compute exactly what training stored.
        BLAS.setThreads(1)
        // Progress lines must reach a Slurm log or an mpirun pipe as they happen, not at exit.
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // Help, --version and deliberate exit codes as usual; a bad argument is one line.
            if exitCode(for: error) == .success || error is ExitCode { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail(text + " (see --help)")
        }
    }
}

/// Prints `message` to standard error and exits with status 1 (bad input: nothing written).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    exit(1)
}

/// Exit status of run and sweep: 0; 2 with failed runs; 128 + N after a clean stop on signal N.
func exitStatus(_ outcome: SweepOutcome?, dryRun: Bool) throws {
    guard let outcome, !dryRun else { return }
    if outcome.stopSignal != 0 { throw ExitCode(StopSignals.exitStatus(outcome.stopSignal)) }
    if outcome.failed > 0 { throw ExitCode(2) }
}
