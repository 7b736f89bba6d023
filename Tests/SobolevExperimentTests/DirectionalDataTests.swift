// Directions V and directional derivatives JV in users' data files (HDF5 and CSV), their checks,
// their standardisation, and loss.projections against the data.
import Foundation
import SobolevCore
import SobolevHDF5
import Testing
@testable import SobolevExperiment

/// twoByTwo's data with k = 2 directions per sample and JV = dY V (dY kept when asked).
func twoByTwoDirections(_ n: Int, keepJacobians: Bool) -> Dataset {
    let base = twoByTwo(n)
    var V = [Double]()
    for i in 0..<n { V += [1, 0.5 * Double(i % 3) - 0.5, -0.25, 1 + 0.1 * Double(i)] }
    let withV = Dataset(inputs: base.inputs, values: base.values, jacobians: nil, directions: V,
                        directionalDerivatives: [Double](repeating: 0, count: n * 2 * 2))
    return Dataset(inputs: base.inputs, values: base.values, jacobians: keepJacobians ? base.jacobians : nil,
                   directions: V, directionalDerivatives: withV.directionalDerivatives(of: base.jacobians!))
}

@Suite("Directional data files")
struct DirectionalDataTests {
    func experiment(_ dir: String, _ problem: String, _ rest: String = "") throws -> Experiment {
        let text = "name: d\nproblem:\n  name: dataset\n" + problem + "\ntraining:\n  epochs: 30\nmodel:\n  width: 6\n" + rest
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        return try Experiment.load(path: dir + "/e.yaml")
    }

    @Test("HDF5: V and JV written and read back, split with the samples, trained as dir_1, dir_2 after the grad terms")
    func hdf5RoundTrip() throws {
        let dir = dataFolder()
        let data = twoByTwoDirections(40, keepJacobians: true)
        try DatasetFile.write(data, to: dir + "/d.h5")
        #expect(try DatasetFile.read(dir + "/d.h5") == data)
        let e = try experiment(dir, "  file: d.h5")
        let split = try RunExecutor.data(for: RunConfig(e.runs[0]))
        #expect(split.train.directionCount == 2)
        // Every sample keeps its own directions: JV = dY V holds row by row after the split.
        #expect(split.test.directionalDerivatives(of: split.test.jacobians!) == split.test.directionalDerivatives!)
        let result = try RunExecutor.execute(e.runs[0])
        #expect(result.termNames == ["value", "grad_1", "grad_2", "dir_1", "dir_2"])
        #expect(result.metrics.contains { $0.name == "test_dir_rmse" && $0.value.isFinite })
        let grouped = try RunExecutor.execute(try experiment(dir, "  file: d.h5", "loss:\n  group_gradients: true").runs[0])
        #expect(grouped.termNames == ["value", "grad", "dir"])
    }

    @Test("standardisation keeps J' v' = (J v) / sigma_y")
    func standardisation() {
        let data = twoByTwoDirections(15, keepJacobians: true)
        let s = Standardization.fit(data)
        #expect(s.inputStd != [1, 1] && s.outputStd != [1, 1])
        let n = s.normalize(data)
        let expected = n.directionalDerivatives(of: n.jacobians!)
        #expect(zip(expected, n.directionalDerivatives!).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("CSV: columns v<c>_<input> and d<output>/dv<c>")
    func csv() throws {
        let dir = dataFolder()
        var text = "x, y, E, v1_x, v1_y, v2_x, v2_y, dE/dv1, dE/dv2\n"
        for i in 0..<12 {
            let x = Double(i) / 12, y = 1 - x, g = [2 * x, 1.0]   // E = x^2 + y
            let v1 = [1.0, 0.5], v2 = [-0.25, Double(i + 1)]
            text += "\(x), \(y), \(x * x + y), \(v1[0]), \(v1[1]), \(v2[0]), \(v2[1]), "
                + "\(g[0] * v1[0] + g[1] * v1[1]), \(g[0] * v2[0] + g[1] * v2[1])\n"
        }
        try text.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let e = try experiment(dir, "  file: d.csv\n  input_columns: [x, y]\n  output_columns: [E]")
        let (data, _) = try UserDataset.readCSV(dir + "/d.csv", RunConfig(e.runs[0]).problem.dataset!)
        #expect(data.directionCount == 2 && data.jacobians == nil)
        #expect(Array(data.directions![0..<4]) == [1, 0.5, -0.25, 1])
        #expect(data.directionalDerivatives![1] == -0.25 * 0 + 1 * 1)   // sample 0: x = 0, v2 = (-0.25, 1)
        let result = try RunExecutor.execute(e.runs[0])
        #expect(result.termNames == ["value", "dir_1", "dir_2"])
    }

    @Test("bad directional data: one line naming the file, the dataset or column, and the value")
    func errors() throws {
        let dir = dataFolder()
        let good = twoByTwoDirections(6, keepJacobians: false)
        func h5(_ name: String, _ body: (H5File) throws -> Void) throws {
            try H5File.writeAtomically(dir + "/" + name) { f in
                try f.write("X", good.inputs.data, shape: [6, 2]); try f.write("Y", good.values.data, shape: [6, 2])
                try body(f)
            }
        }
        try h5("onlyV.h5") { try $0.write("V", good.directions!, shape: [6, 2, 2]) }
        try h5("onlyJV.h5") { try $0.write("JV", good.directionalDerivatives!, shape: [6, 2, 2]) }
        try h5("shapeV.h5") { f in
            try f.write("V", good.directions!, shape: [6, 4]); try f.write("JV", good.directionalDerivatives!, shape: [6, 2, 2])
        }
        try h5("shapeJV.h5") { f in
            try f.write("V", good.directions!, shape: [6, 2, 2]); try f.write("JV", Array(good.directionalDerivatives![0..<12]), shape: [6, 2, 1])
        }
        var nan = good.directionalDerivatives!; nan[5] = .nan
        try h5("nan.h5") { f in try f.write("V", good.directions!, shape: [6, 2, 2]); try f.write("JV", nan, shape: [6, 2, 2]) }
        var zero = good.directions!; zero[2 * 5 + 0] = 0; zero[2 * 5 + 1] = 0   // sample 2, direction 1
        try h5("zero.h5") { f in try f.write("V", zero, shape: [6, 2, 2]); try f.write("JV", good.directionalDerivatives!, shape: [6, 2, 2]) }
        // V and JV under names in another case: read as no directions before, silently.
        try h5("lower.h5") { f in try f.write("v", good.directions!, shape: [6, 2, 2]); try f.write("Jv", good.directionalDerivatives!, shape: [6, 2, 2]) }
        try h5("lowerJV.h5") { f in try f.write("V", good.directions!, shape: [6, 2, 2]); try f.write("jv", good.directionalDerivatives!, shape: [6, 2, 2]) }
        try "x, y, E, v1_x, dE/dv1\n1, 2, 3, 1, 1\n".write(toFile: dir + "/partial.csv", atomically: true, encoding: .utf8)
        try "x, y, E, dE/dv1\n1, 2, 3, 1\n".write(toFile: dir + "/jvonly.csv", atomically: true, encoding: .utf8)
        try "x, y, E, v1_x, v1_y\n1, 2, 3, 1, 1\n".write(toFile: dir + "/nojv.csv", atomically: true, encoding: .utf8)
        try "x, y, E, v1_x, v1_y, dE/dv1\n1, 2, 3, 1, 1, 1\n4, 5, 6, 0, 0, 1\n".write(toFile: dir + "/zero.csv", atomically: true, encoding: .utf8)
        // An input named v (or v1) makes dE/dv (dE/dv1) a gradient column, not a directional one.
        try "v, v1, E, dE/dv, dE/dv1\n1, 2, 3, 1, 1\n4, 5, 6, 1, 1\n".write(toFile: dir + "/inputv.csv", atomically: true, encoding: .utf8)
        let plain = try experiment(dir, "  file: inputv.csv\n  input_columns: [v, v1]\n  output_columns: [E]")
        let (vData, _) = try UserDataset.readCSV(dir + "/inputv.csv", RunConfig(plain.runs[0]).problem.dataset!)
        #expect(vData.hasJacobians && !vData.hasDirections)
        // Directions v1_* beside an input named v1: dE/dv1 would be both; refused, naming the column.
        try "x, v1, E, dE/dx, dE/dv1, v1_x, v1_v1\n1, 2, 3, 1, 1, 1, 0\n4, 5, 6, 1, 1, 0, 1\n".write(toFile: dir + "/both.csv", atomically: true, encoding: .utf8)
        let csv = "\n  input_columns: [x, y]\n  output_columns: [E]"
        let cases: [(String, [String])] = [
            ("  file: both.csv\n  input_columns: [x, v1]\n  output_columns: [E]", ["both.csv", "column dE/dv1", "gradient column of input v1", "direction 1", "rename input v1"]),
            ("  file: onlyV.h5", ["onlyV.h5", "/JV", "missing"]),
            ("  file: onlyJV.h5", ["onlyJV.h5", "/V", "missing"]),
            ("  file: shapeV.h5", ["shapeV.h5", "/V", "[6, 4]"]),
            ("  file: shapeJV.h5", ["shapeJV.h5", "/JV", "(6, 2, 2)", "[6, 2, 1]"]),
            ("  file: nan.h5", ["nan.h5", "/JV: JV[1, 0, 1] is nan (sample 1, output 0, direction 1)"]),
            ("  file: zero.h5", ["zero.h5", "/V", "V[2, 1, :] is all zeros"]),
            ("  file: lower.h5", ["lower.h5", "/v: has the shape of directions (n, k, d) = (6, k, 2), found [6, 2, 2], but is not read", "from /V", "rename it V"]),
            ("  file: lowerJV.h5", ["lowerJV.h5", "/jv: has the shape of directional derivatives (n, m, k) = (6, 2, k)", "from /JV", "rename it JV"]),
            ("  file: partial.csv" + csv, ["partial.csv", "column v1_y", "missing"]),
            ("  file: jvonly.csv" + csv, ["jvonly.csv", "dE/dv1", "without directions"]),
            ("  file: nojv.csv" + csv, ["nojv.csv", "dE/dv1", "not in the header"]),
            ("  file: zero.csv" + csv, ["zero.csv", "line 3", "direction 1 is zero"]),
        ]
        for (problem, needles) in cases {
            let e = try experiment(dir, problem, "loss:\n  lambda_grad: 0")
            do {
                _ = try RunExecutor.data(for: RunConfig(e.runs[0]))
                Issue.record("no error for \(problem)")
            } catch {
                let text = "\(error)"
                for needle in needles { #expect(text.contains(needle), "\(needle) not in: \(text)") }
                #expect(!text.contains("\n"))
            }
        }
    }

    @Test("datasets named v or jv of other shapes than V and JV are other data, read as before")
    func otherLowercaseDatasets() throws {
        let dir = dataFolder()
        let good = twoByTwoDirections(6, keepJacobians: true)
        try H5File.writeAtomically(dir + "/other.h5") { f in
            try f.write("X", good.inputs.data, shape: [6, 2]); try f.write("Y", good.values.data, shape: [6, 2])
            try f.write("dY", good.jacobians!, shape: [6, 2, 2])
            try f.write("v", [1, 2, 3], shape: [3]); try f.write("jv", [Double](repeating: 1, count: 12), shape: [6, 2])
        }
        let read = try DatasetFile.read(dir + "/other.h5")
        #expect(read.count == 6 && read.hasJacobians && !read.hasDirections)
    }

    @Test("loss.projections: a positive integer, at most d, only with dY and without the file's own directions")
    func projectionChecks() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwo(20), to: dir + "/j.h5")
        try DatasetFile.write(twoByTwoDirections(20, keepJacobians: true), to: dir + "/both.h5")
        try DatasetFile.write(twoByTwoDirections(20, keepJacobians: false), to: dir + "/v.h5")
        let ok = try experiment(dir, "  file: j.h5", "loss:\n  projections: 2")
        #expect(RunConfig(ok.runs[0]).training.projections == 2)
        let result = try RunExecutor.execute(ok.runs[0])
        #expect(result.termNames == ["value", "dir_1", "dir_2"])
        #expect(result.metrics.contains { $0.name == "test_grad_rmse" && $0.value.isFinite })
        for (file, k, needle) in [("j.h5", 3, "more than the input dimension d = 2"), ("v.h5", 1, "no dY"), ("both.h5", 1, "V and JV")] {
            let e = try experiment(dir, "  file: \(file)", "loss:\n  projections: \(k)")
            let config = RunConfig(e.runs[0])
            #expect(throws: (any Error).self) { try RunExecutor.check(try RunExecutor.data(for: config), config: config) }
            do { try RunExecutor.check(try RunExecutor.data(for: config), config: config) } catch {
                #expect("\(error)".contains(needle) && "\(error)".contains("loss.projections") && "\(error)".contains(file), "\(error)")
            }
        }
        #expect(throws: (any Error).self) { try self.experiment(dir, "  file: j.h5", "loss:\n  projections: 0") }
        // An analytic problem: d known before any data.
        try "problem:\n  name: rosenbrock\n  dimension: 3\nloss:\n  projections: 4\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        do { _ = try Experiment.load(path: dir + "/a.yaml"); Issue.record("projections 4 > d = 3 accepted") } catch {
            #expect("\(error)".contains("loss.projections") && "\(error)".contains("d = 3"), "\(error)")
        }
    }
}
