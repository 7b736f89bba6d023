// Synchronous successive halving (Jamieson & Talwalkar 2016; the rung budgets of Li et al. 2018,
// "Hyperband"): every trial trains to the lowest budget, the best 1/eta of them continue to the
// next budget, and so on up to the full budget. Pure and deterministic: the decisions depend only
// on the results (ties by trial order), never on which rank finished first, so 1 or 64 ranks and a
// resumed search make the same promotions.
//
// The sweep's coordinator (SobolevCluster, TrialSchedule) feeds it the stored rung results and
// hands out what `next` asks for; each promoted trial continues from its checkpoint.

/// The schedule's constants and its decisions.
public struct SuccessiveHalving: Sendable, Equatable {
    /// eta: the share 1/eta of a rung is promoted, and budgets grow by eta per rung.
    public let reduction: Int
    /// Budgets of the rungs in epochs, lowest first; the last is the full budget.
    public let budgets: [Int]

    /// Rungs k = 0..s with budget floor(max / eta^(s-k)), s the largest k with min * eta^k <= max:
    /// the top rung is the full budget and the lowest is at least `minBudget`.
    public init(reduction: Int = 3, minBudget: Int, maxBudget: Int) {
        precondition(reduction >= 2 && minBudget >= 1 && minBudget <= maxBudget, "successive halving needs eta >= 2 and 1 <= min <= max")
        var s = 0, scaled = minBudget
        while scaled <= maxBudget / reduction { scaled *= reduction; s += 1 }
        var budgets: [Int] = []
        for k in 0...s {
            var b = maxBudget
            for _ in 0..<(s - k) { b /= reduction }
            budgets.append(b)
        }
        self.reduction = reduction
        self.budgets = budgets
    }

    /// A schedule on given rungs (a Hyperband bracket: the top rungs of the ladder).
    public init(reduction: Int, budgets: [Int]) {
        precondition(reduction >= 2 && !budgets.isEmpty, "successive halving needs eta >= 2 and a rung")
        self.reduction = reduction
        self.budgets = budgets
    }

    /// Rung results of `count` trials when every rung fills as planned (for progress lines).
    public func plannedResults(count: Int) -> Int {
        var size = count, total = 0
        for _ in budgets where size > 0 { total += size; size = max(size / reduction, 1) }
        return total
    }

    /// The trials that continue from a rung: the best floor(n / eta) (at least one) of its n
    /// results, lowest metric first, ties by trial number; a result that is not finite (a failed
    /// or diverged trial) never continues. Independent of the order of `results`.
    public func promoted(_ results: [(trial: Int, metric: Double)]) -> [Int] {
        let keep = max(results.count / reduction, 1)
        return results.filter { $0.metric.isFinite }
            .sorted { ($0.metric, $0.trial) < ($1.metric, $1.trial) }
            .prefix(keep).map(\.trial)
    }

    /// One rung of a schedule: its budget, its trials (in trial order), their results so far and,
    /// once every trial has one, the trials it promotes (none from the top rung).
    public struct Rung: Sendable, Equatable {
        public var budget: Int
        public var trials: [Int]
        public var results: [Int: Double]
        public var promoted: [Int]?
    }

    /// The schedule as far as `results` (trial -> budget -> metric) decide it: the rungs whose
    /// trials are known, the last of them possibly incomplete. A resumed search passes the
    /// results stored before the stop and gets the same rungs.
    public func rungs(trials: [Int], results: [Int: [Int: Double]]) -> [Rung] {
        var out: [Rung] = []
        var members = trials.sorted()
        for (k, budget) in budgets.enumerated() {
            let known = members.compactMap { t in results[t]?[budget].map { (t, $0) } }
            var rung = Rung(budget: budget, trials: members, results: Dictionary(uniqueKeysWithValues: known), promoted: nil)
            let complete = known.count == members.count
            if complete && k + 1 < budgets.count {
                rung.promoted = promoted(known.map { (trial: $0.0, metric: $0.1) }).sorted()
            }
            out.append(rung)
            guard complete, let next = rung.promoted, !next.isEmpty else { break }
            members = next
        }
        return out
    }

    /// What to train next: the trials of the current rung without a result, and the budget to
    /// train them to (from their checkpoint at the previous rung's budget); nil when finished.
    public func next(trials: [Int], results: [Int: [Int: Double]]) -> (budget: Int, trials: [Int])? {
        guard let last = rungs(trials: trials, results: results).last else { return nil }
        let missing = last.trials.filter { last.results[$0] == nil }
        return missing.isEmpty ? nil : (last.budget, missing)
    }

    /// Runs the whole schedule with `objective(trial, budget)` standing in for training: the rungs
    /// and the epochs trained, each promoted trial continuing from its previous budget (so a trial
    /// that reaches rung k costs budgets[k] epochs in all).
    public func run(trials: [Int], objective: (Int, Int) -> Double) -> (rungs: [Rung], epochs: Int) {
        var results: [Int: [Int: Double]] = [:]
        var epochs = 0
        while let step = next(trials: trials, results: results) {
            let previous = budgets.last { $0 < step.budget } ?? 0
            for t in step.trials {
                results[t, default: [:]][step.budget] = objective(t, step.budget)
                epochs += step.budget - previous
            }
        }
        return (rungs(trials: trials, results: results), epochs)
    }
}
