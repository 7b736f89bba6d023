// A search scheduler's work: every trial's metric at each budget it reached (log-log, one line per
// trial), the best result over the epochs spent, a table of the rungs, and the compute saved
// against training every trial to the full budget. Absent for a sweep without a search.
struct SearchSection {
    var report: Report

    func html() -> String? {
        guard let s = SearchProgress(report.sweep) else { return nil }
        let full = "#4e79a7", stopped = "#bab0ac"
        var shownFull = false, shownStopped = false
        let lines = s.trials.map { t -> LineSeries in
            let first = t.reachedFull ? !shownFull : !shownStopped
            if t.reachedFull { shownFull = true } else { shownStopped = true }
            return LineSeries(name: t.reachedFull ? "reached the full budget" : "stopped by the search",
                              colour: t.reachedFull ? full : stopped, x: t.results.budgets.map(Double.init),
                              y: t.results.metrics, width: t.reachedFull ? 1.8 : 1.1, markers: true, inLegend: first)
        }
        let byRung = LinePlot(title: "Trials by rung", subtitle: "\(s.trials.count) trials; a line per trial",
                              xLabel: "budget (epochs)", yLabel: "search metric (validation)", series: lines.sorted { !$0.name.hasPrefix("reached") && $1.name.hasPrefix("reached") },
                              xScale: .log, yScale: .log).svg()
        let incumbent = LinePlot(title: "Best configuration over compute spent",
                                 subtitle: "rung results in the order of a synchronous search (by budget, then trial)",
                                 xLabel: "epochs trained, all trials", yLabel: "best search metric so far",
                                 series: [LineSeries(name: "best so far", colour: full, x: s.steps.map { Double($0.epochs) },
                                                     y: s.steps.map(\.best), markers: false, inLegend: false)], yScale: .log).svg()
        let rows = s.budgets.map { b -> [TableCell] in
            let r = s.rung(b)
            return [.number(Double(b), String(b)), .number(Double(r.count), String(r.count)), .number(Double(r.failed), String(r.failed)),
                    .number(r.metric), .text(r.best?.label ?? "–")]
        }
        let table = HTMLTable(headers: SearchSection.rungHeaders, rows: rows, sortedBy: 0).html()
        let saved = String(format: "%.1f", 100 * s.saved)
        let line = SearchSection.state(s) + " The search trained \(NumberFormat.count(Double(s.epochsSpent))) epochs in all; training every one of the \(s.trials.count) trials to the full budget of \(s.fullBudget) epochs would take \(NumberFormat.count(Double(s.epochsOfFullRuns))): \(saved)% saved (a promoted trial continues from its checkpoint, so a trial costs the last budget it reached; a failed one, the epochs up to its failure)."
        let best = s.steps.last.map { "Best search metric: \(NumberFormat.short($0.best)) (\($0.bestTrial))." } ?? ""
        return HTML.section("search", "Search", HTML.paragraph(line + " " + best) + HTML.charts([byRung, incumbent]) + table)
    }

    /// Columns of the rung table (page and summary.md): a failed trial reached the rung but has no
    /// finite metric there, so it is counted apart from those ranked.
    static let rungHeaders = ["budget (epochs)", "trials ranked", "failed there", "best metric", "best trial"]

    /// Whether the search is done, as far as the file tells: stopped trials and promoted ones
    /// waiting for their next rung are stored alike, so only a bracket left below the full budget
    /// with a finite result proves it unfinished (docs/report.md).
    static func state(_ s: SearchProgress) -> String {
        let stopped = "\(s.stoppedCount) of \(s.trials.count) trials stopped below the full budget."
        guard s.isUnfinished else { return stopped }
        return "The search is not finished: a trial with a finite result has not gone on to the full budget of \(s.fullBudget) epochs yet; this shows the rung results stored so far (run the same command again to continue). " + stopped
    }
}
