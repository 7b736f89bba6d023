// runs.csv: one row per run (completed or not) with its configuration, every hyperparameter
// attribute, every metric, the cost of the run and, for a search scheduler's trials, the budget
// each reached and its search metric there, for spreadsheets and pandas.
import Foundation

public struct RunsCSV: Sendable {
    public var runs: [RunRecord]

    public var hyperparameterColumns: [String] { Array(Set(runs.flatMap(\.hyperparameters.keys))).sorted() }
    public var metricColumns: [String] { MetricNames.ordered(runs.flatMap(\.metrics.keys)) }

    /// Columns of a search's trials (none for a sweep without a search scheduler).
    public var searchColumns: [String] { runs.contains { $0.search != nil } ? ["search_budget", "search_metric"] : [] }

    public var header: [String] {
        ["id", "status", "configuration", "seed"] + hyperparameterColumns + metricColumns
            + ["wall_time", "ranks", "samples_per_second", "error"] + searchColumns
    }

    public func csv() -> String {
        let hyper = hyperparameterColumns, metrics = metricColumns, search = searchColumns
        var lines = [header.map(RunsCSV.field).joined(separator: ",")]
        for r in runs {
            var row = [r.id, r.status, r.configuration, r.seed.map(String.init) ?? ""]
            row += hyper.map { r.hyperparameters[$0]?.display ?? "" }
            row += metrics.map { r.metrics[$0].map(NumberFormat.exact) ?? "" }
            row += [r.wallTime.map(NumberFormat.exact) ?? "", r.ranks.map(String.init) ?? "",
                    r.samplesPerSecond.map(NumberFormat.exact) ?? "", r.error]
            if !search.isEmpty {
                row += [r.search?.budgets.last.map(String.init) ?? "", r.search?.metrics.last.map(NumberFormat.exact) ?? ""]
            }
            lines.append(row.map(RunsCSV.field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
