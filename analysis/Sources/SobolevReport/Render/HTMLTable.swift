// A table whose columns sort on a click (the page's only script). Numeric cells carry their exact
// value in data-v so they sort as numbers, not as the text shown.
public struct TableCell: Sendable {
    public var html: String
    public var sortValue: Double?

    public static func text(_ s: String) -> TableCell { TableCell(html: HTML.escape(s), sortValue: nil) }
    public static func number(_ v: Double?, _ shown: String? = nil) -> TableCell {
        TableCell(html: HTML.escape(shown ?? NumberFormat.short(v)), sortValue: v.flatMap { $0.isFinite ? $0 : nil })
    }
    public static func raw(_ html: String) -> TableCell { TableCell(html: html, sortValue: nil) }
}

struct HTMLTable {
    var headers: [String]
    var rows: [[TableCell]]
    /// Column the rows are already sorted by (marked in the header), if any.
    var sortedBy: Int?
    var sortedAscending = true

    func html() -> String {
        var s = "<table class=\"sortable\"><thead><tr>"
        for (i, h) in headers.enumerated() {
            let mark = i == sortedBy ? " data-dir=\"\(sortedAscending ? "asc" : "desc")\"" : ""
            s += "<th\(mark) title=\"click to sort\">\(HTML.escape(h))</th>"
        }
        s += "</tr></thead><tbody>\n"
        for row in rows {
            s += "<tr>" + row.map { c in
                let numeric = c.sortValue != nil || c.html == "–"
                let v = c.sortValue.map { " data-v=\"\($0)\"" } ?? (numeric ? " data-v=\"\"" : "")
                return "<td\(v)\(numeric ? " class=\"num\"" : "")>\(c.html)</td>"
            }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>"
    }
}
