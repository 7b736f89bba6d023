// The report names the best run of each metric with the commands that use it; the commands run
// as printed (also from a folder whose name needs quoting) and take that very run.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct BestRunCommandsTests {
        @Test func namesTheBestRunOfEveryMetricWithCommandsThatRun() throws {
            let source = try RealSweep.resultsFile()
            // A folder name with a space and a quote: the commands must quote the file.
            let dir = try temporaryFolder() + "/it's a sweep"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let file = dir + "/sweep.h5"
            try FileManager.default.copyItem(atPath: source, toPath: file)
            let report = try Report.make(results: file)
            let summary = MarkdownSummary(report: report).markdown()
            let page = ReportPage(report: report).html()
            for metric in report.leaderboard.metrics where metric.hasPrefix("test_") {
                let runs = report.sweep.completed.filter { $0.metrics[metric] != nil }
                let higher = metric.contains("_r2")
                let best = runs.min { higher ? $0.metrics[metric]! > $1.metrics[metric]! : $0.metrics[metric]! < $1.metrics[metric]! }!
                let commands = try #require(BestRunCommands(metric: metric, runs: report.sweep.runs, file: file))
                #expect(commands.run.id == best.id, "\(metric)")
                #expect(summary.contains("Best run: `\(best.id)` (\(best.label), \(metric) = "), "\(metric)")
                for c in commands.commands {
                    #expect(summary.contains(c))
                    #expect(page.contains(HTML.escape(c)))
                }
            }
            // Run the headline metric's commands through the shell, as a user would paste them.
            let headline = try #require(BestRunCommands(metric: "test_grad_rmse", runs: report.sweep.runs, file: file))
            try "x0\n0.5\n1.5\n".write(toFile: dir + "/INPUTS.csv", atomically: true, encoding: .utf8)
            let binary = URL(fileURLWithPath: try RealSweep.binary()).deletingLastPathComponent().path
            for c in headline.commands {
                let r = try Command.run("/bin/sh", ["-c", "cd \"$1\" && PATH=\"$2:$PATH\" \(c)", "sh", dir, binary])
                #expect(r.status == 0, "\(c): \(r.error)")
                #expect(r.output.contains("/runs/\(headline.run.id)/model"), "\(c): \(r.output)")
            }
            let written = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(written == ["INPUTS.csv", "predictions.csv", "surrogate.c", "surrogate.h", "surrogate.onnx", "sweep.h5"])
        }

        @Test func shellQuotingLeavesPlainPathsAlone() {
            #expect(BestRunCommands.shellQuoted("results/sine.h5:/runs/00ff") == "results/sine.h5:/runs/00ff")
            #expect(BestRunCommands.shellQuoted("my runs/a.h5") == "'my runs/a.h5'")
            #expect(BestRunCommands.shellQuoted("it's.h5") == "'it'\\''s.h5'")
            #expect(BestRunCommands.shellQuoted("$HOME/a.h5") == "'$HOME/a.h5'")
        }
    }
}
