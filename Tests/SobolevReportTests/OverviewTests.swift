// The overview's grid-axes line: each axis with the values its runs took.
import Foundation
import Testing
import SobolevHDF5
@testable import SobolevReport

extension ReportTests {
    @Suite struct OverviewTests {
        @Test func anAxisOfListsShowsAOneElementListAsAList() throws {
            let dir = try temporaryFolder()
            let path = dir + "/hidden.h5"
            try TinyResultsFile.write(path, runs: [
                TinyRun(id: "a0", configuration: "model.hidden=[4]", seed: 0, metrics: ["test_grad_rmse": 1]),
                TinyRun(id: "b0", configuration: "model.hidden=[3, 3]", seed: 0, metrics: ["test_grad_rmse": 2]),
            ], totalRuns: 2) { f in
                try f.setAttribute("grid_axes", ["model.hidden"])
                // A one-element list is stored as an attribute of one number: read back as a scalar.
                try f.openGroup("runs").openGroup("a0").setAttribute("model.hidden", [4])
                try f.openGroup("runs").openGroup("b0").setAttribute("model.hidden", [3, 3])
            }
            let report = try Report.make(results: path)
            let axes = SweepOverview(report.sweep).axisValues
            #expect(axes.count == 1 && axes[0].axis == "model.hidden" && axes[0].values == ["[4]", "[3, 3]"], "\(axes)")
            #expect(MarkdownSummary(report: report).markdown().contains("`model.hidden` ∈ {[4], [3, 3]}"))
        }
    }
}
