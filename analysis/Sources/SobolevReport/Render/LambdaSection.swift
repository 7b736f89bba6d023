// The weights lambda each scheme applied over training: one chart per loss term; the colour is the
// weighting scheme (the same in every chart), the dash tells configurations of a scheme apart.
struct LambdaSection {
    var report: Report

    func html() -> String {
        let groups = report.charted
        let runs = groups.flatMap(\.runs)
        let terms = SeedBand.terms(runs, table: .lambda)
        guard !terms.isEmpty else {
            return HTML.section("lambda", "Loss weights λ", HTML.paragraph("No λ history stored for completed runs."))
        }
        let schemes = Array(Set(groups.map(\.scheme))).sorted()
        let key = schemes.map { HTML.swatch(report.colours.scheme($0)) + HTML.escape($0) }.joined(separator: " &nbsp; ")
        let intro = "<p>Weight λ applied to each loss term at each logged step (median over seeds). Schemes: \(key).\(report.chartNote.map { " " + HTML.escape($0) } ?? "")</p>"
        let charts = terms.map { term -> String in
            var index: [String: Int] = [:]
            let series = groups.compactMap { g -> LineSeries? in
                let band = SeedBand.summarise(g.runs, table: .lambda, term: term)
                guard !band.isEmpty else { return nil }
                let i = index[g.scheme, default: 0]; index[g.scheme] = i + 1
                return LineSeries(name: "\(g.scheme) · \(g.configuration)", colour: report.colours.scheme(g.scheme),
                                  dash: Palette.dash(i), x: band.map(\.step), y: band.map(\.median), width: 2)
            }
            return LinePlot(title: "Weight λ of the \(term) term", subtitle: "by weighting scheme (colour) and configuration (dash)",
                            xLabel: "step", yLabel: "λ (dimensionless weight)", series: series).svg()
        }
        return HTML.section("lambda", "Loss weights λ by weighting scheme", intro + HTML.charts(charts))
    }
}
