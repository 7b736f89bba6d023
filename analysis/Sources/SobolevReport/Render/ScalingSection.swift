// Throughput (samples/s, all ranks together) and parallel efficiency by MPI ranks, and where the
// runs record it the share of training spent in all-reduces. With a single rank count there is
// nothing to scale: one line says so instead of an empty chart.
struct ScalingSection {
    var report: Report

    func html() -> String {
        let s = Scaling(report.leaderboard)
        guard !s.throughputs.isEmpty else {
            return HTML.section("scaling", "Throughput and parallel efficiency", HTML.paragraph("No throughput recorded for completed runs."))
        }
        guard s.hasScaling else {
            let p = s.rankCounts.first!
            let line = "All \(s.throughputs.count) completed runs used \(p) rank\(p == 1 ? "" : "s"), so there is no scaling to show: median throughput \(NumberFormat.short(Quantile.of(s.throughputs, 0.5))) samples/s (range \(NumberFormat.short(s.throughputs.min()!))–\(NumberFormat.short(s.throughputs.max()!)))."
            return HTML.section("scaling", "Throughput and parallel efficiency", HTML.paragraph(line))
        }
        // Each configuration's points where `value` is known; a configuration without any is left out.
        func series(_ value: (ScalingPoint) -> Double?) -> [LineSeries] {
            s.curves.compactMap { c in
                let known = c.points.compactMap { p in value(p).map { (x: Double(p.ranks), y: $0) } }
                guard !known.isEmpty else { return nil }
                return LineSeries(name: c.configuration, colour: report.colours.configuration(c.configuration),
                                  x: known.map(\.x), y: known.map(\.y), markers: true)
            }
        }
        let ranks = s.rankCounts.map(Double.init)
        let ideal = LineSeries(name: "ideal (E = 1)", colour: "#555", dash: "5 4", x: [ranks.first!, ranks.last!], y: [1, 1], width: 1.2)
        var charts = [
            LinePlot(title: "Training throughput by ranks", subtitle: "median over seeds", xLabel: "MPI ranks",
                     yLabel: "throughput (samples / s, all ranks)", series: series(\.samplesPerSecond), yInclude: [0]).svg(),
            LinePlot(title: "Parallel efficiency by ranks", subtitle: "E(p) = (S(p) / S(p₀)) / (p / p₀)", xLabel: "MPI ranks",
                     yLabel: "parallel efficiency (1 = ideal)", series: series(\.efficiency) + [ideal], yScale: .linear, yInclude: [0, 1]).svg(),
        ]
        // Only the points whose runs record allreduce_time (files before it have none).
        let shares = series { $0.allReduceShare.map { 100 * $0 } }
        if !shares.isEmpty {
            charts.append(LinePlot(title: "Training time in all-reduces by ranks",
                                   subtitle: "median over seeds of allreduce_time / train_time: moving the sums and waiting for the slower ranks",
                                   xLabel: "MPI ranks", yLabel: "share of training time (%)", series: shares, yScale: .linear, yInclude: [0]).svg())
        }
        return HTML.section("scaling", "Throughput and parallel efficiency", HTML.charts(charts))
    }
}
