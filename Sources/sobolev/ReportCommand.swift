import ArgumentParser
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

    func run() throws {
        do {
            let report = try Report.make(results: results, baseline: baseline)
            let written = try ReportDirectory.write(report, to: out, force: force)
            print("report: \(written.first ?? out)  (\(report.sweep.completed.count) completed, \(report.sweep.notCompleted.count) failed runs\(report.sweep.stopped.isEmpty ? "" : ", \(report.sweep.stopped.count) stopped by the search"))")
        } catch {
            fail("\(error)")
        }
    }
}
