// The plotting module's decisions: when an axis goes logarithmic, which ticks it gets.
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct PlotTests {
        @Test func logScaleOnlyWhenValuesSpanMoreThanTwoDecades() {
            #expect(AxisScale(values: [0.001, 1], choice: .auto, start: 0, end: 1).isLog)
            #expect(!AxisScale(values: [1, 100], choice: .auto, start: 0, end: 1).isLog)  // exactly 100: linear
            #expect(!AxisScale(values: [0, 1e-6, 1], choice: .auto, start: 0, end: 1).isLog)  // a zero cannot be shown on a log axis
        }

        @Test func logTicksArePowersOfTenWithSuperscripts() {
            let labels = Ticks.log(0.0009, 1.2).compactMap(\.label)
            #expect(labels == ["10⁻³", "10⁻²", "10⁻¹", "10⁰"])
        }

        @Test func linearTicksAreNiceAndInside() {
            let ticks = Ticks.linear(-0.04, 1.04)
            #expect(ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        }

        @Test func largeTicksGetSISuffixes() {
            #expect(Ticks.linear(0, 1.5e6).map(\.label) == ["0", "500k", "1M", "1.5M"])
        }

        @Test func chartHasTitleAxisLabelsAndLegend() {
            let svg = LinePlot(title: "Training loss: value term", xLabel: "step", yLabel: "loss (normalised units)",
                               series: [LineSeries(name: "a & b", colour: "#4e79a7", x: [0, 1, 2], y: [1, 0.01, 0.0001])]).svg()
            #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
            #expect(svg.contains("<title>Training loss: value term</title>"))
            #expect(svg.contains(">step</text>") && svg.contains("loss (normalised units) — log scale"))
            #expect(svg.contains("a &amp; b"))  // legend text escaped
        }

        @Test func legendFactorsSharedSettingsAndWrapsLongNamesInsteadOfCuttingThem() {
            let shared = "model.width=8 training.optimizer=adam training.learning_rate=0.003 model.hidden=[3, 3]"
            let names = [shared + " loss.lambda_grad=0", shared + " loss.lambda_grad=1"]
            let legend = Legend(entries: names.map { LegendEntry(label: $0, colour: "#000") })
            #expect(legend.factored.common == ["model.width=8", "training.optimizer=adam", "training.learning_rate=0.003", "model.hidden=[3, 3]"])
            #expect(legend.factored.labels == ["loss.lambda_grad=0", "loss.lambda_grad=1"])
            let svg = legend.svg(x: 0, y: 0, width: 300)
            #expect(svg.contains(">all: model.width=8") && svg.contains(">loss.lambda_grad=0<") && svg.contains(">loss.lambda_grad=1<"))
            #expect(!svg.contains("…"))
            // Names with nothing in common wrap at spaces within the column; every word is shown.
            let long = (0..<12).map { "key\($0)=value\($0)" }.joined(separator: " ")
            let one = Legend(entries: [LegendEntry(label: long, colour: "#000"), LegendEntry(label: "x=1", colour: "#111")])
            let (_, rows, _) = one.layout(width: 300)
            #expect(rows.flatMap { $0 }[0].count > 1 && rows.flatMap { $0 }[0].joined(separator: " ") == long)
            #expect(one.height(width: 300) > Legend(entries: [LegendEntry(label: "a", colour: "#000"), LegendEntry(label: "b", colour: "#111")]).height(width: 300))
        }
    }
}
