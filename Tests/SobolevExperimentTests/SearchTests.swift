// Ranges and sampled search: draws that reproduce, Sobol's stratification, the crossing with grid
// axes and seeds, and errors that name file, line, key and value.
import Foundation
import Testing
@testable import SobolevExperiment

let searchExperiment = """
search:
  method: sobol
  samples: 8
  seed: 5
model:
  width: {int_uniform: [4, 64]}
  activation: {choice: [tanh, gelu]}
training:
  learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}
loss:
  lambda_grad: [0, 1]
seeds: 2
"""

@Suite("Search ranges")
struct SearchTests {
    @Test("samples x grid x seeds runs; every drawn value in its range; labels name the drawn values")
    func crossing() throws {
        let e = try parse(searchExperiment)
        #expect(e.search.method == .sobol && e.search.samples == 8 && e.search.seed == 5)
        #expect(e.search.ranges.map(\.key) == ["model.width", "model.activation", "training.learning_rate"])
        #expect(e.runs.count == 8 * 2 * 2)
        #expect(Set(e.runs.map(\.id)).count == 32)
        for run in e.runs {
            let w = run.values["model.width"]!.intValue!, lr = run.values["training.learning_rate"]!.doubleValue!
            #expect(w >= 4 && w <= 64)
            #expect(lr >= 1e-4 && lr <= 1e-2)
            #expect(["tanh", "gelu"].contains(run.values["model.activation"]!.stringValue!))
            #expect(run.label.hasPrefix("model.width=\(w) model.activation="))
            #expect(run.label.contains("training.learning_rate=\(ConfigValue.format(lr)) loss.lambda_grad="))
        }
        // Sample slowest, then the grid axis, then the seed.
        #expect(e.runs[0].values["model.width"] == e.runs[3].values["model.width"])
        #expect(e.runs[0].values["loss.lambda_grad"] != e.runs[2].values["loss.lambda_grad"])
        #expect(e.runs[0].seed == 0 && e.runs[1].seed == 1)
        // The configuration key tells the drawn configurations apart (the report groups by it).
        #expect(Set(e.runs.map(\.configurationKey)).count == 16)
    }

    @Test("the draws depend on the search seed only: same file, same runs; another seed, other runs")
    func determinism() throws {
        let a = try parse(searchExperiment), b = try parse(searchExperiment)
        #expect(a.runs.map(\.id) == b.runs.map(\.id))
        let c = try parse(searchExperiment.replacingOccurrences(of: "seed: 5", with: "seed: 6"))
        #expect(Set(a.runs.map(\.id)).isDisjoint(with: c.runs.map(\.id)))
        // The runs' seeds do not move the draws.
        let d = try parse(searchExperiment.replacingOccurrences(of: "seeds: 2", with: "seeds: [7]"))
        #expect(d.runs.map { $0.values["training.learning_rate"] } == a.runs.filter { $0.seed == 0 }.map { $0.values["training.learning_rate"] })
        // Random draws too, and they differ from Sobol's.
        let r1 = try parse(searchExperiment.replacingOccurrences(of: "method: sobol", with: "method: random"))
        let r2 = try parse(searchExperiment.replacingOccurrences(of: "method: sobol", with: "method: random"))
        #expect(r1.runs.map(\.id) == r2.runs.map(\.id))
        #expect(r1.runs.map(\.id) != a.runs.map(\.id))
    }

    @Test("more samples keep the configurations already drawn (a search can be extended and resumed)",
          arguments: ["sobol", "random"])
    func prefixStable(method: String) throws {
        let small = try parse(searchExperiment.replacingOccurrences(of: "method: sobol", with: "method: \(method)"))
        let large = try parse(searchExperiment.replacingOccurrences(of: "method: sobol", with: "method: \(method)")
            .replacingOccurrences(of: "samples: 8", with: "samples: 16"))
        #expect(large.runs.count == 64)
        #expect(Array(large.runs.prefix(32).map(\.id)) == small.runs.map(\.id))
    }

    @Test("Sobol: 16 points fill each of the 16 strata of each range, and each 4 x 4 cell of two ranges")
    func sobolStrata() throws {
        for seed in 0..<4 {
            let e = try parse("""
            search: {method: sobol, samples: 16, seed: \(seed)}
            problem:
              value_noise_level: {uniform: [0, 16]}
            training:
              learning_rate: {log_uniform: [1.0e-5, 1.0e11]}
            """)
            #expect(e.runs.count == 16)
            let x = e.runs.map { $0.values["problem.value_noise_level"]!.doubleValue! }
            let y = e.runs.map { log10($0.values["training.learning_rate"]!.doubleValue!) + 5 }   // in [0, 16)
            #expect(Set(x.map { Int($0) }) == Set(0..<16), "seed \(seed): \(x)")
            #expect(Set(y.map { Int(($0 + 1e-9).rounded(.down)) }).count == 16, "seed \(seed): \(y)")
            #expect(Set(zip(x, y).map { Int($0 / 4) * 4 + Int(($1 + 1e-9) / 4) }) == Set(0..<16), "seed \(seed)")
            // int_uniform and choice by floor over equal strata: each value equally often.
            let f = try parse("""
            search: {method: sobol, samples: 16, seed: \(seed)}
            model:
              width: {int_uniform: [8, 11]}
              activation: {choice: [tanh, gelu, sin, silu]}
            """)
            let widths = f.search.configurations().map { $0[0].value.intValue! }
            let activations = f.search.configurations().map { $0[1].value.stringValue! }
            #expect(Dictionary(grouping: widths, by: { $0 }).mapValues(\.count) == [8: 4, 9: 4, 10: 4, 11: 4])
            #expect(Dictionary(grouping: activations, by: { $0 }).mapValues(\.count) == ["tanh": 4, "gelu": 4, "sin": 4, "silu": 4])
        }
    }

    @Test("the unit coordinate maps onto each range as documented")
    func mapping() {
        #expect(SearchRange.uniform(2, 4).value(at: 0.25) == .double(2.5))
        #expect(abs(SearchRange.logUniform(1e-4, 1e-2).value(at: 0.5).doubleValue! - 1e-3) < 1e-15)
        #expect(SearchRange.logUniform(1e-4, 1e-2).value(at: 0).doubleValue! >= 1e-4)
        #expect(SearchRange.intUniform(16, 19).value(at: 0) == .int(16))
        #expect(SearchRange.intUniform(16, 19).value(at: 0.2499) == .int(16))
        #expect(SearchRange.intUniform(16, 19).value(at: 0.25) == .int(17))
        #expect(SearchRange.intUniform(16, 19).value(at: 0.999999) == .int(19))
        #expect(SearchRange.choice([.string("a"), .string("b")]).value(at: 0.5) == .string("b"))
        // Numbers keep 6 significant digits and stay inside the range.
        for u in stride(from: 0.0, to: 1, by: 0.0137) {
            let v = SearchRange.logUniform(1e-4, 1e-2).value(at: u).doubleValue!
            #expect(Double(String(format: "%.6g", v)) == v && v >= 1e-4 && v <= 1e-2)
            let w = SearchRange.uniform(-1, 3).value(at: u).doubleValue!
            #expect(Double(String(format: "%.6g", w)) == w && w >= -1 && w <= 3)
        }
        #expect(SearchRange.uniform(0, 1).value(at: 0.9999999999).doubleValue! == 1)
    }

    @Test("a choice of hidden-layer lists; choices checked as list elements of the key")
    func choiceOfLists() throws {
        let e = try parse("search: {method: random, samples: 6}\nmodel:\n  hidden: {choice: [[8], [8, 8]]}")
        #expect(Set(e.runs.map { RunConfig($0).model.hidden }).isSubset(of: [[8], [8, 8]]))
        // Identical draws are one run.
        #expect(e.runs.count == Set(e.runs.map(\.id)).count && e.runs.count <= 2)
    }

    @Test("--set gives a range and the search section")
    func overrides() throws {
        let e = try parse("name: x", overrides: ["training.learning_rate={log_uniform: [1e-4, 1e-2]}", "search.method=random", "search.samples=3"])
        #expect(e.runs.count == 3)
    }

    @Test("bad ranges and search keys name the file, line, key and value", arguments: [
        ("search: {method: sobol, samples: 4}\ntraining:\n  learning_rate: {log_uniform: [1.0e-2, 1.0e-4]}", 3, "training.learning_rate", "low < high"),
        ("search: {method: sobol, samples: 4}\ntraining:\n  learning_rate: {uniform: [0.1, .inf]}", 3, "training.learning_rate", ".inf"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  adaptive_scale: {log_uniform: [0, 1]}", 3, "model.adaptive_scale", "got 0"),
        ("search: {method: sobol, samples: 4}\nproblem:\n  value_noise_level: {log_uniform: [0, 1]}", 3, "problem.value_noise_level", "positive"),
        ("search: {method: sobol, samples: 4}\ntraining:\n  learning_rate: {uniform: [-1, 1]}", 3, "training.learning_rate", "-1"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  width: {int_uniform: [4, 8.5]}", 3, "model.width", "8.5"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  width: {int_uniform: [0, 8]}", 3, "model.width", "got 0"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  width: {uniform: [4, 8]}", 3, "model.width", "use int_uniform or choice"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  width: {log_uniform: [4, 8]}", 3, "model.width", "use int_uniform or choice"),
        ("search: {method: sobol, samples: 4}\ntraining:\n  learning_rate: {int_uniform: [1, 2]}", 3, "training.learning_rate", "use uniform, log_uniform or choice"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  activation: {choice: []}", 3, "model.activation", "at least one"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  activation: {choice: [tanh, gleu]}", 3, "model.activation", "gleu"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  activation: {choice: [tanh, tanh]}", 3, "model.activation", "twice"),
        ("search: {method: sobol, samples: 4}\nmodel:\n  activation: {uniform: [0, 1]}", 3, "model.activation", "use choice"),
        ("search: {method: sobol, samples: 4}\ntraining:\n  learning_rate: {loguniform: [1, 2]}", 3, "training.learning_rate", "did you mean 'log_uniform'"),
        ("search: {method: sobol, samples: 4}\ntraining:\n  learning_rate: {uniform: [1, 2, 3]}", 3, "training.learning_rate", "two bounds"),
        ("training:\n  learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}", 2, "training.learning_rate", "set search.method"),
        ("search: {method: grid}\ntraining:\n  learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}", 3, "training.learning_rate", "set search.method"),
        ("search:\n  method: sobol\ntraining:\n  learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}", 2, "search.method", "search.samples"),
        ("search:\n  method: sobol\n  samples: 4", 2, "search.method", "no key has one"),
        ("search:\n  method: halton", 2, "search.method", "halton"),
        ("search:\n  samples: 0", 2, "search.samples", "got 0"),
        ("search:\n  samples: 4", 2, "search.samples", "does not apply"),
        ("search:\n  seed: -1", 2, "search.seed", "-1"),
        ("search:\n  sample: 4", 2, "search.sample", "did you mean 'samples'"),
        ("search:\n  scheduler: asha", 2, "search.scheduler", "needs search.metric"),
        ("search:\n  scheduler: hyperband\n  metric: validation_value_rmse", 2, "search.scheduler", "needs search.min_budget"),
        ("search:\n  scheduler: hyper_band", 2, "search.scheduler", "did you mean 'hyperband'"),
        ("search:\n  scheduler: halving", 2, "search.scheduler", "got halving"),
        ("search:\n  scheduler: successive_halving\n  min_budget: 10", 2, "search.scheduler", "needs search.metric"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse", 2, "search.scheduler", "needs search.min_budget"),
        ("search:\n  scheduler: successive_halving\n  metric: test_value_rmse\n  min_budget: 10", 3, "search.metric", "got test_value_rmse"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_r2\n  min_budget: 10", 3, "search.metric", "lower is better"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 0", 4, "search.min_budget", "got 0"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 10\n  reduction: 1", 5, "search.reduction", "got 1"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 1000", 4, "search.min_budget", "not below the full budget of 1000"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 10\n  max_budget: 500", 5, "search.max_budget", "differs from training.epochs 1000"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 10\ntraining:\n  epochs: [100, 200]", 6, "training.epochs", "100, 200"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 10\ntraining:\n  patience: 50", 6, "training.patience", "does not combine"),
        ("search:\n  scheduler: successive_halving\n  metric: validation_value_rmse\n  min_budget: 10\nproblem:\n  validation_samples: 0", 3, "search.metric", "needs validation samples"),
        ("training:\n  keep_best: maybe", 2, "training.keep_best", "maybe"),
        ("problem:\n  validation_samples: 0\ntraining:\n  keep_best: true", 4, "training.keep_best", "needs validation samples"),
        ("search:\n  metric: validation_value_rmse", 2, "search.metric", "read only with search.scheduler"),
        ("search:\n  min_budget: 10", 2, "search.min_budget", "read only with search.scheduler"),
        ("search: sobol", 1, "search", "sobol"),
    ])
    func badInput(text: String, line: Int, key: String, value: String) {
        let m = errorOf(text)
        #expect(m.hasPrefix("exp.yaml:\(line): \(key): "), "\(m)")
        #expect(m.contains(value), "\(m)")
        #expect(!m.contains("\n"))
    }

    @Test("successive_halving: rungs from min_budget up to training.epochs; the search keys leave run ids alone")
    func scheduler() throws {
        let e = try parse("""
        search:
          scheduler: successive_halving
          metric: validation_grad_rmse
          min_budget: 10
        model:
          width: [8, 16]
        training:
          epochs: 100
        """)
        #expect(e.search.halving == SuccessiveHalving(reduction: 3, minBudget: 10, maxBudget: 100))
        #expect(e.search.halving?.budgets == [11, 33, 100])
        #expect(e.search.metric == "validation_grad_rmse")
        let plain = try parse("model:\n  width: [8, 16]\ntraining:\n  epochs: 100")
        #expect(e.runs.map(\.id) == plain.runs.map(\.id))
        let explicit = try parse("search: {scheduler: successive_halving, metric: validation_value_rmse, min_budget: 5, max_budget: 40, reduction: 2}\ntraining:\n  epochs: 40")
        #expect(explicit.search.halving?.budgets == [5, 10, 20, 40])
        #expect(e.search.scheduler == .successiveHalving(SuccessiveHalving(reduction: 3, minBudget: 10, maxBudget: 100)))
        let ladder = SuccessiveHalving(reduction: 2, minBudget: 5, maxBudget: 40)
        for (name, expected) in [("hyperband", TrialScheduler.hyperband(Hyperband(ladder: ladder))), ("asha", .asha(ASHA(ladder: ladder)))] {
            let other = try parse("search: {scheduler: \(name), metric: validation_value_rmse, min_budget: 5, reduction: 2}\ntraining:\n  epochs: 40")
            #expect(other.search.scheduler == expected && other.search.scheduler?.name == name)
        }
    }

    @Test("keep_best combines with a scheduler; absent, it leaves the run ids alone")
    func keepBestWithScheduler() throws {
        let text = "search: {scheduler: successive_halving, metric: validation_value_rmse, min_budget: 10}\nmodel:\n  width: [8, 16]\ntraining:\n  epochs: 100"
        let e = try parse(text + "\n  keep_best: true")
        #expect(e.search.halving?.budgets == [11, 33, 100])
        #expect(e.runs.allSatisfy { RunConfig($0).training.keepBest })
        let plain = try parse(text)
        #expect(plain.runs.allSatisfy { $0.values["training.keep_best"] == nil && !RunConfig($0).training.keepBest })
        #expect(Set(e.runs.map(\.id)).isDisjoint(with: plain.runs.map(\.id)))
    }

    @Test("a grid without search is unchanged: same runs and ids as before")
    func gridUnchanged() throws {
        let e = try parse("model:\n  width: [10, 20]\nseeds: 2")
        #expect(e.search.method == .grid && e.search.ranges.isEmpty)
        let f = try parse("search: {method: grid}\nmodel:\n  width: [10, 20]\nseeds: 2")
        #expect(e.runs.map(\.id) == f.runs.map(\.id))
    }

    @Test("the search's run count counts toward the limit of runs")
    func limit() {
        let m = errorOf("search: {method: random, samples: 100000}\ntraining:\n  learning_rate: {uniform: [0.1, 1]}\nseeds: 2")
        #expect(m.contains("200000 runs") && m.contains("search.samples x100000"), "\(m)")
    }
}
