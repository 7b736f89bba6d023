// A report of one results file (and optionally a baseline sweep to compare with): everything read
// and computed up front, so nothing is written unless both files were read successfully.
public struct Report: Sendable {
    public var sweep: SweepResults
    public var leaderboard: Leaderboard
    public var colours: ColourKey
    public var baseline: (sweep: SweepResults, leaderboard: Leaderboard)?

    public init(sweep: SweepResults, baseline: SweepResults? = nil) {
        self.sweep = sweep
        leaderboard = Leaderboard(completed: sweep.runs, axes: sweep.header.gridAxes)
        colours = ColourKey(configurations: leaderboard.groups.map(\.configuration), schemes: sweep.runs.map(\.scheme))
        self.baseline = baseline.map { ($0, Leaderboard(completed: $0.runs, axes: $0.header.gridAxes)) }
    }

    /// Reads `results` (and `baseline`) through the documented format; throws ReportError.
    public static func make(results: String, baseline: String? = nil) throws -> Report {
        let sweep = try ResultsReader.read(results)
        return Report(sweep: sweep, baseline: try baseline.map(ResultsReader.read))
    }

    /// The page, the summary and the table of runs, by file name.
    public func files() -> [(name: String, contents: String)] {
        [("index.html", ReportPage(report: self).html()), ("summary.md", MarkdownSummary(report: self).markdown()),
         ("runs.csv", RunsCSV(runs: sweep.runs).csv())]
    }
}
