// A report of one results file (and optionally a baseline sweep to compare with): everything read
// and computed up front, so nothing is written unless both files were read successfully.
public struct Report: Sendable {
    public var sweep: SweepResults
    public var leaderboard: Leaderboard
    public var colours: ColourKey
    public var baseline: (sweep: SweepResults, leaderboard: Leaderboard)?
    /// The configurations the per-configuration charts draw (convergence, λ, prediction, parity),
    /// in configuration order: all of them, or the `chartLimit` best by the lead metric.
    public var charted: [ConfigurationGroup]

    /// Configurations charted by default: the ten colours of the palette. A sweep of 180
    /// configurations drew 360 parity charts and legends of 180 lines (a page 10 MB, 130,000 px tall).
    public static let defaultChartLimit = 10

    /// `chartLimit`: configurations the charts draw at most (nil: all).
    public init(sweep: SweepResults, baseline: SweepResults? = nil, chartLimit: Int? = Report.defaultChartLimit) {
        self.sweep = sweep
        leaderboard = Leaderboard(completed: sweep.runs, axes: sweep.header.gridAxes)
        charted = leaderboard.best(chartLimit ?? leaderboard.groups.count)
        // The charted configurations take the palette's first colours, the others follow.
        let chartedNames = Set(charted.map(\.configuration))
        let order = charted.map(\.configuration) + leaderboard.groups.map(\.configuration).filter { !chartedNames.contains($0) }
        colours = ColourKey(configurations: order, schemes: sweep.runs.map(\.scheme))
        self.baseline = baseline.map { ($0, Leaderboard(completed: $0.runs, axes: $0.header.gridAxes)) }
    }

    /// Reads `results` (and `baseline`) through the documented format; throws ReportError.
    public static func make(results: String, baseline: String? = nil, chartLimit: Int? = Report.defaultChartLimit) throws -> Report {
        let sweep = try ResultsReader.read(results)
        return Report(sweep: sweep, baseline: try baseline.map(ResultsReader.read), chartLimit: chartLimit)
    }

    /// What the charts leave out, for their introductions (nil when they draw every configuration).
    var chartNote: String? {
        let all = leaderboard.groups.count
        guard charted.count < all else { return nil }
        let by = leaderboard.leadMetric.map { " by mean \($0)" } ?? ""
        return "The charts draw the \(charted.count) best of \(all) configurations\(by); the leaderboard lists every one (sobolev report --charts all draws them all)."
    }

    /// The names of the report's files in its folder, in the order `files()` gives them.
    public static let fileNames = ["index.html", "summary.md", "runs.csv"]

    /// The page, the summary and the table of runs, by file name.
    public func files() -> [(name: String, contents: String)] {
        zip(Self.fileNames, [ReportPage(report: self).html(), MarkdownSummary(report: self).markdown(), RunsCSV(runs: sweep.runs).csv()]).map { ($0, $1) }
    }

    /// The files the report was read from (the results file, and the baseline's).
    var inputFiles: [String] { [sweep.header.file] + (baseline.map { [$0.sweep.header.file] } ?? []) }
}
