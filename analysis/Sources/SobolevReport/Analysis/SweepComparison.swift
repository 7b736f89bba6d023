// Two sweeps side by side: for every configuration in both, the mean of each metric over seeds in
// the baseline and in this sweep, and their ratio (this / baseline; below 1 is better for errors).
public struct ComparisonRow: Sendable {
    public var configuration: String
    public var metric: String
    public var baselineMean: Double
    public var mean: Double
    public var ratio: Double? { baselineMean != 0 ? mean / baselineMean : nil }
    public var difference: Double { mean - baselineMean }
}

public struct SweepComparison: Sendable {
    public var baselineFile: String
    public var rows: [ComparisonRow]
    /// Configurations found in only one of the two files.
    public var onlyHere: [String]
    public var onlyInBaseline: [String]

    public init(_ board: Leaderboard, baseline: Leaderboard, baselineFile: String, metrics: [String]) {
        self.baselineFile = baselineFile
        let here = Set(board.groups.map(\.configuration)), there = Set(baseline.groups.map(\.configuration))
        onlyHere = here.subtracting(there).sorted()
        onlyInBaseline = there.subtracting(here).sorted()
        var rows: [ComparisonRow] = []
        for g in board.groups where there.contains(g.configuration) {
            let b = baseline.groups.first { $0.configuration == g.configuration }!
            for metric in metrics {
                guard let m = SeedStatistics(g.runs.compactMap { $0.metrics[metric] }),
                      let bm = SeedStatistics(b.runs.compactMap { $0.metrics[metric] }) else { continue }
                rows.append(ComparisonRow(configuration: g.configuration, metric: metric, baselineMean: bm.mean, mean: m.mean))
            }
        }
        self.rows = rows
    }
}
