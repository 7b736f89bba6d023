// --baseline: metric means of two sweeps per configuration, and their ratio.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct ComparisonTests {
        @Test func meansAndRatiosPerConfiguration() throws {
            let dir = try temporaryFolder()
            let here = dir + "/new.h5", base = dir + "/old.h5"
            try TinyResultsFile.write(here, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1]),
                TinyRun(id: "a1", configuration: "c", seed: 1, metrics: ["test_grad_rmse": 3]),
                TinyRun(id: "n0", configuration: "new only", seed: 0, metrics: ["test_grad_rmse": 3]),
            ], totalRuns: 3)
            try TinyResultsFile.write(base, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 8]),
                TinyRun(id: "o0", configuration: "old only", seed: 0, metrics: ["test_grad_rmse": 1]),
            ], totalRuns: 2)
            let report = try Report.make(results: here, baseline: base)
            let c = SweepComparison(report.leaderboard, baseline: report.baseline!.leaderboard, baselineFile: base, metrics: ["test_grad_rmse"])
            #expect(c.rows.count == 1)
            #expect(c.rows[0].mean == 2 && c.rows[0].baselineMean == 8 && c.rows[0].ratio == 0.25)
            #expect(c.onlyHere == ["new only"] && c.onlyInBaseline == ["old only"])
            let html = try #require(ComparisonSection(report: report).html())
            #expect(html.contains("Only in the baseline: old only"))
            let md = MarkdownSummary(report: report).markdown()
            #expect(md.contains("| c | test_grad_rmse | 8 | 2 | -6 | 0.25 |"), "\(md)")
            #expect(md.contains("Only in this sweep: new only") && md.contains("Only in the baseline: old only"), "\(md)")
            #expect(SettingDifference.between(report.sweep, report.baseline!.sweep).isEmpty)
        }

        @Test("settings outside the grids that differ between the sweeps are named (not the grid axes, not the threads)")
        func differingSettings() throws {
            let dir = try temporaryFolder()
            let here = dir + "/new.h5", base = dir + "/old.h5"
            try TinyResultsFile.write(here, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1], width: 8, extra: ["problem.train_samples": 40, "training.threads": 2]),
            ], totalRuns: 1)
            try TinyResultsFile.write(base, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 8], width: 16, extra: ["problem.train_samples": 80, "training.threads": 1]),
            ], totalRuns: 1)
            let report = try Report.make(results: here, baseline: base)
            let d = SettingDifference.between(report.sweep, report.baseline!.sweep)
            #expect(d == [SettingDifference(key: "problem.train_samples", here: "40", baseline: "80")])
            let html = try #require(ComparisonSection(report: report).html())
            #expect(html.contains("differ beyond their grids") && html.contains("problem.train_samples 40 here, 80 in the baseline"), "\(html)")
        }
    }
}
