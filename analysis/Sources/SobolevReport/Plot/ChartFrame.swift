// What every chart shares: the SVG element, its title, the plot area with grid, ticks and tick
// labels, the axis labels (with units) and the legend below. Plots only draw their marks inside.
public struct ChartFrame {
    public static let width = 640.0
    static let plotHeight = 270.0
    static let left = 74.0, right = 18.0, top = 54.0, bottom = 50.0

    var title: String
    /// A second, smaller line under the title (e.g. the configuration shown).
    var subtitle: String?
    var xLabel: String
    var yLabel: String
    var x: AxisScale
    var y: AxisScale
    var legend: Legend

    /// The pixel extents the scales must be built for.
    static var xRange: (Double, Double) { (left, width - right) }
    static var yRange: (Double, Double) { (top + plotHeight, top) }

    /// The complete SVG with `marks` drawn over the grid.
    func svg(marks: String) -> String {
        let w = ChartFrame.width, legendWidth = w - ChartFrame.left - ChartFrame.right
        let height = ChartFrame.top + ChartFrame.plotHeight + ChartFrame.bottom + legend.height(width: legendWidth)
        let (x0, x1) = ChartFrame.xRange, (y0, y1) = ChartFrame.yRange
        var s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(SVG.n(w)) \(SVG.n(height))\" role=\"img\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">"
        s += "<title>\(SVG.escape(title))</title>"
        s += SVG.rect(0, 0, w, height, fill: "#ffffff")
        s += SVG.text(w / 2, 22, title, anchor: "middle", size: 15, weight: "600")
        if let subtitle { s += SVG.text(w / 2, 40, subtitle, anchor: "middle", size: 12, fill: "#555") }
        // Grid and ticks.
        for t in x.ticks {
            guard let px = x.position(t.value) else { continue }
            s += SVG.line(px, y1, px, y0, stroke: t.label == nil ? "#f1f1f1" : "#e2e2e2")
            s += SVG.line(px, y0, px, y0 + (t.label == nil ? 3 : 5), stroke: "#555")
            if let l = t.label { s += SVG.text(px, y0 + 18, l, anchor: "middle", size: 11, fill: "#444") }
        }
        for t in y.ticks {
            guard let py = y.position(t.value) else { continue }
            s += SVG.line(x0, py, x1, py, stroke: t.label == nil ? "#f1f1f1" : "#e2e2e2")
            s += SVG.line(x0 - (t.label == nil ? 3 : 5), py, x0, py, stroke: "#555")
            if let l = t.label { s += SVG.text(x0 - 8, py + 4, l, anchor: "end", size: 11, fill: "#444") }
        }
        s += marks
        s += SVG.rect(x0, y1, x1 - x0, y0 - y1, fill: "none", stroke: "#555")
        s += SVG.text((x0 + x1) / 2, y0 + 40, xLabel + (x.isLog ? " — log scale" : ""), anchor: "middle", size: 12.5)
        s += SVG.text(16, (y0 + y1) / 2, yLabel + (y.isLog ? " — log scale" : ""), anchor: "middle", size: 12.5, rotate: -90)
        s += legend.svg(x: ChartFrame.left, y: ChartFrame.top + ChartFrame.plotHeight + ChartFrame.bottom - 4, width: legendWidth)
        return s + "</svg>"
    }
}
