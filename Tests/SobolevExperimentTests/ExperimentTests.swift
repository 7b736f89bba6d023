// Experiment files: grid expansion, run ids, overrides, and errors that name file, key and value.
import Foundation
import SobolevProblems
import Testing
@testable import SobolevExperiment

func parse(_ text: String, overrides: [String] = []) throws -> Experiment {
    try Experiment.parse(text: text, file: "exp.yaml", overrides: overrides)
}

/// The error message of a bad file (fails the test when the file is accepted).
func errorOf(_ text: String, overrides: [String] = []) -> String {
    do { _ = try parse(text, overrides: overrides) } catch { return "\(error)" }
    Issue.record("expected an error for:\n\(text)")
    return ""
}

@Suite("Experiment files")
struct ExperimentTests {
    @Test("an empty file is one run of the defaults (the course's sine set-up)")
    func defaults() throws {
        let e = try parse("name: x")
        #expect(e.runs.count == 1)
        let c = RunConfig(e.runs[0])
        #expect(c.problem.name == "sine" && c.problem.trainSamples == 40 && c.problem.validationSamples == 40)
        #expect(c.model.hidden == [50, 50] && c.model.activation == .tanh)
        #expect(c.training.learningRate == 1e-3)
        #expect(c.loss.lambdaValue == 1 && c.loss.lambdaGrad == 1)
    }

    @Test("lists make grid axes; the grid is the product times the seeds, first axis slowest")
    func grid() throws {
        let e = try parse("""
        model:
          width: [10, 20, 30]
        loss:
          lambda_grad: [0, 1]
        seeds: [3, 4]
        """)
        #expect(e.axes.map(\.key) == ["model.width", "loss.lambda_grad"])
        #expect(e.runs.count == 12)
        #expect(e.runs.map { $0.values["model.width"]! }.prefix(4) == [.int(10), .int(10), .int(10), .int(10)])
        #expect(e.runs[0].seed == 3 && e.runs[1].seed == 4)
        #expect(e.runs[0].label == "model.width=10 loss.lambda_grad=0 seed=3")
        #expect(Set(e.runs.map(\.id)).count == 12)
    }

    @Test("a list of lists is an axis of hidden-layer lists; a plain list is one value")
    func hiddenLists() throws {
        #expect(try parse("model:\n  hidden: [8, 4]").runs.count == 1)
        let e = try parse("model:\n  hidden: [[8], [8, 8]]")
        #expect(e.runs.map { RunConfig($0).model.hidden } == [[8], [8, 8]])
    }

    @Test("run ids are stable: same configuration, same id, whatever the file says around it")
    func stableIDs() throws {
        let a = try parse("name: a\nloss:\n  lambda_grad: [0, 1]\nseeds: 2")
        let b = try parse("name: b\ndescription: other\nloss:\n  lambda_grad: 1\nseeds: [1]")
        #expect(a.runs[3].id == b.runs[0].id)   // lambda_grad 1, seed 1
        #expect(a.runs[0].id != a.runs[1].id)
        #expect(a.runs[3].id.count == 16)
        // Giving a default explicitly does not change the id.
        #expect(try parse("training:\n  epochs: 1000").runs[0].id == (try parse("name: x")).runs[0].id)
    }

    @Test("--set overrides a value, and a list value makes an axis")
    func overrides() throws {
        let e = try parse("training:\n  epochs: 10", overrides: ["training.epochs=20", "loss.lambda_grad=[0, 0.5]"])
        #expect(e.runs.count == 2)
        #expect(RunConfig(e.runs[0]).training.epochs == 20)
        #expect(errorOf("", overrides: ["training.epochs"]).contains("key=value"))
        #expect(errorOf("", overrides: ["training.epoch=3"]).contains("training.epoch"))
    }

    @Test("unknown keys are errors with the file, the key, the line and a suggestion")
    func unknownKeys() {
        let m = errorOf("training:\n  learnin_rate: 0.1")
        #expect(m.contains("exp.yaml:2"))
        #expect(m.contains("training.learnin_rate"))
        #expect(m.contains("unknown key"))
        #expect(m.contains("did you mean 'training.learning_rate'"))
        #expect(errorOf("trainig:\n  epochs: 3").contains("trainig"))
        let dotted = errorOf("model.width: 4")
        #expect(dotted.contains("model.width: unknown key at the top of the file") && dotted.contains("model: {width: ...}") && !dotted.contains("did you mean"), "\(dotted)")
    }

    @Test("wrong types and out-of-range values name the key and the value", arguments: [
        ("training:\n  learning_rate: -1", "training.learning_rate", "-1"),
        ("training:\n  learning_rate: fast", "training.learning_rate", "fast"),
        ("training:\n  epochs: 2.5", "training.epochs", "2.5"),
        ("training:\n  epochs: 0", "training.epochs", "0"),
        ("training:\n  batch_size: half", "training.batch_size", "half"),
        ("training:\n  beta2: 1", "training.beta2", "1"),
        ("model:\n  activation: relu", "model.activation", "relu"),
        ("model:\n  hidden: [8, -1]", "model.hidden", "-1"),
        ("problem:\n  name: moon", "problem.name", "moon"),
        ("problem:\n  train_samples: [10, 10]", "problem.train_samples", "listed twice"),
        ("training:\n  shuffle: maybe", "training.shuffle", "maybe"),
        ("seeds: 0", "seeds", "0"),
        ("loss:\n  lambda_value: 0\n  lambda_grad: 0", "loss.lambda_grad", "both 0"),
        ("model: 3", "model", "3"),
        ("training:\n  epochs: 5\n  epochs: 6", "training.epochs", "twice"),
        ("seeds: [9223372036854775808]", "seeds", "9223372036854775808"),
        ("loss:\n  scheme: softadapt\n  epsilon: 0", "loss.epsilon", "0"),
        ("training:\n  log_every: 10\n  patience: 5", "training.patience", "fewer than training.log_every 10"),
        ("model:\n  hidden: [4]\n  depth: 3", "model.depth", "does not apply"),
        ("model:\n  hidden: [[4], [8]]\n  width: [8, 16]", "model.width", "does not apply"),
    ])
    func badValues(text: String, key: String, value: String) {
        let m = errorOf(text)
        #expect(m.hasPrefix("exp.yaml"), "\(m)")
        #expect(m.contains(key), "\(m)")
        #expect(m.contains(value), "\(m)")
    }

    @Test("invalid YAML is reported with the file name")
    func invalidYAML() {
        #expect(errorOf("model: [1, 2").contains("exp.yaml"))
    }

    @Test("nesting thousands of levels deep (which would overflow the YAML parser's stack) is an error naming the line")
    func deepNesting() throws {
        let flow = "name: t\nproblem: {name: sine}\nmodel: {hidden: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}\n"
        #expect(errorOf(flow).contains("exp.yaml:3"), "\(errorOf(flow))")
        var block = "name: t\nmodel:\n"
        for level in 1...3000 { block += String(repeating: " ", count: level) + "a:\n" }
        #expect(errorOf(block).contains("nested deeper"), "\(errorOf(block))")
        #expect(errorOf("seeds:\n" + String(repeating: "- ", count: 3000) + "1\n").contains("nested deeper"))
        // Ordinary files and a list of lists pass; brackets in quotes and comments do not count.
        _ = try parse("name: t  # [[[[\ndescription: \"" + String(repeating: "[", count: 100) + "\"\nmodel:\n  hidden: [[4, 4], [8]]\n")
        #expect(throws: ExperimentError.self) { try parse("model: {width: 4}", overrides: ["model.hidden=" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)]) }
    }
}

@Suite("Documentation")
struct DocumentationTests {
    @Test("every experiment-file key is documented in docs/experiment-files.md")
    func everyKeyDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/experiment-files.md"), encoding: .utf8)
        for spec in ExperimentSchema.fields {
            #expect(doc.contains("`\(spec.key)`"), "\(spec.key) is not in docs/experiment-files.md")
        }
        for name in ProblemCatalog.names { #expect(doc.contains("`\(name)`"), "problem \(name) is not documented") }
    }
}

@Suite("problem.dimension")
struct ProblemDimensionTests {
    @Test("sets the input dimension of the any-dimension problems; absent, run ids stay as before")
    func dimension() throws {
        let e = try parse("problem:\n  name: rosenbrock\n  dimension: [2, 8]\n  test_samples: 64")
        #expect(try RunConfig(e.runs[1]).problem.function().inputDimension == 8)
        let data = try RunExecutor.data(for: RunConfig(e.runs[1]))
        #expect(data.train.inputs.cols == 8 && data.test.inputs.cols == 8)
        // Absent, the key is not part of the resolved values, so ids of existing experiments
        // are unchanged (these were the ids before the key existed).
        let old = try parse("problem:\n  name: rosenbrock")
        #expect(old.runs[0].values["problem.dimension"] == nil)
        #expect(try RunConfig(old.runs[0]).problem.function().inputDimension == 2)
        #expect(old.runs[0].id == "bf8abce1a2361008")
        #expect(try parse("name: x").runs[0].id == "422051dde35adf2b")
        // dimension 2 given explicitly is a different configuration key, hence a different id.
        #expect(e.runs[0].id != old.runs[0].id)
    }

    @Test("above Sobol's 28 dimensions: the test set is a Latin hypercube, a sobol training sampler an error")
    func beyondSobol() throws {
        let e = try parse("problem:\n  name: rosenbrock\n  dimension: 32\n  train_samples: 8\n  test_samples: 16")
        let data = try RunExecutor.data(for: RunConfig(e.runs[0]))
        #expect(data.test.inputs.rows == 16 && data.test.inputs.cols == 32)
        #expect(data.test.inputs == (try RunExecutor.data(for: RunConfig(e.runs[0]))).test.inputs)
        #expect(try Preflight(e, limit: nil).configurations.count == 1)
        let sobol = try parse("problem:\n  name: rosenbrock\n  dimension: 32\n  sampler: sobol")
        do { _ = try Preflight(sobol, limit: nil); Issue.record("sobol in 32 dimensions accepted") } catch {
            let m = "\(error)"
            #expect(m.contains("problem.sampler") && m.contains("28") && m.contains("32"), "\(m)")
        }
    }

    @Test("fixed-dimension problems, d < 2 and huge d are errors naming the key and value", arguments: [
        ("problem:\n  name: beale\n  dimension: 3", "3"),
        ("problem:\n  name: neo_hookean_3d\n  dimension: 4", "4"),
        ("problem:\n  name: styblinski_tang\n  dimension: 1", "1"),
        ("problem:\n  name: rosenbrock\n  dimension: 100000", "100000"),
    ])
    func badDimension(text: String, value: String) {
        let m = errorOf(text)
        #expect(m.hasPrefix("exp.yaml") && m.contains("problem.dimension") && m.contains(value), "\(m)")
    }
}
