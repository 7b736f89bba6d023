// What a sweep in progress or a failing sweep leaves behind: missing runs, failed runs, unmerged
// parts, runs without history. The report shows what there is and says what is not there.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5
@testable import SobolevReport

extension ReportTests {
    @Suite struct PartialResultsTests {
        @Test func countsMissingFailedAndUnmergedRuns() throws {
            let path = try LeaderboardTests.tinyFile()  // 5 of 6 runs stored, one failed
            let parts = path + ".parts"
            try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
            for name in ["1111.h5", "2222.h5", "3333.h5.tmp-1"] { _ = FileManager.default.createFile(atPath: parts + "/" + name, contents: Data()) }

            let report = try Report.make(results: path)
            let o = SweepOverview(report.sweep)
            #expect(o.completed == 4 && o.failed == 1 && o.missing == 1 && o.total == 6)
            #expect(o.unmergedParts == 2)  // the half-written .tmp part is not counted
            let page = ReportPage(report: report).html()
            #expect(page.contains("<b>1</b> missing (of 6 in the grid)"))
            #expect(page.contains("2 finished runs are waiting in the .parts folder"))
            #expect(MarkdownSummary(report: report).markdown().contains("1 missing (of 6)"))
        }

        @Test func failedRunsHaveTheirOwnTableWithErrorAndStep() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let failed = try #require(FailedRunsSection(report: report).html())
            #expect(failed.contains("diverged: loss is NaN"))
            #expect(failed.contains("<td data-v=\"7.0\" class=\"num\">7</td>"))
            #expect(failed.contains("a3"))
            // Left out of the statistics: the failed run's 0.01 would otherwise be the best value.
            #expect(report.leaderboard.rows(for: "test_grad_rmse").allSatisfy { $0.statistics.best >= 0.5 })
            #expect(MarkdownSummary(report: report).markdown().contains("| a3 | model.width=8 | 3 | 7 | diverged: loss is NaN |"))
        }

        @Test func headerOnlyFileOfASweepThatJustStarted() throws {
            let dir = try temporaryFolder()
            let path = dir + "/started.h5"
            let f = try H5File.create(path)
            try f.setAttribute("format", "sobolev-results")
            try f.setAttribute("format_version", 1)
            try f.setAttribute("experiment_name", "started")
            try f.setAttribute("total_runs", 4)
            try f.flush()
            let report = try Report.make(results: path)
            #expect(report.sweep.runs.isEmpty && report.sweep.missing == 4)
            let page = ReportPage(report: report).html()
            #expect(page.contains("No completed runs yet"))
            #expect(page.contains("<b>4</b> missing"))
            #expect(!page.contains("<svg"))
        }

        @Test func runWithoutHistoryOrTestSetIsStillListed() throws {
            let dir = try temporaryFolder()
            let path = dir + "/bare.h5"
            try TinyResultsFile.write(path, runs: [TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1])], totalRuns: 2) { f in
                let runs = try f.openGroup("runs")
                let g = try runs.createGroup("b0")
                try g.setAttribute("status", "failed")
                try g.setAttribute("error", "killed before the first step")
                try g.setAttribute("configuration", "c")
            }
            let report = try Report.make(results: path)
            #expect(report.sweep.runs.count == 2 && report.sweep.notCompleted.map(\.id) == ["b0"])
            #expect(ReportPage(report: report).html().contains("killed before the first step"))
        }

        /// More than one input: no curves over x (a 1-D view would mislead), parity of all directions.
        @Test func twoInputsGetParityButNoPredictionCurves() throws {
            let path = try temporaryFolder() + "/two-inputs.h5"
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1], inputs: 2),
            ], totalRuns: 1)
            let report = try Report.make(results: path)
            let prediction = try #require(PredictionSection(report: report).html())
            #expect(prediction.contains("The test inputs have 2 columns") && !prediction.contains("<svg"))
            let parity = try #require(ParitySection(report: report).html())
            #expect(parity.components(separatedBy: "<svg").count - 1 == 2)
            #expect(parity.components(separatedBy: "<circle").count - 1 == 5 + 10 + 2)  // 5 values, 5 x 2 derivatives, 2 legend dots
        }
    }
}
