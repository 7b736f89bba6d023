// For 1-D problems: the surrogate and its derivative against the truth on the test set, the best
// seed of every configuration overlaid (first output when there are several).
import Foundation

struct PredictionSection {
    var report: Report

    func html() -> String? {
        let picks = report.charted.compactMap { g in BestRun.of(g).flatMap { r in r.test.map { (g, r, $0) } } }
        guard let first = picks.first?.2 else { return nil }
        guard picks.allSatisfy({ $0.2.inputDimension == 1 }) else {
            return HTML.section("prediction", "Prediction against the truth",
                                HTML.paragraph("The test inputs have \(first.inputDimension) columns: curves of the prediction are drawn for 1-D problems only (see the parity plots below)."))
        }
        let output = first.outputDimension > 1 ? " (output 1 of \(first.outputDimension))" : ""
        var values = [truth(first.x.column(0), first.y.column(0), "truth")]
        var derivatives: [LineSeries] = []
        if let dY = first.dY { derivatives.append(truth(first.x.column(0), firstOutput(first.outputDimension, dY), "truth")) }
        for (g, run, t) in picks {
            let colour = report.colours.configuration(g.configuration)
            let name = "\(g.configuration) (seed \(run.seed.map(String.init) ?? "?"))"
            values.append(sorted(t.x.column(0), t.yPredicted.column(0), name, colour))
            if let d = t.dYPredicted { derivatives.append(sorted(t.x.column(0), firstOutput(t.outputDimension, d), name, colour)) }
        }
        var charts = [LinePlot(title: "Prediction on the test set\(output)", subtitle: "best seed of each configuration",
                               xLabel: "x (input, original units)", yLabel: "y (original units)", series: values, yScale: .linear).svg()]
        if !derivatives.isEmpty {
            charts.append(LinePlot(title: "Derivative on the test set\(output)", subtitle: "best seed of each configuration",
                                   xLabel: "x (input, original units)", yLabel: "dy/dx (original units)", series: derivatives, yScale: .linear).svg())
        }
        let intro = HTML.paragraph("The best seed (lowest test_grad_rmse) of each configuration; the truth drawn in black underneath." + (report.chartNote.map { " " + $0 } ?? ""))
        return HTML.section("prediction", "Prediction and derivative against the truth", intro + HTML.charts(charts))
    }

    /// Output 0 of a flattened [n, m, 1] derivative array.
    func firstOutput(_ m: Int, _ flat: [Double]) -> [Double] {
        Swift.stride(from: 0, to: flat.count, by: m).map { flat[$0] }
    }

    func truth(_ x: [Double], _ y: [Double], _ name: String) -> LineSeries {
        sorted(x, y, name, Palette.truth, width: 3.2)
    }

    /// The points in order of x, so the line does not jump back and forth.
    func sorted(_ x: [Double], _ y: [Double], _ name: String, _ colour: String, width: Double = 1.8) -> LineSeries {
        let order = x.indices.filter { $0 < y.count }.sorted { x[$0] < x[$1] }
        return LineSeries(name: name, colour: colour, x: order.map { x[$0] }, y: order.map { y[$0] }, width: width)
    }
}
