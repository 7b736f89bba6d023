// Users' data files in experiments: HDF5 and CSV, splits, and errors that name what is wrong.
import Foundation
import SobolevCore
import SobolevHDF5
import Testing
@testable import SobolevExperiment

func dataFolder(_ name: String = #function) -> String {
    let dir = NSTemporaryDirectory() + "sobolev-data-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter { $0.isLetter })"
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// f(x, y) = (x y, x + y^2) with its Jacobian at n points.
func twoByTwo(_ n: Int) -> Dataset {
    var x = [Double](), y = [Double](), dy = [Double]()
    for i in 0..<n {
        let a = Double(i) / Double(n), b = 1 - 0.5 * a
        x += [a, b]; y += [a * b, a + b * b]; dy += [b, a, 1, 2 * b]
    }
    return Dataset(inputs: Matrix(rows: n, cols: 2, data: x), values: Matrix(rows: n, cols: 2, data: y), jacobians: dy)
}

@Suite("User datasets")
struct UserDatasetTests {
    func experiment(_ dir: String, _ problem: String) throws -> Experiment {
        let text = "name: d\nproblem:\n  name: dataset\n" + problem + "\ntraining:\n  epochs: 30\nmodel:\n  width: 6\n"
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        return try Experiment.load(path: dir + "/e.yaml")
    }

    @Test("an HDF5 file split by fraction: sizes, disjoint sets, the seed decides the shuffle, and a run trains on it")
    func hdf5Fraction() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwo(40), to: dir + "/d.h5")
        let e = try experiment(dir, "  file: d.h5\n  train_fraction: 0.5\n  validation_fraction: 0.25")
        let data = try RunExecutor.data(for: RunConfig(e.runs[0]))
        #expect(data.train.count == 20 && data.validation?.count == 10 && data.test.count == 10)
        let all = Set((data.train.inputs.data + data.validation!.inputs.data + data.test.inputs.data).map { $0 })
        #expect(all.count >= 40)   // every sample once
        #expect(data.train.jacobians != nil)
        let result = try RunExecutor.execute(e.runs[0])
        #expect(result.status == .completed)
        #expect(result.termNames == ["value", "grad_1", "grad_2"])
        #expect(result.metrics.contains { $0.name == "test_grad_rmse_out1" })
        var other = e.runs[0]; other.seed = 1
        #expect(try RunExecutor.data(for: RunConfig(other)).train.inputs != data.train.inputs)
    }

    @Test("a data file's simulation costs travel into the run, beside the measured surrogate time")
    func costs() throws {
        let dir = dataFolder()
        try H5File.writeAtomically(dir + "/d.h5") { f in
            let d = twoByTwo(20)
            try f.write("X", d.inputs.data, shape: [20, 2]); try f.write("Y", d.values.data, shape: [20, 2])
            try f.setAttribute("data_generation_time", 12.5); try f.setAttribute("simulation_time_per_sample", 0.25)
        }
        let r = try RunExecutor.execute(try experiment(dir, "  file: d.h5\nloss:\n  lambda_grad: 0").runs[0])
        #expect(r.costs["data_generation_time"] == 12.5 && r.costs["simulation_time_per_sample"] == 0.25)
        #expect((r.costs["surrogate_time_per_sample"] ?? 0) > 0)
    }

    @Test("an HDF5 file with its own index sets")
    func hdf5Indices() throws {
        let dir = dataFolder()
        try H5File.writeAtomically(dir + "/d.h5") { f in
            let d = twoByTwo(10)
            try f.write("inputs", d.inputs.data, shape: [10, 2]); try f.write("outputs", d.values.data, shape: [10, 2])
            try f.write("train_index", [0, 1, 2, 3, 4, 5]); try f.write("validation_index", [6, 7]); try f.write("test_index", [8, 9])
        }
        let e = try experiment(dir, "  file: d.h5\n  x: inputs\n  y: outputs\n  split: indices")
        let data = try RunExecutor.data(for: RunConfig(e.runs[0]))
        #expect(data.train.count == 6 && data.validation?.count == 2 && data.test.count == 2)
        #expect(data.test.inputs.row(0) == twoByTwo(10).inputs.row(8))
        #expect(!data.train.hasJacobians)   // no dY in this file: plain data
    }

    @Test("a CSV file with named columns, default derivative columns and a split column")
    func csv() throws {
        let dir = dataFolder()
        var text = "# energies and forces\nx, y, E, dE/dx, dE/dy, split\n"
        for i in 0..<12 {
            let x = Double(i) / 12, y = 1 - x
            text += "\(x), \(y), \(x * x + y), \(2 * x), 1, \(i < 8 ? "train" : i < 10 ? "validation" : "test")\n"
        }
        try text.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let e = try experiment(dir, "  file: d.csv\n  input_columns: [x, y]\n  output_columns: [E]\n  split: indices")
        let data = try RunExecutor.data(for: RunConfig(e.runs[0]))
        #expect(data.train.count == 8 && data.validation?.count == 2 && data.test.count == 2)
        #expect(data.train.jacobians![0...1] == [0, 1])
        #expect(data.train.values[1, 0] == (1.0 / 12) * (1.0 / 12) + 11.0 / 12)
        // Empty trailing columns, as spreadsheets export them, repeat an empty name nobody reads.
        let trailing = text.split(separator: "\n").map { $0.hasPrefix("#") ? String($0) : $0 + ",," }.joined(separator: "\n")
        try trailing.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        #expect(try RunExecutor.data(for: RunConfig(e.runs[0])).train.values == data.train.values)
        // A column that is read may not repeat: which one was meant is not for us to guess.
        try text.replacingOccurrences(of: "split\n", with: "split, dE/dy\n").split(separator: "\n")
            .map { $0.hasPrefix("#") || $0.hasPrefix("x,") ? String($0) : $0 + ", 7" }.joined(separator: "\n")
            .write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        #expect(throws: DataFileError.self) { try RunExecutor.data(for: RunConfig(e.runs[0])) }
        do { _ = try RunExecutor.data(for: RunConfig(e.runs[0])) } catch {
            #expect("\(error)".contains("line 2, column dE/dy: the header names this column twice"), "\(error)")
        }
    }

    @Test("quoted CSV fields: names with commas and doubled quotes, quoted numbers, spaces around quotes")
    func csvQuotedFields() throws {
        let dir = dataFolder()
        let text = #"""
            "load, kN", "say ""hi""",note,"split"
            "1.5", 2, "a, b", train
              "2.5"  ,4,"",test
            3.5,"6","x ""y"" z",train

            """#
        try text.write(toFile: dir + "/q.csv", atomically: true, encoding: .utf8)
        let table = try CSVTable.read(dir + "/q.csv")
        #expect(table.names == ["load, kN", "say \"hi\"", "note", "split"])
        #expect(table.rows.map(\.cells) == [["1.5", "2", "a, b", "train"], ["2.5", "4", "", "test"], ["3.5", "6", "x \"y\" z", "train"]])
        #expect(table.rows.map(\.number) == [2, 3, 4])
        let m = try UserDataset.readColumns(dir + "/q.csv", columns: ["load, kN", "say \"hi\""])
        #expect(m.rows == 3 && m[2, 0] == 3.5 && m[1, 1] == 4)
    }

    @Test("bad data files name the file, the dataset or column, and what was found")
    func errors() throws {
        let dir = dataFolder()
        try "x, y\n1, 2\n3, oops\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        try "x, y\n1, 2\n3\n".write(toFile: dir + "/short.csv", atomically: true, encoding: .utf8)
        try H5File.writeAtomically(dir + "/shape.h5") { f in
            try f.write("X", [0, 1, 2, 3], shape: [2, 2]); try f.write("Y", [1, 2], shape: [2, 1]); try f.write("dY", [1, 2, 3], shape: [3, 1])
        }
        try H5File.writeAtomically(dir + "/idx.h5") { f in
            try f.write("X", [0, 1, 2, 3], shape: [4, 1]); try f.write("Y", [1, 2, 3, 4], shape: [4, 1])
            try f.write("train_index", [0, 1]); try f.write("validation_index", [1]); try f.write("test_index", [3])
        }
        let cases: [(String, [String])] = [
            ("  file: bad.csv\n  input_columns: [x]\n  output_columns: [y]", ["bad.csv", "line 3", "column y", "oops"]),
            ("  file: short.csv\n  input_columns: [x]\n  output_columns: [y]", ["short.csv", "line 3", "1 fields"]),
            ("  file: bad.csv\n  input_columns: [x]\n  output_columns: [z]", ["bad.csv", "column z", "columns are x, y"]),
            ("  file: shape.h5", ["shape.h5", "/dY", "[3, 1]"]),
            ("  file: idx.h5\n  split: indices", ["idx.h5", "/validation_index", "sample 1"]),
            ("  file: missing.h5", ["missing.h5", "no such file"]),
        ]
        for (problem, needles) in cases {
            let e = try experiment(dir, problem)
            do {
                _ = try RunExecutor.data(for: RunConfig(e.runs[0]))
                Issue.record("accepted: \(problem)")
            } catch {
                for n in needles { #expect("\(error)".contains(n), "\(error) lacks \(n)") }
            }
        }
        // Configuration errors are caught when the experiment is read.
        #expect(throws: ExperimentError.self) { try experiment(dir, "  train_fraction: 0.9") }
        #expect(throws: ExperimentError.self) { try experiment(dir, "  file: d.h5\n  train_fraction: 0.9\n  validation_fraction: 0.1") }
    }

    @Test("NaN and Inf in X, Y, dY and V are named by sample and position in the sample's axes, not by flat index")
    func nonFiniteEntries() throws {
        let dir = dataFolder()
        let d = twoByTwo(8)
        func message(_ name: String, at index: Int, _ value: Double) throws -> String {
            var (x, y, dy) = (d.inputs.data, d.values.data, d.jacobians!)
            var v = [Double](repeating: 1, count: 8 * 1 * 2)
            switch name {
            case "X": x[index] = value
            case "Y": y[index] = value
            case "dY": dy[index] = value
            default: v[index] = value
            }
            let path = dir + "/\(name)-\(index).h5"
            try H5File.writeAtomically(path) { f in
                try f.write("X", x, shape: [8, 2]); try f.write("Y", y, shape: [8, 2]); try f.write("dY", dy, shape: [8, 2, 2])
                try f.write("V", v, shape: [8, 1, 2]); try f.write("JV", [Double](repeating: 1, count: 16), shape: [8, 2, 1])
            }
            do { _ = try DatasetFile.read(path); return "accepted" } catch { return "\(error)" }
        }
        #expect(try message("X", at: 7, .nan) == dir + "/X-7.h5: /X: X[3, 1] is nan (sample 3, input 1)")
        #expect(try message("Y", at: 6, -.infinity) == dir + "/Y-6.h5: /Y: Y[3, 0] is -inf (sample 3, output 0)")
        #expect(try message("dY", at: 29, .infinity) == dir + "/dY-29.h5: /dY: dY[7, 0, 1] is inf (sample 7, output 0, input 1)")
        #expect(try message("V", at: 5, .nan) == dir + "/V-5.h5: /V: V[2, 0, 1] is nan (sample 2, direction 0, input 1)")
    }

    @Test("64-bit integer datasets beyond 2^53 are refused, naming the entry; up to 2^53 they read exactly")
    func wideIntegers() throws {
        let dir = dataFolder()
        func file(_ name: String, x: [Int]) throws -> String {
            try H5File.writeAtomically(dir + "/" + name) { f in
                try f.write("X", x, shape: [x.count / 2, 2]); try f.write("Y", [Double](repeating: 1, count: x.count / 2), shape: [x.count / 2, 1])
            }
            return dir + "/" + name
        }
        // 2^62 + 0..119: every value read as 2^62 through a double before.
        let wide = try file("wide.h5", x: (0..<120).map { i in i % 2 == 0 ? i : (1 << 62) + i })
        #expect(throws: (any Error).self) { _ = try DatasetFile.read(wide) }
        do { _ = try DatasetFile.read(wide) } catch {
            #expect("\(error)" == wide + ": /X: X[0, 1] is 4611686018427387905, an integer beyond 2^53 that a double cannot hold exactly (it would read as 4.611686018427388e+18); store the data as floating point or shift them nearer zero")
        }
        let negative = try file("negative.h5", x: [0, 1, -(1 << 53) - 1, 2])
        #expect(throws: (any Error).self) { _ = try DatasetFile.read(negative) }
        let edge = try file("edge.h5", x: [1 << 53, -(1 << 53), 3, -4])
        #expect(try DatasetFile.read(edge).inputs.data == [9007199254740992, -9007199254740992, 3, -4])
    }
}

@Suite("User datasets: silently ignored input")
struct UserDatasetCheckTests {
    func experiment(_ dir: String, _ lines: String, overrides: [String] = []) throws -> Experiment {
        let text = "name: d\nproblem:\n  name: dataset\n" + lines + "\ntraining:\n  epochs: 5\nmodel:\n  width: 4\n"
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        return try Experiment.load(path: dir + "/e.yaml", overrides: overrides)
    }

    /// `twoByTwo` data (X, Y, dY) of as many samples as the index sets list, with the sets.
    func writeWithOwnSplit(_ path: String, train: [Int], validation: [Int], test: [Int]) throws {
        let n = train.count + validation.count + test.count, d = twoByTwo(n)
        try H5File.writeAtomically(path) { f in
            try f.write("X", d.inputs.data, shape: [n, 2]); try f.write("Y", d.values.data, shape: [n, 2])
            try f.write("dY", d.jacobians!, shape: [n, 2, 2])
            try f.write("train_index", train); try f.write("validation_index", validation); try f.write("test_index", test)
        }
    }

    func preflightError(_ e: Experiment) -> String {
        do { _ = try Preflight(e, limit: nil) } catch { return "\(error)" }
        Issue.record("accepted: \(e.text)")
        return ""
    }

    @Test("problem.dy naming a missing dataset, and a Sobolev loss on data without derivatives, are errors")
    func derivativesMustExist() throws {
        let dir = dataFolder()
        let d = twoByTwo(20)
        try DatasetFile.write(Dataset(inputs: d.inputs, values: d.values, jacobians: nil), to: dir + "/plain.h5")
        let named = preflightError(try experiment(dir, "  file: plain.h5\n  dy: grads"))
        #expect(named.contains("plain.h5") && named.contains("/grads") && named.contains("no such dataset"))
        let sobolev = preflightError(try experiment(dir, "  file: plain.h5"))
        #expect(sobolev.contains("plain.h5") && sobolev.contains("loss.lambda_grad") && sobolev.contains("no dataset dY"))
        let adaptive = preflightError(try experiment(dir, "  file: plain.h5\nloss:\n  scheme: lra"))
        #expect(adaptive.contains("loss.scheme") && adaptive.contains("lra"))
        // Plain training on plain data is fine.
        _ = try Preflight(try experiment(dir, "  file: plain.h5\nloss:\n  lambda_grad: 0"), limit: nil)
    }

    @Test("a CSV file with some but not all derivative columns is an error naming the missing one")
    func partialDerivativeColumns() throws {
        let dir = dataFolder()
        var text = "x, y, E, dE/dx\n"
        for i in 0..<10 { text += "\(i), \(10 - i), \(i * i), \(2 * i)\n" }
        try text.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let m = preflightError(try experiment(dir, "  file: d.csv\n  input_columns: [x, y]\n  output_columns: [E]"))
        #expect(m.contains("d.csv") && m.contains("dE/dy") && m.contains("1 of the 2"))
    }

    @Test("a file's own split under the default split by fractions is an error; given problem.split either way, it is read as asked")
    func ownSplitNeedsTheSplitKey() throws {
        let dir = dataFolder()
        try writeWithOwnSplit(dir + "/d.h5", train: Array(0..<12), validation: [12, 13], test: Array(14..<20))
        let m = preflightError(try experiment(dir, "  file: d.h5"))
        #expect(m.contains("problem.split") && m.contains("train_index, validation_index, test_index") && m.contains("split: indices"), "\(m)")
        _ = try Preflight(try experiment(dir, "  file: d.h5\n  split: indices"), limit: nil)
        _ = try Preflight(try experiment(dir, "  file: d.h5", overrides: ["problem.split=fraction"]), limit: nil)
        // A CSV split column too.
        var text = "x, E, dE/dx, split\n"
        for i in 0..<10 { text += "\(i), \(i * i), \(2 * i), \(i < 7 ? "train" : "test")\n" }
        try text.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let csv = preflightError(try experiment(dir, "  file: d.csv\n  input_columns: [x]\n  output_columns: [E]"))
        #expect(csv.contains("a column split"), "\(csv)")
    }

    @Test("derivative columns that are input or output columns are errors naming the column")
    func derivativeColumnsOfTheirOwn() throws {
        let dir = dataFolder()
        var text = "x, y, E, gx, gy\n"
        for i in 0..<10 { text += "\(i), \(10 - i), \(i * i), \(2 * i), 0\n" }
        try text.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        for (columns, needle) in [("[E, gy]", "column E is an output column"), ("[x, gy]", "column x is an input column")] {
            let m = preflightError(try experiment(dir, "  file: d.csv\n  input_columns: [x, y]\n  output_columns: [E]\n  derivative_columns: \(columns)"))
            #expect(m.contains("d.csv") && m.contains(needle), "\(m)")
        }
        _ = try Preflight(try experiment(dir, "  file: d.csv\n  input_columns: [x, y]\n  output_columns: [E]\n  derivative_columns: [gx, gy]"), limit: nil)
    }

    @Test("CSV errors name the file's own line, counting blank lines; a training fraction that rounds to no sample is an error")
    func lineNumbersAndEmptyFractions() throws {
        let dir = dataFolder()
        try "\n# comment\n\nx, E\n1, 2\n\n3, 4\nabc, 5\n".write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        let m = preflightError(try experiment(dir, "  file: b.csv\n  input_columns: [x]\n  output_columns: [E]\nloss:\n  lambda_grad: 0"))
        #expect(m.contains("line 8, column x") && m.contains("abc"), "\(m)")
        try DatasetFile.write(twoByTwo(60), to: dir + "/d.h5")
        let train = preflightError(try experiment(dir, "  file: d.h5\n  train_fraction: 1.0e-9"))
        #expect(train.contains("problem.train_fraction 1e-09 of 60 samples is no sample"), "\(train)")
        // An HDF5 file under a .csv name, and CSV keys on a file of another name.
        try FileManager.default.copyItem(atPath: dir + "/d.h5", toPath: dir + "/h.csv")
        let binary = preflightError(try experiment(dir, "  file: h.csv\n  input_columns: [x]\n  output_columns: [E]"))
        #expect(binary.contains("h.csv: is an HDF5 file, not CSV text"), "\(binary)")
        #expect(throws: ExperimentError.self) { try experiment(dir, "  file: d.txt\n  input_columns: [x]\n  output_columns: [E]") }
        do { _ = try experiment(dir, "  file: d.txt\n  input_columns: [x]\n  output_columns: [E]") } catch {
            #expect("\(error)".contains("problem.format: csv"), "\(error)")
        }
    }

    @Test("early stopping on a file whose own split has no validation samples is an error")
    func patienceWithoutValidationIndices() throws {
        let dir = dataFolder()
        try writeWithOwnSplit(dir + "/d.h5", train: [0, 1, 2, 3], validation: [], test: [4, 5])
        let m = preflightError(try experiment(dir, "  file: d.h5\n  split: indices", overrides: ["training.patience=30"]))
        #expect(m.contains("d.h5") && m.contains("training.patience") && m.contains("3"))
    }
}
