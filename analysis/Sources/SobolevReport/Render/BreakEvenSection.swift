// The surrogate break-even tau = (T_data + T_train) / (T_simulation - T_surrogate): how many
// evaluations the surrogate must replace before it has paid for its data and its training.
struct BreakEvenSection {
    var report: Report

    static let missing = "Not shown: the file has no data_generation_time and simulation_time_per_sample attributes (on the root or on the runs); see docs/results-format.md, “Optional cost attributes”."

    func html() -> String {
        let rows = BreakEven.rows(report.leaderboard, root: report.sweep.header.costs)
        let title = "Surrogate break-even"
        guard !rows.isEmpty else { return HTML.section("break-even", title, HTML.paragraph(BreakEvenSection.missing)) }
        var body = "<p>τ = (T<sub>data</sub> + T<sub>train</sub>) / (T<sub>simulation</sub> − T<sub>surrogate</sub>) is the number of surrogate evaluations after which generating the data and training the network has paid off (Herrmann &amp; Kollmannsberger). T<sub>train</sub> is the mean training time over the configuration's seeds.</p>"
        if rows.contains(where: \.surrogateEstimated) {
            body += "<p class=\"warn\">T<sub>surrogate</sub> marked “estimate” is not measured: it assumes 2 flops per network parameter at \(NumberFormat.short(BreakEven.assumedFlopsPerSecond / 1e9)) GFLOP/s. Store surrogate_time_per_sample for a measured value.</p>"
        }
        let cells = rows.map { r -> [TableCell] in
            [.raw(HTML.swatch(report.colours.configuration(r.configuration)) + HTML.escape(r.configuration)),
             .number(r.dataTime, NumberFormat.duration(r.dataTime)), .number(r.trainTime, NumberFormat.duration(r.trainTime)),
             .number(r.simulationTime, NumberFormat.short(r.simulationTime) + " s"),
             .number(r.surrogateTime, NumberFormat.short(r.surrogateTime) + " s" + (r.surrogateEstimated ? " (estimate)" : "")),
             .number(r.evaluations, r.evaluations.map(NumberFormat.count) ?? "never (surrogate not faster)")]
        }
        body += HTMLTable(headers: ["configuration", "T_data", "T_train", "T_simulation / sample", "T_surrogate / sample", "τ (evaluations)"],
                          rows: cells, sortedBy: nil).html()
        return HTML.section("break-even", title, body)
    }
}
