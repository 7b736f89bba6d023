// A search scheduler's trials as stored: every trial's metric at each budget it reached, the best
// result over the epochs spent, and the epochs saved against training every trial to the full
// budget. Compute is counted in epochs: a promoted trial continues from its checkpoint, so a trial
// that reached budget b cost b epochs in all, whichever rungs it passed.
public struct SearchProgress: Sendable {
    public struct Trial: Sendable {
        public var id: String
        public var label: String
        /// Reached the full budget (status completed), as opposed to stopped by the search or failed.
        public var reachedFull: Bool
        public var results: SearchResults
        /// Epochs this trial cost: the last budget it reached.
        public var epochs: Int { results.budgets.last ?? 0 }
    }
    /// One rung result in the order a synchronous scheduler produces them (by budget, then trial):
    /// the epochs spent up to it and the best metric found so far.
    public struct Step: Sendable {
        public var epochs: Int
        public var best: Double
        public var bestTrial: String
    }

    public var trials: [Trial]
    /// The budgets that occur, lowest first; the last is the full budget.
    public var budgets: [Int]
    public var fullBudget: Int { budgets.last ?? 0 }
    /// Epochs the search trained, and what every trial to the full budget would have cost.
    public var epochsSpent: Int { trials.map(\.epochs).reduce(0, +) }
    public var epochsOfFullRuns: Int { trials.count * fullBudget }
    /// Share of the full runs' epochs the search did not train (0...1).
    public var saved: Double { epochsOfFullRuns == 0 ? 0 : 1 - Double(epochsSpent) / Double(epochsOfFullRuns) }
    public var steps: [Step]

    /// nil when no run of the sweep carries search results (a sweep without a search scheduler).
    public init?(_ sweep: SweepResults) {
        trials = sweep.runs.compactMap { r in
            r.search.map { Trial(id: r.id, label: r.label, reachedFull: r.isCompleted, results: $0) }
        }
        guard !trials.isEmpty else { return nil }
        budgets = Array(Set(trials.flatMap(\.results.budgets))).sorted()
        var events: [(budget: Int, trial: Int, rung: Int)] = []
        for (t, trial) in trials.enumerated() {
            for k in trial.results.budgets.indices { events.append((trial.results.budgets[k], t, k)) }
        }
        events.sort { ($0.budget, $0.trial) < ($1.budget, $1.trial) }
        var spent = 0, best = Double.infinity, bestTrial = ""
        steps = []
        for e in events {
            let r = trials[e.trial].results
            spent += r.budgets[e.rung] - (e.rung > 0 ? r.budgets[e.rung - 1] : 0)
            if r.metrics[e.rung] < best { best = r.metrics[e.rung]; bestTrial = trials[e.trial].label }
            steps.append(Step(epochs: spent, best: best, bestTrial: bestTrial))
        }
    }

    /// Trials with a result at `budget`, and the best of them.
    public func rung(_ budget: Int) -> (count: Int, best: Trial?, metric: Double) {
        let at = trials.compactMap { t in t.results.budgets.firstIndex(of: budget).map { (t, t.results.metrics[$0]) } }
            .filter { $0.1.isFinite }
        let best = at.min { ($0.1, $0.0.id) < ($1.1, $1.0.id) }
        return (trials.filter { $0.results.budgets.contains(budget) }.count, best?.0, best?.1 ?? .nan)
    }
}
