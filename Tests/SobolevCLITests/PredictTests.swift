// `sobolev predict` with the real binary: the stored surrogate evaluated on new inputs, the best
// run chosen by a metric, CSV and HDF5 in and out, and bad input refused with one line.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5

@Suite struct PredictTests {
    /// Relative difference in the max norm.
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "\(a.count) against \(b.count) values")
        let scale = max(b.map(abs).max() ?? 0, 1e-300)
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    @Test func reproducesTheTestPredictionsStoredAtTraining() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        for path in [files.plain, files.adaptive] {
            for (id, activation) in try SurrogateFixture.runs(path) {
                let test = try H5File.open(path).openGroup("runs").openGroup(id).openGroup("test")
                let (x, xs) = try test.read("X")
                try H5File.writeAtomically("\(dir)/\(id)-x.h5") { f in _ = try f.write("X", x, shape: xs) }
                // Without OPENBLAS_NUM_THREADS, as from a user's shell (OpenBLAS would take a
                // thread per core): the same bits as training computed.
                let r = try run(sobolevBinary, ["predict", "\(path):/runs/\(id)", "--inputs", "\(dir)/\(id)-x.h5", "--out", "\(dir)/\(id)-p.h5", "--jacobian"],
                                unset: ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
                #expect(r.status == 0, "\(r.output)")
                #expect(r.stdout.contains("time per sample"))
                let p = try H5File.open("\(dir)/\(id)-p.h5")
                #expect(try p.read("Y").values == (try test.read("Y_pred").values), "\(activation)")
                #expect(try p.read("dYdX").values == (try test.read("dY_pred").values), "\(activation)")
                #expect(try p.read("dYdX").shape == [xs[0], try test.read("Y_pred").shape[1], xs[1]])
                #expect(try p.scalarStringAttribute("run_id") == id)
            }
        }
    }

    @Test func predictsWithTrainingsBitsWhateverOpenBLASsThreadDefault() throws {
        // 1000 test samples through 50 x 50 layers: products OpenBLAS splits over threads by default.
        let dir = scratchFolder()
        try "name: q\nproblem:\n  name: sine\n  train_samples: 40\n  test_samples: 1000\nmodel:\n  depth: 2\n  width: 50\ntraining:\n  epochs: 20\n"
            .write(toFile: dir + "/q.yaml", atomically: true, encoding: .utf8)
        // Trained on two threads: the stored predictions are still one thread's.
        #expect(try sobolev(["run", "q.yaml", "--out", "q.h5", "--threads", "2"], in: dir).status == 0)
        let (id, _) = try #require(try SurrogateFixture.runs(dir + "/q.h5").first)
        let test = try H5File.open(dir + "/q.h5").openGroup("runs").openGroup(id).openGroup("test")
        let (x, xs) = try test.read("X")
        try H5File.writeAtomically(dir + "/x.h5") { f in _ = try f.write("X", x, shape: xs) }
        let r = try run(sobolevBinary, ["predict", "q.h5", "--inputs", "x.h5", "--out", "p.h5", "--jacobian"], in: dir,
                        environment: ["OPENBLAS_NUM_THREADS": "2"])
        #expect(r.status == 0, "\(r.output)")
        let p = try H5File.open(dir + "/p.h5")
        #expect(try p.read("Y").values == (try test.read("Y_pred").values))
        #expect(try p.read("dYdX").values == (try test.read("dY_pred").values))
    }

    @Test func withoutARunIdTakesTheBestCompletedRunByTheMetric() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        _ = try SurrogateFixture.randomInputs(dir + "/x.h5", samples: 5, inputs: 1, seed: 1)
        let runs = try H5File.open(files.plain).openGroup("runs")
        func metric(_ id: String, _ name: String) throws -> Double { try runs.openGroup(id).openGroup("metrics").scalarDoubleAttribute(name) }
        let ids = try runs.childNames()
        for (name, lowest) in [("test_grad_rmse", true), ("test_value_r2", false)] {
            let values = try ids.map { try metric($0, name) }
            let best = ids[values.firstIndex(of: lowest ? values.min()! : values.max()!)!]
            let out = "\(dir)/\(name).h5"
            let r = try sobolev(["predict", files.plain, "--inputs", dir + "/x.h5", "--out", out, "--metric", name])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("/runs/\(best)/model (best \(name) = "), "\(r.stdout)")
            let f = try H5File.open(out)
            #expect(try f.scalarStringAttribute("run_id") == best)
            #expect(try f.scalarStringAttribute("chosen_by").hasPrefix("best \(name) = "))
            #expect(!f.contains("dYdX"))
        }
    }

    @Test func csvInAndOutUseTheRunsColumnNames() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let id = try SurrogateFixture.runs(files.adaptive)[0].id
        // Columns in another order, with an extra one that is ignored.
        let csv = "note,v,u\n1,0.25,-0.5\n2,-1.5,2.0\n3,0.0,0.125\n"
        try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        try H5File.writeAtomically(dir + "/in.h5") { f in _ = try f.write("X", [-0.5, 0.25, 2.0, -1.5, 0.125, 0.0], shape: [3, 2]) }
        let model = "\(files.adaptive):/runs/\(id)"
        #expect(try sobolev(["predict", model, "--inputs", dir + "/in.csv", "--out", dir + "/out.csv", "--jacobian"]).status == 0)
        #expect(try sobolev(["predict", model, "--inputs", dir + "/in.h5", "--out", dir + "/out.h5", "--jacobian"]).status == 0)
        let lines = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "u,v,f,g,df/du,df/dv,dg/du,dg/dv")
        let table = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let h5 = try H5File.open(dir + "/out.h5")
        // Shortest round-trip decimals: the CSV holds exactly the HDF5 numbers.
        #expect(table.flatMap { Array($0[0..<2]) } == (try h5.read("X").values))
        #expect(table.flatMap { Array($0[2..<4]) } == (try h5.read("Y").values))
        #expect(table.flatMap { Array($0[4..<8]) } == (try h5.read("dYdX").values))
        #expect(try h5.stringAttribute("input_names") == ["u", "v"])
        #expect(try h5.stringAttribute("output_names") == ["f", "g"])
        // --input-columns takes other columns as the model's inputs, and names them in the output.
        #expect(try sobolev(["predict", model, "--inputs", dir + "/in.csv", "--input-columns", "u, note", "--out", dir + "/other.csv"]).status == 0)
        let other = try String(contentsOfFile: dir + "/other.csv", encoding: .utf8).split(separator: "\n")
        #expect(other.first == "u,note,f,g")
        #expect(other.dropFirst().map { $0.split(separator: ",")[1] } == ["1.0", "2.0", "3.0"])
    }

    @Test func hessiansEqualDifferencesOfTheJacobianInCSVAndHDF5() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let id = try SurrogateFixture.runs(files.adaptive)[0].id
        let model = "\(files.adaptive):/runs/\(id)"
        let x = [-0.5, 0.25, 2.0, -1.5, 0.125, 0.0], h = 1e-5
        func predict(_ name: String, _ inputs: [Double], _ flags: [String]) throws -> H5File {
            try H5File.writeAtomically("\(dir)/\(name)-x.h5", replace: true) { f in _ = try f.write("X", inputs, shape: [3, 2]) }
            let r = try sobolev(["predict", model, "--inputs", "\(dir)/\(name)-x.h5", "--out", "\(dir)/\(name).h5"] + flags)
            #expect(r.status == 0, "\(r.output)")
            return try H5File.open("\(dir)/\(name).h5")
        }
        let hessians = try predict("h", x, ["--hessian"]).read("d2YdX2")
        #expect(hessians.shape == [3, 2, 2, 2])
        var fd = [Double](repeating: 0, count: 24)
        for k in 0..<2 {
            let shift = (0..<6).map { $0 % 2 == k ? h : 0.0 }
            let plus = try predict("p\(k)", zip(x, shift).map(+), ["--jacobian"]).read("dYdX").values
            let minus = try predict("m\(k)", zip(x, shift).map(-), ["--jacobian"]).read("dYdX").values
            for i in 0..<3 { for o in 0..<2 { for j in 0..<2 {
                fd[((i * 2 + o) * 2 + j) * 2 + k] = (plus[(i * 2 + o) * 2 + j] - minus[(i * 2 + o) * 2 + j]) / (2 * h)
            } } }
        }
        #expect(Self.relativeError(hessians.values, fd) < 1e-6, "\(Self.relativeError(hessians.values, fd))")
        // CSV: the pairs j <= k, the names an experiment reads as Hessian columns.
        let r = try sobolev(["predict", model, "--inputs", "\(dir)/h-x.h5", "--out", dir + "/h.csv", "--hessian"])
        #expect(r.status == 0, "\(r.output)")
        let lines = try String(contentsOfFile: dir + "/h.csv", encoding: .utf8).split(separator: "\n")
        // --hessian brings the derivative columns: Hessian columns train again only beside them.
        #expect(lines.first == "u,v,f,g,df/du,df/dv,dg/du,dg/dv,d2f/dudu,d2f/dudv,d2f/dvdv,d2g/dudu,d2g/dudv,d2g/dvdv", "\(lines.first ?? "")")
        let row = lines[1].split(separator: ",").map { Double($0)! }
        #expect(Array(row[8..<14]) == [0, 1, 3, 4, 5, 7].map { hessians.values[$0] })
    }

    @Test func badInputIsOneLineAndLeavesNothingBehind() throws {
        let files = try SurrogateFixture.files()
        let dir = scratchFolder()
        let id = try SurrogateFixture.runs(files.plain)[0].id
        try "x0,x1\n1,2\n".write(toFile: dir + "/ok.csv", atomically: true, encoding: .utf8)
        try "a,b\n1,2\n".write(toFile: dir + "/named.csv", atomically: true, encoding: .utf8)
        try "x0\n1\nnan\n".write(toFile: dir + "/nan.csv", atomically: true, encoding: .utf8)
        try H5File.writeAtomically(dir + "/wide.h5") { f in _ = try f.write("X", [1, 2, 3, 4], shape: [2, 2]) }
        try "keep".write(toFile: dir + "/existing.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/folder.h5", withIntermediateDirectories: false)
        let model = "\(files.plain):/runs/\(id)"
        let cases: [([String], [String])] = [
            ([model, "--inputs", dir + "/named.csv", "--out", dir + "/o.csv"], ["named.csv", "column x0", "columns are a, b"]),
            ([model, "--inputs", dir + "/nan.csv", "--out", dir + "/o.csv"], ["nan.csv", "line 3", "column x0", "nan"]),
            ([model, "--inputs", dir + "/wide.h5", "--out", dir + "/o.csv"], ["wide.h5", "2 columns", "takes 1 inputs"]),
            ([model, "--inputs", dir + "/missing.h5", "--out", dir + "/o.csv"], ["missing.h5", "no such file"]),
            ([files.plain + ":/runs/0123456789abcdef", "--inputs", dir + "/ok.csv", "--out", dir + "/o.csv"], ["/runs/0123456789abcdef", "no such group"]),
            ([files.plain, "--metric", "test_speed", "--inputs", dir + "/ok.csv", "--out", dir + "/o.csv"], ["no completed run has metric test_speed", "test_grad_rmse"]),
            ([model, "--inputs", dir + "/ok.csv", "--out", dir + "/existing.csv"], ["existing.csv exists already", "--force"]),
            ([model, "--inputs", dir + "/ok.csv", "--out", dir + "/folder.h5", "--force"], ["folder.h5 is a folder"]),
            ([model, "--inputs", dir + "/ok.csv", "--out", dir + "/ok.csv", "--force"], ["is the inputs file"]),
            ([model, "--inputs", dir + "/ok.csv", "--out", dir + "/nowhere/o.csv"], ["nowhere", "does not exist"]),
            ([model, "--inputs", dir + "/wide.h5", "--input-columns", "x0", "--out", dir + "/o.csv"], ["--input-columns applies to CSV inputs"]),
            ([model, "--inputs", dir + "/ok.csv", "--input-columns", "x0,x1", "--out", dir + "/o.csv"], ["--input-columns names 2 columns", "takes 1 inputs"]),
            ([model, "--inputs", dir + "/ok.csv", "--input-columns", "x0,", "--out", dir + "/o.csv"], ["an empty column name"]),
            ([model, "--inputs", dir + "/ok.csv", "--input-columns", "x0, x0", "--out", dir + "/o.csv"], ["column x0 is named twice"]),
            ([dir + "/wide.h5", "--inputs", dir + "/ok.csv", "--out", dir + "/o.csv"], ["wide.h5", "holds no model", "not a results file"]),
            ([model, "--inputs", dir + "/ok.csv", "--out", dir + "/o.txt"], ["o.txt", "a .csv, .h5 or .hdf5 file"]),
        ]
        for (arguments, fragments) in cases {
            let r = try sobolev(["predict"] + arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            for fragment in fragments { #expect(r.stderr.contains(fragment), "\(arguments): \(r.stderr)") }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.csv"))
        #expect(try String(contentsOfFile: dir + "/existing.csv", encoding: .utf8) == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["existing.csv", "folder.h5", "named.csv", "nan.csv", "ok.csv", "wide.h5"])
        // --force replaces a file (and only a file).
        let forced = try sobolev(["predict", model, "--inputs", dir + "/ok.csv", "--out", dir + "/existing.csv", "--force"])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(try String(contentsOfFile: dir + "/existing.csv", encoding: .utf8).hasPrefix("x0,y0\n1.0,"))
    }
}
