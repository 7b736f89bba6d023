// A search scheduler's trials as stored: every trial's metric at each budget it reached, the best
// result over the epochs spent, and the epochs saved against training every trial to the full
// budget. Compute is counted in epochs: a promoted trial continues from its checkpoint, so a trial
// that reached budget b cost b epochs in all, whichever rungs it passed; a failed one, the epochs
// up to its failure.
public struct SearchProgress: Sendable {
    public struct Trial: Sendable {
        public var id: String
        public var label: String
        /// Reached the full budget (status completed), as opposed to stopped by the search or failed.
        public var reachedFull: Bool
        /// Stopped by the search below the full budget (status stopped).
        public var stopped: Bool
        public var results: SearchResults
        /// Epochs this trial cost: the last budget it reached, or fewer when it failed on the way.
        public var epochs: Int
    }
    /// One rung result in the order a synchronous scheduler produces them (by budget, then trial):
    /// the epochs spent up to it and the best metric found so far.
    public struct Step: Sendable {
        public var epochs: Int
        public var best: Double
        public var bestTrial: String
    }

    public var trials: [Trial]
    /// The budgets that occur, lowest first.
    public var budgets: [Int]
    /// The full budget: the runs' training.epochs, which every trial would have trained without the
    /// search (the highest budget reached when the file lacks it). An unfinished search may not
    /// have reached it yet, so the highest rung is not taken for it.
    public var fullBudget: Int
    /// Epochs the search trained, and what every trial to the full budget would have cost.
    public var epochsSpent: Int { trials.map(\.epochs).reduce(0, +) }
    public var epochsOfFullRuns: Int { trials.count * fullBudget }
    /// Share of the full runs' epochs the search did not train (0...1).
    public var saved: Double { epochsOfFullRuns == 0 ? 0 : 1 - Double(epochsSpent) / Double(epochsOfFullRuns) }
    public var steps: [Step]
    /// Trials the search stopped below the full budget (they include any promoted trial of an
    /// unfinished search still waiting for its next rung: the file stores both the same way).
    public var stoppedCount: Int { trials.filter(\.stopped).count }
    /// The search is known to be unfinished: a bracket (the trials that started at one budget) has
    /// its highest rung below the full budget with a finite result there. A finished search never
    /// leaves one: successive halving promotes the best finite result of every full rung, Hyperband
    /// does so in each bracket, and ASHA continues the best of the highest rung when nothing else is
    /// left. False does not prove the search finished (a rung may still lack results).
    public var isUnfinished: Bool {
        Dictionary(grouping: trials) { $0.results.budgets.first ?? 0 }.values.contains { bracket in
            let top = bracket.compactMap(\.results.budgets.last).max() ?? 0
            return top < fullBudget && bracket.contains { t in t.results.budgets.last == top && t.results.metrics.last?.isFinite == true }
        }
    }

    /// nil when no run of the sweep carries search results (a sweep without a search scheduler).
    public init?(_ sweep: SweepResults) {
        trials = sweep.runs.compactMap { r in
            r.search.map { Trial(id: r.id, label: r.label, reachedFull: r.isCompleted, stopped: r.isStoppedBySearch,
                                 results: $0, epochs: Self.epochsTrained(r, reached: $0.budgets.last ?? 0)) }
        }
        guard !trials.isEmpty else { return nil }
        budgets = Array(Set(trials.flatMap(\.results.budgets))).sorted()
        let stated = sweep.runs.filter { $0.search != nil }.compactMap { $0.hyperparameters["training.epochs"]?.number }
        fullBudget = stated.max().map { Int($0) } ?? budgets.last ?? 0
        steps = Self.incumbent(trials)
    }

    /// Epochs a trial trained: a failed one stopped inside its last rung, at `steps` (full batch:
    /// one step is one epoch) or else in the epoch after its last logged one; the others trained
    /// their last budget.
    static func epochsTrained(_ r: RunRecord, reached budget: Int) -> Int {
        guard !r.isCompleted && !r.isStoppedBySearch else { return budget }
        let fullBatch = r.hyperparameters["training.batch_size"] == .text("full")
        let trained = fullBatch ? r.steps : r.history?.epochs?.last.map { Int($0) + 1 }
        return min(budget, trained ?? budget)
    }

    /// The best result after each rung result, in a synchronous search's order (by budget, then
    /// trial), with the epochs spent up to it.
    static func incumbent(_ trials: [Trial]) -> [Step] {
        var events: [(budget: Int, trial: Int, rung: Int)] = []
        for (t, trial) in trials.enumerated() {
            for k in trial.results.budgets.indices { events.append((trial.results.budgets[k], t, k)) }
        }
        events.sort { ($0.budget, $0.trial) < ($1.budget, $1.trial) }
        var spent = 0, best = Double.infinity, bestTrial = ""
        var steps: [Step] = []
        for e in events {
            let trial = trials[e.trial], r = trial.results
            let end = e.rung == r.budgets.count - 1 ? trial.epochs : r.budgets[e.rung]
            spent += max(0, end - (e.rung > 0 ? r.budgets[e.rung - 1] : 0))
            if r.metrics[e.rung] < best { best = r.metrics[e.rung]; bestTrial = trial.label }
            steps.append(Step(epochs: spent, best: best, bestTrial: bestTrial))
        }
        return steps
    }

    /// Trials ranked at `budget` (a finite result there), those that failed there, and the best.
    public func rung(_ budget: Int) -> (count: Int, failed: Int, best: Trial?, metric: Double) {
        let at = trials.compactMap { t in t.results.budgets.firstIndex(of: budget).map { (t, t.results.metrics[$0]) } }
        let ranked = at.filter { $0.1.isFinite }
        let best = ranked.min { ($0.1, $0.0.id) < ($1.1, $1.0.id) }
        return (ranked.count, at.count - ranked.count, best?.0, best?.1 ?? .nan)
    }
}
