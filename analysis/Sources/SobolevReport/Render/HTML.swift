// Escaping and the small HTML pieces the sections share.
enum HTML {
    static func escape(_ s: String) -> String { SVG.escape(s) }

    /// A coloured square before a name: the colour that name has in every chart.
    static func swatch(_ colour: String) -> String {
        "<span class=\"swatch\" style=\"background:\(colour)\"></span>"
    }

    static func section(_ id: String, _ title: String, _ body: String) -> String {
        "<section id=\"\(id)\"><h2>\(escape(title))</h2>\n\(body)\n</section>\n"
    }

    /// Charts side by side, as many per row as the window allows.
    static func charts(_ svgs: [String]) -> String {
        "<div class=\"charts\">" + svgs.map { "<figure>\($0)</figure>" }.joined(separator: "\n") + "</div>"
    }

    static func paragraph(_ text: String) -> String { "<p>\(escape(text))</p>" }
}
