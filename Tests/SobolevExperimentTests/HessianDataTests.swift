// Hessians in data files: d2Y [n, m, d, d] in HDF5 and the d2<out>/d<in>d<in> columns of CSV,
// read back exactly, and every bad file an error naming the file, the dataset or column and values.
import Foundation
import SobolevCore
import SobolevHDF5
import SobolevProblems
import Testing
@testable import SobolevExperiment

/// twoByTwo with its Hessians: f = (x y, x + y^2) has H_0 = [[0, 1], [1, 0]], H_1 = [[0, 0], [0, 2]].
func twoByTwoWithHessians(_ n: Int) -> Dataset {
    var d = twoByTwo(n)
    d.hessians = (0..<n).flatMap { _ in [0.0, 1, 1, 0, 0, 0, 0, 2] }
    return d
}

@Suite("Hessian data")
struct HessianDataTests {
    func experiment(_ dir: String, _ problem: String) throws -> Experiment {
        let text = "name: d\nproblem:\n  name: dataset\n" + problem + "\ntraining:\n  epochs: 5\nmodel:\n  width: 4\n"
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        return try Experiment.load(path: dir + "/e.yaml")
    }

    func errorOf(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        Issue.record("accepted")
        return ""
    }

    @Test("d2Y is written and read back exactly, and every split carries its samples' Hessians")
    func roundTrip() throws {
        let dir = dataFolder()
        let data = twoByTwoWithHessians(10)
        try DatasetFile.write(data, to: dir + "/d.h5")
        let (_, shape) = try H5File.open(dir + "/d.h5").read("d2Y")
        #expect(shape == [10, 2, 2, 2])
        #expect(try DatasetFile.read(dir + "/d.h5") == data)
        // dy "" ignores all derivatives, the Hessians with them.
        #expect(try DatasetFile.read(dir + "/d.h5", dy: nil).hessians == nil)
        let sub = data.subset([3, 1])
        #expect(sub.hessians! == Array(data.hessians![24..<32]) + Array(data.hessians![8..<16]))
        let run = try RunExecutor.data(for: RunConfig(try experiment(dir, "  file: d.h5").runs[0]))
        #expect(run.train.hasHessians && run.test.hessians!.count == run.test.count * 8)
        // A file without d2Y reads as before.
        try DatasetFile.write(twoByTwo(10), to: dir + "/first.h5")
        #expect(try DatasetFile.read(dir + "/first.h5").hessians == nil)
    }

    @Test("bad d2Y: shape, non-finite entry, asymmetry (the worst pair and its values), d2Y without dY, a misspelt problem.d2y")
    func hdf5Errors() throws {
        let dir = dataFolder()
        let d = twoByTwoWithHessians(3)
        func file(_ name: String, dy: Bool = true, _ h: [Double], _ shape: [Int]) throws {
            try H5File.writeAtomically(dir + "/" + name) { f in
                try f.write("X", d.inputs.data, shape: [3, 2]); try f.write("Y", d.values.data, shape: [3, 2])
                if dy { try f.write("dY", d.jacobians!, shape: [3, 2, 2]) }
                try f.write("d2Y", h, shape: shape)
            }
        }
        try file("shape.h5", d.hessians!, [3, 2, 4])
        var nan = d.hessians!; nan[5] = .nan
        try file("nan.h5", nan, [3, 2, 2, 2])
        var skew = d.hessians!; skew[9] += 0.5; skew[1] += 1e-12   // sample 1, output 0: (0, 1) = 1.5; round-off at sample 0
        try file("skew.h5", skew, [3, 2, 2, 2])
        try file("nodY.h5", dy: false, d.hessians!, [3, 2, 2, 2])
        let shape = errorOf { _ = try DatasetFile.read(dir + "/shape.h5") }
        #expect(shape.contains("shape.h5") && shape.contains("/d2Y") && shape.contains("(3, 2, 2, 2)") && shape.contains("[3, 2, 4]"), "\(shape)")
        let bad = errorOf { _ = try DatasetFile.read(dir + "/nan.h5") }
        #expect(bad.contains("nan.h5") && bad.contains("/d2Y") && bad.contains("/d2Y: d2Y[0, 1, 0, 1] is nan (sample 0, output 1, input 0, input 1)"), "\(bad)")
        let asym = errorOf { _ = try DatasetFile.read(dir + "/skew.h5") }
        #expect(asym.contains("skew.h5") && asym.contains("/d2Y") && asym.contains("not symmetric") && asym.contains("sample 1, output 0")
                && asym.contains("(0, 1) is 1.5 but (1, 0) is 1.0"), "\(asym)")
        #expect(!asym.contains("\n"))
        let nody = errorOf { _ = try DatasetFile.read(dir + "/nodY.h5") }
        #expect(nody.contains("nodY.h5") && nody.contains("/d2Y") && nody.contains("no dataset dY"), "\(nody)")
        // A name the experiment gives must exist: a typo is an error, not first-order data.
        try DatasetFile.write(d, to: dir + "/d.h5")
        let typo = errorOf { _ = try RunExecutor.data(for: RunConfig(try experiment(dir, "  file: d.h5\n  d2y: d2y_typo").runs[0])) }
        #expect(typo.contains("d.h5") && typo.contains("/d2y_typo") && typo.contains("no such dataset") && typo.contains("problem.d2y"), "\(typo)")
        let named = try RunExecutor.data(for: RunConfig(try experiment(dir, "  file: d.h5\n  d2y: d2Y").runs[0]))
        #expect(named.train.hasHessians)
        let none = try RunExecutor.data(for: RunConfig(try experiment(dir, "  file: d.h5\n  d2y: \"\"").runs[0]))
        #expect(!none.train.hasHessians && none.train.hasJacobians)
    }

    @Test("CSV Hessian columns d2<out>/d<in>d<in>: either order of a mixed pair, all pairs or an error, and both orders must agree")
    func csv() throws {
        let dir = dataFolder()
        // E = x^2 y: dE = (2 x y, x^2), d2E = [[2 y, 2 x], [2 x, 0]].
        func write(_ name: String, _ header: String, _ row: (Double, Double) -> String) throws {
            var text = "x, y, E, dE/dx, dE/dy, " + header + "\n"
            for i in 0..<10 { let x = Double(i) / 10, y = 1 + x; text += "\(x), \(y), \(x * x * y), \(2 * x * y), \(x * x), " + row(x, y) + "\n" }
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        }
        try write("h.csv", "d2E/dxdx, d2E/dydx, d2E/dydy") { x, y in "\(2 * y), \(2 * x), 0" }
        try write("both.csv", "d2E/dxdx, d2E/dxdy, d2E/dydx, d2E/dydy") { x, y in "\(2 * y), \(2 * x), \(2 * x + (x > 0.5 ? 1 : 0)), 0" }
        try write("part.csv", "d2E/dxdx, d2E/dydy") { x, y in "\(2 * y), 0" }
        let columns = "\n  input_columns: [x, y]\n  output_columns: [E]\n  split: fraction"
        let data = try UserDataset.readCSV(dir + "/h.csv", RunConfig(try experiment(dir, "  file: h.csv" + columns).runs[0]).problem.dataset!).0
        #expect(data.hessians!.count == 10 * 4)
        for i in 0..<10 {
            let x = data.inputs[i, 0], y = data.inputs[i, 1]
            #expect(Array(data.hessians![(i * 4)..<(i * 4 + 4)]) == [2 * y, 2 * x, 2 * x, 0])
        }
        let both = errorOf { _ = try UserDataset.readCSV(dir + "/both.csv", RunConfig(try experiment(dir, "  file: both.csv" + columns).runs[0]).problem.dataset!) }
        #expect(both.contains("both.csv") && both.contains("line 8") && both.contains("d2E/dxdy and d2E/dydx") && both.contains("1.2 and 2.2"), "\(both)")
        let part = errorOf { _ = try UserDataset.readCSV(dir + "/part.csv", RunConfig(try experiment(dir, "  file: part.csv" + columns).runs[0]).problem.dataset!) }
        #expect(part.contains("part.csv") && part.contains("column d2E/dxdy") && part.contains("2 of the 3"), "\(part)")
        try "x, y, E, d2E/dxdx, d2E/dxdy, d2E/dydy\n0, 1, 0, 2, 0, 0\n1, 2, 2, 4, 2, 0\n".write(toFile: dir + "/nodE.csv", atomically: true, encoding: .utf8)
        let nodE = errorOf { _ = try UserDataset.readCSV(dir + "/nodE.csv", RunConfig(try experiment(dir, "  file: nodE.csv" + columns).runs[0]).problem.dataset!) }
        #expect(nodE.contains("nodE.csv") && nodE.contains("column d2E/dxdx") && nodE.contains("need the derivative columns"), "\(nodE)")
    }
}

@Suite("loss.order and loss.group_hessian")
struct LossOrderTests {
    @Test("absent, run ids stay as before and the run is first order; given, they reach RunConfig")
    func keys() throws {
        let old = try parse("name: x")
        #expect(old.runs[0].values["loss.order"] == nil && old.runs[0].values["loss.group_hessian"] == nil)
        #expect(old.runs[0].id == "422051dde35adf2b")   // the id before the keys existed
        let c = RunConfig(old.runs[0])
        #expect(c.loss.order == 1 && !c.loss.groupHessian && !c.loss.trainsHessians)
        let e = try parse("loss:\n  order: 2\n  group_hessian: true")
        #expect(RunConfig(e.runs[0]).loss.order == 2 && RunConfig(e.runs[0]).loss.groupHessian)
        #expect(try parse("loss:\n  order: [1, 2]").runs.count == 2)
    }

    @Test("loss.lambda_hess: absent, the Hessian terms weigh lambda_grad and run ids are unchanged; given, it weighs them alone")
    func lambdaHess() throws {
        let plain = try parse("loss:\n  order: 2\n  lambda_grad: 0.5")
        #expect(plain.runs[0].values["loss.lambda_hess"] == nil)
        let c = RunConfig(plain.runs[0])
        let layout = c.layout(inputDimension: 2, hasJacobians: true, directions: 0, hasHessians: true)
        #expect(layout.names == ["value", "grad_1", "grad_2", "hess_1_1", "hess_1_2", "hess_2_2"])
        let weights = { (c: RunConfig) -> [Double] in
            var scheme = c.loss.makeScheme(layout: layout, optimizer: c.training.optimizer, seed: 0)
            return scheme.lambdas(for: WeightingInput(step: 0, losses: Array(repeating: 1, count: 6), gradients: [], parameterCount: 0, lastLayerWeights: 0..<0, learningRate: 0)) }
        #expect(weights(c) == [1, 0.5, 0.5, 0.5, 0.5, 0.5])
        let given = RunConfig(try parse("loss:\n  order: 2\n  lambda_grad: 0.5\n  lambda_hess: 0.25").runs[0])
        #expect(weights(given) == [1, 0.5, 0.5, 0.25, 0.25, 0.25])
        #expect(given.monitoredTerms(layout) == Array(repeating: true, count: 6))
        // Plain L2 on the gradients with a Hessian weight still trains the derivative terms.
        let hessOnly = RunConfig(try parse("loss:\n  order: 2\n  lambda_grad: 0\n  lambda_hess: 1").runs[0])
        #expect(hessOnly.trainsDerivatives && hessOnly.monitoredTerms(layout) == [true, false, false, true, true, true])
        // Grouped: one lambda per family.
        let grouped = RunConfig(try parse("loss:\n  order: 2\n  group_hessian: true\n  lambda_hess: 3").runs[0])
        let g = grouped.layout(inputDimension: 2, hasJacobians: true, directions: 0, hasHessians: true)
        #expect(g.names == ["value", "grad_1", "grad_2", "hess"])
        var groupedScheme = grouped.loss.makeScheme(layout: g, optimizer: grouped.training.optimizer, seed: 0)
        #expect(groupedScheme.lambdas(for: WeightingInput(step: 0, losses: [1, 1, 1, 1], gradients: [], parameterCount: 0, lastLayerWeights: 0..<0, learningRate: 0)) == [1, 1, 1, 3])
        // Nothing trained is still an error when lambda_hess is 0 too, not when it is positive.
        #expect(errorOf("loss:\n  order: 2\n  lambda_value: 0\n  lambda_grad: 0\n  lambda_hess: 0").contains("nothing would be trained"))
        #expect(try parse("loss:\n  order: 2\n  lambda_value: 0\n  lambda_grad: 0\n  lambda_hess: 1").runs.count == 1)
    }

    @Test("a layout that disagrees with the data about Hessians is one line naming the set, not the trainer's precondition")
    func layoutMismatch() throws {
        let config = RunConfig(try parse("loss:\n  order: 2").runs[0])
        let layout = config.layout(inputDimension: 2, hasJacobians: true, directions: 0, hasHessians: true)
        let withH = twoByTwoWithHessians(6), without = twoByTwo(6)
        try RunExecutor.checkLayout(layout, train: withH, validation: withH, config: config)
        for (train, validation, set) in [(without, withH, "training"), (withH, without, "validation")] {
            do { try RunExecutor.checkLayout(layout, train: train, validation: validation, config: config); Issue.record("accepted") } catch {
                let text = "\(error)"
                #expect(text.contains("loss.order") && text.contains("the \(set) set has none") && !text.contains("\n"), "\(text)")
            }
        }
        let first = config.layout(inputDimension: 2, hasJacobians: true, directions: 0, hasHessians: false)
        #expect(throws: DataFileError.self) { try RunExecutor.checkLayout(first, train: withH, validation: nil, config: config) }
    }

    @Test("term order value, grad_*, dir_*, hess_*: names, the step-term map and grouping agree")
    func termOrder() {
        let layout = TermLayout(inputDimension: 2, hasDerivatives: true, directionCount: 2, hasHessians: true)
        #expect(layout.names == ["value", "grad_1", "grad_2", "dir_1", "dir_2", "hess_1_1", "hess_1_2", "hess_2_2"])
        #expect(layout.termOfStepTerm == Array(0..<8) && layout.stepTermCount == 8)
        let grouped = TermLayout(inputDimension: 2, hasDerivatives: true, groupDerivatives: true, directionCount: 2,
                                 hasHessians: true, groupHessian: true)
        #expect(grouped.names == ["value", "grad", "dir", "hess"])
        #expect(grouped.termOfStepTerm == [0, 1, 1, 2, 2, 3, 3, 3])
        #expect(grouped.combine([1, 2, 3, 4, 5, 6, 7, 8]) == [1, 5, 9, 21])
        let (l, g) = grouped.combine(losses: [1, 2, 3, 4, 5, 6, 7, 8], gradients: (0..<8).map(Double.init), parameterCount: 1)
        #expect(l == [1, 5, 9, 21] && g == [0, 3, 7, 18])
        let hessOnly = TermLayout(inputDimension: 2, hasDerivatives: true, hasHessians: true, groupHessian: true)
        #expect(hessOnly.names == ["value", "grad_1", "grad_2", "hess"] && hessOnly.combine([1, 2, 3, 4, 5, 6]) == [1, 2, 3, 15])
    }

    @Test("bad values and group_hessian without order 2 are errors naming the key", arguments: [
        ("loss:\n  order: 3", "loss.order"),
        ("loss:\n  group_hessian: true", "loss.group_hessian"),
        ("loss:\n  order: 1\n  group_hessian: true", "loss.group_hessian"),
        ("loss:\n  order: 2\n  group_hessian: yes please", "loss.group_hessian"),
        ("problem:\n  d2y: H", "problem.d2y"),
    ])
    func badValues(text: String, key: String) {
        let m = errorOf(text)
        #expect(m.hasPrefix("exp.yaml") && m.contains(key), "\(m)")
    }

    func experiment(_ dir: String, _ lines: String) throws -> Experiment {
        let text = "name: d\nproblem:\n" + lines + "\ntraining:\n  epochs: 5\nmodel:\n  width: 4\n"
        try text.write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        return try Experiment.load(path: dir + "/e.yaml")
    }

    func preflightError(_ e: Experiment) -> String {
        do { _ = try Preflight(e, limit: nil) } catch { return "\(error)" }
        Issue.record("accepted: \(e.text)")
        return ""
    }

    @Test("order 2 on data without Hessians is an error naming the file and dataset; with them, the run has the Hessian terms")
    func orderTwo() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwo(20), to: dir + "/first.h5")
        try DatasetFile.write(twoByTwoWithHessians(20), to: dir + "/second.h5")
        try "x, y, E, dE/dx, dE/dy\n" .appending((0..<10).map { "\($0), 1, \($0), 1, 0\n" }.joined()).write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let missing = preflightError(try experiment(dir, "  name: dataset\n  file: first.h5\nloss:\n  order: 2"))
        #expect(missing.contains("first.h5") && missing.contains("loss.order") && missing.contains("no dataset d2Y"), "\(missing)")
        let off = preflightError(try experiment(dir, "  name: dataset\n  file: second.h5\n  d2y: \"\"\nloss:\n  order: 2"))
        #expect(off.contains("second.h5") && off.contains("problem.d2y is \"\""), "\(off)")
        let csv = preflightError(try experiment(dir, "  name: dataset\n  file: d.csv\n  input_columns: [x, y]\n  output_columns: [E]\nloss:\n  order: 2"))
        #expect(csv.contains("d.csv") && csv.contains("Hessian columns"), "\(csv)")
        for problem in ["  name: dataset\n  file: second.h5", "  name: beale\n  train_samples: 10\n  test_samples: 9"] {
            let e = try experiment(dir, problem + "\nloss:\n  order: 2")
            #expect(try Preflight(e, limit: nil).configurations[0].shape.terms == 6)
            #expect(try RunExecutor.execute(e.runs[0]).termNames == ["value", "grad_1", "grad_2", "hess_1_1", "hess_1_2", "hess_2_2"])
        }
        // A generated problem's data carry its exact Hessians with order 2 (train, validation, test).
        let generated = try RunExecutor.data(for: RunConfig(try experiment(dir, "  name: beale\n  train_samples: 5\n  test_samples: 9\nloss:\n  order: 2").runs[0]))
        let beale = try #require(ProblemCatalog.function(named: "beale"))
        #expect(generated.train.hessians! == (0..<5).flatMap { beale.hessian(at: generated.train.inputs.row($0)) })
        #expect(generated.validation!.hasHessians && generated.test.hessians!.count == generated.test.count * 4)
        #expect(try !RunExecutor.data(for: RunConfig(try experiment(dir, "  name: beale\n  train_samples: 5").runs[0])).train.hasHessians)
    }

    @Test("order 1 on data with Hessians trains as before: the same terms, the same parameters")
    func orderOneIgnoresHessians() throws {
        let dir = dataFolder()
        try DatasetFile.write(twoByTwo(20), to: dir + "/first.h5")
        try DatasetFile.write(twoByTwoWithHessians(20), to: dir + "/second.h5")
        let a = try RunExecutor.execute(try experiment(dir, "  name: dataset\n  file: first.h5").runs[0])
        let b = try RunExecutor.execute(try experiment(dir, "  name: dataset\n  file: second.h5").runs[0])
        #expect(b.termNames == ["value", "grad_1", "grad_2"] && b.parameters == a.parameters)
        // The same metrics, plus the Hessian ones (original units), against the network's Hessian.
        let (ma, mb) = (Dictionary(uniqueKeysWithValues: a.metrics.map { ($0.name, $0.value) }),
                        Dictionary(uniqueKeysWithValues: b.metrics.map { ($0.name, $0.value) }))
        let hess = ["train_hess_rmse", "train_hess_rel_l2", "validation_hess_rmse", "validation_hess_rel_l2", "test_hess_rmse", "test_hess_rel_l2"]
        #expect(Set(mb.keys) == Set(ma.keys).union(hess) && ma.allSatisfy { mb[$0.key] == $0.value || $0.value.isNaN })
        #expect(!ma.keys.contains { $0.contains("hess") })
        let data = try RunExecutor.data(for: RunConfig(try experiment(dir, "  name: dataset\n  file: second.h5").runs[0]))
        let h = b.architecture.predictHessians(parameters: b.parameters, standardization: b.standardization, inputs: data.test.inputs).hessians
        let se = zip(h, data.test.hessians!).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        #expect(abs(mb["test_hess_rmse"]! - (se / Double(h.count)).squareRoot()) <= 1e-12 * mb["test_hess_rmse"]!)
    }
}
