// Limits and checks before training: sizes that cannot be allocated, YAML aliases, keys that
// would be ignored, memory estimates against a limit. Each error names the file, key and value.
import Foundation
import SobolevCore
import Testing
@testable import SobolevExperiment

/// The error message of a file that loads but fails the preflight under `limit` bytes.
func preflightError(_ text: String, limit: Double = 1e12) -> String {
    do {
        let e = try parse(text)
        try Preflight(e, limit: MemoryLimit(bytes: limit, source: "test")).checkMemory()
    } catch { return "\(error)" }
    Issue.record("expected a preflight error for:\n\(text)")
    return ""
}

@Suite("Limits and preflight")
struct LimitTests {
    @Test("sizes beyond the bounds are errors naming the key and value, not crashes")
    func sizeBounds() {
        #expect(errorOf("model:\n  hidden: [100000]").contains("model.hidden"))
        #expect(errorOf("model:\n  hidden: [\(Array(repeating: "4", count: 65).joined(separator: ", "))]").contains("1 to 64"))
        let seeds = errorOf("seeds: 1000000000000")
        #expect(seeds.contains("seeds") && seeds.contains("1000000000000") && seeds.contains("100000"))
        let grid = errorOf("model:\n  width: [\((1...400).map(String.init).joined(separator: ", "))]\nseeds: 300")
        #expect(grid.contains("120000 runs") && grid.contains("model.width x400"))
    }

    @Test("nested YAML aliases are refused past the node limit; small anchors still work")
    func aliases() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for (name, prev) in zip(["b", "c", "d", "e", "f", "g"], ["a", "b", "c", "d", "e", "f"]) {
            text += "\(name): &\(name) [" + Array(repeating: "*\(prev)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(errorOf(text).contains("more than 100000 values"))
        let reuse = try parse("model: &m\n  width: 8\ntraining:\n  epochs: 3\nproblem:\n  train_samples: 5\nloss: {lambda_grad: [0, 1]}")
        #expect(reuse.runs.count == 2)
        let anchored = try parse("problem: &p {train_samples: 7}\nmodel:\n  hidden: &h [4, 4]\n")
        #expect(RunConfig(anchored.runs[0]).model.hidden == [4, 4])
    }

    @Test("an empty or comment-only file is an error; with --set overrides it is not")
    func emptyFile() throws {
        #expect(errorOf("").contains("empty"))
        #expect(errorOf("# just a comment\n\n").contains("exp.yaml"))
        #expect(try parse("", overrides: ["training.epochs=3"]).runs.count == 1)
    }

    @Test("early stopping without validation samples is an error")
    func patienceNeedsValidation() {
        let m = errorOf("problem:\n  validation_samples: 0\ntraining:\n  patience: 10")
        #expect(m.contains("training.patience") && m.contains("10") && m.contains("validation_samples"))
        let d = errorOf("problem:\n  name: dataset\n  file: d.h5\n  validation_fraction: 0\ntraining:\n  patience: 5")
        #expect(d.contains("training.patience") && d.contains("validation_fraction"))
    }

    @Test("a key that no run of the grid reads is an error naming it and its value")
    func keysThatDoNotApply() throws {
        let cases: [(String, String)] = [
            ("training:\n  momentum: 0.5", "training.optimizer sgd"),
            ("training:\n  optimizer: sgd\n  beta1: 0.8", "training.optimizer adam"),
            ("training:\n  decay_rate: 0.5", "training.schedule exponential"),
            ("training:\n  shuffle: false", "mini-batches"),
            ("problem:\n  x: inputs", "HDF5 data file"),
            ("problem:\n  name: dataset\n  file: d.h5\n  input_columns: [a]", "CSV data file"),
            ("problem:\n  name: dataset\n  file: d.csv\n  dy: grads", "HDF5 data file"),
            ("problem:\n  name: dataset\n  file: d.h5\n  split: indices\n  train_fraction: 0.5", "problem.split fraction"),
            ("problem:\n  name: dataset\n  file: d.h5\n  train_samples: 100", "generated problem"),
            ("problem:\n  value_noise: none\n  value_noise_level: 0.2", "uniform or gaussian"),
        ]
        for (text, needle) in cases {
            let m = errorOf(text)
            #expect(m.contains("does not apply") && m.contains(needle), "\(text): \(m)")
        }
        // Given for a grid where some run reads it: fine.
        #expect(try parse("training:\n  optimizer: [adam, sgd]\n  momentum: 0.5").runs.count == 2)
        #expect(try parse("training:\n  batch_size: 8\n  shuffle: false").runs.count == 1)
    }

    @Test("a data file's inputs and outputs must be named and apart")
    func dataNames() {
        let base = "problem:\n  name: dataset\n  file: d.h5\n"
        #expect(errorOf(base + "  x: \"\"").contains("problem.x"))
        #expect(errorOf(base + "  x: Y").contains("problem.y: Y is also problem.x"))
        let csv = errorOf("problem:\n  name: dataset\n  file: d.csv\n  input_columns: [a, b]\n  output_columns: [b]")
        #expect(csv.contains("problem.output_columns") && csv.contains("column b"))
    }

    @Test("an experiment's name cannot leave the results folder")
    func names() {
        #expect(errorOf("name: ../x").contains("name"))
        #expect(errorOf("name: a/b").contains("a/b"))
    }

    @Test("memory: a network that cannot fit is refused naming the keys, the estimate and the limit")
    func memoryLimit() throws {
        let m = preflightError("model:\n  width: 65536\n  depth: 2", limit: Double(8 << 30))
        #expect(m.contains("model.width") && m.contains("1-65536-65536-1") && m.contains("GB") && m.contains("8 GB") && m.contains("test"))
        let samples = preflightError("problem:\n  train_samples: 1000000000000")
        #expect(samples.contains("problem.train_samples") && samples.contains("1000000000000"))
        // A small grid fits, and the dry-run text lists every configuration.
        let e = try parse("model:\n  width: [8, 16]\nseeds: 3")
        let p = try Preflight(e, limit: MemoryLimit(bytes: 1e9, source: "test"))
        try p.checkMemory()
        #expect(p.configurations.count == 2)
        #expect(p.description.contains("model.width=8") && p.description.contains("model.width=16") && !p.description.contains("OVER"))
        #expect(p.configurations[1].estimate.total > p.configurations[0].estimate.total)
    }

    @Test("the estimate grows with the network, the batch and the data as the step's arrays do")
    func estimateScales() {
        let base = RunShape(layerSizes: [2, 100, 100, 1], trainSamples: 1000, validationSamples: 0, testSamples: 0, batch: 1000,
                            terms: 3, optimizerState: 2, steps: 10, logEvery: 10)
        let e = MemoryEstimator.estimate(base)
        // P = 3 * 100 + 101 * 100 + 101 = 10501 parameters and at most 2 slopes, (2 + 2 + 2 * 3) numbers each.
        #expect(e.parameters == 8 * 10503 * 10)
        var wider = base; wider.batch = 2000
        #expect(MemoryEstimator.estimate(wider).step > 1.9 * e.step)
        var bigger = base; bigger.layerSizes = [2, 200, 200, 1]
        #expect(MemoryEstimator.estimate(bigger).parameters > 3.5 * e.parameters)
        // Hessian data: m d^2 = 4 numbers more per sample, twice (data and its normalised copy),
        // and the test set's predicted Hessians.
        var hessians = base; hessians.testSamples = 10; hessians.hessians = true
        var first = base; first.testSamples = 10
        #expect(MemoryEstimator.estimate(hessians).data - MemoryEstimator.estimate(first).data == 8 * (2 * 1010 * 4 + 10 * 4))
        // Directional data: k d numbers of V and m k of JV per sample, twice.
        var directions = first; directions.directions = 3
        let extra: Double = 8 * 2 * 1010 * (3 * 2 + 1 * 3)
        #expect(MemoryEstimator.estimate(directions).data - MemoryEstimator.estimate(first).data == extra)
        // Hessian terms: the step's arrays are the second-order passes' (1 + d + d(d+1)/2 row blocks),
        // more than the first-order step's on the same batch.
        var order2 = hessians; order2.hessianTerms = true; order2.terms = 6
        #expect(MemoryEstimator.estimate(order2).step > MemoryEstimator.estimate(hessians).step)
        let arch = MLPArchitecture(layerSizes: base.layerSizes, activation: .tanh, adaptiveScale: 1)
        #expect(MemoryEstimator.estimate(order2).step
                == 8 * Double(SobolevStep.hessianWorkspaceCount(arch, batch: 1000, evaluationBatch: 0, perTerm: true, fused: true)))
        // Hessian data on 32 inputs: the metrics' Hessian predictions go in passes of 7 samples
        // (561 rows each); counted over a whole set of 512 they needed 1.7 GB.
        var wide = RunShape(layerSizes: [32, 128, 128, 128, 1], trainSamples: 512, validationSamples: 128, testSamples: 384,
                            batch: 512, terms: 33, optimizerState: 2, steps: 2, logEvery: 1)
        wide.hessians = true
        let wideArch = MLPArchitecture(layerSizes: wide.layerSizes, activation: .tanh, adaptiveScale: 1)
        #expect(wideArch.hessianPieceSamples == 7)
        let hessianPass = wideArch.hessianPredictionCount(samples: 7) + 512 * (1 + 32 + 32 * 32)
        #expect(MemoryEstimator.estimate(wide).step >= 8 * Double(hessianPass))
        #expect(MemoryEstimator.estimate(wide).step < 200 * 1024 * 1024)
    }

    @Test("the estimate counts the steps the trainer takes: fused with the cheaper plan unless the scheme reads term gradients")
    func estimateFollowsTheGradientMode() throws {
        // 100 inputs, one output: the per-term step holds 1 + 100 row blocks, the fused one (reverse plan) 2.
        let e = try parse("problem:\n  name: ackley\n  dimension: 100\n  train_samples: 2000\n  validation_samples: 0\n  test_samples: 10\nmodel:\n  width: 128\nloss:\n  scheme: [fixed, relobralo, cdmin, ntk]")
        let p = try Preflight(e, limit: MemoryLimit(bytes: 1e12, source: "test"))
        let byScheme = Dictionary(uniqueKeysWithValues: p.configurations.map { ($0.label.contains("cdmin") ? "cdmin" : $0.label.contains("relobralo") ? "relobralo" : $0.label.contains("ntk") ? "ntk" : "fixed", $0) })
        #expect(byScheme["fixed"]!.shape.perTermSteps == false && byScheme["relobralo"]!.shape.perTermSteps == false)
        #expect(byScheme["cdmin"]!.shape.perTermSteps && byScheme["ntk"]!.shape.perTermSteps)
        let fused = byScheme["fixed"]!.estimate, perTerm = byScheme["cdmin"]!.estimate
        #expect(fused.step < perTerm.step / 20, "\(fused.breakdown) against \(perTerm.breakdown)")
        // Parameters: theta, Adam's 2, one gradient and its buffer, the best copy (not 2T = 202 buffers).
        #expect(fused.parameters * Double(2 + 2 + 2 * 101) == perTerm.parameters * Double(2 + 2 + 2))
        // The fused step's count is the core's own workspace count for that run.
        let arch = MLPArchitecture(layerSizes: [100, 128, 128, 1], activation: .tanh, adaptiveScale: 1)
        #expect(fused.step == 8 * Double(SobolevStep.workspaceCount(arch, batch: 2000, evaluationBatch: 0, perTerm: false, fused: true)))
        // gradient_mode per_term takes the per-term step whatever the scheme.
        let forced = try Preflight(try parse("problem:\n  name: ackley\n  dimension: 100\n  train_samples: 2000\n  validation_samples: 0\n  test_samples: 10\nmodel:\n  width: 128\ntraining:\n  gradient_mode: per_term"), limit: nil)
        #expect(forced.configurations[0].estimate == perTerm)
    }

    @Test("the preflight counts a file's directions V, JV and takes the Hessian passes' bound with loss.order 2")
    func preflightShapes() throws {
        let dir = NSTemporaryDirectory() + "sobolev-limit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let n = 12
        let x = Matrix(rows: n, cols: 2, data: (0..<(2 * n)).map { Double($0 % 7) / 7 })
        let y = Matrix(rows: n, cols: 1, data: (0..<n).map { Double($0) })
        let V = (0..<(n * 3 * 2)).map { Double($0 % 3) + 1 }
        try DatasetFile.write(Dataset(inputs: x, values: y, jacobians: nil, directions: V,
                                      directionalDerivatives: Array(repeating: 1, count: n * 3)), to: dir + "/v.h5")
        let text = "name: v\nproblem:\n  name: dataset\n  file: v.h5\nmodel:\n  width: 4\ntraining:\n  epochs: 2\n"
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let shape = try Preflight(try Experiment.load(path: dir + "/e.yaml"), limit: nil).configurations[0].shape
        #expect(shape.directions == 3 && shape.terms == 4 && !shape.hessianTerms && !shape.jacobians && !shape.perTermSteps)
        // The step's arrays are those of three direction blocks, not of d = 2 Jacobian blocks
        // (the fixed scheme: fused steps only).
        let arch = MLPArchitecture(layerSizes: shape.layerSizes, activation: .tanh, adaptiveScale: 1)
        #expect(MemoryEstimator.estimate(shape).step == 8 * Double(SobolevStep.workspaceCount(
            arch, batch: shape.batch, evaluationBatch: shape.validationSamples, perTerm: false, fused: true, jacobians: false, directions: 3)))
        try (text + "loss:\n  order: 2\n").replacingOccurrences(of: "file: v.h5", with: "name: beale")
            .replacingOccurrences(of: "  name: dataset\n", with: "").write(toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
        let order2 = try Preflight(try Experiment.load(path: dir + "/h.yaml"), limit: nil).configurations[0].shape
        #expect(order2.hessianTerms && order2.hessians && order2.terms == 6)
    }

    @Test("the Sobol sampler's bound and the step count's bound are errors, not crashes")
    func samplerAndSteps() {
        let s = preflightError("problem:\n  sampler: sobol\n  train_samples: 100000000000000")
        #expect(s.contains("problem.train_samples") && s.contains("100000000000000") && s.contains("sobol"))
        let t = preflightError("training:\n  epochs: 4000000000000000000\n  batch_size: 1")
        #expect(t.contains("training.epochs") && t.contains("4000000000000000000"))
    }

    @Test("a job's memory cgroup limit (Slurm --mem) is found for cgroup v2 and v1; none when unlimited")
    func cgroupLimits() {
        let v2 = ["/proc/self/cgroup": "0::/system.slice/slurm/job_7\n", "/sys/fs/cgroup/system.slice/slurm/job_7/memory.max": "8589934592\n",
                  "/sys/fs/cgroup/memory.max": "max\n"]
        #expect(MemoryLimit.cgroupLimit(read: { v2[$0] }) == 8_589_934_592)
        let unlimited = ["/proc/self/cgroup": "0::/\n", "/sys/fs/cgroup//memory.max": "max\n", "/sys/fs/cgroup/memory.max": "max\n"]
        #expect(MemoryLimit.cgroupLimit(read: { unlimited[$0] }) == nil)
        let v1 = ["/proc/self/cgroup": "4:memory:/slurm/uid_0/job_3\n1:cpu:/\n", "/sys/fs/cgroup/memory/slurm/uid_0/job_3/memory.limit_in_bytes": "4294967296\n",
                  "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"]
        #expect(MemoryLimit.cgroupLimit(read: { v1[$0] }) == 4_294_967_296)
    }

    @Test("sizes: 8G, 512M, 1.5T and bytes parse; nan, zero, negative and junk do not")
    func sizes() {
        let g = Double(1 << 30)
        #expect(MemorySize.parse("8G") == 8 * g)
        #expect(MemorySize.parse("512MiB") == g / 2)
        #expect(MemorySize.parse("1.5T") == 1536 * g)
        #expect(MemorySize.parse("1000000") == 1_000_000)
        for bad in ["nan", "0", "-8G", "inf", "8X", "G", "", "1e9"] { #expect(MemorySize.parse(bad) == nil, "\(bad)") }
    }
}
