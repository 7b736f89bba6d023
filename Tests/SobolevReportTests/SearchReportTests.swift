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
                try setSearchResults(f, [("a", [1, 3, 9], [0.5, 0.2, 0.1]), ("b", [1, 3], [0.6, 0.3]), ("c", [1], [0.9])])
            }
            return path
        }

        /// Each trial's rungs: the budgets it reached and its metric at each.
        static func setSearchResults(_ f: H5File, _ trials: [(id: String, budgets: [Int], metrics: [Double])]) throws {
            let g = try f.openGroup("runs")
            for (id, budgets, metrics) in trials {
                let r = try g.openGroup(id)
                try r.setAttribute("search_rung", budgets.count - 1)
                try r.setAttribute("search_budget", budgets.last!)
                try r.setAttribute("search_budgets", budgets)
                try r.setAttribute("search_metrics", metrics)
            }
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
            #expect(md.contains("| 3 | 2 | 0 | 0.2 | model.width=8 seed=0 |"), "\(md)")
            // Finished: the trial at the full budget ended its only bracket.
            #expect(page.contains("2 of 3 trials stopped below the full budget.") && !page.contains("not finished"))
            // runs.csv: the budget each trial reached and its search metric there.
            let csv = RunsCSV(runs: report.sweep.runs).csv().split(separator: "\n")
            #expect(csv[0].hasSuffix(",search_budget,search_metric"))
            #expect(csv.first { $0.hasPrefix("b,") }?.hasSuffix(",3,0.3") == true, "\(csv)")
        }

        /// A search stopped after rung 30 of 10, 30, 90 (training.epochs 90): a promoted to 30, b
        /// stopped at 10, c failed at step 4 of rung 10 (full batch), d failed in rung 30 after its
        /// last logged epoch 20 (mini-batches).
        static func unfinishedFile() throws -> String {
            let path = try temporaryFolder() + "/unfinished.h5"
            let full = ["training.epochs": 90.0]
            let runs = [
                TinyRun(id: "a", configuration: "model.width=8", seed: 0, metrics: [:], status: "stopped", extra: full, steps: 30),
                TinyRun(id: "b", configuration: "model.width=16", seed: 0, metrics: [:], status: "stopped", width: 16, extra: full, steps: 10),
                TinyRun(id: "c", configuration: "model.width=32", seed: 0, metrics: [:], status: "failed", failureStep: 4, width: 32,
                        extra: full, steps: 4, texts: ["training.batch_size": "full"]),
                TinyRun(id: "d", configuration: "model.width=64", seed: 0, metrics: [:], status: "failed", failureStep: 43, width: 64,
                        extra: full.merging(["training.batch_size": 2]) { a, _ in a }, steps: 43),
            ]
            try TinyResultsFile.write(path, runs: runs, totalRuns: 4) { f in
                try setSearchResults(f, [("a", [10, 30], [0.5, 0.2]), ("b", [10], [0.6]), ("c", [10], [.nan]), ("d", [10, 30], [0.4, .nan])])
            }
            return path
        }

        @Test func unfinishedSearchCountsTheFullBudgetAndWhatFailedTrialsTrained() throws {
            let report = try Report.make(results: try Self.unfinishedFile())
            let s = try #require(SearchProgress(report.sweep))
            // The full budget is training.epochs, not the highest rung reached (30).
            #expect(s.budgets == [10, 30] && s.fullBudget == 90)
            // a 30, b 10, c 4 steps of one batch, d to its epoch 20 + 1: of 4 x 90.
            #expect(s.trials.map(\.epochs) == [30, 10, 4, 21])
            #expect(s.epochsSpent == 65 && s.epochsOfFullRuns == 360)
            #expect(s.steps.map(\.epochs) == [10, 20, 24, 34, 54, 65])
            // Failed trials reached a rung without being ranked there.
            #expect(s.rung(10).count == 3 && s.rung(10).failed == 1 && s.rung(30).count == 1 && s.rung(30).failed == 1)
            #expect(s.isUnfinished && s.stoppedCount == 2)
            let page = ReportPage(report: report).html()
            #expect(page.contains("The search is not finished") && page.contains("81.9% saved"))
            let md = MarkdownSummary(report: report).markdown()
            #expect(md.contains("The search is not finished") && md.contains("65 epochs trained of the 360"), "\(md)")
            #expect(md.contains("| 30 | 1 | 1 | 0.2 | model.width=8 seed=0 |"), "\(md)")
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
