// "At a glance": the experiment, its grid, how many runs completed, failed or are missing, the
// ranks used and the compute spent.
struct OverviewSection {
    var report: Report

    func html() -> String {
        let h = report.sweep.header, o = SweepOverview(report.sweep)
        var items: [(String, String)] = [
            ("Experiment", "<b>\(HTML.escape(h.experimentName))</b>" + (h.experimentDescription.isEmpty ? "" : " — " + HTML.escape(h.experimentDescription))),
            ("Results file", "<code>\(HTML.escape(h.file))</code> (format version \(h.formatVersion)\(h.toolVersion.map { ", written by sobolev " + HTML.escape($0) } ?? ""))"),
        ]
        if let c = h.created { items.append(("Created / updated", HTML.escape(c + (h.updated.map { " / " + $0 } ?? "")))) }
        items.append(("Grid axes", o.axisValues.isEmpty ? "none (a single configuration)"
            : o.axisValues.map { "<code>\(HTML.escape($0.axis))</code> ∈ {\(HTML.escape($0.values.joined(separator: ", ")))}" }.joined(separator: "; ")))
        if !h.seeds.isEmpty { items.append(("Seeds", "\(h.seeds.count) (\(h.seeds.map(String.init).joined(separator: ", ")))")) }
        items.append(("Runs", runsLine(o)))
        items.append(("Ranks used", o.ranksUsed.isEmpty ? "–" : o.ranksUsed.map(String.init).joined(separator: ", ")))
        items.append(("Total wall time", NumberFormat.duration(o.totalWallTime) + " (sum over stored runs)"))
        if let lead = report.leaderboard.leadMetric, let best = report.leaderboard.rows(for: lead).first {
            items.append(("Best by mean \(lead)", HTML.swatch(report.colours.configuration(best.configuration)) + HTML.escape(best.configuration)
                + " (\(NumberFormat.short(best.statistics.mean)) over \(best.statistics.count) seed\(best.statistics.count == 1 ? "" : "s"))"))
        }
        let body = "<dl class=\"overview\">" + items.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
        return HTML.section("overview", "The sweep at a glance", body)
    }

    func runsLine(_ o: SweepOverview) -> String {
        var s = "<b>\(o.completed)</b> completed, <b>\(o.failed)</b> failed"
        if o.stopped > 0 { s += ", <b>\(o.stopped)</b> stopped by the search scheduler at a lower budget (left out of the leaderboard)" }
        if let m = o.missing, let t = o.total { s += ", <b>\(m)</b> missing (of \(t) in the grid)" }
        if o.missing.map({ $0 > 0 }) ?? false { s += " — the sweep is unfinished or still running; this report shows the runs stored so far" }
        if o.unmergedParts > 0 {
            s += ". <span class=\"warn\">\(o.unmergedParts) finished run\(o.unmergedParts == 1 ? " is" : "s are") waiting in the .parts folder beside the file, not merged yet (not shown here)</span>"
        }
        return s
    }
}
