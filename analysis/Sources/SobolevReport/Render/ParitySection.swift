// Parity plots: predicted against true values, derivatives and (when the test set has them)
// Hessians on the test set, every seed of a configuration pooled, with the diagonal of a perfect
// prediction.
struct ParitySection {
    var report: Report
    /// Points drawn per chart at most (evenly thinned): enough to see the spread, small in the file.
    static let maxPoints = 400

    func html() -> String? {
        var charts: [String] = [], hessians = false
        for g in report.charted {
            let tests = g.runs.compactMap(\.test)
            guard !tests.isEmpty else { continue }
            let colour = report.colours.configuration(g.configuration)
            let seeds = "\(g.configuration) — \(tests.count) seed\(tests.count == 1 ? "" : "s")"
            let (tv, pv) = ParitySection.thin(tests.flatMap(\.y.values), tests.flatMap(\.yPredicted.values))
            charts.append(ScatterPlot(title: "Parity of values", subtitle: seeds, xLabel: "true value (original units)",
                                      yLabel: "predicted value (original units)",
                                      series: [ScatterSeries(name: g.configuration, colour: colour, x: tv, y: pv)], parity: true).svg())
            let withDerivatives = tests.filter { $0.dY != nil && $0.dYPredicted != nil }
            if !withDerivatives.isEmpty {
                let (td, pd) = ParitySection.thin(withDerivatives.flatMap { $0.dY! }, withDerivatives.flatMap { $0.dYPredicted! })
                charts.append(ScatterPlot(title: "Parity of derivatives", subtitle: seeds, xLabel: "true derivative dy/dx (original units)",
                                          yLabel: "predicted derivative (original units)",
                                          series: [ScatterSeries(name: g.configuration, colour: colour, x: td, y: pd)], parity: true).svg())
            }
            let withHessians = tests.filter { $0.d2Y != nil && $0.d2YPredicted != nil }
            if !withHessians.isEmpty {
                hessians = true
                let (th, ph) = ParitySection.thin(withHessians.flatMap { $0.d2Y! }, withHessians.flatMap { $0.d2YPredicted! })
                charts.append(ScatterPlot(title: "Parity of Hessians", subtitle: seeds, xLabel: "true second derivative d²y/dx_j dx_k (original units)",
                                          yLabel: "predicted second derivative (original units)",
                                          series: [ScatterSeries(name: g.configuration, colour: colour, x: th, y: ph)], parity: true).svg())
            }
        }
        guard !charts.isEmpty else { return nil }
        let intro = HTML.paragraph("Each dot is one test point (all outputs and, for derivatives, all input directions\(hessians ? ", for Hessians all pairs (j, k)" : "")); on the dashed diagonal the surrogate is exact. At most \(ParitySection.maxPoints) points per chart, evenly thinned." + (report.chartNote.map { " " + $0 } ?? ""))
        return HTML.section("parity", "Parity on the test set", intro + HTML.charts(charts))
    }

    static func thin(_ a: [Double], _ b: [Double]) -> ([Double], [Double]) {
        let n = min(a.count, b.count)
        let every = max(1, (n + maxPoints - 1) / maxPoints)
        let keep = Swift.stride(from: 0, to: n, by: every)
        return (keep.map { a[$0] }, keep.map { b[$0] })
    }
}
