// Sweeps of many configurations: the per-configuration charts draw the best few (by the lead
// metric), say so, and keep the palette's distinct colours for them; the leaderboards list all.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct ChartLimitTests {
        /// 12 configurations of one seed; configuration k (width 4 + k) has test_grad_rmse 12 - k,
        /// so the last ten are the best.
        static func twelveConfigurations() throws -> String {
            let path = try temporaryFolder() + "/twelve.h5"
            let runs = (0..<12).map { k in
                TinyRun(id: "r\(k)", configuration: "model.width=\(4 + k)", seed: 0, metrics: ["test_grad_rmse": Double(12 - k)], width: 4 + k)
            }
            try TinyResultsFile.write(path, runs: runs, totalRuns: 12)
            return path
        }

        @Test func theTenBestAreChartedAndTheRestListed() throws {
            let path = try ChartLimitTests.twelveConfigurations()
            let report = try Report.make(results: path)
            #expect(report.charted.map(\.configuration) == (2..<12).map { "model.width=\(4 + $0)" })
            #expect(report.leaderboard.rows(for: "test_grad_rmse").count == 12)
            // The charted ones take the palette's first ten colours, in configuration order.
            #expect(report.charted.enumerated().allSatisfy { report.colours.configuration($1.configuration) == Palette.categorical($0) })
            let page = ReportPage(report: report).html()
            let note = "The charts draw the 10 best of 12 configurations by mean test_grad_rmse"
            #expect(page.components(separatedBy: note).count - 1 == 4)   // convergence, λ, prediction, parity
            #expect(page.components(separatedBy: "<title>Parity of values</title>").count - 1 == 10)
            #expect(page.contains("model.width=15 — 1 seed") && !page.contains("model.width=4 — 1 seed") && !page.contains("model.width=5 — 1 seed"))
            #expect(page.contains(">model.width=4<") || page.contains("model.width=4</"))   // still in the leaderboard

            let all = try Report.make(results: path, chartLimit: nil)
            #expect(all.charted.count == 12)
            let full = ReportPage(report: all).html()
            #expect(!full.contains("The charts draw the"))
            #expect(full.components(separatedBy: "<title>Parity of values</title>").count - 1 == 12)
            // Ten or fewer configurations: every one charted, colours as before.
            let two = try Report.make(results: try LeaderboardTests.tinyFile())
            #expect(two.charted.count == 2 && !ReportPage(report: two).html().contains("The charts draw the"))
        }

        @Test func theCommandTakesACountOrAll() throws {
            let path = try ChartLimitTests.twelveConfigurations()
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let three = try Command.run(try RealSweep.binary(), ["report", path, "--out", dir + "/three", "--charts", "3"])
            #expect(three.status == 0, "\(three.error)")
            let page = try String(contentsOfFile: dir + "/three/index.html", encoding: .utf8)
            #expect(page.contains("The charts draw the 3 best of 12 configurations"))
            #expect(page.components(separatedBy: "<title>Parity of values</title>").count - 1 == 3)
            let all = try Command.run(try RealSweep.binary(), ["report", path, "--out", dir + "/all", "--charts", "all"])
            let allPage = try String(contentsOfFile: dir + "/all/index.html", encoding: .utf8)
            #expect(all.status == 0 && !allPage.contains("The charts draw the"))
            for bad in ["0", "-2", "ten"] {
                let r = try Command.run(try RealSweep.binary(), ["report", path, "--out", dir + "/bad", "--charts", bad])
                #expect(r.status != 0 && r.error.contains("--charts") && r.error.split(separator: "\n").count == 1, "\(r.error)")
                #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
            }
        }
    }
}
