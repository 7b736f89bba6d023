// Training throughput by MPI ranks and the parallel efficiency it implies:
//     E(p) = (S(p) / S(p0)) / (p / p0)
// with S the median samples/s over a configuration's runs at p ranks and p0 its smallest rank count;
// and the share of training spent in the group's all-reduces (allreduce_time / train_time), which
// tells communication from the rest of what E(p) loses.
public struct ScalingPoint: Equatable, Sendable {
    public var ranks: Int
    public var samplesPerSecond: Double
    public var efficiency: Double
    /// Median over the runs that record it; nil when none does (files before allreduce_time).
    public var allReduceShare: Double? = nil
}

public struct ScalingCurve: Sendable {
    public var configuration: String
    public var points: [ScalingPoint]
}

public struct Scaling: Sendable {
    /// Distinct rank counts of completed runs, ascending.
    public var rankCounts: [Int]
    /// Per configuration (leaderboard order): its points by ranks.
    public var curves: [ScalingCurve]
    /// All completed runs' samples/s (for the one-line summary when there is nothing to scale).
    public var throughputs: [Double]

    public init(_ board: Leaderboard) {
        var ranks = Set<Int>()
        var curves: [ScalingCurve] = []
        var all: [Double] = []
        for g in board.groups {
            var byRanks: [Int: [Double]] = [:], shares: [Int: [Double]] = [:]
            for r in g.runs {
                guard let p = r.ranks, let s = r.samplesPerSecond, s.isFinite, s > 0 else { continue }
                byRanks[p, default: []].append(s); ranks.insert(p); all.append(s)
                if let a = r.allReduceTime, let t = r.trainTime, a.isFinite, t > 0 { shares[p, default: []].append(a / t) }
            }
            guard let p0 = byRanks.keys.min() else { continue }
            let s0 = Quantile.of(byRanks[p0]!, 0.5)
            let points = byRanks.keys.sorted().map { p -> ScalingPoint in
                let s = Quantile.of(byRanks[p]!, 0.5)
                return ScalingPoint(ranks: p, samplesPerSecond: s, efficiency: (s / s0) / (Double(p) / Double(p0)),
                                    allReduceShare: shares[p].map { Quantile.of($0, 0.5) })
            }
            curves.append(ScalingCurve(configuration: g.configuration, points: points))
        }
        rankCounts = ranks.sorted()
        self.curves = curves
        throughputs = all
    }

    /// Scaling charts make sense only with at least two rank counts.
    public var hasScaling: Bool { rankCounts.count > 1 }
}
