// With --baseline: each configuration found in both sweeps, its test metric means side by side and
// their ratio (this sweep / baseline; below 1 means lower here).
struct ComparisonSection {
    var report: Report

    func html() -> String? {
        guard let (baseline, board) = report.baseline else { return nil }
        let metrics = report.leaderboard.metrics.filter { $0.hasPrefix("test_") }
        let c = SweepComparison(report.leaderboard, baseline: board, baselineFile: baseline.header.file,
                                metrics: metrics.isEmpty ? report.leaderboard.metrics : metrics)
        var body = "<p>Baseline: <code>\(HTML.escape(c.baselineFile))</code> (\(HTML.escape(baseline.header.experimentName))). Means over seeds of completed runs; ratio = this sweep / baseline. For errors a ratio below 1 is an improvement; for R² above 1.</p>"
        let differences = SettingDifference.between(report.sweep, baseline)
        if !differences.isEmpty {
            body += HTML.paragraph("The two experiments differ beyond their grids, so each row compares these settings too: " + SettingDifference.describe(differences) + ".")
        }
        if c.rows.isEmpty {
            body += HTML.paragraph("No configuration is in both sweeps, so there is nothing to compare.")
        } else {
            let rows = c.rows.map { r -> [TableCell] in
                [.raw(HTML.swatch(report.colours.configuration(r.configuration)) + HTML.escape(r.configuration)),
                 .raw("<code>\(HTML.escape(r.metric))</code>"), .number(r.baselineMean), .number(r.mean),
                 .number(r.difference), .number(r.ratio)]
            }
            body += HTMLTable(headers: ["configuration", "metric", "baseline mean", "this sweep mean", "difference", "ratio"], rows: rows).html()
        }
        if !c.onlyHere.isEmpty { body += HTML.paragraph("Only in this sweep: " + c.onlyHere.joined(separator: "; ")) }
        if !c.onlyInBaseline.isEmpty { body += HTML.paragraph("Only in the baseline: " + c.onlyInBaseline.joined(separator: "; ")) }
        return HTML.section("comparison", "Comparison with the baseline sweep", body)
    }
}
