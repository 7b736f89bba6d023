// `sobolev sweep` under a real mpirun: data-parallel equivalence, each grid point exactly once,
// resume after kill -9, and bad input that ends the job instead of hanging it.
import Foundation
import Testing
import SobolevCore
import SobolevStore
import SobolevHDF5

/// One run of 200 optimizer steps: 30 samples in batches of 7 (5 per epoch, the last of 2),
/// which divide by none of K = 2, 3, 4.
let equivalenceExperiment = """
name: equivalence
problem:
  name: sine
  train_samples: 30
  validation_samples: 10
  test_samples: 50
model:
  depth: 2
  width: 16
training:
  epochs: 40
  batch_size: 7
  learning_rate: 0.005
  log_every: 1
seeds: [3]
"""

/// Twelve short runs.
let gridExperiment = """
name: grid
problem:
  name: sine
  train_samples: 20
  validation_samples: 10
  test_samples: 50
model:
  depth: 2
  width: [6, 8, 10]
training:
  epochs: 150
  learning_rate: 0.01
loss:
  lambda_grad: [0, 1]
seeds: 2
"""

/// The training-loss history (steps x terms) of the only run in a results file.
func lossHistory(_ path: String) throws -> [Double] {
    let runs = try H5File.open(path).openGroup("runs")
    let ids = try runs.childNames()
    #expect(ids.count == 1)
    return try runs.openGroup(ids[0]).openGroup("history").read("loss_terms").values
}

/// wall_time of every stored run, from the results file and from unmerged part files.
func wallTimes(_ path: String) throws -> [String: Double] {
    var out: [String: Double] = [:]
    var files = FileManager.default.fileExists(atPath: path) ? [path] : []
    let parts = path + ".parts"
    files += ((try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []).filter { $0.hasSuffix(".h5") }.map { parts + "/" + $0 }
    for file in files {
        let runs = try H5File.open(file).openGroup("runs")
        for id in try runs.childNames() { out[id] = try runs.openGroup(id).scalarDoubleAttribute("wall_time") }
    }
    return out
}

/// Labels of the runs a sweep's output reports as finished.
func finishedLabels(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("["), let r = line.range(of: "] done   ") ?? line.range(of: "] FAILED ") else { return nil }
        let rest = line[r.upperBound...]
        guard let end = rest.range(of: "  ") else { return nil }
        return String(rest[..<end.lowerBound])
    }
}

@Suite("sobolev sweep under mpirun", .serialized)
struct SweepTests {
    @Test("K = 1, 2, 3, 4 ranks per run give the same loss history within 1e-10 after 200 steps")
    func dataParallelEquivalence() throws {
        let dir = scratchFolder()
        try equivalenceExperiment.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let single = try sobolev(["sweep", "e.yaml", "--out", "k1.h5"], in: dir)
        #expect(single.status == 0, "\(single.output)")
        let reference = try lossHistory(dir + "/k1.h5")
        #expect(reference.count == 200 * 2)
        // One rank has no all-reduce to time; the timing line then says nothing of them.
        let soloRun = try H5File.open(dir + "/k1.h5").openGroup("runs")
        #expect(try soloRun.openGroup(try soloRun.childNames()[0]).scalarDoubleAttribute("allreduce_time") == 0)
        #expect(single.output.contains("timing:") && !single.output.contains("all-reduces"), "\(single.output)")
        for k in 2...4 {
            for batch in ["7", "full"] {
                let out = "k\(k)-\(batch).h5"
                let r = try mpirun(k, [sobolevBinary, "sweep", "e.yaml", "--out", out, "--ranks-per-run", "\(k)", "--set", "training.batch_size=\(batch)"], in: dir)
                #expect(r.status == 0, "\(r.output)")
                let history = try lossHistory(dir + "/" + out)
                let ref = batch == "7" ? reference : try {
                    let p = "k1-full.h5"
                    if !FileManager.default.fileExists(atPath: dir + "/" + p) {
                        _ = try sobolev(["sweep", "e.yaml", "--out", p, "--set", "training.batch_size=full"], in: dir)
                    }
                    return try lossHistory(dir + "/" + p)
                }()
                #expect(history.count == ref.count)
                let worst = zip(history, ref).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? 1
                #expect(worst < 1e-10, "K=\(k) batch \(batch): relative difference \(worst)")
                let run = try H5File.open(dir + "/" + out).openGroup("runs")
                let stored = try run.openGroup(try run.childNames()[0])
                #expect(try stored.intAttribute("ranks") == [k])
                // Time in the group's all-reduces: part of the training time, and in the timing line.
                let allReduce = try stored.scalarDoubleAttribute("allreduce_time"), train = try stored.scalarDoubleAttribute("train_time")
                #expect(allReduce > 0 && allReduce < train, "K=\(k): allreduce_time \(allReduce) s of train_time \(train) s")
                #expect(r.output.contains("(all-reduces, waiting for the slower ranks included, "), "\(r.output)")
            }
        }
    }

    @Test("every weighting scheme gives the same lambda trajectory with 1 and 3 ranks; the scheme and its constants are stored")
    func weightingTrajectories() throws {
        let dir = scratchFolder()
        try equivalenceExperiment.replacingOccurrences(of: "training:\n", with: "loss:\n  scheme: [lmax, cdmin, lra, uncertainty, softadapt, relobralo, gradnorm, ntk]\n  ntk_every: 10\ntraining:\n")
            .replacingOccurrences(of: "  epochs: 40\n", with: "  epochs: 20\n")
            .write(toFile: dir + "/w.yaml", atomically: true, encoding: .utf8)
        let one = try sobolev(["sweep", "w.yaml", "--out", "w1.h5"], in: dir)
        #expect(one.status == 0, "\(one.output)")
        let three = try mpirun(3, [sobolevBinary, "sweep", "w.yaml", "--out", "w3.h5", "--ranks-per-run", "3"], in: dir)
        #expect(three.status == 0, "\(three.output)")
        let a = try H5File.open(dir + "/w1.h5").openGroup("runs"), b = try H5File.open(dir + "/w3.h5").openGroup("runs")
        #expect(try a.childNames() == b.childNames())
        #expect(try a.childNames().count == 8)
        var schemes = Set<String>()
        for id in try a.childNames() {
            let ra = try a.openGroup(id), rb = try b.openGroup(id)
            let scheme = try ra.scalarStringAttribute("loss.scheme")
            schemes.insert(scheme)
            let (la, shape) = try ra.openGroup("history").read("lambda")
            let lb = try rb.openGroup("history").read("lambda").values
            #expect(shape == [100, 2])
            let worst = zip(la, lb).map { abs($0 - $1) / max(abs($0), 1e-300) }.max() ?? 1
            #expect(worst < 1e-10, "\(scheme): lambda trajectories differ by \(worst)")
            #expect(Set(la).count > 1 || scheme == "ntk", "\(scheme): lambdas never changed")
            #expect(try rb.intAttribute("ranks") == [3])
            #expect(try ra.openGroup("history").openDataset("lambda").stringAttribute("term_names") == ["value", "grad_1"])
        }
        #expect(schemes.count == 8)
        // Each run records its scheme's constants (and only those).
        let lmax = try a.childNames().map { try a.openGroup($0) }.first { try $0.scalarStringAttribute("loss.scheme") == "lmax" }!
        #expect(try lmax.scalarDoubleAttribute("loss.eta") == 0.01)
        #expect(!lmax.hasAttribute("loss.temperature"))
        let ntk = try a.childNames().map { try a.openGroup($0) }.first { try $0.scalarStringAttribute("loss.scheme") == "ntk" }!
        #expect(try ntk.intAttribute("loss.ntk_every") == [10])
        #expect(try ntk.scalarStringAttribute("loss.ntk_mode") == "exact")
    }

    @Test("every grid point is trained exactly once, with groups of 1 and of 2", arguments: [1, 2])
    func exactlyOnce(ranksPerRun: Int) throws {
        let dir = scratchFolder("exactlyOnce\(ranksPerRun)")
        try gridExperiment.write(toFile: dir + "/g.yaml", atomically: true, encoding: .utf8)
        let r = try mpirun(4, [sobolevBinary, "sweep", "g.yaml", "--out", "g.h5", "--ranks-per-run", "\(ranksPerRun)", "--verbose"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let labels = finishedLabels(r.stdout)
        #expect(labels.count == 12, "\(r.stdout)")
        #expect(Set(labels).count == 12)
        let starts = r.stdout.split(separator: "\n").filter { $0.hasPrefix("group ") && $0.contains(": start ") }
        #expect(starts.count == 12)
        #expect(Set(starts.map { $0.split(separator: " ")[1] }).count == 4 / ranksPerRun)   // every group worked
        let runs = try H5File.open(dir + "/g.h5").openGroup("runs")
        #expect(try runs.childNames().count == 12)
        for id in try runs.childNames() {
            #expect(try runs.openGroup(id).scalarStringAttribute("status") == "completed")
            #expect(try runs.openGroup(id).intAttribute("ranks") == [ranksPerRun])
        }
        // Again: nothing left to train.
        let again = try mpirun(2, [sobolevBinary, "sweep", "g.yaml", "--out", "g.h5"], in: dir)
        #expect(again.status == 0 && again.stdout.contains("12 stored, 0 to train"), "\(again.output)")
        #expect(finishedLabels(again.stdout).isEmpty)
    }

    @Test("merging while other groups save parts never loses the parts folder (many tiny runs, merges every millisecond)")
    func mergeRace() throws {
        let dir = scratchFolder()
        try tinyExperiment.replacingOccurrences(of: "epochs: 200", with: "epochs: 1")
            .replacingOccurrences(of: "seeds: 1", with: "seeds: 30")
            .write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        for attempt in 0..<3 {
            let out = "race\(attempt).h5"
            let r = try mpirun(4, [sobolevBinary, "sweep", "t.yaml", "--out", out, "--merge-every", "0.001"], in: dir, timeout: 60)
            #expect(r.status == 0, "attempt \(attempt): \(r.output)")
            #expect(try H5File.open(dir + "/" + out).openGroup("runs").childNames().count == 60, "attempt \(attempt)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + out + ".parts"))
        }
    }

    @Test("--dry-run prints the grid, what is complete and the plan, and writes nothing")
    func dryRun() throws {
        let dir = scratchFolder()
        try gridExperiment.write(toFile: dir + "/g.yaml", atomically: true, encoding: .utf8)
        let r = try mpirun(2, [sobolevBinary, "sweep", "g.yaml", "--out", "g.h5", "--dry-run"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.stdout.contains("axis model.width: 6, 8, 10"))
        #expect(r.stdout.contains("stored: 0 completed, 0 failed"))
        #expect(r.stdout.contains("plan: train 12 runs on 2 rank(s) in 2 group(s) of 1"))
        #expect(r.stdout.components(separatedBy: "  train     ").count - 1 == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["g.yaml"])
    }

    @Test("kill -9 of a rank at a random moment, then the same command finishes the rest without retraining")
    func resumeAfterKill() throws {
        let dir = scratchFolder()
        // Longer runs so that the kill lands in the middle of the sweep.
        try gridExperiment.replacingOccurrences(of: "epochs: 150", with: "epochs: 8000")
            .write(toFile: dir + "/g.yaml", atomically: true, encoding: .utf8)
        // The test's own random choice of moment and victim: after a random number of runs has
        // finished (so the kill lands mid-sweep on a fast or a slow machine), plus a random
        // fraction of a run. The seed is in every failure message.
        let seed = UInt64(Date().timeIntervalSince1970)
        var moment = SeededRNG(seed: seed)
        let afterRuns = 1 + moment.integer(below: 7)
        let extra = 0.4 * moment.uniform()
        let victimRank = moment.integer(below: 3)
        let note = "seed \(seed): kill \(String(format: "%.2f", extra)) s after \(afterRuns) runs finished, rank \(victimRank)"

        let log = dir + "/sweep.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let job = Process()
        job.executableURL = URL(fileURLWithPath: which("mpirun"))
        job.arguments = mpirunArguments(3) + [sobolevBinary, "sweep", "g.yaml", "--out", "kill.h5", "--merge-every", "0.5"]
        job.currentDirectoryURL = URL(fileURLWithPath: dir)
        job.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log)); job.standardError = FileHandle.nullDevice
        try job.run()
        let waitLimit = Date().addingTimeInterval(120)
        while job.isRunning && Date() < waitLimit {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if finishedLabels(text).count >= afterRuns { break }
            usleep(10_000)
        }
        usleep(useconds_t(extra * 1e6))
        let pids = try run(which("pgrep"), ["-f", "sobolev sweep g.yaml --out kill.h5"]).stdout
            .split(separator: "\n").compactMap { Int32($0) }.filter { $0 != job.processIdentifier }.sorted()
        if !pids.isEmpty { kill(pids[min(victimRank, pids.count - 1)], SIGKILL) }
        let deadline = Date().addingTimeInterval(60)
        while job.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!job.isRunning, "mpirun did not end after the kill (\(note))")
        if job.isRunning { job.terminate() }
        #expect(job.terminationStatus != 0, "the sweep finished before the kill (\(note))")

        // The results file opens after the kill, and nothing half-written looks whole. A kill
        // before rank 0's first merge leaves no results file yet: the finished runs are then all
        // in the parts folder (each part is saved before its run is reported finished).
        if FileManager.default.fileExists(atPath: dir + "/kill.h5") {
            #expect(try run(which("h5dump"), ["-H", dir + "/kill.h5"]).status == 0, "\(note)")
        }
        let before = try ResultsStore(path: dir + "/kill.h5").storedRuns()
        #expect(before.count >= afterRuns, "a finished run was lost (\(note))")
        #expect(before.values.allSatisfy { $0 == .completed })
        #expect(before.count < 12, "the kill came after the sweep had finished (\(note))")
        let wallBefore = try wallTimes(dir + "/kill.h5")
        #expect(Set(wallBefore.keys) == Set(before.keys))
        let rerun = try mpirun(3, [sobolevBinary, "sweep", "g.yaml", "--out", "kill.h5"], in: dir)
        #expect(rerun.status == 0, "\(note): \(rerun.output)")
        #expect(rerun.stdout.contains("\(before.count) stored, \(12 - before.count) to train"), "\(note): \(rerun.stdout)")
        #expect(finishedLabels(rerun.stdout).count == 12 - before.count, "\(note)")

        let runs = try H5File.open(dir + "/kill.h5").openGroup("runs")
        #expect(try runs.childNames().count == 12, "\(note)")
        for id in try runs.childNames() { #expect(try runs.openGroup(id).scalarStringAttribute("status") == "completed") }
        // Runs finished before the kill were kept, not retrained (same wall time to the bit).
        for (id, wall) in wallBefore { #expect(try runs.openGroup(id).scalarDoubleAttribute("wall_time") == wall, "\(note): \(id) retrained") }
        #expect(try run(which("h5dump"), ["-H", dir + "/kill.h5"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/g.h5.parts"))
    }

    @Test("a diverged run is recorded as failed with its step and reason, the sweep goes on; --retry-failed trains it again")
    func divergedRuns() throws {
        let dir = scratchFolder()
        // SGD with a huge learning rate diverges; Adam at 1e-2 does not.
        try gridExperiment.replacingOccurrences(of: "  learning_rate: 0.01", with: "  optimizer: [adam, sgd]\n  learning_rate: 1.0e+3\n  standardize: false")
            .replacingOccurrences(of: "  width: [6, 8, 10]", with: "  width: 6")
            .write(toFile: dir + "/d.yaml", atomically: true, encoding: .utf8)
        let r = try mpirun(2, [sobolevBinary, "sweep", "d.yaml", "--out", "d.h5"], in: dir)
        #expect(r.status == 2, "\(r.output)")   // finished, but with failed runs
        #expect(r.stdout.contains("FAILED"))
        let runs = try H5File.open(dir + "/d.h5").openGroup("runs")
        var failed = 0
        for id in try runs.childNames() {
            let g = try runs.openGroup(id)
            guard try g.scalarStringAttribute("status") == "failed" else { continue }
            failed += 1
            #expect(try g.scalarStringAttribute("training.optimizer") == "sgd")
            #expect(try g.scalarStringAttribute("error").contains("diverged"))
            #expect(try g.intAttribute("failure_step")[0] >= 0)
        }
        #expect(failed >= 1 && failed <= 4)
        #expect(try runs.childNames().count == 8)
        let again = try mpirun(2, [sobolevBinary, "sweep", "d.yaml", "--out", "d.h5"], in: dir)
        #expect(again.stdout.contains("0 to train") && finishedLabels(again.stdout).isEmpty, "\(again.output)")
        let retry = try mpirun(2, [sobolevBinary, "sweep", "d.yaml", "--out", "d.h5", "--retry-failed"], in: dir)
        #expect(finishedLabels(retry.stdout).count == failed, "\(retry.output)")
    }

    @Test("a rank that hits bad input ends the whole job with a clear message instead of hanging")
    func badInputEndsTheJob() throws {
        let dir = scratchFolder()
        try "name: bad\nmodel:\n  width: -3\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try mpirun(3, [sobolevBinary, "sweep", "bad.yaml", "--out", "b.h5"], in: dir, timeout: 60)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad.yaml:3") && bad.stderr.contains("model.width") && bad.stderr.contains("-3"), "\(bad.output)")
        // Only rank 0 reads the file: the others wait for it and must be ended, not left hanging.
        let missing = try mpirun(3, [sobolevBinary, "sweep", "missing.yaml", "--out", "m.h5"], in: dir, timeout: 60)
        #expect(missing.status != 0 && missing.stderr.contains("missing.yaml"), "\(missing.output)")
        let tooMany = try mpirun(2, [sobolevBinary, "sweep", "bad.yaml", "--out", "m.h5", "--ranks-per-run", "3"], in: dir, timeout: 60)
        #expect(tooMany.status != 0 && tooMany.stderr.contains("--ranks-per-run 3"), "\(tooMany.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/b.h5") && !FileManager.default.fileExists(atPath: dir + "/m.h5"))
    }
}
