// Activation functions with the first and second derivatives that the Sobolev backward pass needs
// (the tangent channel t = phi'(z) zt is differentiated again: d t / d z = phi''(z) zt).
import Foundation

/// A hidden-layer activation phi with phi' and phi''.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case tanh, sin, softplus, sigmoid, gelu, silu

    /// phi(z), phi'(z), phi''(z).
    @inlinable public func evaluate(_ z: Double) -> (phi: Double, dphi: Double, d2phi: Double) {
        switch self {
        case .tanh:
            let t = Foundation.tanh(z)
            let d = 1 - t * t
            return (t, d, -2 * t * d)
        case .sin:
            let s = Foundation.sin(z), c = Foundation.cos(z)
            return (s, c, -s)
        case .softplus:
            // log(1 + e^z) computed without overflow; phi' = sigmoid, phi'' = s(1 - s).
            let sp = z > 0 ? z + Foundation.log1p(Foundation.exp(-z)) : Foundation.log1p(Foundation.exp(z))
            let s = Activation.logistic(z)
            return (sp, s, s * (1 - s))
        case .sigmoid:
            let s = Activation.logistic(z)
            let d = s * (1 - s)
            return (s, d, d * (1 - 2 * s))
        case .gelu:
            // Exact GELU: z Phi(z); phi' = Phi + z pdf; phi'' = pdf (2 - z^2).
            let pdf = Foundation.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
            let cdf = 0.5 * Foundation.erfc(-z / 2.0.squareRoot())
            return (z * cdf, cdf + z * pdf, pdf * (2 - z * z))
        case .silu:
            // z s(z); phi' = s (1 + z (1 - s)); phi'' = s (1 - s) (2 + z (1 - 2 s)).
            let s = Activation.logistic(z)
            return (z * s, s * (1 + z * (1 - s)), s * (1 - s) * (2 + z * (1 - 2 * s)))
        }
    }

    /// Applies phi to `z` elementwise, writing phi, phi' and phi'' (one switch, then a tight loop).
    public func apply(_ z: UnsafePointer<Double>, count: Int,
                      phi: UnsafeMutablePointer<Double>, dphi: UnsafeMutablePointer<Double>,
                      d2phi: UnsafeMutablePointer<Double>) {
        switch self {
        case .tanh:
            for i in 0..<count {
                let t = Foundation.tanh(z[i]); let d = 1 - t * t
                phi[i] = t; dphi[i] = d; d2phi[i] = -2 * t * d
            }
        case .sin:
            for i in 0..<count {
                let s = Foundation.sin(z[i]), c = Foundation.cos(z[i])
                phi[i] = s; dphi[i] = c; d2phi[i] = -s
            }
        default:
            for i in 0..<count {
                let e = evaluate(z[i])
                phi[i] = e.phi; dphi[i] = e.dphi; d2phi[i] = e.d2phi
            }
        }
    }

    @inlinable static func logistic(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + Foundation.exp(-z)) : { let e = Foundation.exp(z); return e / (1 + e) }()
    }
}
