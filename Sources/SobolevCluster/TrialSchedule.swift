// Rank 0's view of a search scheduler's progress: the trials' metrics at each rung, as stored
// (the results file and its parts are the only record, so a resumed search reads the same
// numbers and makes the same decisions), and which trials are being trained now.
import SobolevExperiment
import SobolevStore

final class TrialSchedule {
    let halving: SuccessiveHalving
    let runs: [RunSpec]
    let trials: [Int]
    let indexOf: [String: Int]
    /// trial -> rung budget -> metric, from the stored search_metrics.
    private(set) var results: [Int: [Int: Double]] = [:]
    /// trial -> its metrics at rungs 0...reached.
    private(set) var metrics: [Int: [Double]] = [:]
    /// Trials being trained (handed out, not reported back).
    var inFlight = Set<Int>()

    init(halving: SuccessiveHalving, runs: [RunSpec]) {
        self.halving = halving; self.runs = runs
        trials = Array(runs.indices)
        indexOf = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($0.element.id, $0.offset) })
    }

    /// Reads every trial's stored metrics.
    func refresh(from store: ResultsStore) throws {
        results = [:]; metrics = [:]
        for (id, values) in try store.searchMetrics() {
            guard let t = indexOf[id] else { continue }
            metrics[t] = values
            for (k, m) in values.prefix(halving.budgets.count).enumerated() { results[t, default: [:]][halving.budgets[k]] = m }
        }
    }

    /// The rung being filled and its trials still to hand out; nil when the search is finished.
    func next() -> (rung: Int, trials: [Int])? {
        guard let step = halving.next(trials: trials, results: results) else { return nil }
        let rung = halving.budgets.firstIndex(of: step.budget)!
        return (rung, step.trials.filter { !inFlight.contains($0) })
    }

    var finished: Bool { halving.next(trials: trials, results: results) == nil }

    /// Rung results still to come if every rung fills as planned (n, n/eta, ... trials).
    var remainingJobs: Int {
        var size = trials.count, total = 0
        for k in halving.budgets.indices {
            total += size
            if k + 1 < halving.budgets.count { size = max(size / halving.reduction, 1) }
        }
        return max(total - results.values.map(\.count).reduce(0, +), 0)
    }

    /// "successive_halving on validation_value_rmse: 9 trials, rungs of 1000, 3000, 9000 epochs (eta 3)".
    var description: String {
        "successive_halving on \(metricName): \(trials.count) trials, rungs of \(halving.budgets.map(String.init).joined(separator: ", ")) epochs (eta \(halving.reduction))"
    }
    var metricName = ""
}
