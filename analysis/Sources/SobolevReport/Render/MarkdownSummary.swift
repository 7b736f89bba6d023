// summary.md: the report's numbers as text, for a pull request, a notebook or a terminal; the
// charts stay in index.html.
import Foundation

struct MarkdownSummary {
    var report: Report

    func markdown() -> String {
        let h = report.sweep.header, o = SweepOverview(report.sweep)
        var md = "# Sweep report: \(h.experimentName)\n\n"
        if !h.experimentDescription.isEmpty { md += h.experimentDescription + "\n\n" }
        md += "- Results file: `\(h.file)` (format version \(h.formatVersion))\n"
        md += "- Grid axes: " + (o.axisValues.isEmpty ? "none" : o.axisValues.map { "`\($0.axis)` ∈ {\($0.values.joined(separator: ", "))}" }.joined(separator: "; ")) + "\n"
        md += "- Runs: \(o.completed) completed, \(o.failed) failed" + (o.stopped > 0 ? ", \(o.stopped) stopped by the search" : "") + (o.missing.map { m in ", \(m) missing (of \(o.total!))" } ?? "") + "\n"
        if o.unmergedParts > 0 { md += "- \(o.unmergedParts) finished run(s) in the .parts folder are not merged into the file yet\n" }
        md += "- Ranks used: " + (o.ranksUsed.isEmpty ? "–" : o.ranksUsed.map(String.init).joined(separator: ", ")) + "\n"
        md += "- Total wall time: \(NumberFormat.duration(o.totalWallTime))\n\n"

        let test = report.leaderboard.metrics.filter { $0.hasPrefix("test_") }
        for metric in (test.isEmpty ? report.leaderboard.metrics : test) {
            md += "## Leaderboard: \(metric) (\(MetricNames.higherIsBetter(metric) ? "higher" : "lower") is better)\n\n"
            let rows = report.leaderboard.rows(for: metric)
            if rows.isEmpty { md += Leaderboard.emptyNote(metric) + "\n\n"; continue }
            md += table(["configuration", "scheme", "seeds", "mean", "std", "median", "best"], rows.map { r in
                let s = r.statistics
                return [r.configuration, r.scheme, String(s.count), NumberFormat.short(s.mean), NumberFormat.short(s.std),
                        NumberFormat.short(s.median), NumberFormat.short(s.best)]
            })
            if let best = BestRunCommands(metric: metric, runs: report.sweep.runs, file: h.file) {
                md += "Best run: `\(best.run.id)` (\(best.run.label), \(metric) = \(NumberFormat.short(best.value))):\n\n"
                md += "```sh\n" + best.commands.joined(separator: "\n") + "\n```\n\n"
            }
        }
        if report.leaderboard.groups.isEmpty { md += "No completed runs yet.\n\n" }

        let failed = report.sweep.notCompleted
        if !failed.isEmpty {
            md += "## Failed runs\n\n" + table(["run id", "configuration", "seed", "failure step", "error"], failed.map {
                [$0.id, $0.configuration, $0.seed.map(String.init) ?? "–", $0.failureStep.map(String.init) ?? "–", $0.error]
            })
        }
        md += search()
        md += comparison()
        md += breakEven()
        md += "See index.html for the convergence, λ, prediction, parity and throughput charts; runs.csv for every run.\n"
        return md
    }

    func comparison() -> String {
        guard let (baseline, board) = report.baseline else { return "" }
        let test = report.leaderboard.metrics.filter { $0.hasPrefix("test_") }
        let c = SweepComparison(report.leaderboard, baseline: board, baselineFile: baseline.header.file, metrics: test)
        var md = "## Comparison with `\(c.baselineFile)`\n\nDifference = this sweep - baseline; ratio = this sweep / baseline.\n\n"
            + table(["configuration", "metric", "baseline mean", "mean", "difference", "ratio"], c.rows.map {
                [$0.configuration, $0.metric, NumberFormat.short($0.baselineMean), NumberFormat.short($0.mean),
                 NumberFormat.short($0.difference), NumberFormat.short($0.ratio)]
            })
        // As index.html lists them: configurations the other file does not have.
        if !c.onlyHere.isEmpty { md += "Only in this sweep: " + c.onlyHere.joined(separator: "; ") + "\n\n" }
        if !c.onlyInBaseline.isEmpty { md += "Only in the baseline: " + c.onlyInBaseline.joined(separator: "; ") + "\n\n" }
        return md
    }

    func breakEven() -> String {
        let rows = BreakEven.rows(report.leaderboard, root: report.sweep.header.costs)
        guard !rows.isEmpty else { return "## Surrogate break-even\n\n\(BreakEvenSection.missing)\n\n" }
        var md = "## Surrogate break-even\n\ntau = (T_data + T_train) / (T_simulation - T_surrogate), in surrogate evaluations.\n"
        if rows.contains(where: \.surrogateEstimated) {
            md += "T_surrogate marked (estimate) assumes 2 flops per parameter at 1 GFLOP/s.\n"
        }
        return md + "\n" + table(["configuration", "T_data (s)", "T_train (s)", "T_simulation (s)", "T_surrogate (s)", "tau"], rows.map {
            [$0.configuration, NumberFormat.short($0.dataTime), NumberFormat.short($0.trainTime), NumberFormat.short($0.simulationTime),
             NumberFormat.short($0.surrogateTime) + ($0.surrogateEstimated ? " (estimate)" : ""),
             $0.evaluations.map(NumberFormat.count) ?? "never"]
        })
    }

    func table(_ headers: [String], _ rows: [[String]]) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var s = "| " + headers.map(cell).joined(separator: " | ") + " |\n|" + headers.map { _ in " --- |" }.joined() + "\n"
        for r in rows { s += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
        return s + "\n"
    }

    /// The search scheduler's rungs and the compute it saved; nothing for a sweep without a search.
    func search() -> String {
        guard let s = SearchProgress(report.sweep) else { return "" }
        var md = "## Search\n\n"
        md += "\(SearchSection.state(s)) \(s.trials.count) trials; \(s.epochsSpent) epochs trained of the \(s.epochsOfFullRuns) that every trial at the full budget of \(s.fullBudget) epochs would take (\(String(format: "%.1f", 100 * s.saved))% saved).\n\n"
        md += table(SearchSection.rungHeaders, s.budgets.map { b in
            let r = s.rung(b)
            return [String(b), String(r.count), String(r.failed), NumberFormat.short(r.metric), r.best?.label ?? "–"]
        })
        return md
    }
}
