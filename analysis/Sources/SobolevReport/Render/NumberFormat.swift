// How numbers read in tables and text: four significant digits for measurements, integers as
// integers, durations in the largest sensible unit.
import Foundation

public enum NumberFormat {
    /// Four significant digits ("0.04342", "1.054", "5.697e+05"); "–" for a missing value.
    public static func short(_ v: Double?) -> String {
        guard let v else { return "–" }
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "inf" : "-inf") }
        return String(format: "%.4g", v)
    }

    /// The value as stored, without losing digits: integers without a decimal point.
    public static func exact(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(format: "%.0f", v) }
        return "\(v)"
    }

    /// "0.21 s", "3.4 min", "2.1 h".
    public static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "–" }
        if s < 120 { return String(format: s < 10 ? "%.2f s" : "%.1f s", s) }
        if s < 7200 { return String(format: "%.1f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }

    /// A count of evaluations: "1,234" or "1.2e+09" for huge ones.
    public static func count(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if v >= 1e9 { return String(format: "%.2g", v) }
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.maximumFractionDigits = 0
        return f.string(from: NSNumber(value: v.rounded(.up))) ?? String(format: "%.0f", v.rounded(.up))
    }
}
