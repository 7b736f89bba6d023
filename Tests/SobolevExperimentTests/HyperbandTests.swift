// Hyperband and ASHA against schedules computed by hand on the synthetic learning curves of the
// successive-halving tests, and Hyperband's brackets against Li et al. (2018), Table 1.
import Testing
@testable import SobolevExperiment

/// Trains `scheduler`'s jobs one at a time (one worker, results in the order asked): the jobs in
/// order, the results and the epochs (a continued trial costs its budget minus its previous one).
func simulate(_ scheduler: TrialScheduler, trials: [Int], objective: (Int, Int) -> Double,
              results start: [Int: [Int: Double]] = [:]) -> (jobs: [(trial: Int, budget: Int)], results: [Int: [Int: Double]], epochs: Int) {
    var results = start, jobs: [(trial: Int, budget: Int)] = [], epochs = 0
    while let job = scheduler.next(trials: trials, results: results, inFlight: []).first {
        let previous = results[job.trial]?.keys.max() ?? 0
        results[job.trial, default: [:]][job.budget] = objective(job.trial, job.budget)
        epochs += job.budget - previous
        jobs.append(job)
    }
    #expect(scheduler.finished(trials: trials, results: results, inFlight: []))
    return (jobs, results, epochs)
}

@Suite("Hyperband and ASHA")
struct HyperbandTests {
    @Test("Li et al. 2018, Table 1 (R = 81, eta = 3): brackets of 81, 34, 15, 8, 5 configurations and their rungs")
    func paperTable() {
        let hb = Hyperband(ladder: SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 81))
        #expect(hb.ladder.budgets == [1, 3, 9, 27, 81])
        #expect(hb.plannedSizes == [81, 34, 15, 8, 5])
        let trials = Array(0..<143)
        #expect(hb.brackets(trials).map(\.count) == [81, 34, 15, 8, 5])
        // Any objective: the rung sizes do not depend on the values.
        let run = simulate(.hyperband(hb), trials: trials) { t, b in Double((t * 7919) % 143) + 1.0 / Double(b) }
        let rungs = hb.rungs(trials: trials, results: run.results)
        #expect(rungs.map { $0.map(\.trials.count) } == [[81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]])
        #expect(rungs.map { $0.map(\.budget) } == [[1, 3, 9, 27, 81], [3, 9, 27, 81], [9, 27, 81], [27, 81], [81]])
        #expect(hb.plannedResults(trials: trials) == 121 + 49 + 21 + 10 + 5)
    }

    @Test("nine trials, eta 3, budgets 1, 3, 9: brackets of 5, 2 and 2 interleaved trials, the hand-computed schedule")
    func handComputed() {
        // Planned n_s: 9, ceil(3/2 x 3) = 5, 3 (17). Trial i goes to the bracket with the largest
        // (i + 1) n_s - 17 assigned_s: t0 b0 (9, 5, 3), t1 b1 (1, 10, 6), t2 b0 (10, -2, 9),
        // t3 b2 (2, 3, 12), t4 b0 (11, 8, -2), t5 b1 (3, 13, 1), t6 b0 (12, 1, 4), t7 b2 (4, 6, 7),
        // t8 b0 (13, 11, -7).
        // Bracket 0, t0 t2 t4 t6 t8 from budget 1: t6 0.45, t4 0.80, t8 0.90, t0 1.10, t2 2.05 -> t6;
        //   budget 3: t6 0.4167 -> t6; budget 9: t6 0.4056.
        // Bracket 1, t1 t5 from budget 3: t1 0.5333, t5 0.90 -> t1 (at least one); budget 9: t1 0.5111.
        // Bracket 2, t3 t7 at budget 9: 0.3222, 0.25.
        // Epochs: 5 x 1 + 2 + 6 (bracket 0) + 2 x 3 + 6 (bracket 1) + 2 x 9 (bracket 2) = 43 of 81.
        let hb = Hyperband(ladder: SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9))
        let trials = Array(0..<9)
        #expect(hb.brackets(trials) == [[0, 2, 4, 6, 8], [1, 5], [3, 7]])
        #expect(TrialScheduler.hyperband(hb).budgets(ofTrial: 5, trials: trials) == [3, 9])
        #expect(TrialScheduler.hyperband(hb).budgetsOfTrials(trials) == trials.map { TrialScheduler.hyperband(hb).budgets(ofTrial: $0, trials: trials) })
        let run = simulate(.hyperband(hb), trials: trials, objective: curve)
        let rungs = hb.rungs(trials: trials, results: run.results)
        #expect(rungs.map { $0.map(\.trials) } == [[[0, 2, 4, 6, 8], [6], [6]], [[1, 5], [1]], [[3, 7]]])
        #expect(run.epochs == 43)
        #expect(abs(run.results[1]![9]! - (0.50 + 0.1 / 9)) < 1e-15)
        #expect(run.results.filter { $0.value[9] != nil }.keys.sorted() == [1, 3, 6, 7])
        // The brackets run side by side: at the start every bracket's lowest rung may be trained.
        let first = TrialScheduler.hyperband(hb).next(trials: trials, results: [:], inFlight: [])
        #expect(first.map { [$0.trial, $0.budget] } == [[0, 1], [2, 1], [4, 1], [6, 1], [8, 1], [1, 3], [5, 3], [3, 9], [7, 9]])
    }

    @Test("Hyperband resumed from any prefix of the results asks for the rest and ends the same")
    func resumed() {
        let hb = TrialScheduler.hyperband(Hyperband(ladder: SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9)))
        let full = simulate(hb, trials: Array(0..<9), objective: curve)
        for cut in 0...full.jobs.count {
            var partial: [Int: [Int: Double]] = [:]
            for j in full.jobs.prefix(cut) { partial[j.trial, default: [:]][j.budget] = curve(j.trial, j.budget) }
            let rest = simulate(hb, trials: Array(0..<9), objective: curve, results: partial)
            #expect(rest.results == full.results)
            #expect(rest.jobs.count == full.jobs.count - cut)
        }
    }

    @Test("ASHA, one worker: promotes as soon as a trial is in the top 1/eta of its rung so far (hand-computed)")
    func ashaSequential() {
        // Budget 1 in trial order: t0 1.10, t1 0.60, t2 2.05 -> 3 results, top 1: t1 goes to 3 (0.5333);
        // t3 0.50 -> top 1 of 4: t3 to 3 (0.3667); t4 0.80, t5 0.90; t6 0.45 -> top 2 of 7: t6, t3:
        // t6 to 3 (0.4167) -> rung 3 has 3 results, top 1: t3 to 9 (0.3222); t7 1.05, t8 0.90;
        // top 3 of 9 at budget 1: t6, t3, t1, all gone on: the end. 21 epochs, as successive halving.
        let asha = TrialScheduler.asha(ASHA(ladder: SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9)))
        let run = simulate(asha, trials: Array(0..<9), objective: curve)
        let expected = [(0, 1), (1, 1), (2, 1), (1, 3), (3, 1), (3, 3), (4, 1), (5, 1), (6, 1), (6, 3), (3, 9), (7, 1), (8, 1)]
        #expect(run.jobs.map { [$0.trial, $0.budget] } == expected.map { [$0.0, $0.1] })
        #expect(run.epochs == 21)
    }

    @Test("ASHA: a trial in flight is not handed out twice; a finite search ends with one trial at the full budget")
    func ashaEnd() {
        let asha = ASHA(ladder: SuccessiveHalving(reduction: 3, minBudget: 1, maxBudget: 9))
        // Five trials: t1 and t3 reach budget 3 (0.5333, 0.3667); two results at 3 promote none;
        // with nothing else to do, the best at 3 (t3) continues to 9.
        let run = simulate(.asha(asha), trials: Array(0..<5), objective: curve)
        #expect(run.jobs.map { [$0.trial, $0.budget] } == [[0, 1], [1, 1], [2, 1], [1, 3], [3, 1], [3, 3], [4, 1], [3, 9]])
        var results: [Int: [Int: Double]] = [:]
        for t in 0..<3 { results[t] = [1: curve(t, 1)] }
        #expect(asha.next(trials: Array(0..<9), results: results, inFlight: [])! == (1, 3))
        #expect(asha.next(trials: Array(0..<9), results: results, inFlight: [1])! == (3, 1))
        // Waiting: every trial started, one in flight, nothing to promote.
        #expect(asha.next(trials: [0, 1], results: [0: [1: 1.0]], inFlight: [1]) == nil)
        #expect(!TrialScheduler.asha(asha).finished(trials: [0, 1], results: [0: [1: 1.0]], inFlight: [1]))
    }
}
