// analysis/examples/evaluate_model.py (numpy and h5py only) against `sobolev predict`: the same
// values and Jacobians for every activation, with adaptive slopes, with two outputs, and the same
// run chosen when none is named.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5

@Suite struct PythonEvaluatorTests {
    static let script = packageRoot + "/analysis/examples/evaluate_model.py"

    @Test func matchesPredictForEveryStoredModel() throws {
        let python = which("python3")
        let check = try run(python, ["-c", "import numpy, h5py"])
        try #require(check.status == 0, "numpy and h5py are needed (scripts/setup --test installs them): \(check.stderr)")
        let dir = scratchFolder()
        for (file, id, activation, d) in try ExportTests.models() {
            let (x, p, _) = try ExportTests.predict(file, id, inputs: d, in: dir)
            let out = "\(dir)/\(id)-python.h5"
            let r = try run(python, [Self.script, "\(file):/runs/\(id)", x, "--out", out])
            #expect(r.status == 0, "\(activation): \(r.stderr)")
            let mine = try H5File.open(out), theirs = try H5File.open(p)
            #expect(PredictTests.relativeError(try mine.read("Y").values, try theirs.read("Y").values) < 1e-12, "\(activation) values")
            #expect(PredictTests.relativeError(try mine.read("dYdX").values, try theirs.read("dYdX").values) < 1e-12, "\(activation) Jacobian")
            #expect(try mine.read("dYdX").shape == (try theirs.read("dYdX").shape))
        }
    }

    @Test func choosesTheRunPredictChoosesAndReadsNamedColumns() throws {
        let python = which("python3")
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        // As spreadsheets write it: a byte-order mark, and a quoted column holding commas.
        try "\u{FEFF}v,\"note, here\",u\n0.5,\"a, b\",-0.25\n-2,\"c\",1.5\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        for metric in ["test_grad_rmse", "test_value_r2"] {
            let predicted = try sobolev(["predict", files.adaptive, "--metric", metric, "--inputs", dir + "/in.csv",
                                         "--out", "\(dir)/\(metric)-p.h5", "--jacobian"])
            #expect(predicted.status == 0, "\(predicted.output)")
            let r = try run(python, [Self.script, files.adaptive, dir + "/in.csv", "--metric", metric, "--out", "\(dir)/\(metric)-py.h5"])
            #expect(r.status == 0, "\(r.stderr)")
            let mine = try H5File.open("\(dir)/\(metric)-py.h5"), theirs = try H5File.open("\(dir)/\(metric)-p.h5")
            #expect(try mine.scalarStringAttribute("model") == (try theirs.scalarStringAttribute("model")), "\(metric)")
            #expect(try mine.read("X").values == [-0.25, 0.5, 1.5, -2])
            #expect(PredictTests.relativeError(try mine.read("dYdX").values, try theirs.read("dYdX").values) < 1e-12)
        }
        let csvOut = try run(python, [Self.script, files.adaptive, dir + "/in.csv", "--out", dir + "/y.csv"])
        #expect(csvOut.status != 0 && csvOut.stderr.contains("y.csv") && !FileManager.default.fileExists(atPath: dir + "/y.csv"))
        // As predict: --metric where it chooses nothing is refused; FILE:/runs is the best run.
        let id = try SurrogateFixture.runs(files.adaptive)[0].id
        let named = try run(python, [Self.script, "\(files.adaptive):/runs/\(id)", dir + "/in.csv", "--metric", "test_value_r2"])
        #expect(named.status != 0 && named.stderr.contains("--metric test_value_r2 chooses nothing"), "\(named.output)")
        let best = try run(python, [Self.script, "\(files.adaptive):/runs", dir + "/in.csv"])
        let predicted = try sobolev(["predict", "\(files.adaptive):/runs", "--inputs", dir + "/in.csv", "--out", dir + "/runs-p.h5"])
        #expect(best.status == 0 && predicted.status == 0, "\(best.output) \(predicted.output)")
        let chosen = try H5File.open(dir + "/runs-p.h5").scalarStringAttribute("model")
        #expect(best.stdout.contains("model: \(chosen)"), "\(best.stdout) vs \(chosen)")
    }

    @Test("the Python examples refuse bad input in one line, as predict does (no traceback), and the cluster script checks its arguments")
    func examplesAndScriptsRefuseBadInput() throws {
        let python = which("python3")
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        try "x0\n0.1,0.2\n".write(toFile: dir + "/long.csv", atomically: true, encoding: .utf8)
        try "x0\nnan\n".write(toFile: dir + "/nan.csv", atomically: true, encoding: .utf8)
        let loader = packageRoot + "/analysis/examples/load_results.py"
        let cases: [([String], String)] = [
            ([Self.script, files.plain, dir + "/long.csv"], "long.csv: line 2: has 2 fields, the header has 1"),
            ([Self.script, files.plain, dir + "/nan.csv"], "line 2, column x0: expected a finite number, got 'nan'"),
            ([Self.script, files.plain + ":/runs/nosuch", dir + "/nan.csv"], "/runs/nosuch: no such group"),
            ([Self.script, dir + "/missing.h5", dir + "/nan.csv"], "missing.h5: no such file"),
            ([loader, dir + "/long.csv"], "long.csv"),
        ]
        for (arguments, needle) in cases {
            let r = try run(python, arguments)
            let lines = r.stderr.split(separator: "\n")
            #expect(r.status == 1 && lines.count == 1 && r.stderr.contains(needle) && !r.stderr.contains("Traceback"), "\(arguments): \(r.output)")
        }
        // run-local: a rank count that is not a positive integer, and a binary that is not there.
        let script = packageRoot + "/cluster/run-local"
        let zero = try run(script, ["0", "e.yaml", "r.h5"], in: dir, environment: ["SOBOLEV": sobolevBinary])
        #expect(zero.status == 2 && zero.stderr.contains("N is 0: expected a positive integer"), "\(zero.output)")
        let missing = try run(script, ["1", "e.yaml", "r.h5"], in: dir, environment: ["SOBOLEV": dir + "/no-such-binary"])
        #expect(missing.status == 2 && missing.stderr.contains("no executable file there"), "\(missing.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.h5"))
    }
}
