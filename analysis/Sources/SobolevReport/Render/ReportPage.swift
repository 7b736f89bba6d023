// index.html: one self-contained page (inline SVG, CSS and script; nothing fetched).
struct ReportPage {
    var report: Report
    /// Marks a page as a sobolev report, so `sobolev report` may write over an earlier one.
    static let generatorMark = "<meta name=\"generator\" content=\"sobolev report\">"

    func html() -> String {
        let sections: [(id: String, title: String, html: String?)] = [
            ("overview", "At a glance", OverviewSection(report: report).html()),
            ("leaderboard", "Leaderboard", LeaderboardSection(report: report).html()),
            ("failed", "Failed runs", FailedRunsSection(report: report).html()),
            ("search", "Search", SearchSection(report: report).html()),
            ("comparison", "Baseline", ComparisonSection(report: report).html()),
            ("convergence", "Convergence", ConvergenceSection(report: report).html()),
            ("lambda", "λ", LambdaSection(report: report).html()),
            ("prediction", "Prediction", PredictionSection(report: report).html()),
            ("parity", "Parity", ParitySection(report: report).html()),
            ("scaling", "Throughput", ScalingSection(report: report).html()),
            ("break-even", "Break-even", BreakEvenSection(report: report).html()),
        ]
        let shown = sections.filter { $0.html != nil }
        let nav = "<nav>" + shown.map { "<a href=\"#\($0.id)\">\(HTML.escape($0.title))</a>" }.joined() + "</nav>"
        let name = HTML.escape(report.sweep.header.experimentName)
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        \(ReportPage.generatorMark)
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>sobolev report: \(name)</title>
        <style>\(PageStyle.css)</style>
        </head><body><main>
        <h1>Sweep report: \(name)</h1>
        \(nav)
        \(shown.compactMap(\.html).joined(separator: "\n"))
        </main>
        <script>\(PageStyle.script)</script>
        </body></html>

        """
    }
}
