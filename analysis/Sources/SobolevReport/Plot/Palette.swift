// Colours that stay apart on a laptop screen and in print: Tableau 10 for configurations, darker
// tones for weighting schemes (so a scheme line never looks like a configuration line).
import Foundation

public enum Palette {
    static let categoricalColours = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                     "#b07aa1", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"]
    static let schemeColours = ["#1a1a1a", "#b2182b", "#2166ac", "#1b7837", "#762a83", "#8c510a", "#01665e"]
    public static let neutral = "#888888"
    /// The truth in 1-D prediction charts: drawn first, thick and dark, under the predictions.
    public static let truth = "#222222"

    /// Colour i of the configurations; past the table, hues spaced by the golden angle.
    public static func categorical(_ i: Int) -> String {
        i < categoricalColours.count ? categoricalColours[i] : hsl(Double(i) * 137.508, 0.55, 0.45)
    }

    public static func scheme(_ i: Int) -> String {
        i < schemeColours.count ? schemeColours[i] : hsl(Double(i) * 137.508 + 20, 0.6, 0.3)
    }

    /// Dash patterns to tell lines of the same colour apart.
    public static func dash(_ i: Int) -> String? {
        let patterns: [String?] = [nil, "6 3", "2 3", "8 3 2 3", "1 2"]
        return patterns[i % patterns.count]
    }

    /// Hex colour of hue h (degrees), saturation s and lightness l in [0, 1].
    static func hsl(_ h: Double, _ s: Double, _ l: Double) -> String {
        let c = (1 - abs(2 * l - 1)) * s
        let hp = h.truncatingRemainder(dividingBy: 360) / 60
        let x = c * (1 - abs(hp.truncatingRemainder(dividingBy: 2) - 1))
        let (r, g, b): (Double, Double, Double) = switch Int(hp) {
        case 0: (c, x, 0)
        case 1: (x, c, 0)
        case 2: (0, c, x)
        case 3: (0, x, c)
        case 4: (x, 0, c)
        default: (c, 0, x)
        }
        let m = l - c / 2
        return String(format: "#%02x%02x%02x", Int((r + m) * 255), Int((g + m) * 255), Int((b + m) * 255))
    }
}
