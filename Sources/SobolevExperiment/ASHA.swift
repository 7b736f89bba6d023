// Asynchronous successive halving (ASHA; Li et al. 2020, "A system for massively parallel
// hyperparameter tuning", Algorithm 2): a free worker never waits for a rung to fill. It takes
// the highest rung k with a trial in the top floor(n_k / eta) of the n_k results there that has not
// gone on to rung k + 1, and continues that trial; else it starts the next trial at the lowest
// rung. With a finite set of trials the search ends when neither is possible and nothing is being
// trained; if then no trial has reached the full budget, the best trial of the highest rung
// reached continues (so one always does, as in synchronous successive halving).
//
// The decisions depend on the order in which results arrive, so on timing: two runs of the same
// search (or a resumed one) may promote different trials. Use successive_halving or hyperband
// where the same decisions on 1 or 64 ranks matter.

public struct ASHA: Sendable, Equatable {
    public let ladder: SuccessiveHalving
    public init(ladder: SuccessiveHalving) { self.ladder = ladder }

    /// The next job given the results so far and the trials being trained; nil when there is none
    /// now (`finished` tells whether one may come).
    public func next(trials: [Int], results: [Int: [Int: Double]], inFlight: Set<Int>) -> (trial: Int, budget: Int)? {
        let budgets = ladder.budgets
        func free(_ t: Int, above k: Int) -> Bool { !inFlight.contains(t) && results[t]?[budgets[k + 1]] == nil }
        for k in stride(from: budgets.count - 2, through: 0, by: -1) {
            let at = trials.compactMap { t in results[t]?[budgets[k]].map { (trial: t, metric: $0) } }
            let top = at.filter { $0.metric.isFinite }.sorted { ($0.metric, $0.trial) < ($1.metric, $1.trial) }.prefix(at.count / ladder.reduction)
            if let t = top.first(where: { free($0.trial, above: k) }) { return (t.trial, budgets[k + 1]) }
        }
        if let t = trials.sorted().first(where: { !inFlight.contains($0) && results[$0] == nil }) { return (t, budgets[0]) }
        // The end of a finite search: one trial reaches the full budget.
        guard inFlight.isEmpty, !trials.contains(where: { results[$0]?[budgets.last!] != nil }) else { return nil }
        for k in stride(from: budgets.count - 2, through: 0, by: -1) {
            let best = trials.compactMap { t in results[t]?[budgets[k]].map { (trial: t, metric: $0) } }
                .filter { $0.metric.isFinite }.min { ($0.metric, $0.trial) < ($1.metric, $1.trial) }
            if let best { return (best.trial, budgets[k + 1]) }
        }
        return nil
    }
}
