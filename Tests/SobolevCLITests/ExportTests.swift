// `sobolev export` with the real binary: the ONNX graph checked by onnx and run by onnxruntime,
// the C source compiled with -Wall -Wextra -Werror -pedantic and called; both must reproduce
// `sobolev predict` (values and Jacobians) on random inputs, for every activation, with and without
// adaptive slopes, with one and two outputs.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5

@Suite struct ExportTests {
    /// Every run of both fixture files: (results file, run id, activation, inputs d).
    static func models() throws -> [(file: String, id: String, activation: String, inputs: Int)] {
        let files = try SurrogateFixture.files()
        return try [(files.plain, 1), (files.adaptive, 2)].flatMap { file, d in
            try SurrogateFixture.runs(file).map { (file, $0.id, $0.activation, d) }
        }
    }

    /// Predictions of `sobolev predict` at 200 random inputs: (inputs file, predictions file).
    static func predict(_ file: String, _ id: String, inputs d: Int, in dir: String) throws -> (x: String, p: String, values: [Double]) {
        let x = "\(dir)/\(id)-x.h5", p = "\(dir)/\(id)-p.h5"
        let values = try SurrogateFixture.randomInputs(x, samples: 200, inputs: d, seed: 11)
        let r = try sobolev(["predict", "\(file):/runs/\(id)", "--inputs", x, "--out", p, "--jacobian"])
        #expect(r.status == 0, "\(r.output)")
        return (x, p, values)
    }

    static let onnxCheck = """
    import sys, h5py, numpy as np, onnx, onnxruntime as ort
    for model, predictions in zip(sys.argv[1::2], sys.argv[2::2]):
        m = onnx.load(model)
        onnx.checker.check_model(m, full_check=True)
        shapes = [(v.name, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim], v.type.tensor_type.elem_type)
                  for v in list(m.graph.input) + list(m.graph.output)]
        with h5py.File(predictions, 'r') as f:
            X, Y, J = f['X'][()], f['Y'][()], f['dYdX'][()]
        s = ort.InferenceSession(model, providers=['CPUExecutionProvider'])
        y, j = s.run(['y', 'dydx'], {'x': X})
        ey = np.abs(y - Y).max() / np.abs(Y).max()
        ej = np.abs(j - J).max() / np.abs(J).max()
        print(model, ey, ej, m.ir_version, m.opset_import[0].version, shapes)
    """

    @Test func onnxGraphReproducesPredictWithItsJacobian() throws {
        let python = which("python3")
        let check = try run(python, ["-c", "import onnx, onnxruntime, h5py"])
        try #require(check.status == 0, "onnx, onnxruntime and h5py are needed (scripts/setup --test installs them): \(check.stderr)")
        let dir = scratchFolder()
        var arguments: [String] = []
        var expected: [String: (activation: String, d: Int, m: Int)] = [:]
        for (file, id, activation, d) in try Self.models() {
            let (_, p, _) = try Self.predict(file, id, inputs: d, in: dir)
            let onnx = "\(dir)/\(id).onnx"
            let r = try sobolev(["export", "\(file):/runs/\(id)", "--format", "onnx", "--out", onnx])
            #expect(r.status == 0, "\(r.output)")
            arguments += [onnx, p]
            expected[onnx] = (activation, d, d)
        }
        let r = try run(python, ["-c", Self.onnxCheck] + arguments, timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == expected.count)
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 5).map(String.init)
            let (activation, d, m) = expected[fields[0]]!
            #expect(Double(fields[1])! < 1e-12, "\(activation) values: \(line)")
            #expect(Double(fields[2])! < 1e-12, "\(activation) Jacobian: \(line)")
            #expect(Int(fields[3])! >= 7 && Int(fields[4])! >= 13, "\(line)")
            #expect(fields[5] == "[('x', ['N', \(d)], 11), ('y', ['N', \(m)], 11), ('dydx', ['N', \(m), \(d)], 11)]", "\(line)")
        }
    }

    /// Reads whitespace-separated inputs (d per sample), calls <name>_eval per sample and
    /// <name>_eval_batch once (they must agree bit for bit), prints y and dydx per sample.
    static func driver(_ name: String) -> String {
        let n = name.uppercased()
        return """
        #include <stdio.h>
        #include "\(name).h"
        #define NMAX 1000
        #define D \(n)_INPUTS
        #define M \(n)_OUTPUTS
        int main(int argc, char **argv) {
            static double x[NMAX * D], y[NMAX * M], j[NMAX * M * D], yb[NMAX * M], jb[NMAX * M * D];
            size_t n = 0, i, k;
            FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
            if (f == NULL) return 2;
            while (n < NMAX && fscanf(f, "%lf", &x[n * D]) == 1) {
                for (k = 1; k < D; ++k) if (fscanf(f, "%lf", &x[n * D + k]) != 1) return 3;
                ++n;
            }
            fclose(f);
            for (i = 0; i < n; ++i) if (\(name)_eval(x + i * D, y + i * M, j + i * M * D) != 0) return 4;
            if (\(name)_eval_batch(n, x, yb, jb) != 0 || \(name)_eval(NULL, y, j) != -1) return 5;
            for (i = 0; i < n * M; ++i) if (y[i] != yb[i]) return 6;
            for (i = 0; i < n * M * D; ++i) if (j[i] != jb[i]) return 6;
            if (\(name)_eval(x, yb, NULL) != 0 || yb[0] != y[0]) return 7;
            for (i = 0; i < n; ++i) {
                for (k = 0; k < M; ++k) printf("%.17g ", y[i * M + k]);
                for (k = 0; k < M * D; ++k) printf("%.17g ", j[i * M * D + k]);
                printf("\\n");
            }
            return 0;
        }

        """
    }

    @Test func cSourceCompilesCleanAndReproducesPredict() throws {
        let cc = which("cc")
        let dir = scratchFolder()
        for (file, id, activation, d) in try Self.models() {
            let (_, p, x) = try Self.predict(file, id, inputs: d, in: dir)
            let name = "surrogate_\(activation)_\(d)"
            let r = try sobolev(["export", "\(file):/runs/\(id)", "--format", "c", "--out", "\(dir)/\(name).c"])
            #expect(r.status == 0, "\(r.output)")
            try Self.driver(name).write(toFile: "\(dir)/\(name)-driver.c", atomically: true, encoding: .utf8)
            let compiled = try run(cc, ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o", "\(dir)/\(name)",
                                        "\(dir)/\(name)-driver.c", "\(dir)/\(name).c", "-lm"])
            #expect(compiled.status == 0, "\(activation): \(compiled.output)")
            // Inputs as exact decimals (%.17g round-trips).
            let text = stride(from: 0, to: x.count, by: d).map { i in x[i..<(i + d)].map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n")
            try text.write(toFile: "\(dir)/\(name).txt", atomically: true, encoding: .utf8)
            let out = try run("\(dir)/\(name)", ["\(dir)/\(name).txt"])
            #expect(out.status == 0, "\(activation): driver exit \(out.status)")
            let numbers = out.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Double($0)! }
            let h5 = try H5File.open(p)
            let y = try h5.read("Y").values, j = try h5.read("dYdX").values
            let m = y.count / 200
            let cy = stride(from: 0, to: numbers.count, by: m + m * d).flatMap { numbers[$0..<($0 + m)] }
            let cj = stride(from: 0, to: numbers.count, by: m + m * d).flatMap { numbers[($0 + m)..<($0 + m + m * d)] }
            #expect(PredictTests.relativeError(cy, y) < 1e-13, "\(activation) values")
            #expect(PredictTests.relativeError(cj, j) < 1e-13, "\(activation) Jacobian")
        }
    }

    @Test func cCommentsHoldAnyModelPath() throws {
        // "/*", "*/" and a line break in the path the banner names: the comment must still end where it should.
        let dir = scratchFolder()
        let folder = dir + "/*d/x\ny*"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try SurrogateFixture.files().plain, toPath: folder + "/m.h5")
        let r = try sobolev(["export", folder + "/m.h5", "--format", "c", "--out", dir + "/m.c"])
        #expect(r.status == 0, "\(r.output)")
        // The source includes the header: one compilation reads both banners.
        let compiled = try run(which("cc"), ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-o", dir + "/m.o", dir + "/m.c"])
        #expect(compiled.status == 0, "\(compiled.output)")
        for file in ["m.c", "m.h"] {
            let banner = try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8).split(separator: "\n")[0]
            #expect(banner.contains("from \(dir)/ *d/x y* /m.h5:/"), "\(banner)")
        }
    }

    @Test func badRequestsAreOneLineAndWriteNothing() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let id = try SurrogateFixture.runs(files.plain)[0].id
        let model = "\(files.plain):/runs/\(id)"
        try "keep".write(toFile: dir + "/taken.h", atomically: true, encoding: .utf8)
        try "keep".write(toFile: dir + "/used.onnx", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/folder.onnx", withIntermediateDirectories: false)
        let cases: [([String], [String])] = [
            ([model, "--format", "onnx", "--out", dir + "/m.c"], ["m.c", "ends in .onnx"]),
            ([model, "--format", "c", "--out", dir + "/m.onnx"], ["m.onnx", "ends in .c"]),
            ([model, "--format", "c", "--out", dir + "/taken.c"], ["taken.h exists already", "--force"]),
            ([model, "--format", "onnx", "--out", dir + "/used.onnx"], ["used.onnx exists already", "--force"]),
            ([model, "--format", "onnx", "--out", dir + "/folder.onnx", "--force"], ["folder.onnx is a folder"]),
            ([model, "--format", "c", "--out", dir + "/2fast.c"], ["'2fast' is not a C identifier", "--name"]),
            ([model, "--format", "c", "--out", dir + "/m.c", "--name", "my-model"], ["'my-model' is not a C identifier"]),
            ([model, "--format", "onnx", "--out", dir + "/m.onnx", "--name", "m"], ["--name applies to --format c only"]),
            ([model, "--format", "c", "--out", dir + "/a\"b.c", "--name", "ab"], ["a\"b.h cannot be named in an #include"]),
            ([files.plain + ":/runs/nope", "--format", "onnx", "--out", dir + "/m.onnx"], ["/runs/nope", "no such group"]),
            ([dir + "/none.h5", "--format", "onnx", "--out", dir + "/m.onnx"], ["none.h5", "no such file"]),
        ]
        for (arguments, fragments) in cases {
            let r = try sobolev(["export"] + arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            for fragment in fragments { #expect(r.stderr.contains(fragment), "\(arguments): \(r.stderr)") }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["folder.onnx", "taken.h", "used.onnx"])
        #expect(try String(contentsOfFile: dir + "/taken.h", encoding: .utf8) == "keep")
        // --force replaces both C files.
        let forced = try sobolev(["export", model, "--format", "c", "--out", dir + "/taken.c", "--force"])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(try String(contentsOfFile: dir + "/taken.h", encoding: .utf8).contains("int taken_eval(const double *x, double *y, double *dydx);"))
    }
}

/// Runs that must not be used: a failed run, a model with a NaN weight.
@Suite struct UnusableModelTests {
    @Test func failedRunsAndNonFiniteWeightsAreRefused() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let copy = dir + "/copy.h5"
        try FileManager.default.copyItem(atPath: files.plain, toPath: copy)
        let ids = try SurrogateFixture.runs(copy).map(\.id)
        // The best run by test_grad_rmse fails; the worst gets a NaN weight.
        let metrics = try ids.map { try H5File.open(copy).openGroup("runs").openGroup($0).openGroup("metrics").scalarDoubleAttribute("test_grad_rmse") }
        let best = ids[metrics.firstIndex(of: metrics.min()!)!]
        let broken = ids[metrics.firstIndex(of: metrics.max()!)!]
        do {
            let f = try H5File.open(copy, writable: true)
            let runs = try f.openGroup("runs")
            let failed = try runs.openGroup(best)
            try failed.setAttribute("status", "failed")
            try failed.setAttribute("error", "diverged at step 12")
            let model = try runs.openGroup(broken).openGroup("model")
            var (w, shape) = try model.read("W1")
            w[3] = .nan
            try model.remove("W1")
            _ = try model.write("W1", w, shape: shape)
            try f.flush()
        }
        try "x0\n0.5\n".write(toFile: dir + "/x.csv", atomically: true, encoding: .utf8)
        let refusedRun = try sobolev(["predict", "\(copy):/runs/\(best)", "--inputs", dir + "/x.csv", "--out", dir + "/p.csv"])
        #expect(refusedRun.status != 0)
        #expect(refusedRun.stderr == "error: \(copy): /runs/\(best): run failed (diverged at step 12); its model is not usable\n")
        let nan = try sobolev(["export", "\(copy):/runs/\(broken)", "--format", "c", "--out", dir + "/nan.c"])
        #expect(nan.status != 0)
        #expect(nan.stderr == "error: \(copy): /runs/\(broken)/model/W1: entry 3 is nan; the model is not usable\n", "\(nan.stderr)")
        let nanPredict = try sobolev(["predict", "\(copy):/runs/\(broken)", "--inputs", dir + "/x.csv", "--out", dir + "/p.csv"])
        #expect(nanPredict.status != 0 && nanPredict.stderr.contains("/model/W1: entry 3 is nan"), "\(nanPredict.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["copy.h5", "x.csv"])
        // Without a run id the failed run is passed over.
        let chosen = try sobolev(["predict", copy, "--inputs", dir + "/x.csv", "--out", dir + "/p.csv"])
        #expect(chosen.status == 0, "\(chosen.output)")
        #expect(!chosen.stdout.contains(best) && chosen.stdout.contains("of \(ids.count - 1) completed runs"), "\(chosen.stdout)")
    }
}
