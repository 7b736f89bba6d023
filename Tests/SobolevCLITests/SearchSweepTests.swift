// A sampled search with the real binary under a real mpirun: --dry-run lists samples x grid x
// seeds runs, a stopped search resumes to the same runs, and the report reads the results.
import Foundation
import Testing
import SobolevHDF5

/// Four Sobol configurations (width and learning rate) crossed with a grid axis of two: 8 runs of
/// about a second each.
let searchSweepExperiment = """
name: search
search:
  method: sobol
  samples: 4
  seed: 3
problem:
  name: sine
  train_samples: 20
  validation_samples: 10
  test_samples: 50
model:
  depth: 2
  width: {int_uniform: [6, 12]}
training:
  epochs: 8000
  learning_rate: {log_uniform: [1.0e-3, 3.0e-2]}
loss:
  lambda_grad: [0, 1]
seeds: 1
"""

@Suite("sobolev sweep of a sampled search under mpirun", .serialized)
struct SearchSweepTests {
    @Test("--dry-run lists samples x grid x seeds runs with their drawn values, and writes nothing")
    func dryRun() throws {
        let dir = scratchFolder()
        try searchSweepExperiment.replacingOccurrences(of: "seeds: 1", with: "seeds: 3")
            .write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let r = try mpirun(2, [sobolevBinary, "sweep", "s.yaml", "--out", "s.h5", "--dry-run"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.stdout.contains("24 runs (search sobol x4, loss.lambda_grad x2, seeds x3)"), "\(r.stdout)")
        #expect(r.stdout.contains("search training.learning_rate: log_uniform [0.001, 0.03] (seed 3)"))
        #expect(r.stdout.contains("search model.width: int_uniform [6, 12] (seed 3)"))
        let lines = r.stdout.split(separator: "\n").filter { $0.contains("  train     ") }
        #expect(lines.count == 24)
        #expect(Set(lines.map { $0.split(separator: " ")[0] }).count == 24)   // distinct run ids
        let rates = Set(lines.compactMap { $0.split(separator: " ").first { $0.hasPrefix("training.learning_rate=") } })
        #expect(rates.count == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["s.yaml"])
    }

    @Test("a search stopped by a signal resumes to the same runs; the results hold the drawn values; the report reads them")
    func stopAndResume() throws {
        let dir = scratchFolder()
        try searchSweepExperiment.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let sweep = [sobolevBinary, "sweep", "s.yaml", "--out", "s.h5", "--verbose"]
        let dry = try mpirun(2, sweep + ["--dry-run"], in: dir)
        let planned = Set(dry.stdout.split(separator: "\n").filter { $0.contains("  train     ") }.map { String($0.split(separator: " ")[0]) })
        #expect(planned.count == 8, "\(dry.output)")

        let first = try Background(which("mpirun"), mpirunArguments(2) + sweep, in: dir, name: "first")
        first.wait(for: "] done   ")
        first.signal(SIGUSR1)
        #expect(first.finish(within: 60) != 0, "the search finished before the stop: \(first.output)")
        let done = finishedLabels(first.output).count
        #expect(done >= 1 && done < 8, "\(first.output)")

        let rest = try mpirun(2, sweep, in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        #expect(rest.stdout.contains("8 runs, \(done) stored, \(8 - done) to train"), "\(rest.stdout)")
        #expect(finishedLabels(rest.stdout).count == 8 - done)

        let f = try H5File.open(dir + "/s.h5")
        #expect(try f.stringAttribute("grid_axes") == ["model.width", "training.learning_rate", "loss.lambda_grad"])
        let runs = try f.openGroup("runs")
        #expect(Set(try runs.childNames()) == planned)
        var rates = Set<Double>()
        for id in try runs.childNames() {
            let g = try runs.openGroup(id)
            #expect(try g.scalarStringAttribute("status") == "completed")
            let lr = try g.scalarDoubleAttribute("training.learning_rate")
            #expect(lr >= 1e-3 && lr <= 3e-2)
            rates.insert(lr)
        }
        #expect(rates.count == 4)

        let report = try sobolev(["report", "s.h5", "--out", "rep"], in: dir)
        #expect(report.status == 0, "\(report.output)")
        let summary = try String(contentsOfFile: dir + "/rep/summary.md", encoding: .utf8)
        #expect(summary.contains("training.learning_rate"), "\(summary)")
    }
}
