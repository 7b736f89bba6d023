// Hessians d2Y beside directions V, JV in one data set: both read, written, split, standardised,
// counted by the preflight and measured, and neither CSV naming rule taking the other's columns.
import Foundation
import SobolevCore
import SobolevHDF5
import Testing
@testable import SobolevExperiment

/// twoByTwo with dY, its exact Hessians and k = 2 directions with JV = dY V.
func twoByTwoEverything(_ n: Int) -> Dataset {
    var d = twoByTwoDirections(n, keepJacobians: true)
    d.hessians = twoByTwoWithHessians(n).hessians
    return d
}

@Suite("Hessians beside directions")
struct HessianDirectionalTests {
    func experiment(_ dir: String, _ problem: String, _ rest: String = "") throws -> Experiment {
        let text = "name: d\nproblem:\n  name: dataset\n" + problem + "\ntraining:\n  epochs: 5\nmodel:\n  width: 4\n" + rest
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        return try Experiment.load(path: dir + "/e.yaml")
    }

    @Test("HDF5: dY, d2Y, V and JV written and read back, split together, standardised each by its rule")
    func roundTrip() throws {
        let dir = dataFolder()
        let data = twoByTwoEverything(12)
        try DatasetFile.write(data, to: dir + "/d.h5")
        #expect(try H5File.open(dir + "/d.h5").childNames().sorted() == ["JV", "V", "X", "Y", "d2Y", "dY"])
        #expect(try DatasetFile.read(dir + "/d.h5") == data)
        let sub = data.subset([7, 2])
        #expect(sub.hessians! == Array(data.hessians![56..<64]) + Array(data.hessians![16..<24]))
        #expect(sub.directionCount == 2 && sub.directions! == Array(data.directions![28..<32]) + Array(data.directions![8..<12]))
        #expect(sub.directionalDerivatives! == sub.directionalDerivatives(of: sub.jacobians!))
        let s = Standardization.fit(data), n = s.normalize(data)
        let at = ((3 * 2 + 0) * 2 + 0) * 2 + 1   // sample 3, output 0, pair (0, 1): d2(x y)/dx dy = 1
        #expect(data.hessians![at] == 1 && n.hessians![at] == data.hessians![at] * (s.inputStd[0] * s.inputStd[1] / s.outputStd[0]))
        #expect(zip(s.scaleHessians(n.hessians!, toNormalized: false), data.hessians!).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(n.directionalDerivatives(of: n.jacobians!), n.directionalDerivatives!).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("a run on all four trains grad and dir terms and writes both dir and hess metrics; the preflight counts both")
    func run() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwoEverything(30), to: dir + "/d.h5")
        let e = try experiment(dir, "  file: d.h5")
        let result = try RunExecutor.execute(e.runs[0])
        #expect(result.termNames == ["value", "grad_1", "grad_2", "dir_1", "dir_2"])
        let names = Set(result.metrics.filter { $0.value.isFinite }.map(\.name))
        #expect(["test_dir_rmse", "test_hess_rmse", "test_hess_rel_l2", "train_dir_rmse", "train_hess_rmse"].allSatisfy(names.contains), "\(names)")
        #expect(result.testPredictedHessians?.count == result.test.count * 8)
        let shape = try Preflight(e, limit: nil).configurations[0].shape
        #expect(shape.terms == 5 && shape.hessians)
    }

    @Test("loss.projections on data with d2Y: k dir terms from dY, the Hessians measured, never trained")
    func projections() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwoWithHessians(30), to: dir + "/d.h5")
        let e = try experiment(dir, "  file: d.h5", "loss:\n  projections: 1\n")
        let result = try RunExecutor.execute(e.runs[0])
        #expect(result.termNames == ["value", "dir_1"])
        #expect(result.metrics.contains { $0.name == "test_hess_rmse" && $0.value.isFinite })
        let shape = try Preflight(e, limit: nil).configurations[0].shape
        #expect(shape.terms == 2 && shape.hessians)
        // Directional and Hessian terms do not combine: order 2 with projections is refused
        // when the file is read, in one line naming the key.
        do { _ = try experiment(dir, "  file: d.h5", "loss:\n  projections: 1\n  order: 2\n"); Issue.record("order 2 with projections accepted") } catch {
            let text = "\(error)"
            #expect(text.contains("e.yaml") && text.contains("loss.projections") && text.contains("loss.order 2") && !text.contains("\n"), "\(text)")
        }
    }

    @Test("loss.order 2 on a file with directions V, JV and d2Y is refused before training in one line naming the file and key")
    func orderTwoWithDirections() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwoEverything(30), to: dir + "/d.h5")
        let e = try experiment(dir, "  file: d.h5", "loss:\n  order: 2\n")
        do { _ = try Preflight(e, limit: nil); Issue.record("order 2 with directions accepted") } catch {
            let text = "\(error)"
            #expect(text.contains("d.h5") && text.contains("loss.order") && text.contains("directions V and JV") && !text.contains("\n"), "\(text)")
        }
        #expect(throws: DataFileError.self) { try RunExecutor.execute(e.runs[0]) }
        // Order 1 on the same file trains grad and dir terms (the Hessians only measured).
        #expect(try Preflight(try experiment(dir, "  file: d.h5"), limit: nil).configurations[0].shape.terms == 5)
    }

    @Test("CSV with inputs x and v: gradient, Hessian and directional columns each read by their own rule")
    func csvColumns() throws {
        let dir = dataFolder()
        // E = x^2 v: dE = (2 x v, x^2), d2E = [[2 v, 2 x], [2 x, 0]]; one direction (1, -0.5).
        var text = "x, v, E, dE/dx, dE/dv, d2E/dxdx, d2E/dvdx, d2E/dvdv, v1_x, v1_v, dE/dv1\n"
        for i in 0..<10 {
            let x = Double(i) / 10, v = 1 + x
            text += "\(x), \(v), \(x * x * v), \(2 * x * v), \(x * x), \(2 * v), \(2 * x), 0, 1, -0.5, \(2 * x * v - 0.5 * x * x)\n"
        }
        try text.write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let e = try experiment(dir, "  file: d.csv\n  input_columns: [x, v]\n  output_columns: [E]")
        let (data, _) = try UserDataset.readCSV(dir + "/d.csv", RunConfig(e.runs[0]).problem.dataset!)
        #expect(data.directionCount == 1 && data.directions! == Array(repeating: [1, -0.5], count: 10).flatMap { $0 })
        #expect(data.directionalDerivatives! == data.directionalDerivatives(of: data.jacobians!))
        for i in 0..<10 {
            let x = data.inputs[i, 0], v = data.inputs[i, 1]
            #expect(Array(data.jacobians![(i * 2)..<(i * 2 + 2)]) == [2 * x * v, x * x])
            #expect(Array(data.hessians![(i * 4)..<(i * 4 + 4)]) == [2 * v, 2 * x, 2 * x, 0])
        }
        // Without the directional columns the same file is gradient and Hessian data.
        let bare = text.split(separator: "\n").map { $0.split(separator: ",").dropLast(3).joined(separator: ",") }.joined(separator: "\n") + "\n"
        try bare.write(toFile: dir + "/plain.csv", atomically: true, encoding: .utf8)
        let plain = try UserDataset.readCSV(dir + "/plain.csv", RunConfig(try experiment(dir, "  file: plain.csv\n  input_columns: [x, v]\n  output_columns: [E]").runs[0]).problem.dataset!).0
        #expect(!plain.hasDirections && plain.hasHessians && plain.hasJacobians)
    }
}
