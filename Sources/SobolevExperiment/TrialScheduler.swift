// The search schedulers behind one interface for the sweep's coordinator: which trials to train to
// which budget next, as a pure function of the stored results (and, for ASHA, of the trials being
// trained now), and the budgets each trial is ranked at.

public enum TrialScheduler: Sendable, Equatable {
    case successiveHalving(SuccessiveHalving)
    case hyperband(Hyperband)
    case asha(ASHA)

    /// The name search.scheduler takes.
    public var name: String {
        switch self {
        case .successiveHalving: return "successive_halving"
        case .hyperband: return "hyperband"
        case .asha: return "asha"
        }
    }

    /// The rungs every scheduler draws its budgets from (eta apart, up to the full budget).
    public var ladder: SuccessiveHalving {
        switch self {
        case .successiveHalving(let h): return h
        case .hyperband(let h): return h.ladder
        case .asha(let a): return a.ladder
        }
    }

    /// The budgets trial `t` of `trials` is ranked at, lowest first (its metrics are stored in this order).
    public func budgets(ofTrial t: Int, trials: [Int]) -> [Int] {
        if case .hyperband(let h) = self { return h.budgets(ofTrial: t, trials: trials) }
        return ladder.budgets
    }

    /// `budgets(ofTrial:)` of every trial 0..<n of `trials` = 0..<n at once (one bracket split).
    public func budgetsOfTrials(_ trials: [Int]) -> [[Int]] {
        var out = Array(repeating: ladder.budgets, count: (trials.max() ?? -1) + 1)
        if case .hyperband(let h) = self {
            for (b, members) in h.brackets(trials).enumerated() { for t in members { out[t] = h.halving(bracket: b).budgets } }
        }
        return out
    }

    /// Jobs that may start now, in the order to hand them out: the current rungs' missing trials
    /// (synchronous schedulers), or ASHA's one next job. Trials in `inFlight` are left out.
    public func next(trials: [Int], results: [Int: [Int: Double]], inFlight: Set<Int>) -> [(trial: Int, budget: Int)] {
        switch self {
        case .successiveHalving(let h):
            guard let step = h.next(trials: trials, results: results) else { return [] }
            return step.trials.filter { !inFlight.contains($0) }.map { ($0, step.budget) }
        case .hyperband(let h):
            return h.next(trials: trials, results: results).filter { !inFlight.contains($0.trial) }
        case .asha(let a):
            return a.next(trials: trials, results: results, inFlight: inFlight).map { [$0] } ?? []
        }
    }

    /// No job now and none to come: nothing is being trained and nothing may start.
    public func finished(trials: [Int], results: [Int: [Int: Double]], inFlight: Set<Int>) -> Bool {
        inFlight.isEmpty && next(trials: trials, results: results, inFlight: []).isEmpty
    }

    /// Rung results of the whole search when every rung fills as planned (for progress lines).
    public func plannedResults(trials: [Int]) -> Int {
        if case .hyperband(let h) = self { return h.plannedResults(trials: trials) }
        return ladder.plannedResults(count: trials.count)
    }
}
