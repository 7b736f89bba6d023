// The key of a chart, below the plot area: a line (or dot) sample in the series' colour and dash,
// then its name. Settings all series share go on one line above them; a long name wraps (and is
// whole in a hover title).
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
    static let lineHeight = 14.0
    static let characterWidth = 6.6

    /// The key=value settings every entry shares (one line above the entries, "all: ..."), and
    /// each entry's own: two series of a grid differ in their last axis as often as in their
    /// first, so a name cut at the width could hide what tells them apart.
    var factored: (common: [String], labels: [String]) {
        let tokens = entries.map { Legend.settings($0.label) }
        guard entries.count > 1 else { return ([], entries.map(\.label)) }
        let common = tokens[0].filter { t in t.contains("=") && tokens.allSatisfy { $0.contains(t) } }
        let own = tokens.map { $0.filter { !common.contains($0) }.joined(separator: " ") }
        return own.contains(where: \.isEmpty) ? ([], entries.map(\.label)) : (common, own)
    }

    /// A label's space-separated words, a bracketed value ("model.hidden=[3, 3]") one word.
    static func settings(_ label: String) -> [String] {
        var words: [String] = [], word = "", depth = 0
        for ch in label {
            if ch == "[" || ch == "{" || ch == "(" { depth += 1 }
            if ch == "]" || ch == "}" || ch == ")" { depth = max(depth - 1, 0) }
            if ch == " " && depth == 0 {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else { word.append(ch) }
        }
        return word.isEmpty ? words : words + [word]
    }

    /// Two columns when the names are short enough for half the width, else one.
    static func columns(_ labels: [String], width: Double) -> Int {
        let longest = labels.map(\.count).max() ?? 0
        return Double(longest) * Legend.characterWidth + 40 < width / 2 ? 2 : 1
    }

    /// `text` in lines of at most `characters`, broken at spaces (a longer word is a line).
    static func wrapped(_ text: String, _ characters: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > characters { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        return lines + (line.isEmpty ? [] : [line])
    }

    /// Each row's lines (the entries in it wrapped at their column's width), after the header's.
    func layout(width: Double) -> (header: [String], rows: [[[String]]], columns: Int) {
        let (common, labels) = factored
        let cols = Legend.columns(labels, width: width)
        let perEntry = Int((width / Double(cols) - 40) / Legend.characterWidth)
        let header = common.isEmpty ? [] : Legend.wrapped("all: " + common.joined(separator: " "), Int((width - 8) / Legend.characterWidth))
        let wrapped = labels.map { Legend.wrapped($0, max(perEntry, 8)) }
        let rows = stride(from: 0, to: wrapped.count, by: cols).map { Array(wrapped[$0..<min($0 + cols, wrapped.count)]) }
        return (header, rows, cols)
    }

    func height(width: Double) -> Double {
        guard !entries.isEmpty else { return 0 }
        let (header, rows, _) = layout(width: width)
        let lines = rows.map { row in Double(row.map(\.count).max() ?? 1) }
        return Double(header.count) * Legend.lineHeight + lines.reduce(0) { $0 + Legend.rowHeight + ($1 - 1) * Legend.lineHeight } + 8
    }

    func svg(x: Double, y: Double, width: Double) -> String {
        let (header, rows, cols) = layout(width: width)
        let columnWidth = width / Double(cols)
        var out = "<g class=\"legend\">"
        var ey = y + 12
        for line in header {
            out += SVG.text(x, ey, line, size: 12, fill: "#555")
            ey += Legend.lineHeight
        }
        for (r, row) in rows.enumerated() {
            for (c, lines) in row.enumerated() {
                let e = entries[r * cols + c], ex = x + Double(c) * columnWidth
                switch e.mark {
                case .line: out += SVG.line(ex, ey - 4, ex + 26, ey - 4, stroke: e.colour, width: 2.5, dash: e.dash)
                case .dot: out += SVG.circle(ex + 13, ey - 4, r: 4, fill: e.colour)
                }
                out += "<g><title>\(SVG.escape(e.label))</title>"
                for (k, line) in lines.enumerated() { out += SVG.text(ex + 32, ey + Double(k) * Legend.lineHeight, line, size: 12) }
                out += "</g>"
            }
            ey += Legend.rowHeight + Double((row.map(\.count).max() ?? 1) - 1) * Legend.lineHeight
        }
        return out + "</g>"
    }
}
