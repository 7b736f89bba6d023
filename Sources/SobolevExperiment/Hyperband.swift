// Hyperband (Li et al. 2018, JMLR 18, Algorithm 1): brackets of successive halving that trade
// the number of configurations against the budget each starts with, hedging against a lowest
// rung too short to rank the trials. On the ladder of rungs r_0 < ... < r_smax = R (eta apart),
// bracket s = smax...0 starts n_s = ceil((smax + 1) / (s + 1) * eta^s) configurations at budget
// r_(smax - s) and halves them up to R as successive halving does (the best floor(n / eta)
// continue). Here the configurations are the experiment's trials: they are dealt to the brackets
// in proportion to n_s, interleaved in trial order (so a grid axis is not sliced by bracket), and
// search.samples = sum of n_s gives the paper's bracket sizes exactly. The brackets
// are independent, so they run side by side; every decision depends only on the results (ties by
// trial number): deterministic given the seed, on any number of ranks, and after a resume.

public struct Hyperband: Sendable, Equatable {
    /// The rungs (budgets eta apart, up to the full budget) and eta.
    public let ladder: SuccessiveHalving
    public init(ladder: SuccessiveHalving) { self.ladder = ladder }

    public var smax: Int { ladder.budgets.count - 1 }

    /// Bracket s's planned configurations n_s, for s = smax...0 (the most aggressive first).
    public var plannedSizes: [Int] {
        let eta = ladder.reduction
        return stride(from: smax, through: 0, by: -1).map { s in
            var power = 1
            for _ in 0..<s { power *= eta }
            return (power * (smax + 1) + s) / (s + 1)   // ceil((smax + 1) eta^s / (s + 1))
        }
    }

    /// Bracket b's successive halving: the top smax + 1 - b rungs of the ladder.
    public func halving(bracket b: Int) -> SuccessiveHalving {
        SuccessiveHalving(reduction: ladder.reduction, budgets: Array(ladder.budgets.suffix(smax + 1 - b)))
    }

    /// The trials of each bracket, interleaved in proportion to n_s: trial i (in order) goes to
    /// the bracket furthest below its share, (i + 1) n_s / sum n - assigned_s, ties to the more
    /// aggressive bracket. Every bracket ends within one trial of its share (exactly n_s when the
    /// trials number sum n_s), and a grid's axes are spread over the brackets rather than sliced.
    public func brackets(_ trials: [Int]) -> [[Int]] {
        let planned = plannedSizes, total = planned.reduce(0, +)
        var out = Array(repeating: [Int](), count: planned.count)
        for (i, t) in trials.sorted().enumerated() {
            let deficits = planned.indices.map { (i + 1) * planned[$0] - out[$0].count * total }
            out[deficits.indices.max { (deficits[$0], -$0) < (deficits[$1], -$1) }!].append(t)
        }
        return out
    }

    /// Budgets trial `t` is ranked at: those of its bracket, lowest first.
    public func budgets(ofTrial t: Int, trials: [Int]) -> [Int] {
        let b = brackets(trials).firstIndex { $0.contains(t) } ?? 0
        return halving(bracket: b).budgets
    }

    /// Every bracket's rungs as far as `results` decide them.
    public func rungs(trials: [Int], results: [Int: [Int: Double]]) -> [[SuccessiveHalving.Rung]] {
        brackets(trials).enumerated().map { b, members in
            members.isEmpty ? [] : halving(bracket: b).rungs(trials: members, results: results)
        }
    }

    /// What to train next in every bracket: the missing trials of each bracket's current rung.
    public func next(trials: [Int], results: [Int: [Int: Double]]) -> [(trial: Int, budget: Int)] {
        brackets(trials).enumerated().flatMap { b, members -> [(trial: Int, budget: Int)] in
            guard !members.isEmpty, let step = halving(bracket: b).next(trials: members, results: results) else { return [] }
            return step.trials.map { ($0, step.budget) }
        }
    }

    /// Rung results of the whole search when every rung fills as planned.
    public func plannedResults(trials: [Int]) -> Int {
        brackets(trials).enumerated().reduce(0) { sum, bracket in
            sum + halving(bracket: bracket.offset).plannedResults(count: bracket.element.count)
        }
    }
}
