import ArgumentParser
import Foundation
import SobolevReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn a results file into a report: DIR/index.html (charts, leaderboards), DIR/summary.md and DIR/runs.csv.")

    @Argument(help: "Results file (HDF5, written by sobolev run or sweep; may be partial).")
    var results: String

    @Option(name: .long, help: "Folder for the report (created if missing; other files in it are kept).")
    var out: String

    @Option(name: .long, help: "A second results file to compare with, per configuration.")
    var baseline: String?

    @Flag(name: .long, help: "Write into a non-empty folder that does not hold an earlier report.")
    var force = false

    @Option(name: .long, help: "Configurations the per-configuration charts draw (convergence, λ, prediction, parity): the N best by the lead metric, or all. The leaderboards list every one.")
    var charts: ChartCount = .best(Report.defaultChartLimit)

    func validate() throws {
        if out.isEmpty { fail("--out '': name the report's folder") }
    }

    func run() throws {
        do {
            let report = try Report.make(results: results, baseline: baseline, chartLimit: charts.limit)
            if let baseline = report.baseline?.sweep {
                let differences = SettingDifference.between(report.sweep, baseline)
                if !differences.isEmpty {
                    FileHandle.standardError.write(Data("warning: --baseline \(baseline.header.file) is another experiment beyond the grid: \(SettingDifference.describe(differences)); configurations are compared by their labels\n".utf8))
                }
            }
            let written = try ReportDirectory.write(report, to: out, force: force)
            print("report: \(written.first ?? out)  (\(report.sweep.completed.count) completed, \(report.sweep.notCompleted.count) failed runs\(report.sweep.stopped.isEmpty ? "" : ", \(report.sweep.stopped.count) stopped by the search"))")
        } catch {
            fail("\(error)")
        }
    }
}

/// `--charts N` (N >= 1) or `--charts all`.
enum ChartCount: ExpressibleByArgument {
    case best(Int), all

    init?(argument: String) {
        if argument == "all" { self = .all; return }
        guard let n = Int(argument), n >= 1 else { return nil }
        self = .best(n)
    }

    var limit: Int? { if case .best(let n) = self { return n } else { return nil } }
    var defaultValueDescription: String { if case .best(let n) = self { return "\(n)" } else { return "all" } }
}
