// Convergence of every loss term, training and validation: one chart per term, one line per
// configuration (median over seeds) with its inter-quartile band.
struct ConvergenceSection {
    var report: Report

    func html() -> String {
        let charts = self.charts()
        guard !charts.isEmpty else {
            return HTML.section("convergence", "Convergence", HTML.paragraph("No histories stored for completed runs."))
        }
        let intro = HTML.paragraph("Loss terms as the optimizer sees them (normalised units, before the weights λ). Line: median over the seeds of a configuration; shaded: inter-quartile range (25–75 %). The y axis is logarithmic when the losses span more than two decades." + (report.chartNote.map { " " + $0 } ?? ""))
        return HTML.section("convergence", "Convergence of the loss terms", intro + HTML.charts(charts))
    }

    func charts() -> [String] {
        let groups = report.charted
        let runs = groups.flatMap(\.runs)
        var svgs: [String] = []
        for (table, name) in [(SeedBand.Table.loss, "Training loss"), (.validationLoss, "Validation loss")] {
            for term in SeedBand.terms(runs, table: table) {
                let series = groups.compactMap { g -> LineSeries? in
                    let band = SeedBand.summarise(g.runs, table: table, term: term)
                    guard !band.isEmpty else { return nil }
                    return LineSeries(name: "\(g.configuration) (\(g.seeds) seed\(g.seeds == 1 ? "" : "s"))",
                                      colour: report.colours.configuration(g.configuration),
                                      x: band.map(\.step), y: band.map(\.median),
                                      band: g.seeds > 1 ? (band.map(\.lower), band.map(\.upper)) : nil)
                }
                guard !series.isEmpty else { continue }
                svgs.append(LinePlot(title: "\(name): \(term) term", subtitle: "median and inter-quartile range over seeds",
                                     xLabel: "step", yLabel: "loss (normalised units)", series: series).svg())
            }
        }
        return svgs
    }
}
