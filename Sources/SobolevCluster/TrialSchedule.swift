// Rank 0's view of a search scheduler's progress: the trials' metrics at each rung and which
// trials are being trained now. The results file and its parts are the only record: they are read
// once at the start (so a resumed search reads the same numbers and makes the same decisions),
// and then only the part of each trial that reports back (not every part again).
import SobolevExperiment
import SobolevStore

final class TrialSchedule {
    let scheduler: TrialScheduler
    let runs: [RunSpec]
    let trials: [Int]
    let indexOf: [String: Int]
    /// trial -> rung budget -> metric, from the stored search_metrics.
    private(set) var results: [Int: [Int: Double]] = [:]
    /// trial -> its stored metrics, one per budget it reached (`budgets(of:)` order).
    private(set) var metrics: [Int: [Double]] = [:]
    /// Trials being trained (handed out, not reported back).
    var inFlight = Set<Int>()
    var metricName = ""

    /// trial -> the budgets it is ranked at (a Hyperband trial's bracket), worked out once.
    private let trialBudgets: [[Int]]

    init(scheduler: TrialScheduler, runs: [RunSpec]) {
        self.scheduler = scheduler; self.runs = runs
        trials = Array(runs.indices)
        indexOf = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($0.element.id, $0.offset) })
        trialBudgets = scheduler.budgetsOfTrials(trials)
    }

    var ladder: [Int] { scheduler.ladder.budgets }
    func budgets(of t: Int) -> [Int] { trialBudgets[t] }

    /// Reads every trial's stored metrics (at the start of a sweep).
    func load(from store: ResultsStore) throws {
        results = [:]; metrics = [:]
        for (id, values) in try store.searchMetrics() {
            if let t = indexOf[id] { record(t, values) }
        }
    }

    /// Reads the stored metrics of trial `t`, just saved by its group.
    func reload(_ t: Int, from store: ResultsStore) throws {
        if let values = try store.searchMetrics(ofRun: runs[t].id) { record(t, values) }
    }

    private func record(_ t: Int, _ values: [Double]) {
        metrics[t] = values
        results[t] = Dictionary(uniqueKeysWithValues: zip(budgets(of: t), values).map { ($0, $1) })
    }

    /// The next job (a trial and the ladder rung to train it to), nil when there is none now.
    func next() -> (trial: Int, rung: Int)? {
        guard let job = scheduler.next(trials: trials, results: results, inFlight: inFlight).first else { return nil }
        return (job.trial, ladder.firstIndex(of: job.budget)!)
    }

    /// The metrics trial `t` has at the budgets below `rung` (its stored record continues them).
    func previous(_ t: Int, before rung: Int) -> [Double] {
        Array((metrics[t] ?? []).prefix(budgets(of: t).filter { $0 < ladder[rung] }.count))
    }

    var finished: Bool { scheduler.finished(trials: trials, results: results, inFlight: inFlight) }

    /// Rung results still to come if every rung fills as planned (ASHA may promote more: at
    /// least the trials being trained and those not started yet).
    var remainingJobs: Int {
        let planned = scheduler.plannedResults(trials: trials) - results.values.map(\.count).reduce(0, +)
        let unstarted = trials.filter { results[$0] == nil && !inFlight.contains($0) }.count
        return max(planned, inFlight.count + unstarted, 0)
    }

    /// "successive_halving on validation_value_rmse: 9 trials, rungs of 1000, 3000, 9000 epochs (eta 3)".
    var description: String {
        "\(scheduler.name) on \(metricName): \(trials.count) trials, rungs of \(ladder.map(String.init).joined(separator: ", ")) epochs (eta \(scheduler.ladder.reduction))"
    }
}
