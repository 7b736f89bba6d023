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

/// A setting with one value in each sweep, not the same in both: the configurations compared by
/// label differ in it too (another problem, other data, another budget).
public struct SettingDifference: Sendable, Equatable {
    public var key: String, here: String, baseline: String

    /// How a run is executed, not what it trains (threads; the gradient mode changes only rounding).
    static let executionKeys: Set<String> = ["training.threads", "training.gradient_mode"]

    /// The experiment settings (dotted keys, outside both sweeps' grid axes) that differ.
    public static func between(_ here: SweepResults, _ baseline: SweepResults) -> [SettingDifference] {
        let axes = Set(here.header.gridAxes + baseline.header.gridAxes)
        func values(_ sweep: SweepResults, _ key: String) -> Set<String> { Set(sweep.runs.compactMap { $0.hyperparameters[key]?.display }) }
        let keys = Set(here.runs.flatMap(\.hyperparameters.keys) + baseline.runs.flatMap(\.hyperparameters.keys))
            .filter { $0.contains(".") && !axes.contains($0) && !executionKeys.contains($0) }
        return keys.sorted().compactMap { key in
            let a = values(here, key), b = values(baseline, key)
            guard a.count == 1, b.count == 1, a != b else { return nil }
            return SettingDifference(key: key, here: a.first!, baseline: b.first!)
        }
    }

    /// "problem.name sine here, multifrequency in the baseline; ..."
    public static func describe(_ differences: [SettingDifference]) -> String {
        differences.map { "\($0.key) \($0.here) here, \($0.baseline) in the baseline" }.joined(separator: "; ")
    }
}
