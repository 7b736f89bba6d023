// Outputs never replace inputs, whatever names them (a symbolic or hard link, another spelling),
// not even with --force; the model to use is chosen only where there is a choice; files that
// cannot be read yet or any more say why. Through the real binary: one line, exit 1, nothing written.
import Foundation
import SobolevCore
import SobolevHDF5
import SobolevStore
import Testing

@Suite struct OutputGuardTests {
    /// Runs `arguments` in `dir` and checks the one error line holds every fragment.
    static func refused(_ arguments: [String], in dir: String, _ fragments: [String]) throws {
        let r = try sobolev(arguments, in: dir)
        #expect(r.status == 1, "\(arguments): \(r.output)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
        for fragment in fragments { #expect(r.stderr.contains(fragment), "\(arguments): \(r.stderr)") }
    }

    static func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    @Test func noOutputReplacesAnInputByAnyNameEvenWithForce() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let fm = FileManager.default
        try fm.copyItem(atPath: files.plain, toPath: dir + "/m.h5")
        let id = try SurrogateFixture.runs(dir + "/m.h5")[0].id
        try "x0\n1\n".write(toFile: dir + "/same.csv", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir + "/link.csv", withDestinationPath: "same.csv")
        try fm.linkItem(atPath: dir + "/same.csv", toPath: dir + "/hard.csv")
        try fm.createSymbolicLink(atPath: dir + "/model.h5", withDestinationPath: "m.h5")
        try fm.createSymbolicLink(atPath: dir + "/model.onnx", withDestinationPath: "m.h5")
        try fm.linkItem(atPath: dir + "/m.h5", toPath: dir + "/m.h")
        try H5File.writeAtomically(dir + "/d.h5") { f in
            try f.write("X", [0.1, 0.2], shape: [2, 1]); try f.write("Y", [1, 2], shape: [2, 1])
        }
        try fm.createSymbolicLink(atPath: dir + "/data.h5", withDestinationPath: "d.h5")
        // A results file called runs.csv in the report's folder.
        try fm.createDirectory(atPath: dir + "/rep", withIntermediateDirectories: false)
        try fm.linkItem(atPath: dir + "/m.h5", toPath: dir + "/rep/runs.csv")
        let before = (results: Self.bytes(dir + "/m.h5"), inputs: Self.bytes(dir + "/same.csv"), data: Self.bytes(dir + "/d.h5"))
        let cases: [([String], [String])] = [
            (["predict", "m.h5:/runs/\(id)", "--inputs", "same.csv", "--out", "m.h5", "--force"], ["m.h5 is the file the model is read from", "--force never replaces an input"]),
            (["predict", "m.h5", "--inputs", "same.csv", "--out", "model.h5", "--force"], ["model.h5 is the file the model is read from (m.h5)"]),
            (["predict", "m.h5", "--inputs", "link.csv", "--out", "same.csv", "--force"], ["--out same.csv is the inputs file (--inputs link.csv)"]),
            (["predict", "m.h5", "--inputs", "hard.csv", "--out", "./same.csv", "--force"], ["--out ./same.csv is the inputs file (--inputs hard.csv)"]),
            (["export", "model.onnx", "--format", "onnx", "--out", "model.onnx", "--force"], ["model.onnx is the file the model is read from"]),
            (["export", "m.h5", "--format", "c", "--out", "m.c", "--force"], ["m.h is the file the model is read from (m.h5)"]),
            (["gradients", "--model", "m.h5", "--data", "d.h5", "--out", "model.h5", "--force"], ["model.h5 is the file the model is read from"]),
            (["gradients", "--model", "m.h5", "--data", "data.h5", "--out", "d.h5", "--force"], ["--out d.h5 is the data file (--data data.h5)"]),
            (["report", "rep/runs.csv", "--out", "rep", "--force"], ["rep/runs.csv: is the file the report reads", "--force never replaces an input"]),
            (["report", "m.h5", "--baseline", "rep/runs.csv", "--out", "rep", "--force"], ["rep/runs.csv: is the file the report reads"]),
        ]
        for (arguments, fragments) in cases { try Self.refused(arguments, in: dir, fragments) }
        #expect(Self.bytes(dir + "/m.h5") == before.results)
        #expect(Self.bytes(dir + "/same.csv") == before.inputs)
        #expect(Self.bytes(dir + "/d.h5") == before.data)
        #expect(try fm.contentsOfDirectory(atPath: dir).sorted() == ["d.h5", "data.h5", "hard.csv", "link.csv", "m.h", "m.h5", "model.h5", "model.onnx", "rep", "same.csv"])
        #expect(try fm.contentsOfDirectory(atPath: dir + "/rep") == ["runs.csv"])
    }

    @Test func metricIsRefusedWhereItChoosesNothingAndRunsBesideAModelAreAmbiguous() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let id = try SurrogateFixture.runs(files.plain)[0].id
        try "x0\n1\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        try H5File.writeAtomically(dir + "/d.h5") { f in
            try f.write("X", [0.1, 0.2], shape: [2, 1]); try f.write("Y", [1, 2], shape: [2, 1])
        }
        // One model at /model; and a results file that holds one as well.
        let model = try StoredModel.read(try H5File.open(files.plain).openGroup("runs").openGroup(id).openGroup("model"))
        try H5File.writeAtomically(dir + "/standalone.h5") { f in
            try ResultsWriter.writeModel(model.architecture, parameters: model.parameters, standardization: model.standardization, into: try f.createGroup("model"))
        }
        try FileManager.default.copyItem(atPath: files.plain, toPath: dir + "/both.h5")
        do {
            let f = try H5File.open(dir + "/both.h5", writable: true)
            try ResultsWriter.writeModel(model.architecture, parameters: model.parameters, standardization: model.standardization, into: try f.createGroup("model"))
            try f.flush()
        }
        let out = ["--inputs", "in.csv", "--out", "p.csv"]
        let cases: [([String], [String])] = [
            (["predict", "\(files.plain):/runs/\(id)", "--metric", "test_value_r2"] + out, ["--metric test_value_r2 chooses nothing", "the model is named (/runs/\(id))"]),
            (["predict", "standalone.h5", "--metric", "test_value_r2"] + out, ["standalone.h5", "--metric test_value_r2 chooses nothing", "holds one model"]),
            (["predict", "both.h5"] + out, ["both.h5", "holds runs (/runs) and a model (/model)", "both.h5:/model", "both.h5:/runs/<id>"]),
            (["export", "both.h5", "--format", "onnx", "--out", "m.onnx"], ["holds runs (/runs) and a model (/model)"]),
            (["export", "standalone.h5:/model", "--metric", "test_value_rmse", "--format", "onnx", "--out", "m.onnx"], ["--metric test_value_rmse chooses nothing"]),
            (["gradients", "--model", "both.h5", "--data", "d.h5", "--out", "g.h5"], ["holds runs (/runs) and a model (/model)"]),
            (["gradients", "--model", "standalone.h5", "--metric", "test_value_rmse", "--data", "d.h5", "--out", "g.h5"], ["--metric test_value_rmse chooses nothing"]),
        ]
        for (arguments, fragments) in cases { try Self.refused(arguments, in: dir, fragments) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["both.h5", "d.h5", "in.csv", "standalone.h5"])
        // Either way of choosing works.
        let runs = try sobolev(["predict", "both.h5:/runs", "--metric", "test_value_rmse"] + out, in: dir)
        #expect(runs.status == 0 && runs.stdout.contains("best test_value_rmse"), "\(runs.output)")
        let root = try sobolev(["predict", "both.h5:/model"] + out + ["--force"], in: dir)
        #expect(root.status == 0 && root.stdout.contains("both.h5:/model"), "\(root.output)")
    }

    @Test("report --baseline of another experiment warns in one line naming the settings that differ, and writes the report")
    func baselineOfAnotherExperimentIsNamed() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let r = try sobolev(["report", files.plain, "--baseline", files.adaptive, "--out", "rep"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let warning = r.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: --baseline") }
        #expect(warning.count == 1 && warning[0].contains("problem.name sine here, dataset in the baseline"), "\(r.stderr)")
        let page = try String(contentsOfFile: dir + "/rep/index.html", encoding: .utf8)
        #expect(page.contains("differ beyond their grids"))
        let same = try sobolev(["report", files.plain, "--baseline", files.plain, "--out", "same"], in: dir)
        #expect(same.status == 0 && !same.stderr.contains("warning"), "\(same.output)")
    }

    @Test func reportSaysWhyAFileCannotBeReadAndRefusesFoldersAndEmptyNames() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let fm = FileManager.default
        // A first sweep before its first merge: parts and the lock, no results file yet.
        try fm.createDirectory(atPath: dir + "/live.h5.parts", withIntermediateDirectories: false)
        for name in ["live.h5.lock", "live.h5.parts/a.h5", "live.h5.parts/b.h5"] { _ = fm.createFile(atPath: dir + "/" + name, contents: nil) }
        let whole = Self.bytes(files.plain)
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.h5"))
        try "x0\n1\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir + "/hasdir/index.html", withIntermediateDirectories: true)
        let cases: [([String], [String])] = [
            (["report", "live.h5", "--out", "rep"], ["live.h5: no run is merged into it yet", "2 finished runs wait in live.h5.parts", "the next merge brings them in"]),
            (["report", files.plain, "--baseline", "live.h5", "--out", "rep"], ["live.h5: no run is merged into it yet"]),
            (["report", "cut.h5", "--out", "rep"], ["cut.h5: cannot open the file: damaged or truncated"]),
            (["predict", "cut.h5", "--inputs", "in.csv", "--out", "p.csv"], ["cut.h5: cannot open the file: damaged or truncated"]),
            (["report", files.plain, "--out", ""], ["--out ''", "name the report's folder"]),
            (["report", files.plain, "--out", "hasdir", "--force"], ["hasdir/index.html: is a folder", "--force never removes a folder"]),
            (["report", files.plain, "--out", "in.csv/rep"], ["in.csv/rep: cannot create the folder: in.csv is a file"]),
        ]
        for (arguments, fragments) in cases { try Self.refused(arguments, in: dir, fragments) }
        #expect(try fm.contentsOfDirectory(atPath: dir).sorted() == ["cut.h5", "hasdir", "in.csv", "live.h5.lock", "live.h5.parts"])
        #expect(try fm.contentsOfDirectory(atPath: dir + "/hasdir") == ["index.html"])
        // A file another process holds open for writing (HDF5's file lock).
        let script = """
        import h5py, subprocess, sys
        with h5py.File(sys.argv[2], 'a'):
            r = subprocess.run([sys.argv[1], 'report', sys.argv[2], '--out', 'rep'], capture_output=True, text=True)
        print(r.returncode); print(r.stderr, end='')
        """
        try fm.copyItem(atPath: files.plain, toPath: dir + "/held.h5")
        let held = try run(which("python3"), ["-c", script, sobolevBinary, "held.h5"], in: dir)
        #expect(held.stdout == "1\nerror: held.h5: cannot open the file: held open for writing by another process (HDF5 file locking); try again when it has finished\n", "\(held.output)")
        #expect(!fm.fileExists(atPath: dir + "/rep"))
    }
}
