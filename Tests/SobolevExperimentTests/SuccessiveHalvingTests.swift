// Synchronous successive halving against a schedule computed by hand on a synthetic objective.
import Testing
@testable import SobolevExperiment

/// Learning curves metric = a + b / budget: trials that start badly may end well, so the ranking
/// changes with the budget.
let curves: [(a: Double, b: Double)] = [
    (0.10, 1.0), (0.50, 0.1), (0.05, 2.0), (0.30, 0.2), (0.20, 0.6),
    (0.90, 0.0), (0.40, 0.05), (0.15, 0.9), (0.60, 0.3),
]
func curve(_ trial: Int, _ budget: Int) -> Double { curves[trial].a + curves[trial].b / Double(budget) }

@Suite("Successive halving")
struct SuccessiveHalvingTests {
    @Test("rung budgets: floor(max / eta^(s-k)), the top one the full budget, the lowest at least min")
    func budgets() {
        #expect(SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9).budgets == [1, 3, 9])
        #expect(SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 100).budgets == [1, 3, 11, 33, 100])
        #expect(SuccessiveHalving(reduction: 2, minBudget: 5, maxBudget: 40).budgets == [5, 10, 20, 40])
        #expect(SuccessiveHalving(reduction: 3, minBudget: 10, maxBudget: 29).budgets == [29])
        #expect(SuccessiveHalving(reduction: 3, minBudget: 10, maxBudget: 30).budgets == [10, 30])
    }

    @Test("nine trials, eta 3, budgets 1, 3, 9: the hand-computed schedule")
    func handComputed() {
        // Budget 1: t6 0.45, t3 0.50, t1 0.60, t4 0.80, t5 0.90, t8 0.90, t7 1.05, t0 1.10, t2 2.05
        //   -> the best 9/3 = 3: t1, t3, t6.
        // Budget 3: t3 0.3667, t6 0.4167, t1 0.5333 -> the best 1: t3.
        // Budget 9: t3 0.3222. Epochs: 9 x 1 + 3 x (3 - 1) + 1 x (9 - 3) = 21 of 9 x 9 = 81.
        let sh = SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9)
        let (rungs, epochs) = sh.run(trials: Array(0..<9), objective: curve)
        #expect(rungs.map(\.budget) == [1, 3, 9])
        #expect(rungs.map(\.trials) == [Array(0..<9), [1, 3, 6], [3]])
        #expect(rungs.map(\.promoted) == [[1, 3, 6], [3], nil])
        #expect(abs(rungs[2].results[3]! - (0.30 + 0.2 / 9)) < 1e-15)
        #expect(epochs == 21)
        // The order in which trials are listed (or results arrive) changes nothing.
        #expect(sh.run(trials: Array((0..<9).reversed()), objective: curve).rungs == rungs)
    }

    @Test("promotion: ties by trial number, independent of the results' order; non-finite results never continue")
    func promotion() {
        let sh = SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9)
        let results: [(trial: Int, metric: Double)] = [(0, 1.0), (1, 0.5), (2, 0.7), (3, .nan), (4, 0.5), (5, 2.0)]
        #expect(sh.promoted(results) == [1, 4])
        #expect(sh.promoted(results.reversed()) == [1, 4])
        #expect(sh.promoted([(7, .infinity), (8, .nan)]) == [])
        #expect(sh.promoted([(7, 3.0), (8, .nan)]) == [7])   // at least one
    }

    @Test("resumed from any subset of the stored results, the schedule asks for the missing trials and ends the same")
    func resume() {
        let sh = SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9)
        let trials = Array(0..<9)
        #expect(sh.next(trials: trials, results: [:])! == (1, trials))
        // Stopped after budget 1 of some trials and budget 3 of one promoted trial.
        var stored: [Int: [Int: Double]] = [:]
        for t in [0, 2, 5, 6, 8] { stored[t] = [1: curve(t, 1)] }
        #expect(sh.next(trials: trials, results: stored)! == (1, [1, 3, 4, 7]))
        for t in [1, 3, 4, 7] { stored[t] = [1: curve(t, 1)] }
        stored[6]![3] = curve(6, 3)
        #expect(sh.next(trials: trials, results: stored)! == (3, [1, 3]))
        for t in [1, 3] { stored[t]![3] = curve(t, 3) }
        #expect(sh.next(trials: trials, results: stored)! == (9, [3]))
        stored[3]![9] = curve(3, 9)
        #expect(sh.next(trials: trials, results: stored) == nil)
        #expect(sh.rungs(trials: trials, results: stored) == sh.run(trials: trials, objective: curve).rungs)
    }

    @Test("81 trials, eta 3, budgets 1 to 27: rungs of 81, 27, 9, 3 trials, 243 of 2187 epochs")
    func sizes() {
        let sh = SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 27)
        // metric = trial number / budget: the ranking never changes, trial 0 is best at every budget.
        let (rungs, epochs) = sh.run(trials: Array(0..<81)) { t, b in Double(t + 1) / Double(b) }
        #expect(rungs.map(\.trials.count) == [81, 27, 9, 3])
        #expect(rungs.last!.trials == [0, 1, 2])
        // 81 x 1 + 27 x 2 + 9 x 6 + 3 x 18 = 243 epochs of 81 x 27 = 2187.
        #expect(epochs == 243)
    }
}
