// The few SVG pieces the charts are made of, as text. Text content is escaped here, once.
import Foundation

enum SVG {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with one decimal: enough on screen, short in the file.
    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    /// anchor: "start", "middle" or "end"; rotate: degrees about the anchor point.
    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Double = 12,
                     weight: String? = nil, fill: String = "#222", rotate: Double? = nil) -> String {
        let transform = rotate.map { " transform=\"rotate(\(n($0)) \(n(x)) \(n(y)))\"" } ?? ""
        let bold = weight.map { " font-weight=\"\($0)\"" } ?? ""
        return "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(n(size))\"\(bold) fill=\"\(fill)\"\(transform)>\(escape(s))</text>"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, opacity: Double? = nil) -> String {
        "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill)\"\(stroke.map { " stroke=\"\($0)\"" } ?? "")\(opacity.map { " fill-opacity=\"\($0)\"" } ?? "")/>"
    }

    /// Polyline through the points; nil points break the line (values a log axis cannot show).
    static func path(_ points: [(Double, Double)?], stroke: String, width: Double, dash: String?) -> String {
        var d = "", pen = false
        for p in points {
            guard let (x, y) = p else { pen = false; continue }
            d += (pen ? "L" : "M") + n(x) + " " + n(y)
            pen = true
        }
        guard !d.isEmpty else { return "" }
        return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\" stroke-linejoin=\"round\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    /// A closed filled polygon (bands).
    static func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) -> String {
        guard points.count > 2 else { return "" }
        return "<path d=\"M" + points.map { n($0.0) + " " + n($0.1) }.joined(separator: "L") + "Z\" fill=\"\(fill)\" fill-opacity=\"\(opacity)\" stroke=\"none\"/>"
    }

    static func circle(_ x: Double, _ y: Double, r: Double, fill: String, opacity: Double = 1) -> String {
        "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\"\(opacity < 1 ? " fill-opacity=\"\(opacity)\"" : "")/>"
    }
}
