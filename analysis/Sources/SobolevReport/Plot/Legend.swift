// The key of a chart, below the plot area: a line (or dot) sample in the series' colour and dash,
// then its name. Long names are shortened on screen and kept whole in a hover title.
public struct LegendEntry: Sendable {
    public enum Mark: Sendable { case line, dot }
    public var label: String
    public var colour: String
    public var dash: String?
    public var mark: Mark

    public init(label: String, colour: String, dash: String? = nil, mark: Mark = .line) {
        self.label = label; self.colour = colour; self.dash = dash; self.mark = mark
    }
}

struct Legend {
    var entries: [LegendEntry]
    static let rowHeight = 18.0
    static let characterWidth = 6.6

    /// Two columns when the names are short enough for half the width, else one.
    func columns(width: Double) -> Int {
        let longest = entries.map(\.label.count).max() ?? 0
        return Double(longest) * Legend.characterWidth + 40 < width / 2 ? 2 : 1
    }

    func height(width: Double) -> Double {
        entries.isEmpty ? 0 : Double((entries.count + columns(width: width) - 1) / columns(width: width)) * Legend.rowHeight + 8
    }

    func svg(x: Double, y: Double, width: Double) -> String {
        let cols = columns(width: width)
        let columnWidth = width / Double(cols)
        let maxCharacters = Int((columnWidth - 40) / Legend.characterWidth)
        var out = "<g class=\"legend\">"
        for (i, e) in entries.enumerated() {
            let ex = x + Double(i % cols) * columnWidth, ey = y + Double(i / cols) * Legend.rowHeight + 12
            switch e.mark {
            case .line: out += SVG.line(ex, ey - 4, ex + 26, ey - 4, stroke: e.colour, width: 2.5, dash: e.dash)
            case .dot: out += SVG.circle(ex + 13, ey - 4, r: 4, fill: e.colour)
            }
            let shown = e.label.count > maxCharacters ? String(e.label.prefix(max(4, maxCharacters - 1))) + "…" : e.label
            out += "<g><title>\(SVG.escape(e.label))</title>" + SVG.text(ex + 32, ey, shown, size: 12) + "</g>"
        }
        return out + "</g>"
    }
}
