// Runs that did not complete, with why and when: they are left out of every statistic and chart.
struct FailedRunsSection {
    var report: Report

    func html() -> String? {
        let failed = report.sweep.notCompleted
        guard !failed.isEmpty else { return nil }
        let rows = failed.map { r -> [TableCell] in
            [.raw("<code>\(HTML.escape(r.id))</code>"), .raw(HTML.swatch(report.colours.configuration(r.configuration)) + HTML.escape(r.configuration)),
             .number(r.seed.map(Double.init), r.seed.map(String.init) ?? "–"), .text(r.status), .text(r.stopReason.isEmpty ? "–" : r.stopReason),
             .number(r.failureStep.map(Double.init), r.failureStep.map(String.init) ?? "–"), .text(r.error.isEmpty ? "–" : r.error)]
        }
        let intro = HTML.paragraph("\(failed.count) run\(failed.count == 1 ? "" : "s") did not complete; \(failed.count == 1 ? "it is" : "they are") left out of the leaderboard and the charts.")
        return HTML.section("failed", "Failed runs", intro + HTMLTable(
            headers: ["run id", "configuration", "seed", "status", "stop reason", "failure step", "error"], rows: rows).html())
    }
}
