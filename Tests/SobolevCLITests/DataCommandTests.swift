// `sobolev data` as a user runs it: analytic problems against their exact values, the hook
// against HookModel, the same file from 1 and 3 ranks, resume after kill -9, and errors.
import Foundation
import Testing
import SobolevCore
import SobolevFE
import SobolevProblems
import SobolevStore
import SobolevHDF5
import SobolevExperiment

/// X, Y, dY (raw values) and the shapes of a data file.
func dataArrays(_ path: String) throws -> (x: [Double], y: [Double], dy: [Double], shapes: [[Int]]) {
    let f = try H5File.open(path)
    let (x, y, dy) = (try f.read("X"), try f.read("Y"), try f.read("dY"))
    return (x.values, y.values, dy.values, [x.shape, y.shape, dy.shape])
}

/// Largest |a - b| / max(|b|, 1e-300) over two arrays of the same length.
func worstRelative(_ a: [Double], _ b: [Double]) -> Double {
    #expect(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? 0
}

@Suite("sobolev data", .serialized)
struct DataCommandTests {
    @Test("franke with the sobol sampler: shapes, inputs from the seeded sampler, exact values and Jacobians, attributes; h5dump reads it; an existing file is refused")
    func analytic() throws {
        let dir = scratchFolder()
        let r = try sobolev(["data", "franke", "--samples", "50", "--sampler", "sobol", "--out", "f.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.stdout.contains("[chunk 1/1]") && r.stdout.contains("data: f.h5"), "\(r.stdout)")
        let data = try DatasetFile.read(dir + "/f.h5")
        #expect(data.count == 50 && data.inputDimension == 2 && data.outputDimension == 1)
        #expect(try dataArrays(dir + "/f.h5").shapes == [[50, 2], [50, 1], [50, 1, 2]])

        let franke = try #require(ProblemCatalog.function(named: "franke"))
        #expect(data.inputs == Sampler(kind: .sobol, seed: 0).samples(count: 50, domain: franke.domain))
        let exact = franke.dataset(at: data.inputs)
        #expect(worstRelative(data.values.data, exact.values.data) <= 1e-12)
        #expect(worstRelative(data.jacobians ?? [], exact.jacobians ?? []) <= 1e-12)

        let f = try H5File.open(dir + "/f.h5")
        #expect(try f.scalarStringAttribute("format") == "sobolev-dataset")
        #expect(try f.scalarStringAttribute("problem") == "franke")
        #expect(try f.scalarStringAttribute("sampler") == "sobol")
        #expect(try f.intAttribute("seed") == [0] && f.intAttribute("samples") == [50])
        #expect(try f.scalarStringAttribute("noise") == "none")
        #expect(try f.scalarDoubleAttribute("data_generation_time") > 0)
        #expect(try f.scalarDoubleAttribute("simulation_time_per_sample") > 0)
        let times = try f.read("solve_time")
        #expect(times.shape == [50] && times.values.allSatisfy { $0 > 0 })
        #expect(!FileManager.default.fileExists(atPath: dir + "/f.h5.parts"))

        let dump = try run(which("h5dump"), ["-H", "-A", dir + "/f.h5"])
        #expect(dump.status == 0 && dump.stdout.contains("simulation_time_per_sample") && dump.stdout.contains("\"dY\""))

        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/f.h5"))
        let again = try sobolev(["data", "franke", "--samples", "10", "--sampler", "halton", "--out", "f.h5"], in: dir)
        #expect(again.status == 1 && again.stderr.contains("f.h5") && again.stderr.contains("not overwritten"), "\(again.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/f.h5")) == before)
    }

    @Test("--dimension: rosenbrock in 9 dimensions, exact values and gradients; the neo-Hookean energy")
    func dimension() throws {
        let dir = scratchFolder()
        let r = try sobolev(["data", "rosenbrock", "--dimension", "9", "--samples", "12", "--sampler", "halton", "--out", "r.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(try dataArrays(dir + "/r.h5").shapes == [[12, 9], [12, 1], [12, 1, 9]])
        let data = try DatasetFile.read(dir + "/r.h5")
        let exact = Rosenbrock(dimension: 9).dataset(at: data.inputs)
        #expect(worstRelative(data.values.data, exact.values.data) <= 1e-12)
        #expect(worstRelative(data.jacobians ?? [], exact.jacobians ?? []) <= 1e-12)
        let n = try sobolev(["data", "neo_hookean_3d", "--samples", "8", "--sampler", "sobol", "--out", "n.h5"], in: dir)
        #expect(n.status == 0, "\(n.output)")
        #expect(try dataArrays(dir + "/n.h5").shapes == [[8, 6], [8, 1], [8, 1, 6]])
    }

    @Test("d2Y: muller_brown's exact Hessians from 1 and 2 ranks to the bit; h5dump shows it; --no-hessians leaves it out")
    func hessians() throws {
        let dir = scratchFolder()
        let arguments = [sobolevBinary, "data", "muller_brown", "--samples", "9", "--sampler", "halton", "--chunk-size", "2"]
        let one = try mpirun(1, arguments + ["--out", "h1.h5"], in: dir)
        #expect(one.status == 0 && one.stdout.contains("d2Y [9, 1, 2, 2]"), "\(one.output)")
        let two = try mpirun(2, arguments + ["--out", "h2.h5"], in: dir)
        #expect(two.status == 0, "\(two.output)")
        let (a, b) = (try DatasetFile.read(dir + "/h1.h5"), try DatasetFile.read(dir + "/h2.h5"))
        #expect(a.hessians != nil && a == b)
        let exact = try #require(ProblemCatalog.function(named: "muller_brown"))
        let truth = (0..<9).flatMap { exact.hessian(at: a.inputs.row($0)) }
        #expect(worstRelative(a.hessians!, truth) <= 1e-12)
        let dump = try run(which("h5dump"), ["-H", dir + "/h2.h5"])
        #expect(dump.status == 0 && dump.stdout.contains("DATASET \"d2Y\"") && dump.stdout.contains("( 9, 1, 2, 2 )"), "\(dump.stdout)")

        let plain = try sobolev(["data", "muller_brown", "--samples", "9", "--sampler", "halton", "--no-hessians", "--out", "p.h5"], in: dir)
        #expect(plain.status == 0 && !plain.stdout.contains("d2Y"), "\(plain.output)")
        #expect(try !H5File.open(dir + "/p.h5").contains("d2Y"))
        #expect(try DatasetFile.read(dir + "/p.h5") == Dataset(inputs: a.inputs, values: a.values, jacobians: a.jacobians))
    }

    @Test("a data file with d2Y through run and report: Hessian metrics, test d2Y and d2Y_pred stored, Hessian parity drawn")
    func hessiansThroughRunAndReport() throws {
        let dir = scratchFolder()
        #expect(try sobolev(["data", "beale", "--samples", "40", "--sampler", "halton", "--out", "d.h5"], in: dir).status == 0)
        try "name: h\nproblem:\n  name: dataset\n  file: d.h5\nmodel:\n  width: 8\ntraining:\n  epochs: 20\n"
            .write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "e.yaml", "--out", "r.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let runs = try H5File.open(dir + "/r.h5").openGroup("runs")
        let run = try runs.openGroup(try runs.childNames()[0])
        #expect(try run.openGroup("metrics").scalarDoubleAttribute("test_hess_rmse") > 0)
        #expect(try run.openGroup("metrics").scalarDoubleAttribute("train_hess_rel_l2") > 0)
        let test = try run.openGroup("test")
        #expect(try test.read("d2Y").shape == [6, 1, 2, 2] && test.read("d2Y_pred").shape == [6, 1, 2, 2])
        let report = try sobolev(["report", "r.h5", "--out", "rep"], in: dir)
        #expect(report.status == 0, "\(report.output)")
        let page = try String(contentsOfFile: dir + "/rep/index.html", encoding: .utf8)
        #expect(page.contains("Parity of Hessians") && page.contains("test_hess_rmse"))
    }

    @Test("noise as experiments add it: values noisy from the seed, derivatives untouched")
    func noise() throws {
        let dir = scratchFolder()
        let r = try sobolev(["data", "sine", "--samples", "20", "--sampler", "uniform", "--seed", "3",
                             "--value-noise", "gaussian:0.1", "--out", "n.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let data = try DatasetFile.read(dir + "/n.h5")
        let sine = try #require(ProblemCatalog.function(named: "sine"))
        let clean = sine.dataset(at: Sampler(kind: .uniform, seed: 3).samples(count: 20, domain: sine.domain))
        let expected = noisy(clean, valueNoise: NoiseModel(kind: .gaussian, level: 0.1), gradientNoise: .none, seed: 3)
        #expect(data.inputs == clean.inputs)
        #expect(worstRelative(data.values.data, expected.values.data) <= 1e-12)
        #expect(data.values != clean.values)
        #expect(data.jacobians == clean.jacobians)
        let f = try H5File.open(dir + "/n.h5")
        #expect(try f.scalarStringAttribute("value_noise") == "gaussian:0.1" && f.scalarStringAttribute("grad_noise") == "none")
    }

    @Test("bad arguments name the value; nothing is written")
    func badArguments() throws {
        let dir = scratchFolder()
        let cases: [([String], String)] = [
            (["data", "frankee", "--samples", "5", "--sampler", "sobol", "--out", "a.h5"], "'frankee'"),
            (["data", "franke", "--samples", "5", "--sampler", "sobl", "--out", "a.h5"], "'sobl'"),
            (["data", "franke", "--samples", "0", "--sampler", "sobol", "--out", "a.h5"], "--samples"),
            (["data", "franke", "--samples", "5", "--sampler", "sobol", "--value-noise", "gaussian:-1", "--out", "a.h5"], "gaussian:-1"),
            (["data", "hook", "--samples", "5", "--sampler", "sobol", "--material", "rubber", "--out", "a.h5"], "'rubber'"),
            (["data", "franke", "--samples", "5", "--sampler", "sobol", "--material", "linear", "--out", "a.h5"], "--material"),
            (["data", "franke", "--samples", "5", "--sampler", "sobol", "--dimension", "3", "--out", "a.h5"], "--dimension 3"),
            (["data", "rosenbrock", "--samples", "5", "--sampler", "sobol", "--dimension", "1", "--out", "a.h5"], "got 1"),
            (["data", "hook", "--samples", "5", "--sampler", "sobol", "--dimension", "3", "--out", "a.h5"], "--dimension"),
            // The file is HDF5: a .csv name would be read as a CSV table, and other names hide what it is.
            (["data", "sine", "--samples", "5", "--sampler", "sobol", "--out", "a.csv"], "--out a.csv"),
            (["data", "sine", "--samples", "5", "--sampler", "sobol", "--out", "a"], "--out a:"),
            // A level on none would be dropped (recorded as none), as in experiments it does not apply.
            (["data", "sine", "--samples", "5", "--sampler", "sobol", "--value-noise", "none:0.1", "--out", "a.h5"], "--value-noise 'none:0.1'"),
            (["data", "sine", "--samples", "5", "--sampler", "sobol", "--grad-noise", "none:0", "--out", "a.h5"], "--grad-noise 'none:0'"),
        ]
        for (arguments, named) in cases {
            let r = try sobolev(arguments, in: dir)
            #expect(r.status == 1 && r.stderr.contains(named), "\(arguments): \(r.output)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        // .hdf5 (any case) is an HDF5 name as well as .h5.
        let hdf5 = try sobolev(["data", "sine", "--samples", "5", "--sampler", "sobol", "--out", "a.HDF5"], in: dir)
        #expect(hdf5.status == 0, "\(hdf5.output)")
        #expect(try DatasetFile.read(dir + "/a.HDF5").count == 5)
    }

    @Test("hook (St Venant-Kirchhoff): values and sensitivities equal HookModel.evaluate; model constants stored")
    func hookMatchesModel() throws {
        let dir = scratchFolder()
        let r = try sobolev(["data", "hook", "--samples", "2", "--sampler", "halton", "--out", "h.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let data = try DatasetFile.read(dir + "/h.h5")
        #expect(data.inputs == Sampler(kind: .halton, seed: 0).samples(count: 2, domain: HookModel.designDomain))
        for i in 0..<2 {
            let (values, jacobian) = try HookModel().evaluate(design: data.inputs.row(i))
            #expect(worstRelative(data.values.row(i), values) <= 1e-12)
            #expect(worstRelative(Array(data.jacobians![(i * 4)..<(i * 4 + 4)]), jacobian) <= 1e-12)
        }
        let f = try H5File.open(dir + "/h.h5")
        #expect(try f.scalarStringAttribute("problem") == "hook" && f.scalarStringAttribute("material") == "svk")
        #expect(try f.stringAttribute("input_names") == HookModel.designNames && f.stringAttribute("output_names") == ["ux", "uy"])
        #expect(try f.scalarDoubleAttribute("youngs_modulus") == 210_000 && f.intAttribute("load_steps") == [5])
        #expect(try f.doubleAttribute("tip_load") == [0, -2])
        #expect(try f.read("solve_time").shape == [2])
    }

    @Test("hook under mpirun: 1 and 3 ranks give the same X, Y, dY to the bit, and every rank solved")
    func hookRanks() throws {
        let dir = scratchFolder()
        let arguments = ["data", "hook", "--samples", "12", "--sampler", "halton", "--material", "linear"]
        let one = try mpirun(1, [sobolevBinary] + arguments + ["--out", "r1.h5"], in: dir)
        #expect(one.status == 0, "\(one.output)")
        let three = try mpirun(3, [sobolevBinary] + arguments + ["--out", "r3.h5"], in: dir)
        #expect(three.status == 0, "\(three.output)")
        for rank in 0..<3 { #expect(three.stdout.contains("by rank \(rank);"), "\(three.stdout)") }
        let (a, b) = (try dataArrays(dir + "/r1.h5"), try dataArrays(dir + "/r3.h5"))
        #expect(a.shapes == [[12, 2], [12, 2], [12, 2, 2]] && b.shapes == a.shapes)
        #expect(a.x == b.x && a.y == b.y && a.dy == b.dy)
        #expect(try H5File.open(dir + "/r3.h5").intAttribute("ranks") == [3])
        #expect(try !H5File.open(dir + "/r3.h5").contains("d2Y"))   // the FE model has no Hessians
        for i in [0, 11] {
            let (values, jacobian) = try HookModel(material: .linearElastic).evaluate(design: Array(b.x[(2 * i)..<(2 * i + 2)]))
            #expect(worstRelative(Array(b.y[(2 * i)..<(2 * i + 2)]), values) <= 1e-12)
            #expect(worstRelative(Array(b.dy[(4 * i)..<(4 * i + 4)]), jacobian) <= 1e-12)
        }
    }

    @Test("a second data command on the same --out is refused while the first writes it; the lock file goes with the first")
    func oneWriter() throws {
        let dir = scratchFolder()
        let arguments = ["data", "hook", "--samples", "160", "--sampler", "sobol", "--material", "linear", "--chunk-size", "4", "--out", "w.h5"]
        let first = try Background(sobolevBinary, arguments, in: dir)
        first.wait(for: "data hook:")
        #expect(FileManager.default.fileExists(atPath: dir + "/w.h5.lock"))
        let second = try sobolev(arguments, in: dir)
        #expect(second.status != 0 && second.stderr.split(separator: "\n").count == 1, "\(second.output)")
        #expect(second.stderr.contains("w.h5: is being written by another command (sobolev data, host ") && second.stderr.contains("pid \(first.process.processIdentifier)"),
                "\(second.stderr)")
        #expect(first.finish(within: 120) == 0, "\(first.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["job.log", "w.h5"])
    }

    @Test("kill -9 of a rank mid-run: the parts stay, another command refuses them, the same command finishes and equals an uninterrupted run")
    func resumeAfterKill() throws {
        let dir = scratchFolder()
        let arguments = ["data", "hook", "--samples", "48", "--sampler", "sobol", "--material", "linear", "--chunk-size", "4"]
        let seed = UInt64(Date().timeIntervalSince1970)
        var rng = SeededRNG(seed: seed)
        let victim = rng.integer(below: 2)
        let note = "seed \(seed): kill rank \(victim) once 2 chunks are on disk"

        let job = Process()
        job.executableURL = URL(fileURLWithPath: which("mpirun"))
        job.arguments = mpirunArguments(2) + [sobolevBinary] + arguments + ["--out", "k.h5"]
        job.currentDirectoryURL = URL(fileURLWithPath: dir)
        job.standardOutput = FileHandle.nullDevice; job.standardError = FileHandle.nullDevice
        try job.run()
        let parts = dir + "/k.h5.parts"
        func chunkFiles() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []).filter { $0.hasPrefix("chunk-") && $0.hasSuffix(".h5") }
        }
        let wait = Date().addingTimeInterval(60)
        while chunkFiles().count < 2 && job.isRunning && Date() < wait { usleep(20_000) }
        let pids = try run(which("pgrep"), ["-f", "sobolev data hook --samples 48"]).stdout
            .split(separator: "\n").compactMap { Int32($0) }.filter { $0 != job.processIdentifier }.sorted()
        if !pids.isEmpty { kill(pids[min(victim, pids.count - 1)], SIGKILL) }
        let deadline = Date().addingTimeInterval(60)
        while job.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!job.isRunning, "mpirun did not end after the kill (\(note))")
        if job.isRunning { job.terminate() }
        #expect(job.terminationStatus != 0, "the job finished before the kill (\(note))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/k.h5"), "\(note)")
        let kept = chunkFiles().sorted()
        #expect(kept.count >= 2, "\(note)")

        // Parts of another command are refused, by name, and left alone.
        let other = try mpirun(2, [sobolevBinary] + arguments + ["--seed", "1", "--out", "k.h5"], in: dir, timeout: 60)
        #expect(other.status != 0 && other.stderr.contains("k.h5.parts/chunk-") && other.stderr.contains("seed=1"), "\(note): \(other.output)")
        #expect(chunkFiles().sorted() == kept)

        let rerun = try mpirun(3, [sobolevBinary] + arguments + ["--out", "k.h5"], in: dir)
        #expect(rerun.status == 0, "\(note): \(rerun.output)")
        #expect(rerun.stdout.contains("stored in \(kept.count) chunk(s)"), "\(note): \(rerun.stdout)")
        #expect(!FileManager.default.fileExists(atPath: parts), "\(note)")
        #expect(try H5File.open(dir + "/k.h5").intAttribute("resumed_samples").first ?? 0 >= 8)

        let reference = try sobolev(arguments + ["--out", "ref.h5"], in: dir)
        #expect(reference.status == 0, "\(reference.output)")
        let (a, b) = (try dataArrays(dir + "/k.h5"), try dataArrays(dir + "/ref.h5"))
        #expect(a.shapes == b.shapes && a.x == b.x && a.y == b.y && a.dy == b.dy, "\(note)")
        #expect(try run(which("h5dump"), ["-H", dir + "/k.h5"]).status == 0)
    }

    @Test("a failing solve or a bad argument under mpirun ends the whole job with a message naming it")
    func failuresEndTheJob() throws {
        let dir = scratchFolder()
        let failing = try mpirun(3, [sobolevBinary, "data", "hook", "--samples", "6", "--sampler", "halton",
                                     "--max-iterations", "1", "--out", "bad.h5"], in: dir, timeout: 60)
        #expect(failing.status != 0)
        #expect(failing.stderr.contains("sample ") && failing.stderr.contains("bend_radius=")
                && failing.stderr.contains("did not converge"), "\(failing.output)")
        // Nothing was saved: no parts folder. The lock file goes when rank 0, its holder, failed;
        // when another rank did, the abort ends rank 0 first and the file stays, released (only
        // the holder may remove it: a command started meanwhile would lose its own lock), and
        // the next command takes it over.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left.isEmpty || left == ["bad.h5.lock"], "\(left)")
        let bad = try mpirun(3, [sobolevBinary, "data", "hook", "--samples", "6", "--sampler", "halto", "--out", "bad.h5"], in: dir, timeout: 60)
        #expect(bad.status != 0 && bad.stderr.contains("'halto'"), "\(bad.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.h5"))
        let good = try mpirun(3, [sobolevBinary, "data", "hook", "--samples", "6", "--sampler", "halton", "--out", "bad.h5"], in: dir, timeout: 60)
        #expect(good.status == 0, "\(good.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad.h5"])
    }
}
