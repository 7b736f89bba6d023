// runs.csv: one row per run with the documented columns in order.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct RunsCSVTests {
        @Test func columnsInOrderAndOneRowPerRun() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let csv = RunsCSV(runs: report.sweep.runs).csv()
            let lines = csv.split(separator: "\n").map(String.init)
            #expect(lines.count == 1 + 5)
            #expect(lines[0] == "id,status,configuration,seed,loss.scheme,model.activation,model.width,training.learning_rate,"
                + "test_grad_rmse,test_value_r2,wall_time,ranks,samples_per_second,error")
            #expect(lines.contains("a0,completed,model.width=8,0,fixed,tanh,8,0.001,1,0.9,2,1,1000,"))
            #expect(lines.contains("a3,failed,model.width=8,3,fixed,tanh,8,0.001,0.01,,2,1,1000,diverged: loss is NaN"))
        }

        @Test func fieldsWithCommasOrQuotesAreQuoted() {
            #expect(RunsCSV.field("a,b") == "\"a,b\"")
            #expect(RunsCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
            #expect(RunsCSV.field("plain") == "plain")
        }
    }
}
