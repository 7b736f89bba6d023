// The surrogate break-even tau = (T_data + T_train) / (T_simulation - T_surrogate), from the
// optional cost attributes.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct BreakEvenTests {
        func file(root: [String: Double], run extra: [String: Double] = [:]) throws -> String {
            let path = try temporaryFolder() + "/costs.h5"
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1], trainTime: 1.0, extra: extra),
                TinyRun(id: "a1", configuration: "c", seed: 1, metrics: ["test_grad_rmse": 1], trainTime: 2.0, extra: extra),
            ], totalRuns: 2) { f in for (k, v) in root { try f.setAttribute(k, v) } }
            return path
        }

        @Test func estimatesTheSurrogateFromTheModelSizeAndSaysSo() throws {
            let report = try Report.make(results: try file(root: ["data_generation_time": 100, "simulation_time_per_sample": 2]))
            let row = try #require(BreakEven.rows(report.leaderboard, root: report.sweep.header.costs).first)
            // layer_sizes [1, 8, 1]: (1 + 1) * 8 + (8 + 1) * 1 = 25 parameters, 50 flops at 1 GFLOP/s.
            #expect(row.surrogateEstimated)
            #expect(abs(row.surrogateTime - 50e-9) < 1e-18)
            #expect(row.trainTime == 1.5)
            #expect(abs(row.evaluations! - 101.5 / (2 - 50e-9)) < 1e-9)
            let html = BreakEvenSection(report: report).html()
            #expect(html.contains("(estimate)") && html.contains("2 flops per network parameter"))
        }

        @Test func storedSurrogateTimeOnTheRunsWins() throws {
            let report = try Report.make(results: try file(root: ["data_generation_time": 100, "simulation_time_per_sample": 2, "surrogate_time_per_sample": 0.5],
                                                           run: ["surrogate_time_per_sample": 1]))
            let row = try #require(BreakEven.rows(report.leaderboard, root: report.sweep.header.costs).first)
            #expect(!row.surrogateEstimated && row.surrogateTime == 1)
            #expect(row.evaluations == 101.5)
        }

        @Test func noBreakEvenWhenTheSurrogateIsNotFaster() throws {
            let report = try Report.make(results: try file(root: ["data_generation_time": 1, "simulation_time_per_sample": 1e-3, "surrogate_time_per_sample": 1e-2]))
            #expect(BreakEven.rows(report.leaderboard, root: report.sweep.header.costs).first?.evaluations == nil)
            #expect(BreakEvenSection(report: report).html().contains("never"))
        }

        @Test func saysWhyItIsMissing() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            #expect(BreakEvenSection(report: report).html().contains("Not shown: the file has no data_generation_time"))
        }
    }
}
