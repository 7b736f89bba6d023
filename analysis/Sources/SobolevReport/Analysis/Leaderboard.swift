// Completed runs grouped over seeds by their `configuration` attribute, with statistics per metric.
public struct ConfigurationGroup: Sendable {
    public var configuration: String
    public var scheme: String
    public var runs: [RunRecord]
    public var seeds: Int { runs.count }
}

public struct LeaderboardRow: Sendable {
    public var configuration: String
    public var scheme: String
    public var statistics: SeedStatistics
}

public struct Leaderboard: Sendable {
    /// Configuration groups of completed runs, in configuration order.
    public var groups: [ConfigurationGroup]
    /// Metric names in report order (MetricNames.ordered).
    public var metrics: [String]

    /// `axes` (the file's grid_axes) order the configurations by their values, numbers as numbers:
    /// width 8 before width 16, as in the experiment file.
    public init(completed runs: [RunRecord], axes: [String] = []) {
        let byConfiguration = Dictionary(grouping: runs.filter(\.isCompleted), by: \.configuration)
        groups = byConfiguration.keys.map { key in
            let runs = byConfiguration[key]!.sorted { ($0.seed ?? 0, $0.id) < ($1.seed ?? 0, $1.id) }
            return ConfigurationGroup(configuration: key, scheme: runs[0].scheme, runs: runs)
        }.sorted { a, b in Leaderboard.precedes(a.runs[0], b.runs[0], axes: axes) }
        metrics = MetricNames.ordered(runs.filter(\.isCompleted).flatMap(\.metrics.keys))
    }

    /// Axis by axis: numbers by value, other values by text; ties by the configuration's name.
    static func precedes(_ a: RunRecord, _ b: RunRecord, axes: [String]) -> Bool {
        for axis in axes {
            guard let x = a.hyperparameters[axis], let y = b.hyperparameters[axis], x != y else { continue }
            if let p = x.number, let q = y.number { return p < q }
            return x.display < y.display
        }
        return a.configuration < b.configuration
    }

    /// What an empty board of `metric` means: every completed run's value is NaN or infinite.
    public static func emptyNote(_ metric: String) -> String {
        "No completed run has a finite \(metric)" + (metric.contains("r2") ? " (R² is undefined when the test outputs are constant)." : " (NaN or infinite in every run).")
    }

    /// One row per configuration that has the metric, best mean first.
    public func rows(for metric: String) -> [LeaderboardRow] {
        let higher = MetricNames.higherIsBetter(metric)
        let rows = groups.compactMap { g -> LeaderboardRow? in
            guard let s = SeedStatistics(g.runs.compactMap { $0.metrics[metric] }, higherIsBetter: higher) else { return nil }
            return LeaderboardRow(configuration: g.configuration, scheme: g.scheme, statistics: s)
        }
        return rows.sorted { higher ? $0.statistics.mean > $1.statistics.mean : $0.statistics.mean < $1.statistics.mean }
    }

    /// The `count` best configurations by mean lead metric (those without it last), in
    /// configuration order; every group when there are no more than `count`.
    public func best(_ count: Int) -> [ConfigurationGroup] {
        guard groups.count > count else { return groups }
        var ranked = leadMetric.map { rows(for: $0).map(\.configuration) } ?? []
        let rankedNames = Set(ranked)
        ranked += groups.map(\.configuration).filter { !rankedNames.contains($0) }
        let chosen = Set(ranked.prefix(count))
        return groups.filter { chosen.contains($0.configuration) }
    }

    /// The metric the report sorts by first: test_grad_rmse when present.
    public var leadMetric: String? {
        metrics.contains(MetricNames.headline) ? MetricNames.headline : metrics.first
    }
}
