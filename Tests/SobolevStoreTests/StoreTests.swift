// The HDF5 layer and the results store: real files written, read back, and read by h5dump.
import Foundation
import Testing
import SobolevCore
import SobolevHDF5
import SobolevExperiment
@testable import SobolevExperiment
@testable import SobolevStore

/// A fresh empty folder under the system's temporary directory.
func temporaryFolder(_ name: String = #function) -> String {
    let dir = NSTemporaryDirectory() + "sobolev-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter { $0.isLetter })"
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a program and returns (exit status, standard output + error).
func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe; p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

let h5dump = ["/usr/bin/h5dump", "/usr/local/bin/h5dump"].first { FileManager.default.fileExists(atPath: $0) } ?? "h5dump"

@Suite("HDF5 layer and results store")
struct StoreTests {
    @Test("attributes and datasets round-trip, and h5dump reads the same numbers")
    func roundTrip() throws {
        let dir = temporaryFolder()
        let path = dir + "/a.h5"
        do {
            let f = try H5File.create(path)
            try f.setAttribute("name", "Sobolev ∂")
            try f.setAttribute("label", "model.width=50 seed=0")
            try f.setAttribute("lr", 1e-3)
            try f.setAttribute("n", 42)
            try f.setAttribute("sizes", [1, 50, 50, 1])
            try f.setAttribute("names", ["value", "grad_1"])
            let g = try f.createGroup("g")
            try g.write("m", [1.5, 2.5, 3.5, 4.5, 5.5, 6.5], shape: [2, 3])
            try g.write("steps", [0, 10, 20])
            let big = (0..<3000).map { Double($0) * 0.5 }
            try g.write("big", big, shape: [1000, 3])
        }
        let f = try H5File.open(path)
        #expect(try f.scalarStringAttribute("name") == "Sobolev ∂")
        #expect(try f.scalarDoubleAttribute("lr") == 1e-3)
        #expect(try f.intAttribute("n") == [42])
        #expect(try f.intAttribute("sizes") == [1, 50, 50, 1])
        #expect(try f.stringAttribute("names") == ["value", "grad_1"])
        let g = try f.openGroup("g")
        let (m, shape) = try g.read("m")
        #expect(shape == [2, 3] && m == [1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
        #expect(try g.read("steps").values == [0, 10, 20])
        #expect(try g.read("big").values[2999] == 1499.5)
        #expect(try g.childNames() == ["big", "m", "steps"])

        let dump = try runProcess(h5dump, ["-d", "/g/m", path])
        #expect(dump.status == 0)
        #expect(dump.output.contains("1.5, 2.5, 3.5"))
        #expect(dump.output.contains("4.5, 5.5, 6.5"))
        let attr = try runProcess(h5dump, ["-a", "/label", path])
        #expect(attr.output.contains("\"model.width=50 seed=0\""))
    }

    @Test("creating a file never overwrites an existing one")
    func noOverwrite() throws {
        let path = temporaryFolder() + "/x.h5"
        try "precious".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: HDF5Error.self) { try H5File.create(path) }
        #expect(throws: HDF5Error.self) { try H5File.writeAtomically(path) { try $0.setAttribute("a", 1) } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == ["x.h5"])
    }

    @Test("a group's links are listed in name order, groups and datasets alike, also thousands of them (h5ls agrees)")
    func childNamesInNameOrder() throws {
        let path = temporaryFolder() + "/many.h5"
        var rng = SeededRNG(seed: 3, stream: "names")
        let names = (0..<3000).map { i in String(UInt64(rng.uniform(0, 1) * 1e15) &+ UInt64(i), radix: 16) }
        do {   // closed at the end of the block, so h5ls may open it
            let f = try H5File.create(path)
            let g = try f.createGroup("runs")
            for (i, n) in names.enumerated() { if i % 2 == 0 { _ = try g.createGroup(n) } else { try g.write(n, [Double(i)]) } }
            _ = try f.createGroup("empty")
            try f.flush()
        }
        let f = try H5File.open(path)
        let listed = try f.openGroup("runs").childNames()
        #expect(listed.count == 3000 && listed == names.sorted())
        #expect(try f.childNames() == ["empty", "runs"] && f.openGroup("empty").childNames() == [])
        let h5ls = try runProcess(h5dump.replacingOccurrences(of: "h5dump", with: "h5ls"), [path + "/runs"])
        let shown = h5ls.output.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        #expect(h5ls.status == 0 && shown.count == 3000)
        #expect(shown == listed, "first difference at \(shown.indices.first { $0 < listed.count && shown[$0] != listed[$0] } ?? -1)")
    }

    @Test("a results file: runs saved as parts, merged atomically, read back with the model")
    func resultsStore() throws {
        let dir = temporaryFolder()
        let exp = try Experiment.parse(text: "name: t\ntraining:\n  epochs: 20\nmodel:\n  width: 6\nloss:\n  lambda_grad: [0, 1]", file: "t.yaml")
        let store = ResultsStore(path: dir + "/out/r.h5", experiment: exp)
        try store.prepare(for: exp)
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))   // nothing before the first result
        let first = try RunExecutor.execute(exp.runs[0])
        try store.save(first)
        #expect(try store.storedRuns() == [first.id: .completed])
        #expect(try store.consolidate() == 1)
        #expect(!FileManager.default.fileExists(atPath: store.partsDirectory))
        let second = try RunExecutor.execute(exp.runs[1])
        try store.save(second)
        #expect(try store.storedRuns().count == 2)
        try store.consolidate()

        let f = try H5File.open(store.path)
        try checkResultsFormat(f)
        #expect(try f.scalarStringAttribute("experiment_text") == exp.text)
        #expect(try f.stringAttribute("grid_axes") == ["loss.lambda_grad"])
        let run = try f.openGroup("runs").openGroup(second.id)
        #expect(try run.scalarStringAttribute("status") == "completed")
        #expect(try run.scalarDoubleAttribute("loss.lambda_grad") == 1)
        #expect(try run.intAttribute("model.width") == [6])
        let h = try run.openGroup("history")
        let (lambda, shape) = try h.read("lambda")
        #expect(shape == [second.history.steps.count, 2])
        #expect(lambda.allSatisfy { $0 == 1 })
        #expect(try h.read("loss_grad").shape == [second.history.steps.count, 1])
        let metrics = try run.openGroup("metrics")
        let rmse = try metrics.scalarDoubleAttribute("test_grad_rmse")
        #expect(rmse == second.metrics.first { $0.name == "test_grad_rmse" }!.value)

        // The stored model reproduces the run's test predictions.
        let model = try StoredModel.read(try run.openGroup("model"))
        let test = try run.openGroup("test")
        let x = try test.read("X"), yPred = try test.read("Y_pred")
        let p = model.architecture.predict(parameters: model.parameters, inputs: model.standardization.normalizeInputs(Matrix(rows: x.shape[0], cols: 1, data: x.values)))
        let back = model.standardization.denormalize(values: p.values, jacobians: p.jacobians)
        #expect(zip(back.values.data, yPred.values).allSatisfy { abs($0 - $1) < 1e-12 })

        let dump = try runProcess(h5dump, ["-H", store.path])
        #expect(dump.status == 0 && dump.output.contains(second.id))
    }

    @Test("a results file of another experiment is refused, not overwritten")
    func otherExperiment() throws {
        let dir = temporaryFolder()
        let a = try Experiment.parse(text: "name: a\ntraining:\n  epochs: 5", file: "a.yaml")
        let store = ResultsStore(path: dir + "/r.h5", experiment: a)
        try store.prepare(for: a)
        try store.save(try RunExecutor.execute(a.runs[0]))
        try store.consolidate()
        let before = try Data(contentsOf: URL(fileURLWithPath: store.path))
        #expect(throws: HDF5Error.self) { try store.prepare(for: try Experiment.parse(text: "name: b", file: "b.yaml")) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == before)
    }

    @Test("data files: bad shapes and NaN are errors naming the dataset and the shape found")
    func dataFileErrors() throws {
        let dir = temporaryFolder()
        func make(_ name: String, _ body: (H5File) throws -> Void) throws -> String {
            let p = dir + "/" + name
            try H5File.writeAtomically(p, body)
            return p
        }
        let good = try make("good.h5") { f in
            try f.write("X", [0, 1, 2, 3], shape: [2, 2]); try f.write("Y", [1, 2], shape: [2, 1]); try f.write("dY", [1, 2, 3, 4], shape: [2, 1, 2])
        }
        let d = try DatasetFile.read(good)
        #expect(d.count == 2 && d.inputDimension == 2 && d.jacobians == [1, 2, 3, 4])

        let cases: [(String, (H5File) throws -> Void, String)] = [
            ("rows.h5", { f in try f.write("X", [0, 1, 2, 3], shape: [2, 2]); try f.write("Y", [1, 2, 3], shape: [3, 1]) }, "/Y"),
            ("dy.h5", { f in try f.write("X", [0, 1, 2, 3], shape: [2, 2]); try f.write("Y", [1, 2], shape: [2, 1]); try f.write("dY", [1, 2], shape: [2, 1]) }, "[2, 1]"),
            ("nan.h5", { f in try f.write("X", [0, .nan, 2, 3], shape: [2, 2]); try f.write("Y", [1, 2], shape: [2, 1]) }, "nan"),
            ("noY.h5", { f in try f.write("X", [0, 1, 2, 3], shape: [2, 2]) }, "/Y"),
            ("x1d.h5", { f in try f.write("X", [0, 1, 2, 3]); try f.write("Y", [1, 2], shape: [2, 1]) }, "(n, d)"),
        ]
        for (name, body, expected) in cases {
            let p = try make(name, body)
            do {
                _ = try DatasetFile.read(p)
                Issue.record("\(name) was accepted")
            } catch {
                #expect("\(error)".contains(p), "\(error)")
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
    @Test("a prediction CSV quotes names that hold a comma or a quote, and reads back column for column")
    func predictionCSVQuotesNames() throws {
        let dir = temporaryFolder()
        let p = Predictions(inputs: Matrix(rows: 2, cols: 2, data: [1, 2, 3, 4]), values: Matrix(rows: 2, cols: 1, data: [5, 6]),
                            jacobians: [7, 8, 9, 10], inputNames: ["radius", "thick, mm"], outputNames: ["u \"x\""],
                            attributes: [], timePerSample: 0)
        let text = PredictionFile.csv(p)
        #expect(text.hasPrefix(#"radius,"thick, mm","u ""x""","du ""x""/dradius","du ""x""/dthick, mm""# + "\n"), "\(text)")
        try text.write(toFile: dir + "/p.csv", atomically: true, encoding: .utf8)
        let table = try CSVTable.read(dir + "/p.csv")
        #expect(table.names == ["radius", "thick, mm", "u \"x\"", "du \"x\"/dradius", "du \"x\"/dthick, mm"])
        #expect(table.rows.map { $0.cells } == [["1.0", "2.0", "5.0", "7.0", "8.0"], ["3.0", "4.0", "6.0", "9.0", "10.0"]])
        // The reader takes the byte-order mark spreadsheets write as no part of the first name.
        try Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)).write(to: URL(fileURLWithPath: dir + "/bom.csv"))
        #expect(try CSVTable.read(dir + "/bom.csv").names.first == "radius")
    }

    @Test("standardisation: a constant column keeps std 1 also when the mean is not exact; R^2 of a constant target is NaN")
    func constantColumns() throws {
        // 60 equal values whose mean by sum(x / n) is not exactly 0.1 (a spread of about 1e-17).
        let x = Matrix(rows: 60, cols: 2, data: (0..<60).flatMap { [0.1, Double($0)] })
        let y = Matrix(rows: 60, cols: 1, data: [Double](repeating: 3.3, count: 60))
        let s = Standardization.fit(Dataset(inputs: x, values: y, jacobians: nil))
        #expect(s.inputStd[0] == 1 && s.outputStd == [1])
        #expect(abs(s.inputStd[1] - 17.318102282486574) < 1e-12)
        let data = Dataset(inputs: x, values: y, jacobians: [Double](repeating: 0, count: 120))
        let m = ErrorMetrics(values: Matrix(rows: 60, cols: 1, data: [Double](repeating: 3.3000000001, count: 60)),
                        jacobians: [Double](repeating: 0, count: 120), truth: data)
        #expect(m.valueR2.isNaN && m.valueR2PerOutput[0].isNaN)
        #expect(m.valueRMSE > 0 && m.valueRMSE < 1e-9)
    }
}
