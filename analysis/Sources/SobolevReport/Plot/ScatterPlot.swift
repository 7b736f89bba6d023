// Points in colour groups; as a parity plot (predicted against true) with equal axes and the
// diagonal y = x, on which a perfect surrogate would lie.
public struct ScatterSeries: Sendable {
    public var name: String
    public var colour: String
    public var x: [Double]
    public var y: [Double]

    public init(name: String, colour: String, x: [Double], y: [Double]) {
        self.name = name; self.colour = colour; self.x = x; self.y = y
    }
}

public struct ScatterPlot: Sendable {
    public var title: String
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    public var series: [ScatterSeries]
    /// Same range on both axes and the line y = x.
    public var parity: Bool

    public init(title: String, subtitle: String? = nil, xLabel: String, yLabel: String, series: [ScatterSeries], parity: Bool = false) {
        self.title = title; self.subtitle = subtitle; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.parity = parity
    }

    public func svg() -> String {
        let xs = series.flatMap(\.x), ys = series.flatMap(\.y)
        let (x0, x1) = ChartFrame.xRange, (y0, y1) = ChartFrame.yRange
        let x = AxisScale(values: parity ? xs + ys : xs, choice: .linear, start: x0, end: x1)
        let y = AxisScale(values: parity ? xs + ys : ys, choice: .linear, start: y0, end: y1)
        var marks = ""
        if parity, let a = x.position(x.lower), let b = x.position(x.upper), let c = y.position(x.lower), let d = y.position(x.upper) {
            marks += SVG.line(a, c, b, d, stroke: "#555", width: 1.2, dash: "5 4")
        }
        for s in series {
            // One group per series carries the colour, so each dot is just its position.
            marks += "<g fill=\"\(s.colour)\" fill-opacity=\"0.7\">"
            for i in 0..<min(s.x.count, s.y.count) {
                guard let px = x.position(s.x[i]), let py = y.position(s.y[i]) else { continue }
                marks += "<circle cx=\"\(SVG.n(px))\" cy=\"\(SVG.n(py))\" r=\"2.2\"/>"
            }
            marks += "</g>"
        }
        var entries = series.map { LegendEntry(label: $0.name, colour: $0.colour, mark: .dot) }
        if parity { entries.append(LegendEntry(label: "y = x (perfect prediction)", colour: "#555", dash: "5 4")) }
        return ChartFrame(title: title, subtitle: subtitle, xLabel: xLabel, yLabel: yLabel, x: x, y: y, legend: Legend(entries: entries)).svg(marks: marks)
    }
}
