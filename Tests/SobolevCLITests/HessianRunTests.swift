// Order-2 Sobolev training end to end with the real binary: `sobolev data` writes a problem with
// its Hessians, `sobolev run` and `sobolev sweep` train on it with loss.order 2 (per pair and
// grouped, the fixed scheme, CD_min with per-term gradients and ReLoBRaLo with fused ones), under
// mpirun with a group of two ranks, stopped by SIGTERM and continued; the results files are read
// back.
import Foundation
import Testing
import SobolevCore
import SobolevHDF5

/// Every run of a results file by its label: term names, loss and lambda histories, metrics and
/// the gradient mode the steps used.
private struct StoredRun {
    var terms: [String]
    var losses: (values: [Double], shape: [Int])
    var lambdas: (values: [Double], shape: [Int])
    var metrics: H5Group
    var gradientMode: String

    /// Column `term` of the loss history.
    func loss(_ term: String) -> [Double] {
        let t = terms.firstIndex(of: term)!, T = losses.shape[1]
        return (0..<losses.shape[0]).map { losses.values[$0 * T + t] }
    }

    /// The Hessian terms' loss summed, per logged step.
    var hessianLoss: [Double] {
        let hess = terms.filter { $0.hasPrefix("hess") }.map(loss)
        return hess[0].indices.map { i in hess.map { $0[i] }.reduce(0, +) }
    }
}

private func storedRuns(_ path: String) throws -> [String: StoredRun] {
    let runs = try H5File.open(path).openGroup("runs")
    var out: [String: StoredRun] = [:]
    for id in try runs.childNames() {
        let g = try runs.openGroup(id), h = try g.openGroup("history")
        out[try g.stringAttribute("label")[0]] = StoredRun(
            terms: try g.stringAttribute("term_names"), losses: try h.read("loss_terms"), lambdas: try h.read("lambda"),
            metrics: try g.openGroup("metrics"), gradientMode: try g.stringAttribute("gradient_mode_used")[0])
    }
    return out
}

/// A folder with d.h5, muller_brown's values, gradients and exact Hessians at 40 Halton points.
private func folderWithHessianData(_ name: String = #function) throws -> String {
    let dir = scratchFolder(name)
    let r = try sobolev(["data", "muller_brown", "--samples", "40", "--sampler", "halton", "--out", "d.h5"], in: dir)
    #expect(r.status == 0 && r.stdout.contains("d2Y [40, 1, 2, 2]"), "\(r.output)")
    return dir
}

/// An order-2 experiment on d.h5 with the given loss and training lines.
private func hessianExperiment(loss: String, training: String = "  epochs: 150\n  learning_rate: 0.01\n  log_every: 10\n") -> String {
    "name: hess\nproblem:\n  name: dataset\n  file: d.h5\nmodel:\n  depth: 2\n  width: 10\ntraining:\n" + training
        + "loss:\n  order: 2\n" + loss + "seeds: [2]\n"
}

private let pairs = ["hess_1_1", "hess_1_2", "hess_2_2"]

@Suite("order-2 Sobolev training, end to end", .serialized)
struct HessianRunTests {
    @Test("loss.order 2 per pair and grouped: hess terms in term_names and the lambdas, Hessian metrics, the Hessian loss falls; grouped = summed pairs")
    func orderTwo() throws {
        let dir = try folderWithHessianData()
        try hessianExperiment(loss: "  lambda_hess: 0.5\n  group_hessian: [false, true]\n")
            .write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "h.yaml", "--out", "r.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let runs = try storedRuns(dir + "/r.h5")
        let perPair = try #require(runs["loss.group_hessian=false seed=2"]), grouped = try #require(runs["loss.group_hessian=true seed=2"])
        #expect(perPair.terms == ["value", "grad_1", "grad_2"] + pairs)
        #expect(grouped.terms == ["value", "grad_1", "grad_2", "hess"])
        // lambda_grad (1) for the gradient terms, lambda_hess (0.5) for each Hessian term.
        #expect(perPair.lambdas.shape == [16, 6] && perPair.lambdas.values[0..<6] == [1, 1, 1, 0.5, 0.5, 0.5])
        #expect(grouped.lambdas.shape == [16, 4] && grouped.lambdas.values[0..<4] == [1, 1, 1, 0.5])
        for run in [perPair, grouped] {
            for name in ["test_hess_rmse", "test_hess_rel_l2", "train_hess_rmse", "validation_hess_rmse"] {
                let v = try run.metrics.scalarDoubleAttribute(name)
                #expect(v.isFinite && v > 0, "\(name) = \(v)")
            }
            let hess = run.hessianLoss
            #expect(hess.last! < 0.5 * hess.first!, "Hessian loss \(hess.first!) -> \(hess.last!)")
        }
        // One lambda for all pairs: the grouped run takes the same steps, its hess term is the pairs' sum.
        let worst = zip(grouped.loss("hess"), perPair.hessianLoss).map { abs($0 - $1) / $1 }.max()!
        #expect(worst < 1e-10, "grouped against summed pairs: \(worst)")
        #expect(grouped.loss("value") .elementsEqual(perPair.loss("value")) { abs($0 - $1) <= 1e-10 * $1 })
        // The first-order run on the same file has no hess terms, and a larger Hessian error.
        try hessianExperiment(loss: "").replacingOccurrences(of: "loss:\n  order: 2\n", with: "")
            .write(toFile: dir + "/one.yaml", atomically: true, encoding: .utf8)
        #expect(try sobolev(["run", "one.yaml", "--out", "one.h5"], in: dir).status == 0)
        let first = try #require(try storedRuns(dir + "/one.h5").values.first)
        #expect(first.terms == ["value", "grad_1", "grad_2"])
        #expect(try first.metrics.scalarDoubleAttribute("test_hess_rmse") > perPair.metrics.scalarDoubleAttribute("test_hess_rmse"))
    }

    @Test("CD_min (per-term gradients) and ReLoBRaLo (fused) train the Hessian terms; sobolev gradients writes them")
    func schemes() throws {
        let dir = try folderWithHessianData()
        try hessianExperiment(loss: "  scheme: [cdmin, relobralo]\n").write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "h.yaml", "--out", "r.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let runs = try storedRuns(dir + "/r.h5")
        let cdmin = try #require(runs["loss.scheme=cdmin seed=2"]), relobralo = try #require(runs["loss.scheme=relobralo seed=2"])
        #expect(cdmin.gradientMode == "per_term" && relobralo.gradientMode == "fused")
        for run in [cdmin, relobralo] {
            #expect(run.terms == ["value", "grad_1", "grad_2"] + pairs)
            let hess = run.hessianLoss
            #expect(hess.last! < 0.5 * hess.first!, "Hessian loss \(hess.first!) -> \(hess.last!)")
            #expect(try run.metrics.scalarDoubleAttribute("test_hess_rmse").isFinite)
            // The schemes moved the Hessian terms' lambdas away from their start.
            let T = run.lambdas.shape[1], n = run.lambdas.shape[0]
            #expect((3..<T).contains { run.lambdas.values[(n - 1) * T + $0] != run.lambdas.values[$0] })
        }
        // The per-term gradient dump of the trained model on the same file names the Hessian terms.
        let runs2 = try H5File.open(dir + "/r.h5").openGroup("runs")
        let id = try runs2.childNames()[0]
        let g = try sobolev(["gradients", "--model", "r.h5:/runs/\(id)/model", "--data", "d.h5", "--out", "g.h5"], in: dir)
        #expect(g.status == 0, "\(g.output)")
        let dump = try H5File.open(dir + "/g.h5")
        let (losses, shape) = try dump.read("loss_terms")
        #expect(shape == [6] && losses.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(try dump.openDataset("loss_terms").stringAttribute("term_names") == ["value", "grad_1", "grad_2"] + pairs)
        for term in pairs { #expect(try dump.openGroup("gradients").openGroup(term).childNames().count > 0) }
    }

    @Test("under mpirun a group of 2 ranks trains order 2 to the single rank's history within 1e-10 (per-term and fused steps)")
    func dataParallel() throws {
        let dir = try folderWithHessianData()
        try hessianExperiment(loss: "  scheme: [cdmin, relobralo]\n", training: "  epochs: 10\n  batch_size: 9\n  learning_rate: 0.01\n  log_every: 1\n")
            .write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let single = try sobolev(["run", "h.yaml", "--out", "k1.h5"], in: dir)
        #expect(single.status == 0, "\(single.output)")
        let two = try mpirun(2, [sobolevBinary, "sweep", "h.yaml", "--out", "k2.h5", "--ranks-per-run", "2"], in: dir)
        #expect(two.status == 0, "\(two.output)")
        let (a, b) = (try storedRuns(dir + "/k1.h5"), try storedRuns(dir + "/k2.h5"))
        let k2 = try H5File.open(dir + "/k2.h5").openGroup("runs")
        for id in try k2.childNames() { #expect(try k2.openGroup(id).intAttribute("ranks") == [2]) }
        #expect(a.count == 2 && Set(a.keys) == Set(b.keys))
        for (label, reference) in a {
            let other = try #require(b[label])
            #expect(reference.terms == other.terms && reference.losses.shape == other.losses.shape && reference.losses.shape[0] == 40)   // 10 epochs of 4 batches
            for (x, y) in [(reference.losses.values, other.losses.values), (reference.lambdas.values, other.lambdas.values)] {
                let worst = zip(x, y).map { abs($0 - $1) / max(abs($0), 1e-300) }.max()!
                #expect(worst < 1e-10, "\(label): K = 2 differs from K = 1 by \(worst)")
            }
        }
    }

    @Test("an order-2 run stopped by SIGTERM and continued from its checkpoint gives the straight run's bits")
    func stopAndContinue() throws {
        let dir = try folderWithHessianData()
        try hessianExperiment(loss: "  scheme: relobralo\n", training: "  epochs: 1500\n  batch_size: 7\n  learning_rate: 0.005\n  log_every: 50\n")
            .write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let reference = try sobolev(["run", "h.yaml", "--out", "ref.h5"], in: dir)
        #expect(reference.status == 0, "\(reference.output)")
        let job = try Background(sobolevBinary, ["run", "h.yaml", "--out", "r.h5", "--checkpoint-every", "0.1"], in: dir)
        job.wait(for: "results: r.h5")
        waitForCheckpoint(dir + "/r.h5.parts")
        job.signal(SIGTERM)
        #expect(job.finish(within: 20) == 143, "\(job.output)")
        #expect(job.output.contains("run(s) checkpointed mid-run"), "\(job.output)")
        let rest = try sobolev(["run", "h.yaml", "--out", "r.h5"], in: dir)
        #expect(rest.status == 0 && rest.stdout.contains("from its checkpoint at step"), "\(rest.output)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/r.h5") == [])
    }
}
