// analysis/examples/load_results.py on a real results file: h5py and pandas read the documented
// layout without sobolev, and find the same best run as the report.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct PythonExampleTests {
        @Test func loadsRunsAndAHistoryWithPandas() throws {
            let python = try #require(Command.find(["python3"]), "python3 is not installed")
            let check = try Command.run(python, ["-c", "import h5py, pandas"])
            guard check.status == 0 else {
                Issue.record("h5py and pandas are needed for analysis/examples/load_results.py: pip install -r analysis/requirements.txt (\(check.error.split(separator: "\n").last ?? ""))")
                return
            }
            let file = try RealSweep.resultsFile()
            let r = try Command.run(python, [RealSweep.packageRoot + "/analysis/examples/load_results.py", file])
            #expect(r.status == 0, "load_results.py failed: \(r.error)")
            #expect(r.output.contains("runs: \(RealSweep.runs) rows x"))
            let report = try Report.make(results: file)
            for g in report.leaderboard.groups { #expect(r.output.contains(g.configuration)) }
            let best = report.sweep.completed.min { $0.metrics["test_grad_rmse"]! < $1.metrics["test_grad_rmse"]! }!
            #expect(r.output.contains("history of best run \(best.id): \(best.history!.steps.count) steps, columns step, loss_value, loss_grad_1, lambda_value, lambda_grad_1"))
        }
    }
}
