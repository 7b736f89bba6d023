// Activation functions with the first and second derivatives that the Sobolev backward pass needs
// (the tangent channel t = phi'(z) zt is differentiated again: d t / d z = phi''(z) zt), and the
// third derivative for steps that differentiate once more.
import Foundation

/// A hidden-layer activation phi with phi', phi'' and phi'''.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case tanh, sin, softplus, sigmoid, gelu, silu

    /// phi(z), phi'(z), phi''(z), phi'''(z) through Foundation's scalar functions: the reference
    /// the kernels of `apply` are tested against. The formulas avoid cancellation where they can
    /// (1 - tanh^2 as 4e/(1+e)^2, 1 - 2 sigmoid as -tanh(z/2)); the kernels use the same ones.
    @inlinable public func evaluate(_ z: Double) -> (phi: Double, dphi: Double, d2phi: Double, d3phi: Double) {
        switch self {
        case .tanh:
            // phi' = 1 - t^2, phi'' = -2 t phi', phi''' = 2 phi' (3 t^2 - 1).
            let t = Foundation.tanh(z), e = Foundation.exp(-2 * z.magnitude)
            let d = 4 * e / ((1 + e) * (1 + e))
            return (t, d, -2 * t * d, 2 * d * (3 * t * t - 1))
        case .sin:
            let s = Foundation.sin(z), c = Foundation.cos(z)
            return (s, c, -s, -c)
        case .softplus:
            // log(1 + e^z) = max(z, 0) + log1p(e^-|z|); phi' = sigmoid.
            let (s, d, q) = Activation.logistic(z)
            return ((z > 0 ? z : 0) + Foundation.log1p(Foundation.exp(-z.magnitude)), s, d, d * q)
        case .sigmoid:
            // s' = d = s (1 - s), s'' = d (1 - 2s), s''' = d ((1 - 2s)^2 - 2d).
            let (s, d, q) = Activation.logistic(z)
            return (s, d, d * q, d * (q * q - 2 * d))
        case .gelu:
            // Exact GELU: z Phi(z); phi' = Phi + z pdf; phi'' = pdf (2 - z^2); phi''' = z pdf (z^2 - 4).
            if z.isInfinite { return (z > 0 ? z : 0, z > 0 ? 1 : 0, 0, 0) }
            let w = Swift.min(Swift.max(z, -64), 64)   // Phi and pdf are exact (0, 1) beyond
            let (hi, lo) = Activation.halfSquare(w)
            let e = Foundation.exp(-hi)
            let pdf = (e - e * lo) * Activation.inverseSqrt2Pi
            let (xh, xl) = Activation.gaussianArgument(w)
            let cdf = 0.5 * Foundation.erfc(xh) - Activation.sqrt2 * xl * pdf
            let z2 = w * w
            return (z * cdf, cdf + z * pdf, pdf * (2 - z2), z * pdf * (z2 - 4))
        case .silu:
            // z s; phi' = s + z s'; phi'' = 2 s' + z s''; phi''' = 3 s'' + z s'''.
            if z.isInfinite { return (z > 0 ? z : 0, z > 0 ? 1 : 0, 0, 0) }
            let (s, d, q) = Activation.logistic(z)
            return (z * s, s + z * d, d * (2 + z * q), d * (3 * q + z * (q * q - 2 * d)))
        }
    }

    /// Applies phi to `z` elementwise, writing phi, phi' and phi'' (vectorised kernels, one pass).
    /// The outputs must not overlap `z` or each other.
    public func apply(_ z: UnsafePointer<Double>, count: Int,
                      phi: UnsafeMutablePointer<Double>, dphi: UnsafeMutablePointer<Double>,
                      d2phi: UnsafeMutablePointer<Double>) {
        applyKernel(z, count: count, phi, dphi, d2phi, nil)
    }

    /// Applies phi to `z` elementwise, writing phi, phi', phi'' and phi''' (one pass).
    public func apply(_ z: UnsafePointer<Double>, count: Int,
                      phi: UnsafeMutablePointer<Double>, dphi: UnsafeMutablePointer<Double>,
                      d2phi: UnsafeMutablePointer<Double>, d3phi: UnsafeMutablePointer<Double>) {
        applyKernel(z, count: count, phi, dphi, d2phi, d3phi)
    }

    @usableFromInline static let inverseSqrt2Pi = 0x1.9884533d43651p-2
    @usableFromInline static let sqrt2 = 0x1.6a09e667f3bcdp+0

    /// z^2 / 2 = hi + lo, hi the rounded value and lo its error (Dekker's exact product with a
    /// Veltkamp split of z, |z| <= 2^500): exp(-z^2/2) from the rounded z^2 alone would be off by
    /// up to z^2/2 ulp (680 ulp at z = 37).
    @inlinable static func halfSquare(_ z: Double) -> (hi: Double, lo: Double) {
        let c = 134217729 * z, zh = c - (c - z), zl = z - zh
        let p = z * z
        let err = ((zh * zh - p) + (2 * zh) * zl) + zl * zl
        return (0.5 * p, 0.5 * err)
    }

    /// -z / sqrt 2 = xh + xl (xl the rounding error of xh, by Dekker's exact product), so that
    /// Phi(z) = erfc(xh + xl) / 2 = erfc(xh) / 2 - sqrt 2 xl pdf(z) to first order: the rounded
    /// argument alone would cost up to z^2 ulp in the tail.
    @inlinable static func gaussianArgument(_ z: Double) -> (hi: Double, lo: Double) {
        let sqrt2 = Activation.sqrt2, sqrt2Lo = -0x1.bdd3413b26456p-54
        let sqrt2Head = 0x1.6a09e68000000p+0, sqrt2Tail = -0x1.80c4330000000p-28   // sqrt2 split in 26 bits
        let xh = -z / Activation.sqrt2
        let c = 134217729 * xh, ah = c - (c - xh), al = xh - ah
        let p = xh * sqrt2
        let err = ((ah * sqrt2Head - p) + ah * sqrt2Tail + al * sqrt2Head) + al * sqrt2Tail
        return (xh, (((-z - p) - err) - xh * sqrt2Lo) / sqrt2)
    }

    /// s = sigmoid(z), d = s (1 - s) and q = 1 - 2 s, each without cancellation.
    @inlinable static func logistic(_ z: Double) -> (s: Double, d: Double, q: Double) {
        let e = Foundation.exp(-z.magnitude), em = Foundation.expm1(-z.magnitude)
        let pos = z >= 0
        let s = (pos ? 1 : e) / (1 + e), sc = (pos ? e : 1) / (1 + e)
        return (s, s * sc, (pos ? em : -em) / (1 + e))
    }
}
