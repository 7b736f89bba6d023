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

    public init(completed runs: [RunRecord]) {
        let byConfiguration = Dictionary(grouping: runs.filter(\.isCompleted), by: \.configuration)
        groups = byConfiguration.keys.sorted().map { key in
            let runs = byConfiguration[key]!.sorted { ($0.seed ?? 0, $0.id) < ($1.seed ?? 0, $1.id) }
            return ConfigurationGroup(configuration: key, scheme: runs[0].scheme, runs: runs)
        }
        metrics = MetricNames.ordered(runs.filter(\.isCompleted).flatMap(\.metrics.keys))
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

    /// The metric the report sorts by first: test_grad_rmse when present.
    public var leadMetric: String? {
        metrics.contains(MetricNames.headline) ? MetricNames.headline : metrics.first
    }
}
