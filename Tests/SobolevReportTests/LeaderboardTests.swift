// Leaderboard statistics over seeds against values computed by hand on a tiny file.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct LeaderboardTests {
        /// Configuration A: test_grad_rmse 1, 2, 4 over three seeds (and a failed fourth run that must be
        /// ignored); configuration B: 0.5, one seed.
        static func tinyFile() throws -> String {
            let dir = try temporaryFolder()
            let path = dir + "/tiny.h5"
            let a = "model.width=8", b = "model.width=16"
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "a0", configuration: a, seed: 0, metrics: ["test_grad_rmse": 1, "test_value_r2": 0.9]),
                TinyRun(id: "a1", configuration: a, seed: 1, metrics: ["test_grad_rmse": 2, "test_value_r2": 0.8]),
                TinyRun(id: "a2", configuration: a, seed: 2, metrics: ["test_grad_rmse": 4, "test_value_r2": 0.95]),
                TinyRun(id: "a3", configuration: a, seed: 3, metrics: ["test_grad_rmse": 0.01], status: "failed",
                        error: "diverged: loss is NaN", failureStep: 7),
                TinyRun(id: "b0", configuration: b, seed: 0, metrics: ["test_grad_rmse": 0.5, "test_value_r2": 0.99], width: 16),
            ], totalRuns: 6)
            return path
        }

        @Test("a metric that is NaN in every completed run gets a line saying so, not an empty table")
        func metricWithoutFiniteValues() throws {
            let path = try temporaryFolder() + "/constant.h5"
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1, "test_value_r2": .nan]),
            ], totalRuns: 1)
            let report = try Report.make(results: path)
            #expect(report.leaderboard.rows(for: "test_value_r2").isEmpty)
            let note = Leaderboard.emptyNote("test_value_r2")
            #expect(note.contains("No completed run has a finite test_value_r2") && note.contains("constant"))
            #expect(LeaderboardSection(report: report).html().contains(HTML.escape(note)))
            #expect(MarkdownSummary(report: report).markdown().contains(note))
        }

        @Test func statisticsOverSeedsMatchHandComputedValues() throws {
            let report = try Report.make(results: try Self.tinyFile())
            let rows = report.leaderboard.rows(for: "test_grad_rmse")
            #expect(rows.map(\.configuration) == ["model.width=16", "model.width=8"])  // best mean first
            let a = rows[1].statistics
            #expect(a.count == 3)  // the failed run is not a seed of the statistics
            #expect(abs(a.mean - 7.0 / 3.0) < 1e-12)
            // Sample standard deviation: sqrt(((1 - 7/3)^2 + (2 - 7/3)^2 + (4 - 7/3)^2) / 2) = sqrt(7/3).
            #expect(abs(a.std! - (7.0 / 3.0).squareRoot()) < 1e-12)
            #expect(a.median == 2)
            #expect(a.best == 1)
            let b = rows[0].statistics
            #expect(b.count == 1 && b.mean == 0.5 && b.median == 0.5 && b.best == 0.5)
            #expect(b.std == nil)  // undefined for one seed, shown as "–"
        }

        @Test func higherIsBetterForR2() throws {
            let report = try Report.make(results: try Self.tinyFile())
            let rows = report.leaderboard.rows(for: "test_value_r2")
            #expect(rows.first?.configuration == "model.width=16")
            let a = rows.first { $0.configuration == "model.width=8" }!.statistics
            #expect(a.best == 0.95)
            #expect(abs(a.median - 0.9) < 1e-12)
        }

        @Test func medianOfAnEvenCountAndQuartiles() {
            #expect(SeedStatistics([4, 1, 3, 2])!.median == 2.5)
            #expect(Quantile.of([1, 2, 3, 4, 5], 0.25) == 2)
            #expect(Quantile.of([1, 2, 3, 4], 0.75) == 3.25)  // linear interpolation, as numpy
            #expect(SeedStatistics([.nan, 3])!.count == 1)
            #expect(SeedStatistics([.nan]) == nil)
        }

        @Test func configurationsInGridOrderWithNumbersAsNumbers() throws {
            let report = try Report.make(results: try Self.tinyFile())
            #expect(report.leaderboard.groups.map(\.configuration) == ["model.width=8", "model.width=16"])
            #expect(report.colours.configuration("model.width=8") == Palette.categorical(0))
        }

        @Test func leadMetricIsTestGradRMSE() throws {
            let report = try Report.make(results: try Self.tinyFile())
            #expect(report.leaderboard.leadMetric == "test_grad_rmse")
            #expect(report.leaderboard.metrics.first == "test_grad_rmse")
            let page = ReportPage(report: report).html()
            let firstTable = page.range(of: "<h3 id=\"metric-")!
            #expect(page[firstTable.upperBound...].hasPrefix("test_grad_rmse"))
        }
    }
}
