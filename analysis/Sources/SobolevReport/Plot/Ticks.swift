// Tick positions and labels: "nice" steps (1, 2, 5 x 10^k) on linear axes, powers of ten (with
// unlabelled 2..9 minor ticks) on log axes.
import Foundation

public struct Tick: Equatable, Sendable {
    public var value: Double
    /// nil for minor ticks, which get a mark but no label.
    public var label: String?
}

public enum Ticks {
    /// Ticks inside [lo, hi] at a nice step giving about `target` intervals.
    public static func linear(_ lo: Double, _ hi: Double, target: Int = 5) -> [Tick] {
        guard hi > lo else { return [Tick(value: lo, label: exponentLabel(lo))] }
        let step = niceStep((hi - lo) / Double(target))
        let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
        let decimals = max(0, -Int((log10(step)).rounded(.down)))
        let large = max(abs(lo), abs(hi)) >= 1e4, tiny = step < 1e-3
        return stride(from: first, through: last, by: 1).map { k in
            let v = k == 0 ? 0 : k * step  // never -0
            let label = large ? siLabel(v) : tiny ? exponentLabel(v) : String(format: "%.\(decimals)f", v)
            return Tick(value: v, label: label)
        }
    }

    /// Powers of ten inside [lo, hi] (both > 0), with unlabelled 2..9 minor ticks; labels thinned when
    /// there are many decades, and minor ticks labelled when fewer than two powers fall inside.
    public static func log(_ lo: Double, _ hi: Double) -> [Tick] {
        let a = Int(log10(lo).rounded(.down)), b = Int(log10(hi).rounded(.up))
        let every = max(1, (b - a + 7) / 8)
        var ticks: [Tick] = []
        for k in a...b {
            let base = pow(10, Double(k))
            ticks.append(Tick(value: base, label: (k - a) % every == 0 ? powerLabel(k) : nil))
            if every == 1 { for m in 2...9 { ticks.append(Tick(value: Double(m) * base, label: nil)) } }
        }
        ticks = ticks.filter { $0.value >= lo * (1 - 1e-12) && $0.value <= hi * (1 + 1e-12) }
        if ticks.filter({ $0.label != nil }).count < 2 {
            ticks = ticks.map { Tick(value: $0.value, label: $0.label ?? exponentLabel($0.value)) }
        }
        return ticks
    }

    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    }

    /// 10 with a superscript exponent, e.g. "10⁻³".
    static func powerLabel(_ k: Int) -> String {
        let digits: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                              "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(k).map { digits[$0]! })
    }

    /// Large values with an SI suffix: "500k", "1.5M" (throughputs read better so than 1.5e6).
    static func siLabel(_ v: Double) -> String {
        let a = abs(v)
        let (unit, suffix) = a >= 1e9 ? (1e9, "G") : a >= 1e6 ? (1e6, "M") : a >= 1e3 ? (1e3, "k") : (1, "")
        return String(format: "%g", (v / unit * 1000).rounded() / 1000) + suffix
    }

    static func exponentLabel(_ v: Double) -> String {
        v == 0 ? "0" : String(format: "%.3g", v).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e-0", with: "e-")
    }
}
