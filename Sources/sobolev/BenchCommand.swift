import ArgumentParser
import Foundation
import SobolevCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the Sobolev step (steps/s, samples/s, GFLOP/s) beside a plain DGEMM.")

    @Option(help: "Seconds to time each case.")
    var seconds: Double = 2

    @Option(help: "BLAS threads (the reference figures are single-threaded).")
    var threads: Int = 1

    func validate() throws {
        try requirePositive(seconds, "--seconds")
        try requireAtLeast(threads, 1, "--threads")
    }

    func run() throws {
        BLAS.setThreads(threads)
        let dgemm = SobolevBenchmark.dgemmGFLOPs(minSeconds: seconds)
        print(String(format: "DGEMM 1024^3, %d thread(s): %.2f GFLOP/s", threads, dgemm))
        print("case                          steps/s     samples/s   ms/step   GFLOP/s  % of DGEMM")
        for c in BenchmarkCase.standard {
            let f = SobolevBenchmark.measure(c, minSeconds: seconds)
            let name = c.name.padding(toLength: 28, withPad: " ", startingAt: 0)
            print(name + String(format: " %9.1f %13.0f %9.3f %9.2f %8.0f%%", f.stepsPerSecond,
                         f.samplesPerSecond, 1000 * f.secondsPerStep, f.gflops, 100 * f.gflops / dgemm))
        }
    }
}
