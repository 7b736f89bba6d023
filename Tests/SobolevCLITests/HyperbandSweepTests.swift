// Hyperband and ASHA with the real binary: Hyperband makes the same decisions with the same bits on
// 1 and 2 ranks (a real mpirun), as the pure schedule does on the stored metrics, and a search
// killed mid-way resumes to the same results without training a finished rung again; ASHA under
// mpirun finds the trial the full grid knows is best, with that run's bits.
import Foundation
import Testing
import SobolevHDF5
import SobolevExperiment

let hyperbandExperiment = halvingExperiment.replacingOccurrences(of: "scheduler: successive_halving", with: "scheduler: hyperband")

/// Every stored rung result (trial id -> search_metrics), from the results file and its parts.
func storedRungResults(_ path: String) throws -> [String: [Double]] {
    var out: [String: [Double]] = [:]
    var files = FileManager.default.fileExists(atPath: path) ? [path] : []
    files += ((try? FileManager.default.contentsOfDirectory(atPath: path + ".parts")) ?? []).filter { $0.hasSuffix(".h5") }.map { path + ".parts/" + $0 }
    for file in files {
        let runs = try H5File.open(file).openGroup("runs")
        for id in try runs.childNames() { out[id] = try runs.openGroup(id).doubleAttribute("search_metrics") }
    }
    return out
}

@Suite("Hyperband and ASHA in sweeps", .serialized)
struct HyperbandSweepTests {
    @Test("hyperband: 1 and 2 ranks promote the same trials with the same bits; the stored metrics reproduce the brackets")
    func hyperbandSameDecisions() throws {
        let dir = scratchFolder()
        try hyperbandExperiment.write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let dry = try sobolev(["sweep", "h.yaml", "--out", "one.h5", "--dry-run"], in: dir)
        #expect(dry.stdout.contains("brackets of 5 trials from 1000 epochs, 2 trials from 3000 epochs, 2 trials from 9000 epochs"), "\(dry.stdout)")
        let one = try sobolev(["sweep", "h.yaml", "--out", "one.h5"], in: dir)
        #expect(one.status == 0, "\(one.output)")
        let two = try mpirun(2, [sobolevBinary, "sweep", "h.yaml", "--out", "two.h5"], in: dir)
        #expect(two.status == 0, "\(two.output)")
        #expect(two.stdout.contains("4 completed, 0 failed, 5 stopped by the search, 0 missing of 9"), "\(two.stdout)")
        let a = try trials(dir + "/one.h5"), b = try trials(dir + "/two.h5")
        #expect(a.mapValues(\.status) == b.mapValues(\.status))
        #expect(a.mapValues(\.metrics) == b.mapValues(\.metrics))
        #expect(a.mapValues(\.test) == b.mapValues(\.test))

        let e = try Experiment.load(path: dir + "/h.yaml")
        guard case .hyperband(let hb) = try #require(e.search.scheduler) else { Issue.record("not hyperband"); return }
        let all = Array(e.runs.indices)
        var results: [Int: [Int: Double]] = [:]
        for (i, run) in e.runs.enumerated() {
            let m = try #require(a[run.id]).metrics
            for (k, budget) in hb.budgets(ofTrial: i, trials: all).prefix(m.count).enumerated() { results[i, default: [:]][budget] = m[k] }
        }
        let rungs = hb.rungs(trials: all, results: results)
        #expect(rungs.map { $0.map(\.trials.count) } == [[5, 1, 1], [2, 1], [2]])
        #expect(hb.next(trials: all, results: results).isEmpty)
        // The four trials at the full budget are the brackets' last rungs, and the only completed runs.
        let top = Set(rungs.compactMap { $0.last?.trials }.joined().map { e.runs[$0].id })
        #expect(top == Set(a.filter { $0.value.status == "completed" }.keys))
        // Each trial stores the budgets of its own bracket.
        let g = try H5File.open(dir + "/two.h5").openGroup("runs").openGroup(e.runs[3].id)
        #expect(try g.intAttribute("search_budgets") == [9000])
    }

    @Test("a hyperband search killed mid-way resumes to the same decisions and results, training no finished rung again")
    func hyperbandKillAndResume() throws {
        let dir = scratchFolder()
        try hyperbandExperiment.write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let reference = try sobolev(["sweep", "h.yaml", "--out", "ref.h5"], in: dir)
        #expect(reference.status == 0, "\(reference.output)")

        let first = try Background(sobolevBinary, ["sweep", "h.yaml", "--out", "h.h5"], in: dir, name: "first")
        #expect(first.wait(for: "rung=1 epochs=3000  "), "\(first.output)")
        first.signal(SIGKILL)
        #expect(first.finish(within: 60) == SIGKILL, "\(first.output)")
        let before = try storedRungResults(dir + "/h.h5")
        let finishedRungs = before.values.map(\.count).reduce(0, +)
        #expect(finishedRungs >= 6 && finishedRungs < 12, "\(before)")

        let rest = try sobolev(["sweep", "h.yaml", "--out", "h.h5"], in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        #expect(rest.stdout.contains("4 completed, 0 failed, 5 stopped by the search"), "\(rest.stdout)")
        let after = try trials(dir + "/h.h5"), ref = try trials(dir + "/ref.h5")
        #expect(after.mapValues(\.status) == ref.mapValues(\.status))
        #expect(after.mapValues(\.metrics) == ref.mapValues(\.metrics))
        #expect(after.mapValues(\.test) == ref.mapValues(\.test))
        // 12 rung results in all: the resumed search trains only those not stored before the kill.
        #expect(rest.stdout.components(separatedBy: "] done ").count - 1 == 12 - finishedRungs, "\(rest.stdout)")
        for (id, m) in before { #expect(Array(after[id]!.metrics.prefix(m.count)) == m) }
    }

    /// Nine learning rates, one of them (1e-2) far better than the others (1e-5 ... 9e-5).
    static let ashaExperiment = """
    name: asha
    search:
      scheduler: asha
      metric: validation_value_rmse
      reduction: 3
      min_budget: 300
    problem:
      name: sine
      train_samples: 20
      validation_samples: 10
      test_samples: 50
    model:
      depth: 2
      width: 8
    training:
      epochs: 2700
      learning_rate: [2.0e-5, 3.0e-5, 4.0e-5, 5.0e-5, 1.0e-2, 6.0e-5, 7.0e-5, 8.0e-5, 9.0e-5]
    seeds: 1
    """

    @Test("asha under mpirun: finds the trial the full grid knows is best, with the bits of that run, at a fraction of the epochs")
    func ashaFindsTheBest() throws {
        let dir = scratchFolder()
        try Self.ashaExperiment.write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        let grid = Self.ashaExperiment.components(separatedBy: "problem:")[1]
        try ("name: asha\nproblem:" + grid).write(toFile: dir + "/grid.yaml", atomically: true, encoding: .utf8)
        let full = try sobolev(["sweep", "grid.yaml", "--out", "grid.h5"], in: dir)
        #expect(full.status == 0, "\(full.output)")
        let asha = try mpirun(2, [sobolevBinary, "sweep", "a.yaml", "--out", "a.h5", "--verbose"], in: dir)
        #expect(asha.status == 0, "\(asha.output)")
        // The progress count follows ASHA's promotions: the last line is [n/n].
        let last = try #require(asha.stdout.split(separator: "\n").last { $0.contains("] done ") })
        let counts = last.dropFirst().prefix { $0 != "]" }.split(separator: "/")
        #expect(counts.count == 2 && counts[0] == counts[1], "\(last)")

        func validation(_ path: String) throws -> [String: (status: String, value: Double)] {
            let runs = try H5File.open(path).openGroup("runs")
            return Dictionary(uniqueKeysWithValues: try runs.childNames().map { id in
                let g = try runs.openGroup(id)
                return (id, (try g.scalarStringAttribute("status"), try g.openGroup("metrics").scalarDoubleAttribute("validation_value_rmse")))
            })
        }
        let known = try validation(dir + "/grid.h5"), found = try validation(dir + "/a.h5")
        let best = try #require(known.min { $0.value.value < $1.value.value })
        let e = try Experiment.load(path: dir + "/a.yaml")
        #expect(e.runs.first { $0.id == best.key }?.values["training.learning_rate"]?.doubleValue == 1e-2)
        // The best trial reached the full budget, with the same bits as the grid's straight run.
        #expect(found[best.key]?.status == "completed")
        #expect(found[best.key]?.value == best.value.value)
        let completed = found.filter { $0.value.status == "completed" }
        #expect(completed.min { $0.value.value < $1.value.value }?.key == best.key)
        // Fewer epochs than the grid (ASHA promotes on partial rungs, so more than successive
        // halving's 6300 here, by how results happened to arrive).
        let budgets = try H5File.open(dir + "/a.h5").openGroup("runs").childNames().map {
            try H5File.open(dir + "/a.h5").openGroup("runs").openGroup($0).intAttribute("search_budgets").last!
        }
        #expect(budgets.reduce(0, +) < 9 * 2700, "\(budgets)")
    }

    @Test("asha stopped mid-search under mpirun resumes: no finished rung lost or trained again, the best trial found")
    func ashaStopAndResume() throws {
        let dir = scratchFolder()
        try Self.ashaExperiment.write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        let sweep = [sobolevBinary, "sweep", "a.yaml", "--out", "a.h5", "--verbose"]
        let first = try Background(which("mpirun"), mpirunArguments(2) + sweep, in: dir, name: "first")
        #expect(first.wait(for: "rung=1 epochs=900  "), "\(first.output)")
        first.signal(SIGUSR1)
        #expect(first.finish(within: 60) != 0, "the search finished before the stop: \(first.output)")
        let before = try storedRungResults(dir + "/a.h5")
        let finishedRungs = before.values.map(\.count).reduce(0, +)
        #expect(finishedRungs >= 4, "\(before)")

        let rest = try mpirun(2, sweep, in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        let after = try storedRungResults(dir + "/a.h5")
        // Every rung result stored before the stop is kept, and none is trained again.
        for (id, m) in before { #expect(Array(after[id]!.prefix(m.count)) == m, "\(id)") }
        let total = after.values.map(\.count).reduce(0, +)
        #expect(rest.stdout.components(separatedBy: "] done ").count - 1 == total - finishedRungs, "\(rest.stdout)")
        // The clearly best trial (learning rate 1e-2) reached the full budget.
        let e = try Experiment.load(path: dir + "/a.yaml")
        let best = try #require(e.runs.first { $0.values["training.learning_rate"]?.doubleValue == 1e-2 })
        #expect(try H5File.open(dir + "/a.h5").openGroup("runs").openGroup(best.id).scalarStringAttribute("status") == "completed")
        #expect(!FileManager.default.fileExists(atPath: dir + "/a.h5.parts"))
    }
}
