// Successive halving with the real binary, alone and under a real mpirun: the same trials
// promoted on 1 and 3 ranks, promoted trials continued from their checkpoints (the winner ends
// with the bits of a run trained straight through), and a stopped search resumed to the same
// decisions.
import Foundation
import Testing
import SobolevHDF5
import SobolevExperiment

/// Nine Sobol learning rates; rungs of 1000, 3000 and 9000 epochs: 9 -> 3 -> 1 trials.
let halvingExperiment = """
name: halving
search:
  method: sobol
  samples: 9
  seed: 1
  scheduler: successive_halving
  metric: validation_value_rmse
  reduction: 3
  min_budget: 1000
problem:
  name: sine
  train_samples: 20
  validation_samples: 10
  test_samples: 50
model:
  depth: 2
  width: 8
training:
  epochs: 9000
  learning_rate: {log_uniform: [1.0e-4, 3.0e-2]}
seeds: 1
"""

/// Every stored trial: status, stop_reason, search_metrics and the test metric, by run id.
func trials(_ path: String) throws -> [String: (status: String, reason: String, metrics: [Double], test: Double)] {
    let runs = try H5File.open(path).openGroup("runs")
    var out: [String: (status: String, reason: String, metrics: [Double], test: Double)] = [:]
    for id in try runs.childNames() {
        let g = try runs.openGroup(id)
        out[id] = (try g.scalarStringAttribute("status"), try g.scalarStringAttribute("stop_reason"),
                   try g.doubleAttribute("search_metrics"), try g.openGroup("metrics").scalarDoubleAttribute("test_value_rmse"))
    }
    return out
}

@Suite("successive halving in sweeps", .serialized)
struct HalvingSweepTests {
    @Test("1 and 3 ranks promote the same trials; the stored metrics reproduce every decision; promoted trials continue from their checkpoints")
    func sameDecisions() throws {
        let dir = scratchFolder()
        try halvingExperiment.write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let one = try sobolev(["sweep", "h.yaml", "--out", "one.h5", "--verbose"], in: dir)
        #expect(one.status == 0, "\(one.output)")
        let three = try mpirun(3, [sobolevBinary, "sweep", "h.yaml", "--out", "three.h5", "--verbose"], in: dir)
        #expect(three.status == 0, "\(three.output)")
        #expect(three.stdout.contains("1 completed, 0 failed, 8 stopped by the search, 0 missing of 9"), "\(three.stdout)")

        let a = try trials(dir + "/one.h5"), b = try trials(dir + "/three.h5")
        #expect(a.count == 9)
        #expect(a.mapValues(\.status) == b.mapValues(\.status))
        #expect(a.mapValues(\.metrics) == b.mapValues(\.metrics))   // the same bits
        // 9 trials at rung 0, 3 at rung 1, 1 at rung 2, which is the one completed run.
        #expect(a.values.map(\.metrics.count).sorted() == [1, 1, 1, 1, 1, 1, 2, 2, 3])
        #expect(a.values.filter { $0.status == "completed" }.map(\.metrics.count) == [3])
        #expect(a.values.filter { $0.status == "stopped" }.allSatisfy { $0.reason == "search" })

        // The pure schedule on the stored metrics makes exactly the stored promotions.
        let e = try Experiment.load(path: dir + "/h.yaml")
        let index = Dictionary(uniqueKeysWithValues: e.runs.enumerated().map { ($0.element.id, $0.offset) })
        let halving = try #require(e.search.halving)
        #expect(halving.budgets == [1000, 3000, 9000])
        var results: [Int: [Int: Double]] = [:]
        for (id, t) in a { for (k, m) in t.metrics.enumerated() { results[index[id]!, default: [:]][halving.budgets[k]] = m } }
        let rungs = halving.rungs(trials: Array(e.runs.indices), results: results)
        #expect(rungs.map(\.trials.count) == [9, 3, 1])
        #expect(Set(rungs[1].trials) == Set(a.filter { $0.value.metrics.count >= 2 }.map { index[$0.key]! }))

        // Promoted trials continue from their states: 3 from step 1000, 1 from step 3000.
        for out in [one.stdout, three.stdout] {
            #expect(out.components(separatedBy: "from its checkpoint at step 1000").count - 1 == 3, "\(out)")
            #expect(out.components(separatedBy: "from its checkpoint at step 3000").count - 1 == 1)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/one.h5.parts"))
        // The report counts the stopped trials as such, not as failures.
        let report = try sobolev(["report", "three.h5", "--out", "rep"], in: dir)
        #expect(report.status == 0 && report.stdout.contains("(1 completed, 0 failed runs, 8 stopped by the search)"), "\(report.output)")
        let summary = try String(contentsOfFile: dir + "/rep/summary.md", encoding: .utf8)
        #expect(summary.contains("1 completed, 0 failed, 8 stopped by the search"))
        // Its search section: 6 trials stopped at 1000 epochs, 2 at 3000, 1 at 9000, of 9 x 9000.
        #expect(summary.contains("9 trials; 21000 epochs trained of the 81000"), "\(summary)")
        #expect(try String(contentsOfFile: dir + "/rep/index.html", encoding: .utf8).contains("Trials by rung"))
        let budgets = try H5File.open(dir + "/three.h5").openGroup("runs").childNames().map {
            try H5File.open(dir + "/three.h5").openGroup("runs").openGroup($0).intAttribute("search_budgets")
        }
        #expect(budgets.map(\.count).sorted() == [1, 1, 1, 1, 1, 1, 2, 2, 3] && budgets.allSatisfy { [1000, 3000, 9000].starts(with: $0) })
        #expect(!FileManager.default.fileExists(atPath: dir + "/three.h5.parts"))

        // The winner, trained straight through without a search, has the same id and the same bits.
        let (winnerID, winner) = try #require(a.first { $0.value.status == "completed" })
        let rate = e.runs[index[winnerID]!].values["training.learning_rate"]!.description
        let straight = halvingExperiment.components(separatedBy: "problem:")[1]
            .replacingOccurrences(of: "{log_uniform: [1.0e-4, 3.0e-2]}", with: rate)
        try ("name: straight\nproblem:" + straight).write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let s = try sobolev(["run", "s.yaml", "--out", "s.h5"], in: dir)
        #expect(s.status == 0, "\(s.output)")
        let runs = try H5File.open(dir + "/s.h5").openGroup("runs")
        #expect(try runs.childNames() == [winnerID])
        #expect(try runs.openGroup(winnerID).openGroup("metrics").scalarDoubleAttribute("test_value_rmse") == winner.test)
    }

    @Test("keep_best on 2 ranks: the winner, continued from its checkpoints, has the bits and best step of the run trained straight through")
    func keepBest() throws {
        let dir = scratchFolder()
        let text = halvingExperiment.replacingOccurrences(of: "min_budget: 1000", with: "min_budget: 100")
            .replacingOccurrences(of: "epochs: 9000", with: "epochs: 900\n  keep_best: true")
        try text.write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let sweep = try mpirun(2, [sobolevBinary, "sweep", "h.yaml", "--out", "k.h5", "--verbose"], in: dir)
        #expect(sweep.status == 0, "\(sweep.output)")
        #expect(sweep.stdout.contains("1 completed, 0 failed, 8 stopped by the search, 0 missing of 9"), "\(sweep.stdout)")
        #expect(sweep.stdout.components(separatedBy: "from its checkpoint at step 100").count - 1 == 3, "\(sweep.stdout)")
        let (winnerID, winner) = try #require(try trials(dir + "/k.h5").first { $0.value.status == "completed" })

        let e = try Experiment.load(path: dir + "/h.yaml")
        let rate = try #require(e.runs.first { $0.id == winnerID }).values["training.learning_rate"]!.description
        let straight = text.components(separatedBy: "problem:")[1].replacingOccurrences(of: "{log_uniform: [1.0e-4, 3.0e-2]}", with: rate)
        try ("name: straight\nproblem:" + straight).write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let s = try sobolev(["run", "s.yaml", "--out", "s.h5"], in: dir)
        #expect(s.status == 0, "\(s.output)")
        let run = try H5File.open(dir + "/s.h5").openGroup("runs").openGroup(winnerID)
        #expect(try run.openGroup("metrics").scalarDoubleAttribute("test_value_rmse") == winner.test)
        let searched = try H5File.open(dir + "/k.h5").openGroup("runs").openGroup(winnerID)
        // The kept parameters are a logged step's (at most 899 of 900 steps), the same in both.
        let best = try run.scalarIntAttribute("best_step")
        #expect(best == (try searched.scalarIntAttribute("best_step")) && best < 900, "\(best)")
        // Its history is the straight run's: the rows logged at the ends of its budgets (steps
        // 99 and 299) went to the stopped results only, not into the state it continued from.
        for name in ["history/step", "history/loss_terms", "history/val_loss_terms", "history/lambda"] {
            #expect(try run.read(name).values == (try searched.read(name).values), "\(name)")
        }
        // A stopped trial's history ends at its budget's last step, with the validation losses
        // the rung ranked on, as a run of that many epochs would.
        let runs = try H5File.open(dir + "/k.h5").openGroup("runs")
        for (id, t) in try trials(dir + "/k.h5") where t.status == "stopped" {
            let g = try runs.openGroup(id)
            let budget = try g.scalarIntAttribute("search_budget")
            let steps = try g.read("history/step").values
            #expect(steps.last == Double(budget - 1) && steps.dropLast().last == Double(budget - 10), "\(id): \(steps.suffix(3))")
            #expect(try g.read("history/val_loss_terms").shape[0] == steps.count)
        }
        // A stopped trial's model: gradients looks at it when named; predict still wants a completed run.
        let stopped = try #require(try trials(dir + "/k.h5").first { $0.value.status == "stopped" }).key
        #expect(try sobolev(["data", "sine", "--samples", "10", "--sampler", "uniform", "--out", "d.h5"], in: dir).status == 0)
        let g = try sobolev(["gradients", "--model", "k.h5:/runs/\(stopped)", "--data", "d.h5", "--out", "g.h5"], in: dir)
        #expect(g.status == 0, "\(g.output)")
        let p = try sobolev(["predict", "k.h5:/runs/\(stopped)", "--inputs", "d.h5", "--out", "p.h5"], in: dir)
        #expect(p.status == 1 && p.stderr.contains("run stopped"), "\(p.output)")
    }

    @Test("a search stopped in its second rung resumes to the same decisions and results")
    func stopAndResume() throws {
        let dir = scratchFolder()
        try halvingExperiment.write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let reference = try sobolev(["sweep", "h.yaml", "--out", "ref.h5"], in: dir)
        #expect(reference.status == 0, "\(reference.output)")

        let sweep = [sobolevBinary, "sweep", "h.yaml", "--out", "h.h5", "--verbose"]
        let first = try Background(which("mpirun"), mpirunArguments(2) + sweep, in: dir, name: "first")
        #expect(first.wait(for: "rung=1 epochs=3000  "), "\(first.output)")   // a second-rung result is stored
        first.signal(SIGUSR1)
        #expect(first.finish(within: 60) != 0, "the search finished before the stop: \(first.output)")
        let before = try trials(dir + "/h.h5")
        #expect(before.count == 9 && before.values.allSatisfy { $0.status == "stopped" }, "\(before)")
        #expect(first.output.contains("9 stopped by the search, 0 missing of 9; the search is not finished: "), "\(first.output)")
        // The dry run says what is left (it said "train 0 runs"); failed trials are not retried
        // and the search does not grow in its file.
        let toCome = first.output.components(separatedBy: "the search is not finished: ").last!.prefix { $0.isNumber }
        let plan = try sobolev(["sweep", "h.yaml", "--out", "h.h5", "--dry-run"], in: dir)
        #expect(plan.stdout.contains("plan: the search's \(toCome) rung result(s) still to come on 1 rank(s)"), "\(plan.stdout)")
        let retry = try sobolev(["sweep", "h.yaml", "--out", "h.h5", "--retry-failed"], in: dir)
        #expect(retry.status == 1 && retry.stderr.contains("--retry-failed does not apply to a search with a scheduler"), "\(retry.output)")
        let grown = try sobolev(["sweep", "h.yaml", "--out", "h.h5", "--set", "search.samples=10"], in: dir)
        #expect(grown.status == 1 && grown.stderr.contains("cannot grow in its file"), "\(grown.output)")

        // An edited comment keeps the same trials: the search goes on in its file.
        try ("# the same search\n" + halvingExperiment).write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let rest = try mpirun(2, sweep, in: dir)
        #expect(rest.status == 0 && rest.stdout.contains("are all runs of this one"), "\(rest.output)")
        #expect(rest.stdout.contains("1 completed, 0 failed, 8 stopped by the search"), "\(rest.stdout)")
        let after = try trials(dir + "/h.h5"), ref = try trials(dir + "/ref.h5")
        #expect(after.mapValues(\.status) == ref.mapValues(\.status))
        #expect(after.mapValues(\.metrics) == ref.mapValues(\.metrics))
        #expect(after.mapValues(\.test) == ref.mapValues(\.test))
        // Nothing of the first rung was trained again.
        #expect(!rest.stdout.contains("rung=0 epochs=1000"), "\(rest.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/h.h5.parts"))
    }
}
