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
            #expect(s.curves[0].points.map(\.efficiency) == [1, 0.9, 0.75])
            let html = ScalingSection(report: report).html()
            #expect(html.components(separatedBy: "<svg").count - 1 == 2)
            #expect(html.contains("<title>Parallel efficiency by ranks</title>"))
        }

        @Test func allReduceShareByRanks() throws {
            let path = try temporaryFolder() + "/allreduce.h5"
            // Train time 1.5 s; all-reduces 0, 0.03 and 0.09 s (and 0.15 s for a second seed at 4 ranks).
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "r1", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1], ranks: 1, samplesPerSecond: 1000, allReduceTime: 0),
                TinyRun(id: "r2", configuration: "c", seed: 1, metrics: ["test_grad_rmse": 1], ranks: 2, samplesPerSecond: 1800, allReduceTime: 0.03),
                TinyRun(id: "r4", configuration: "c", seed: 2, metrics: ["test_grad_rmse": 1], ranks: 4, samplesPerSecond: 3000, allReduceTime: 0.09),
                TinyRun(id: "r4b", configuration: "c", seed: 3, metrics: ["test_grad_rmse": 1], ranks: 4, samplesPerSecond: 3000, allReduceTime: 0.15),
            ], totalRuns: 4)
            let report = try Report.make(results: path)
            // A timing that differs from run to run, not a hyperparameter (it would split the configuration).
            #expect(report.sweep.runs.allSatisfy { $0.hyperparameters["allreduce_time"] == nil })
            #expect(report.leaderboard.groups.count == 1)
            let shares = Scaling(report.leaderboard).curves[0].points.map(\.allReduceShare)
            #expect(shares.count == 3)
            for (got, want) in zip(shares, [0, 0.02, 0.08]) { #expect(abs(got! - want) < 1e-15, "\(shares)") }
            let html = ScalingSection(report: report).html()
            #expect(html.components(separatedBy: "<svg").count - 1 == 3)
            #expect(html.contains("<title>Training time in all-reduces by ranks</title>"))
        }

        @Test func oneRankCountIsOneLine() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let html = ScalingSection(report: report).html()
            #expect(!html.contains("<svg"))
            #expect(html.contains("All 4 completed runs used 1 rank, so there is no scaling to show: median throughput 1000 samples/s"))
        }
    }
}
