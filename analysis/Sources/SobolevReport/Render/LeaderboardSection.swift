// One leaderboard per metric: completed runs grouped over seeds by configuration, best mean first.
// test_grad_rmse leads; test metrics are open, validation and train metrics folded away.
struct LeaderboardSection {
    var report: Report

    func html() -> String {
        let board = report.leaderboard
        guard !board.groups.isEmpty else {
            return HTML.section("leaderboard", "Leaderboard", HTML.paragraph("No completed runs yet: nothing to rank."))
        }
        let intro = "<p>Statistics over seeds of each configuration (completed runs only): mean, sample standard deviation, median, and the best seed's value (lowest error; highest R²). Click a column header to sort.</p>"
        let test = board.metrics.filter { $0.hasPrefix("test_") }
        let others = board.metrics.filter { !$0.hasPrefix("test_") }
        var body = intro + boards(test.isEmpty ? others : test)
        if !test.isEmpty && !others.isEmpty {
            body += "<details><summary>Validation and training metrics (\(others.count))</summary>" + boards(others) + "</details>"
        }
        return HTML.section("leaderboard", "Leaderboard", body)
    }

    /// Tables side by side as the window allows.
    func boards(_ metrics: [String]) -> String {
        "<div class=\"boards\">" + metrics.map { "<div>" + table($0) + "</div>" }.joined() + "</div>"
    }

    func table(_ metric: String) -> String {
        let higher = MetricNames.higherIsBetter(metric)
        let rows = report.leaderboard.rows(for: metric).map { r -> [TableCell] in
            let s = r.statistics
            return [.raw(HTML.swatch(report.colours.configuration(r.configuration)) + HTML.escape(r.configuration)),
                    .raw(HTML.swatch(report.colours.scheme(r.scheme)) + HTML.escape(r.scheme)),
                    .number(Double(s.count), String(s.count)), .number(s.mean), .number(s.std), .number(s.median), .number(s.best)]
        }
        let note = higher ? " (higher is better)" : " (lower is better)"
        let heading = "<h3 id=\"metric-\(HTML.escape(metric))\"><code>\(HTML.escape(metric))</code><span class=\"note\">\(note)</span></h3>"
        if rows.isEmpty { return heading + HTML.paragraph(Leaderboard.emptyNote(metric)) }
        return heading
            + HTMLTable(headers: ["configuration", "scheme", "seeds", "mean", "std", "median", "best"], rows: rows,
                        sortedBy: 3, sortedAscending: !higher).html()
            + bestRun(metric)
    }

    /// The best single run of the metric and the commands that use it.
    func bestRun(_ metric: String) -> String {
        guard let best = BestRunCommands(metric: metric, runs: report.sweep.runs, file: report.sweep.header.file) else { return "" }
        return "<p class=\"best-run\">Best run: <code>\(HTML.escape(best.run.id))</code> (\(HTML.escape(best.run.label)), "
            + "\(HTML.escape(metric)) = \(NumberFormat.short(best.value)))</p>"
            + "<pre class=\"commands\">" + best.commands.map(HTML.escape).joined(separator: "\n") + "</pre>"
    }
}
