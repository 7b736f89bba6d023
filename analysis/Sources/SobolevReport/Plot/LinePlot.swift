// Lines over x, each optionally with a shaded band (e.g. the inter-quartile range over seeds).
// Long series are thinned to about 600 points: more does not show at this size.
public struct LineSeries: Sendable {
    public var name: String
    public var colour: String
    public var dash: String?
    public var x: [Double]
    public var y: [Double]
    /// Lower and upper edge of a band at each x (same length as x), or nil for no band.
    public var band: (lower: [Double], upper: [Double])?
    public var width: Double
    /// Dots at the data points (for short series such as ranks).
    public var markers: Bool
    /// Whether the series gets a legend entry.
    public var inLegend: Bool

    public init(name: String, colour: String, dash: String? = nil, x: [Double], y: [Double],
                band: (lower: [Double], upper: [Double])? = nil, width: Double = 1.8, markers: Bool = false, inLegend: Bool = true) {
        self.name = name; self.colour = colour; self.dash = dash; self.x = x; self.y = y
        self.band = band; self.width = width; self.markers = markers; self.inLegend = inLegend
    }
}

public struct LinePlot: Sendable {
    public var title: String
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    public var xScale: ScaleChoice
    public var yScale: ScaleChoice
    /// Values the y axis must include (e.g. 0 and 1 for an efficiency).
    public var yInclude: [Double]

    public init(title: String, subtitle: String? = nil, xLabel: String, yLabel: String, series: [LineSeries],
                xScale: ScaleChoice = .linear, yScale: ScaleChoice = .auto, yInclude: [Double] = []) {
        self.title = title; self.subtitle = subtitle; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.xScale = xScale; self.yScale = yScale; self.yInclude = yInclude
    }

    static let maxPoints = 600

    public func svg() -> String {
        let xs = series.flatMap(\.x)
        let ys = series.flatMap { $0.y + ($0.band.map { $0.lower + $0.upper } ?? []) }
        let (x0, x1) = ChartFrame.xRange, (y0, y1) = ChartFrame.yRange
        let x = AxisScale(values: xs, choice: xScale, start: x0, end: x1)
        let y = AxisScale(values: ys, choice: yScale, start: y0, end: y1, include: yInclude)
        var bands = "", lines = ""
        for s in series {
            let keep = LinePlot.thinned(s.x.count)
            if let band = s.band {
                let upper = keep.compactMap { i in x.position(s.x[i]).flatMap { px in y.position(band.upper[i]).map { (px, $0) } } }
                let lower = keep.reversed().compactMap { i in x.position(s.x[i]).flatMap { px in y.position(band.lower[i]).map { (px, $0) } } }
                bands += SVG.polygon(upper + lower, fill: s.colour, opacity: 0.18)
            }
            let points = keep.map { i in x.position(s.x[i]).flatMap { px in y.position(s.y[i]).map { (px, $0) } } }
            lines += SVG.path(points, stroke: s.colour, width: s.width, dash: s.dash)
            if s.markers { for case let (px, py)? in points { lines += SVG.circle(px, py, r: 3.5, fill: s.colour) } }
        }
        let legend = Legend(entries: series.filter(\.inLegend).map {
            LegendEntry(label: $0.name, colour: $0.colour, dash: $0.dash)
        })
        return ChartFrame(title: title, subtitle: subtitle, xLabel: xLabel, yLabel: yLabel, x: x, y: y, legend: legend).svg(marks: bands + lines)
    }

    /// Indices kept when thinning n points to about maxPoints (always the first and the last).
    static func thinned(_ n: Int) -> [Int] {
        guard n > maxPoints else { return Array(0..<n) }
        let every = (n + maxPoints - 1) / maxPoints
        var keep = Array(stride(from: 0, to: n, by: every))
        if keep.last != n - 1 { keep.append(n - 1) }
        return keep
    }
}
