// training.gradient_mode end to end: under a real mpirun, the fused step of K = 1..3 ranks gives the
// per-term step's update; the run records the mode it used; `fused` refuses schemes that read
// per-term gradients; the mode and the threads are not part of the run id.
import Foundation
import Testing
import SobolevCore
import SobolevStore
import SobolevHDF5

/// One SGD step on a 2-D problem (two derivative terms), full batch.
let oneStepExperiment = """
name: onestep
problem:
  name: franke
  train_samples: 23
  validation_samples: 0
  test_samples: 25
model:
  depth: 2
  width: 9
training:
  optimizer: sgd
  momentum: 0
  epochs: 1
  learning_rate: 0.01
seeds: [3]
"""

/// The stored parameters of the only run, its id and its recorded attributes.
func onlyRun(_ path: String) throws -> (id: String, parameters: [Double], architecture: MLPArchitecture, mode: String, plan: String) {
    let runs = try H5File.open(path).openGroup("runs")
    let id = try runs.childNames()[0]
    let model = try ModelSelection.open(path, metric: "test_grad_rmse").model
    let g = try runs.openGroup(id)
    return (id, model.parameters, model.architecture, try g.scalarStringAttribute("gradient_mode_used"), try g.scalarStringAttribute("jacobian_plan"))
}

@Suite("Gradient modes end to end", .serialized)
struct GradientModeTests {
    @Test("fused on 1, 2 and 3 ranks gives the per-term update to 1e-12, standardisation on and off")
    func fusedEqualsPerTermAcrossRanks() throws {
        let dir = scratchFolder()
        try oneStepExperiment.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        for standardize in ["true", "false"] {
            let set = ["--set", "training.standardize=\(standardize)"]
            let ref = try sobolev(["sweep", "e.yaml", "--out", "p-\(standardize).h5", "--set", "training.gradient_mode=per_term"] + set, in: dir)
            #expect(ref.status == 0, "\(ref.output)")
            let perTerm = try onlyRun(dir + "/p-\(standardize).h5")
            #expect(perTerm.mode == "per_term")
            let initial = perTerm.architecture.glorotUniformParameters(seed: 3)
            let expected = zip(perTerm.parameters, initial).map { $0 - $1 }
            for k in 1...3 {
                let out = "f\(k)-\(standardize).h5"
                let args = [sobolevBinary, "sweep", "e.yaml", "--out", out, "--ranks-per-run", "\(k)", "--set", "training.gradient_mode=fused"] + set
                let r = k == 1 ? try sobolev(Array(args.dropFirst()), in: dir) : try mpirun(k, args, in: dir)
                #expect(r.status == 0, "\(r.output)")
                let fused = try onlyRun(dir + "/" + out)
                #expect(fused.id == perTerm.id, "the gradient mode is not part of the run id")
                #expect(fused.mode == "fused" && fused.plan == JacobianPlan.cheapest(fused.architecture, batch: 23 / k).rawValue)
                let update = zip(fused.parameters, initial).map { $0 - $1 }
                let num = zip(update, expected).map { abs($0 - $1) }.max()!, den = expected.map(abs).max()!
                #expect(num / den < 1e-12, "K=\(k) standardize=\(standardize): relative difference \(num / den)")
            }
        }
    }

    @Test("muller-brown (reverse-mode Jacobian) and the weighting schemes on sine, fused (auto) against per-term: every run agrees to 1e-9 over 150 epochs",
          arguments: ["muller-brown", "weighting-sine"])
    func experimentsAgreeAcrossModes(experiment: String) throws {
        let dir = scratchFolder("modes-" + experiment)
        let exp = packageRoot + "/experiments/\(experiment).yaml"
        let common = ["--set", "training.epochs=150", "--set", "seeds=[0]"]
        let a = try sobolev(["run", exp, "--out", "auto.h5"] + common, in: dir)
        #expect(a.status == 0, "\(a.output)")
        let b = try sobolev(["run", exp, "--out", "per-term.h5", "--set", "training.gradient_mode=per_term"] + common, in: dir)
        #expect(b.status == 0, "\(b.output)")
        let r = try run("/usr/bin/env", ["python3", packageRoot + "/analysis/compare_results.py", "auto.h5", "per-term.h5",
                                         "--tolerance", "1e-9"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.stdout.contains("loss_terms"))
    }

    @Test("gradient_mode fused refuses a scheme that reads per-term gradients, naming the key and the scheme")
    func fusedRefusesGradientSchemes() throws {
        let dir = scratchFolder()
        try oneStepExperiment.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let r = try sobolev(["run", "e.yaml", "--out", "x.h5", "--set", "training.gradient_mode=fused", "--set", "loss.scheme=cdmin"], in: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("training.gradient_mode") && r.stderr.contains("cdmin"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.h5"))
        let auto = try sobolev(["run", "e.yaml", "--out", "y.h5", "--set", "loss.scheme=cdmin", "--threads", "2"], in: dir)
        #expect(auto.status == 0, "\(auto.output)")
        let run = try onlyRun(dir + "/y.h5")
        #expect(run.mode == "per_term")
        let runs = try H5File.open(dir + "/y.h5").openGroup("runs")
        #expect(try runs.openGroup(run.id).intAttribute("training.threads") == [2])
    }
}
