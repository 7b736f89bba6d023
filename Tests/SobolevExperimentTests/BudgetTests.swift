// Training to a budget and continuing: what successive halving needs of a run. A run stopped at
// a budget and continued from its state ends with the same bits as one trained straight through.
import Testing
import SobolevCore
@testable import SobolevExperiment

/// 30 samples in batches of 7 (5 steps an epoch, the last of 2), shuffled every epoch, a stateful
/// random scheme and early stopping's best-parameter tracking: every kind of state a run carries.
let budgetExperiment = """
problem:
  name: sine
  train_samples: 30
  validation_samples: 10
  test_samples: 50
model:
  depth: 2
  width: 8
training:
  epochs: 40
  batch_size: 7
  learning_rate: 0.01
  log_every: 3
  patience: 100000
loss:
  scheme: relobralo
"""

@Suite("Training to a budget")
struct BudgetTests {
    @Test("stopped at 10 and 25 epochs and continued, a run ends with the same parameters and history as straight through")
    func continuation() throws {
        let spec = try parse(budgetExperiment).runs[0]
        let straight = try RunExecutor.execute(spec)
        #expect(straight.status == .completed && straight.steps == 200 && straight.continuation == nil)

        let first = try RunExecutor.execute(spec, budget: 10)
        #expect(first.status == .stopped && first.stopReason == "search")
        #expect(first.steps == 50 && first.continuation?.step == 50)
        #expect(first.metrics.contains { $0.name == "validation_value_rmse" && $0.value.isFinite })
        #expect(first.history.steps.last! <= 49)

        let second = try RunExecutor.execute(spec, resume: first.continuation, budget: 25)
        #expect(second.status == .stopped && second.steps == 125 && second.continuation?.step == 125)
        let last = try RunExecutor.execute(spec, resume: second.continuation)
        #expect(last.status == .completed && last.stopReason == "completed")
        #expect(last.parameters == straight.parameters)
        #expect(last.history == straight.history)
        #expect(last.steps == straight.steps && last.bestStep == straight.bestStep)
        #expect(last.metrics.map(\.value) == straight.metrics.map(\.value))
    }

    @Test("keep_best: a rung measures the best parameters so far, and continuing gives the straight run's bits")
    func keepBestContinuation() throws {
        let spec = try parse(budgetExperiment.replacingOccurrences(of: "patience: 100000", with: "keep_best: true")).runs[0]
        #expect(spec.values["training.patience"] == .int(0))
        let straight = try RunExecutor.execute(spec)
        #expect(straight.status == .completed && straight.steps == 200)
        let first = try RunExecutor.execute(spec, budget: 10)
        let state = try #require(first.continuation)
        #expect(first.status == .stopped && first.steps == 50)
        #expect(first.parameters == state.bestParameters && first.bestStep == state.bestStep && first.bestStep <= 48)
        let last = try RunExecutor.execute(spec, resume: state)
        #expect(last.parameters == straight.parameters && last.bestStep == straight.bestStep)
        #expect(last.history == straight.history)
        #expect(last.metrics.map(\.value) == straight.metrics.map(\.value))
    }

    @Test("a budget of the full run or more trains it to the end")
    func fullBudget() throws {
        let spec = try parse(budgetExperiment).runs[0]
        for budget in [40, 100] {
            let r = try RunExecutor.execute(spec, budget: budget)
            #expect(r.status == .completed && r.steps == 200 && r.continuation == nil)
        }
    }
}
