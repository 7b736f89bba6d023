// `sobolev run` and `sobolev gradients` as a user runs them.
import Foundation
import Testing
import SobolevCore
import SobolevStore
import SobolevHDF5
import SobolevExperiment

@Suite("sobolev run", .serialized)
struct RunCommandTests {
    @Test("trains every grid point, prints progress and where the results went; h5dump reads the file")
    func runWritesResults() throws {
        let dir = scratchFolder()
        try tinyExperiment.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "tiny.yaml", "--out", "out/tiny.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.stdout.contains("[1/2]") && r.stdout.contains("[2/2]"))
        #expect(r.stdout.contains("results: out/tiny.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/tiny.h5.parts"))
        let dump = try run(which("h5dump"), ["-H", dir + "/out/tiny.h5"])
        #expect(dump.status == 0)
        #expect(dump.stdout.contains("\"history\"") && dump.stdout.contains("\"metrics\"") && dump.stdout.contains("\"model\""))
        let f = try H5File.open(dir + "/out/tiny.h5")
        #expect(try f.openGroup("runs").childNames().count == 2)
    }

    @Test("an existing results file is not overwritten without --force, and is replaced with it")
    func noOverwriteWithoutForce() throws {
        let dir = scratchFolder()
        try tinyExperiment.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        try "keep me".write(toFile: dir + "/r.h5", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "tiny.yaml", "--out", "r.h5"], in: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("r.h5") && r.stderr.contains("--force"))
        #expect(try String(contentsOfFile: dir + "/r.h5", encoding: .utf8) == "keep me")
        let forced = try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--force", "--set", "loss.lambda_grad=1"], in: dir)
        #expect(forced.status == 0, "\(forced.output)")
        #expect(try H5File.open(dir + "/r.h5").openGroup("runs").childNames().count == 1)
    }

    @Test("--force never removes a folder; it replaces a results file and says what it discards")
    func forceReplacesOnlyFiles() throws {
        let dir = scratchFolder()
        try tinyExperiment.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/some_dir", withIntermediateDirectories: true)
        try "mine".write(toFile: dir + "/some_dir/notes.txt", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "tiny.yaml", "--out", "some_dir", "--force"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("some_dir") && r.stderr.contains("folder"), "\(r.output)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try String(contentsOfFile: dir + "/some_dir/notes.txt", encoding: .utf8) == "mine")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["some_dir", "tiny.yaml"])

        #expect(try sobolev(["run", "tiny.yaml", "--out", "r.h5"], in: dir).status == 0)
        let forced = try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--force", "--set", "loss.lambda_grad=1"], in: dir)
        #expect(forced.status == 0, "\(forced.output)")
        #expect(forced.stdout.contains("2 stored run(s) are discarded"), "\(forced.stdout)")
        #expect(try H5File.open(dir + "/r.h5").openGroup("runs").childNames().count == 1)
    }

    @Test("a data-file error leaves nothing behind, and the corrected command then runs")
    func dataErrorLeavesNothing() throws {
        let dir = scratchFolder()
        try "name: d\nproblem:\n  name: dataset\n  file: d.h5\ntraining:\n  epochs: 20\nloss:\n  lambda_grad: 0\n".write(toFile: dir + "/d.yaml", atomically: true, encoding: .utf8)
        let x = (0..<20).map { Double($0) / 20 }
        try H5File.writeAtomically(dir + "/d.h5") { f in
            try f.write("X", x, shape: [20, 1]); try f.write("Y", x.map { $0 == 0.5 ? .nan : $0 * $0 }, shape: [20, 1])
        }
        let bad = try sobolev(["run", "d.yaml", "--out", "out/d.h5"], in: dir)
        #expect(bad.status == 1 && bad.stderr.contains("d.h5") && bad.stderr.contains("nan"), "\(bad.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["d.h5", "d.yaml"])
        try FileManager.default.removeItem(atPath: dir + "/d.h5")
        try H5File.writeAtomically(dir + "/d.h5") { f in
            try f.write("X", x, shape: [20, 1]); try f.write("Y", x.map { $0 * $0 }, shape: [20, 1])
        }
        let good = try sobolev(["run", "d.yaml", "--out", "out/d.h5"], in: dir)
        #expect(good.status == 0, "\(good.output)")
        #expect(try H5File.open(dir + "/out/d.h5").openGroup("runs").childNames().count == 1)
    }

    @Test("a full disk: one clear line, no crash, no empty results file, no empty parts folder, finished runs kept")
    func fullDisk() throws {
        let experiment = tinyExperiment.replacingOccurrences(of: "epochs: 200", with: "epochs: 20")
            .replacingOccurrences(of: "seeds: 1", with: "seeds: 20")
        for size in ["16k", "256k"] {
            let dir = scratchFolder("fullDisk\(size)")
            try experiment.write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
            let disk = dir + "/disk"
            try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
            let mounted = try run(which("mount"), ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", disk])
            guard mounted.status == 0 else {
                print("skipped: cannot mount a small tmpfs to fill (\(mounted.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
                return
            }
            defer { _ = try? run(which("umount"), [disk]) }
            let r = try sobolev(["run", "t.yaml", "--out", "disk/r.h5"], in: dir)
            #expect(r.status == 1, "\(size): \(r.output)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && r.stderr.contains("No space left on device"), "\(size): \(r.stderr)")
            #expect(!r.output.contains("crash") && !r.output.contains("Signal"), "\(size): \(r.output)")
            let left = try FileManager.default.contentsOfDirectory(atPath: disk)
            #expect(left.allSatisfy { !$0.contains(".tmp-") }, "\(size): \(left)")
            if FileManager.default.fileExists(atPath: disk + "/r.h5") {
                #expect(try run(which("h5dump"), ["-H", disk + "/r.h5"]).status == 0)
            }
            let parts = (try? FileManager.default.contentsOfDirectory(atPath: disk + "/r.h5.parts")) ?? []
            #expect(parts.allSatisfy { $0.hasSuffix(".h5") }, "\(size): \(parts)")
            if size == "16k" {
                #expect(left.isEmpty, "the first run could not be saved: nothing may be left (\(left))")
            } else {
                // Finished runs are never lost: merged, or kept as parts that the message names.
                let stored = try ResultsStore(path: disk + "/r.h5").storedRuns()
                #expect(stored.count >= 1 && (parts.isEmpty || r.stderr.contains("kept in")), "\(r.stderr)")
                for part in parts { #expect(try run(which("h5dump"), ["-H", disk + "/r.h5.parts/" + part]).status == 0) }
            }
        }
    }

    @Test("the memory estimate of a fused run with 300 inputs is what it holds: at most its peak, and no more than 1.5 times it plus the binary")
    func fusedEstimateMatchesPeak() throws {
        let dir = scratchFolder()
        try "name: wide\nproblem: {name: ackley, dimension: 300, train_samples: 3000, validation_samples: 0, test_samples: 10}\nmodel: {depth: 2, width: 256}\ntraining: {epochs: 2}\n"
            .write(toFile: dir + "/w.yaml", atomically: true, encoding: .utf8)
        let plan = try sobolev(["sweep", "w.yaml", "--out", "w.h5", "--dry-run"], in: dir)
        let line = try #require(plan.stdout.split(separator: "\n").first { $0.contains("every run") && $0.contains("step arrays") }, "\(plan.output)")
        let words = line.split(separator: " ")
        let estimate = try #require(Double(words[0])) * (words[1] == "GB" ? 1024 : words[1] == "MB" ? 1 : 1.0 / 1024)
        // Per-term steps would hold 1 + 300 row blocks a layer (GBs); the fixed scheme's fused steps hold 2.
        #expect(estimate < 400, "\(line)")
        let measured = try run(which("python3"), ["-c", """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], capture_output=True)
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            """, sobolevBinary, "run", "w.yaml", "--out", "w.h5"], in: dir)
        let fields = measured.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(fields.first == "0", "\(measured.output)")
        let peak = try #require(Double(fields.last ?? ""), "\(measured.output)")
        #expect(estimate <= peak && peak <= 1.5 * estimate + 100, "estimate \(estimate) MB, peak \(peak) MB")
    }

    @Test("the same run command again continues: finished runs kept, the rest trained")
    func runResumes() throws {
        let dir = scratchFolder()
        try tinyExperiment.replacingOccurrences(of: "epochs: 200", with: "epochs: 6000")
            .write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        let log = dir + "/run.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let job = Process()
        job.executableURL = URL(fileURLWithPath: sobolevBinary)
        job.arguments = ["run", "tiny.yaml", "--out", "r.h5"]
        job.currentDirectoryURL = URL(fileURLWithPath: dir)
        job.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try job.run()
        let limit = Date().addingTimeInterval(120)
        while job.isRunning && Date() < limit && !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("[1/2]") { usleep(10_000) }
        kill(job.processIdentifier, SIGKILL)
        job.waitUntilExit()
        #expect(try ResultsStore(path: dir + "/r.h5").storedRuns().count == 1)
        let again = try sobolev(["run", "tiny.yaml", "--out", "r.h5"], in: dir)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.stdout.contains("1 stored, 1 to train"), "\(again.stdout)")
        #expect(try H5File.open(dir + "/r.h5").openGroup("runs").childNames().count == 2)
        let done = try sobolev(["run", "tiny.yaml", "--out", "r.h5"], in: dir)
        #expect(done.status == 0 && done.stdout.contains("2 stored, 0 to train"), "\(done.output)")
    }

    @Test("an experiment that includes every stored run extends the results file (more seeds, --sets reordered, --threads, a comment); one that changes a stored run is refused")
    func experimentThatIncludesTheStoredRunsExtendsTheFile() throws {
        let dir = scratchFolder()
        try tinyExperiment.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        let first = try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--set", "training.epochs=50", "--set", "model.width=6"], in: dir)
        #expect(first.status == 0, "\(first.output)")
        let ids = try H5File.open(dir + "/r.h5").openGroup("runs").childNames()
        // Reordered --sets, more seeds and --threads: the stored runs stay, two more are trained.
        let more = try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--set", "model.width=6", "--set", "training.epochs=50", "--set", "seeds=2", "--threads", "2"], in: dir)
        #expect(more.status == 0 && more.stdout.contains("whose 2 stored run(s) are all runs of this one") && more.stdout.contains("4 runs, 2 stored, 2 to train"), "\(more.output)")
        let f = try H5File.open(dir + "/r.h5")
        let now = try f.openGroup("runs").childNames()
        #expect(Set(ids).isSubset(of: Set(now)) && now.count == 4)
        #expect(try f.scalarIntAttribute("total_runs") == 4 && (try f.scalarStringAttribute("overrides")).contains("seeds=2"))
        // An edited comment in the file extends it too; a changed value is refused, naming a run.
        try ("# widths of six\n" + tinyExperiment).write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        let comment = try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--set", "model.width=6", "--set", "training.epochs=50", "--set", "seeds=2"], in: dir)
        #expect(comment.status == 0 && comment.stdout.contains("4 stored, 0 to train"), "\(comment.output)")
        let changed = try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--set", "model.width=6", "--set", "training.epochs=60", "--set", "seeds=2"], in: dir)
        #expect(changed.status == 1 && changed.stderr.contains("is not a run of this experiment"), "\(changed.output)")
        let dry = try sobolev(["sweep", "tiny.yaml", "--out", "r.h5", "--set", "model.width=6", "--set", "training.epochs=60", "--dry-run"], in: dir)
        #expect(dry.status == 1 && dry.stderr.contains("is not a run of this experiment"), "\(dry.output)")
    }

    @Test("a bad experiment file: message names file, line, key and value; exit 1; nothing written")
    func badExperiment() throws {
        let dir = scratchFolder()
        try "name: bad\ntraining:\n  learning_rate: -0.5\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "bad.yaml", "--out", "bad.h5"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.yaml:3"))
        #expect(r.stderr.contains("training.learning_rate"))
        #expect(r.stderr.contains("-0.5"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad.yaml"])
        let missing = try sobolev(["run", "nope.yaml"], in: dir)
        #expect(missing.status == 1 && missing.stderr.contains("nope.yaml"))
    }

    @Test("works when started under mpirun with one rank; refuses several ranks")
    func underMpirun() throws {
        let dir = scratchFolder()
        try tinyExperiment.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        let one = try mpirun(1, [sobolevBinary, "run", "tiny.yaml", "--out", "m.h5"], in: dir)
        #expect(one.status == 0, "\(one.output)")
        #expect(try H5File.open(dir + "/m.h5").openGroup("runs").childNames().count == 2)
        let two = try mpirun(2, [sobolevBinary, "run", "tiny.yaml", "--out", "m2.h5"], in: dir)
        #expect(two.status != 0)
        #expect(two.output.contains("sobolev sweep"))
    }

    @Test("sobolev gradients writes every term and every term's gradient per parameter array")
    func gradients() throws {
        let dir = scratchFolder()
        try tinyExperiment.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        #expect(try sobolev(["run", "tiny.yaml", "--out", "r.h5", "--set", "loss.lambda_grad=1"], in: dir).status == 0)
        var rng = SeededRNG(seed: 4)
        let x = (0..<12).map { _ in rng.uniform(-1, 1) }
        let data = Dataset(inputs: Matrix(rows: 12, cols: 1, data: x), values: Matrix(rows: 12, cols: 1, data: x.map { sin(2 * .pi * $0) }),
                           jacobians: x.map { 2 * .pi * cos(2 * .pi * $0) })
        try DatasetFile.write(data, to: dir + "/d.h5")
        let r = try sobolev(["gradients", "--model", "r.h5", "--data", "d.h5", "--out", "g.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")

        // The same numbers from the library, on the stored model.
        let model = try ModelSelection.open(dir + "/r.h5", metric: "test_grad_rmse").model
        let sums = model.architecture.termSums(parameters: model.parameters, batch: model.standardization.normalize(data))
        let g = try H5File.open(dir + "/g.h5")
        let (losses, _) = try g.read("loss_terms")
        #expect(try g.openDataset("loss_terms").stringAttribute("term_names") == ["value", "grad_1"])
        #expect(zip(losses, sums.losses).allSatisfy { abs($0 - $1 / 12) < 1e-14 })
        let P = model.architecture.parameterCount
        for (t, term) in ["value", "grad_1"].enumerated() {
            let group = try g.openGroup("gradients").openGroup(term)
            for (name, offset, shape) in model.architecture.parameterArrays {
                let (v, s) = try group.read(name)
                #expect(s == shape)
                for k in v.indices { #expect(abs(v[k] - sums.gradients[t * P + offset + k] / 12) < 1e-14) }
            }
        }
        // Never overwritten; a model/data mismatch names the dataset.
        #expect(try sobolev(["gradients", "--model", "r.h5", "--data", "d.h5", "--out", "g.h5"], in: dir).status == 1)
        let twoD = Dataset(inputs: Matrix(rows: 2, cols: 2, data: [0, 1, 2, 3]), values: Matrix(rows: 2, cols: 1, data: [0, 1]), jacobians: nil)
        try DatasetFile.write(twoD, to: dir + "/d2.h5")
        let bad = try sobolev(["gradients", "--model", "r.h5", "--data", "d2.h5", "--out", "g2.h5"], in: dir)
        #expect(bad.status == 1 && bad.stderr.contains("d2.h5") && bad.stderr.contains("/X"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/g2.h5"))
    }
}
