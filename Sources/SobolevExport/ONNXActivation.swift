// phi(u) and phi'(u) of every activation as ONNX operators, in float64, by the formulas of
// SobolevCore.Activation. onnxruntime has no float64 Erf (nor Softplus), so GELU's normal CDF is
// built from a series and a continued fraction (docs/export.md), and softplus from Exp and Log.
import Foundation
import SobolevCore

enum ONNXActivation {
    /// Names of phi(u) and phi'(u).
    static func nodes(_ a: Activation, _ u: String, _ g: inout ONNXGraph) -> (phi: String, dphi: String) {
        switch a {
        case .tanh:
            let one = g.scalar(1)
            let t = g.node("Tanh", [u])
            return (t, g.node("Sub", [one, g.node("Mul", [t, t])]))
        case .sin:
            return (g.node("Sin", [u]), g.node("Cos", [u]))
        case .softplus:
            let one = g.scalar(1)
            // max(u, 0) + log(1 + exp(-|u|)): no overflow; phi' = sigmoid(u).
            let tail = g.node("Log", [g.node("Add", [one, g.node("Exp", [g.node("Neg", [g.node("Abs", [u])])])])])
            return (g.node("Add", [g.node("Relu", [u]), tail]), g.node("Sigmoid", [u]))
        case .sigmoid:
            let one = g.scalar(1)
            let s = g.node("Sigmoid", [u])
            return (s, g.node("Mul", [s, g.node("Sub", [one, s])]))
        case .silu:
            let one = g.scalar(1)
            // u s(u); phi' = s (1 + u (1 - s)).
            let s = g.node("Sigmoid", [u])
            let inner = g.node("Add", [one, g.node("Mul", [u, g.node("Sub", [one, s])])])
            return (g.node("Mul", [u, s]), g.node("Mul", [s, inner]))
        case .gelu:
            // u Phi(u); phi' = Phi + u pdf, Phi(u) = erfc(-u / sqrt 2) / 2, pdf = exp(-u^2/2) / sqrt(2 pi).
            let w = g.node("Mul", [u, g.scalar(-1 / 2.0.squareRoot())])
            let cdf = g.node("Mul", [g.scalar(0.5), erfc(w, &g)])
            let pdf = g.node("Mul", [g.node("Exp", [g.node("Mul", [g.scalar(-0.5), g.node("Mul", [u, u])])]),
                                     g.scalar(1 / (2 * Double.pi).squareRoot())])
            return (g.node("Mul", [u, cdf]), g.node("Add", [cdf, g.node("Mul", [u, pdf])]))
        }
    }

    /// Where the series hands over to the continued fraction.
    static let split = 2.5
    /// Terms of the series and depth of the continued fraction: both below 1e-15 on their ranges.
    static let seriesTerms = 40, fractionDepth = 40

    /// erfc(w) = 2 - erfc(|w|) for w < 0. For a = |w| < 2.5, 1 - erf(a) with the series
    /// erf(a) = 2/sqrt(pi) exp(-a^2) sum_n a^(2n+1) 2^n / (1 3 ... (2n+1)) (all terms positive);
    /// beyond, erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))).
    /// Both branches run on clipped arguments, so neither overflows; Where picks one.
    static func erfc(_ w: String, _ g: inout ONNXGraph) -> String {
        let a = g.node("Abs", [w])
        let small = g.node("Min", [a, g.scalar(split)])
        let large = g.node("Max", [a, g.scalar(split)])

        let twoA2 = g.node("Mul", [g.scalar(2), g.node("Mul", [small, small])])
        var term = small, sum = small
        for n in 1...seriesTerms {
            term = g.node("Mul", [g.node("Mul", [term, twoA2]), g.scalar(1 / Double(2 * n + 1))])
            sum = g.node("Add", [sum, term])
        }
        let gaussSmall = g.node("Exp", [g.node("Neg", [g.node("Mul", [small, small])])])
        let erfSmall = g.node("Mul", [g.node("Mul", [gaussSmall, sum]), g.scalar(2 / Double.pi.squareRoot())])
        let erfcSmall = g.node("Sub", [g.scalar(1), erfSmall])

        var t = large
        for k in stride(from: fractionDepth, through: 1, by: -1) {
            t = g.node("Add", [large, g.node("Div", [g.scalar(Double(k) / 2), t])])
        }
        let gaussLarge = g.node("Exp", [g.node("Neg", [g.node("Mul", [large, large])])])
        let erfcLarge = g.node("Div", [g.node("Mul", [gaussLarge, g.scalar(1 / Double.pi.squareRoot())]), t])

        let positive = g.node("Where", [g.node("Less", [a, g.scalar(split)]), erfcSmall, erfcLarge])
        return g.node("Where", [g.node("Less", [w, g.scalar(0)]), g.node("Sub", [g.scalar(2), positive]), positive])
    }
}
