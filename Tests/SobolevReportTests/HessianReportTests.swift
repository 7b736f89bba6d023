// Hessian metrics and parity in the report: shown when the runs have them, absent otherwise.
import SobolevHDF5
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct HessianReportTests {
        @Test func hessianMetricsAndParityOnlyWhenPresent() throws {
            let dir = try temporaryFolder()
            let first = ["test_grad_rmse": 0.1, "test_value_rmse": 0.01, "train_grad_rmse": 0.05]
            try TinyResultsFile.write(dir + "/first.h5", runs: [TinyRun(id: "a0", configuration: "c", seed: 0, metrics: first)], totalRuns: 1)
            var second = first
            second["test_hess_rmse"] = 0.25; second["test_hess_rel_l2"] = 0.03; second["train_hess_rmse"] = 0.125
            try TinyResultsFile.write(dir + "/second.h5", runs: [TinyRun(id: "a0", configuration: "c", seed: 0, metrics: second)], totalRuns: 1) { f in
                let t = try f.openGroup("runs").openGroup("a0").openGroup("test")
                try t.write("d2Y", [2.0, 2, 2, 2, 2], shape: [5, 1, 1, 1])
                try t.write("d2Y_pred", [1.9, 2.1, 2, 2.05, 1.8], shape: [5, 1, 1, 1])
            }
            let plain = ReportPage(report: try Report.make(results: dir + "/first.h5")).html()
            #expect(!plain.contains("_hess_") && !plain.contains("Hessian"))

            let report = try Report.make(results: dir + "/second.h5")
            #expect(report.leaderboard.metrics.prefix(4) == ["test_grad_rmse", "test_value_rmse", "test_hess_rmse", "test_hess_rel_l2"])
            #expect(report.sweep.runs[0].test?.d2YPredicted == [1.9, 2.1, 2, 2.05, 1.8])
            let page = ReportPage(report: report).html()
            #expect(page.contains("id=\"metric-test_hess_rmse\"") && page.contains("id=\"metric-train_hess_rmse\""))
            let parity = try #require(ParitySection(report: report).html())
            #expect(parity.contains("Parity of Hessians") && parity.contains("Parity of derivatives"))
        }
    }
}
