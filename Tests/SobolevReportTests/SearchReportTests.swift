// The search section: trials by rung, the best result over the epochs spent and the compute saved,
// from a hand-written file whose numbers are checked on paper; absent without a search.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5
@testable import SobolevReport

extension ReportTests {
    @Suite struct SearchReportTests {
        /// Three trials, rungs of 1, 3 and 9 epochs: a reaches 9 (completed), b stops at 3, c at 1.
        static func searchFile() throws -> String {
            let path = try temporaryFolder() + "/search.h5"
            let runs = [
                TinyRun(id: "a", configuration: "model.width=8", seed: 0, metrics: ["test_value_rmse": 0.1]),
                TinyRun(id: "b", configuration: "model.width=16", seed: 0, metrics: ["test_value_rmse": 0.3], status: "stopped", width: 16),
                TinyRun(id: "c", configuration: "model.width=32", seed: 0, metrics: ["test_value_rmse": 0.9], status: "stopped", width: 32),
            ]
            try TinyResultsFile.write(path, runs: runs, totalRuns: 3) { f in
                let g = try f.openGroup("runs")
                for (id, budgets, metrics) in [("a", [1, 3, 9], [0.5, 0.2, 0.1]), ("b", [1, 3], [0.6, 0.3]), ("c", [1], [0.9])] {
                    let r = try g.openGroup(id)
                    try r.setAttribute("search_rung", budgets.count - 1)
                    try r.setAttribute("search_budget", budgets.last!)
                    try r.setAttribute("search_budgets", budgets)
                    try r.setAttribute("search_metrics", metrics)
                }
            }
            return path
        }

        @Test func epochsSpentSavedAndTheBestSoFar() throws {
            let report = try Report.make(results: try Self.searchFile())
            let s = try #require(SearchProgress(report.sweep))
            #expect(s.budgets == [1, 3, 9] && s.fullBudget == 9)
            #expect(s.epochsSpent == 13 && s.epochsOfFullRuns == 27)   // 9 + 3 + 1 of 3 x 9
            #expect(abs(s.saved - 14.0 / 27.0) < 1e-15)
            // Rung 1 (a, b, c), rung 3 (a +2, b +2), rung 9 (a +6).
            #expect(s.steps.map(\.epochs) == [1, 2, 3, 5, 7, 13])
            #expect(s.steps.map(\.best) == [0.5, 0.5, 0.5, 0.2, 0.2, 0.1])
            #expect(s.rung(3).count == 2 && s.rung(3).metric == 0.2 && s.rung(3).best?.id == "a")
            // The search attributes are not taken for hyperparameters.
            #expect(report.sweep.runs.allSatisfy { $0.hyperparameters["search_metrics"] == nil })
        }

        @Test func sectionAndSummary() throws {
            let report = try Report.make(results: try Self.searchFile())
            let page = ReportPage(report: report).html()
            #expect(page.contains("<section id=\"search\">") && page.contains("<a href=\"#search\">Search</a>"))
            #expect(page.contains("Trials by rung") && page.contains("Best configuration over compute spent"))
            #expect(page.contains("13 epochs in all") && page.contains("51.9% saved"))
            #expect(page.contains("reached the full budget") && page.contains("stopped by the search"))
            let md = MarkdownSummary(report: report).markdown()
            #expect(md.contains("## Search") && md.contains("13 epochs trained of the 27"), "\(md)")
            #expect(md.contains("| 3 | 2 | 0.2 | model.width=8 seed=0 |"), "\(md)")
            // runs.csv: the budget each trial reached and its search metric there.
            let csv = RunsCSV(runs: report.sweep.runs).csv().split(separator: "\n")
            #expect(csv[0].hasSuffix(",search_budget,search_metric"))
            #expect(csv.first { $0.hasPrefix("b,") }?.hasSuffix(",3,0.3") == true, "\(csv)")
        }

        @Test func noSectionWithoutASearch() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            #expect(SearchProgress(report.sweep) == nil)
            let page = ReportPage(report: report).html()
            #expect(!page.contains("id=\"search\"") && !page.contains("#search"))
            #expect(!MarkdownSummary(report: report).markdown().contains("## Search"))
            #expect(!RunsCSV(runs: report.sweep.runs).csv().contains("search_"))
        }
    }
}
