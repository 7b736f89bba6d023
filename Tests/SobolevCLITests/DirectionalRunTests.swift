// Directional data end to end: `sobolev run` on a user HDF5 file with directions V and
// directional derivatives JV, and stochastic Sobolev training (loss.projections) on an analytic
// problem, single process and under mpirun; results files read back; bad V/JV input refused.
import Foundation
import Testing
import SobolevCore
import SobolevExperiment
import SobolevHDF5

/// The only run's group of a results file.
private func onlyRunGroup(_ path: String) throws -> H5Group {
    let runs = try H5File.open(path).openGroup("runs")
    let ids = try runs.childNames()
    #expect(ids.count == 1)
    return try runs.openGroup(ids[0])
}

/// n samples of y = sin(x1) + x2^2 / 2 - x1 x3 on [-1, 1]^3 with k random directions each and
/// JV = J v, no dY.
private func directionalFile(n: Int, k: Int, seed: UInt64) -> Dataset {
    var rng = SeededRNG(seed: seed)
    let d = 3
    let x = (0..<(n * d)).map { _ in rng.uniform(-1, 1) }
    var y = [Double](), V = [Double](), JV = [Double]()
    for i in 0..<n {
        let a = x[i * d], b = x[i * d + 1], c = x[i * d + 2]
        y.append(sin(a) + b * b / 2 - a * c)
        let grad = [cos(a) - c, b, -a]
        for _ in 0..<k {
            let v = (0..<d).map { _ in rng.uniform(-1, 1) }
            V += v
            JV.append(zip(grad, v).map { $0 * $1 }.reduce(0, +))
        }
    }
    // JV is [n, m = 1, k]: per sample the k derivatives in order, as appended.
    return Dataset(inputs: Matrix(rows: n, cols: d, data: x), values: Matrix(rows: n, cols: 1, data: y), jacobians: nil,
                   directions: V, directionalDerivatives: JV)
}

@Suite("directional data and stochastic Sobolev training, end to end", .serialized)
struct DirectionalRunTests {
    @Test("sobolev run on a user HDF5 file with V and JV: terms dir_1, dir_2 and the directional metric")
    func userFileWithDirections() throws {
        let dir = scratchFolder()
        let data = directionalFile(n: 60, k: 2, seed: 4)
        try DatasetFile.write(data, to: dir + "/dirs.h5")
        #expect(try DatasetFile.read(dir + "/dirs.h5") == data)
        try """
        name: directional
        problem:
          name: dataset
          file: dirs.h5
        model:
          depth: 2
          width: 16
        training:
          epochs: 300
          learning_rate: 0.01
          log_every: 50
        seeds: [1]
        """.write(toFile: dir + "/d.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "d.yaml", "--out", "d.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let run = try onlyRunGroup(dir + "/d.h5")
        #expect(try run.stringAttribute("term_names") == ["value", "dir_1", "dir_2"])
        let history = try run.openGroup("history").read("loss_terms")
        #expect(history.shape[1] == 3)
        let metrics = try run.openGroup("metrics")
        let dirRMSE = try metrics.doubleAttribute("test_dir_rmse")[0]
        #expect(dirRMSE.isFinite && dirRMSE > 0)
        // Trained on the directional terms: below the error of the zero derivative.
        let rms = (data.directionalDerivatives!.map { $0 * $0 }.reduce(0, +) / Double(data.directionalDerivatives!.count)).squareRoot()
        #expect(dirRMSE < 0.5 * rms, "test_dir_rmse \(dirRMSE) against rms(JV) \(rms)")
        #expect(try metrics.doubleAttribute("train_dir_rmse")[0].isFinite)
        #expect(try metrics.doubleAttribute("test_grad_rmse")[0].isNaN)
    }

    @Test("bad directional data: one line naming the file and the dataset, nothing written")
    func badDirections() throws {
        let dir = scratchFolder()
        let data = directionalFile(n: 20, k: 1, seed: 5)
        try H5File.writeAtomically(dir + "/novj.h5") { f in
            try f.write("X", data.inputs.data, shape: [20, 3]); try f.write("Y", data.values.data, shape: [20, 1])
            try f.write("V", data.directions!, shape: [20, 1, 3])
        }
        var zero = data.directions!; zero[3 * 7 + 0] = 0; zero[3 * 7 + 1] = 0; zero[3 * 7 + 2] = 0
        try DatasetFile.write(Dataset(inputs: data.inputs, values: data.values, jacobians: nil, directions: zero,
                                      directionalDerivatives: data.directionalDerivatives), to: dir + "/zero.h5")
        // v and Jv for V and JV beside dY: trained without the directional terms before, without a word.
        try H5File.writeAtomically(dir + "/lower.h5") { f in
            try f.write("X", data.inputs.data, shape: [20, 3]); try f.write("Y", data.values.data, shape: [20, 1])
            try f.write("dY", [Double](repeating: 0.5, count: 60), shape: [20, 1, 3])
            try f.write("v", data.directions!, shape: [20, 1, 3]); try f.write("Jv", data.directionalDerivatives!, shape: [20, 1, 1])
        }
        for (file, expected) in [("novj.h5", "/JV: missing"), ("zero.h5", "/V: V[7, 0, :] is all zeros"), ("lower.h5", "/v: has the shape of directions")] {
            try """
            problem:
              name: dataset
              file: \(file)
            training:
              epochs: 2
            """.write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
            let r = try sobolev(["run", "b.yaml", "--out", "b.h5"], in: dir)
            #expect(r.status != 0)
            #expect(r.stderr.contains(file) && r.stderr.contains(expected), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/b.h5"))
        }
        // More projections than inputs, or projections of data without dY.
        try "problem:\n  name: sine\nloss:\n  projections: 2\n".write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let tooMany = try sobolev(["run", "p.yaml", "--out", "p.h5"], in: dir)
        #expect(tooMany.status != 0 && tooMany.stderr.contains("loss.projections") && tooMany.stderr.contains("d = 1"), "\(tooMany.stderr)")
        try DatasetFile.write(data, to: dir + "/ok.h5")
        try "problem:\n  name: dataset\n  file: ok.h5\nloss:\n  projections: 1\n".write(toFile: dir + "/q.yaml", atomically: true, encoding: .utf8)
        let noJacobians = try sobolev(["run", "q.yaml", "--out", "q.h5"], in: dir)
        #expect(noJacobians.status != 0 && noJacobians.stderr.contains("no dY"), "\(noJacobians.stderr)")
    }

    @Test("loss.projections 2 on rosenbrock in 4 dimensions: terms dir_1, dir_2; K = 2 ranks give the K = 1 history")
    func projections() throws {
        let dir = scratchFolder()
        try """
        name: projections
        problem:
          name: rosenbrock
          dimension: 4
          train_samples: 30
          validation_samples: 10
          test_samples: 100
        model:
          depth: 2
          width: 12
        training:
          epochs: 20
          batch_size: 7
          learning_rate: 0.005
          log_every: 1
        loss:
          projections: 2
        seeds: [3]
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let single = try sobolev(["run", "p.yaml", "--out", "k1.h5"], in: dir)
        #expect(single.status == 0, "\(single.output)")
        let run = try onlyRunGroup(dir + "/k1.h5")
        #expect(try run.stringAttribute("term_names") == ["value", "dir_1", "dir_2"])
        #expect(try run.openGroup("metrics").doubleAttribute("test_grad_rmse")[0].isFinite)
        let reference = try lossHistory(dir + "/k1.h5")
        #expect(reference.count == 100 * 3)
        let two = try mpirun(2, [sobolevBinary, "sweep", "p.yaml", "--out", "k2.h5", "--ranks-per-run", "2"], in: dir)
        #expect(two.status == 0, "\(two.output)")
        #expect(try onlyRunGroup(dir + "/k2.h5").intAttribute("ranks") == [2])
        let history = try lossHistory(dir + "/k2.h5")
        #expect(history.count == reference.count)
        let worst = zip(history, reference).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? 1
        #expect(worst < 1e-10, "K=2: relative difference \(worst)")
        // Another seed draws other directions: the histories differ.
        let other = try sobolev(["run", "p.yaml", "--out", "s4.h5", "--set", "seeds=[4]"], in: dir)
        #expect(other.status == 0, "\(other.output)")
        #expect(try lossHistory(dir + "/s4.h5") != reference)
    }
}
