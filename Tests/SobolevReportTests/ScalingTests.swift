// Throughput and parallel efficiency by ranks; one line instead of charts with a single rank count.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct ScalingTests {
        @Test func efficiencyRelativeToTheSmallestRankCount() throws {
            let path = try temporaryFolder() + "/ranks.h5"
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "r1", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1], ranks: 1, samplesPerSecond: 1000),
                TinyRun(id: "r2", configuration: "c", seed: 1, metrics: ["test_grad_rmse": 1], ranks: 2, samplesPerSecond: 1800),
                TinyRun(id: "r4", configuration: "c", seed: 2, metrics: ["test_grad_rmse": 1], ranks: 4, samplesPerSecond: 3000),
            ], totalRuns: 3)
            let report = try Report.make(results: path)
            let s = Scaling(report.leaderboard)
            #expect(s.rankCounts == [1, 2, 4])
            // allreduce_time differs from run to run: a timing, not a hyperparameter.
            #expect(report.sweep.runs.allSatisfy { $0.hyperparameters["allreduce_time"] == nil })
            #expect(s.curves[0].points.map(\.efficiency) == [1, 0.9, 0.75])
            let html = ScalingSection(report: report).html()
            #expect(html.components(separatedBy: "<svg").count - 1 == 2)
            #expect(html.contains("<title>Parallel efficiency by ranks</title>"))
        }

        @Test func oneRankCountIsOneLine() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let html = ScalingSection(report: report).html()
            #expect(!html.contains("<svg"))
            #expect(html.contains("All 4 completed runs used 1 rank, so there is no scaling to show: median throughput 1000 samples/s"))
        }
    }
}
