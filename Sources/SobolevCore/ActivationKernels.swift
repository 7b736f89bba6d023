// Vectorisable activation kernels: phi, phi', phi'' (and phi''') of a whole array in one pass.
// Every kernel is a straight-line function of one element (polynomial exp/expm1, log1p, sin/cos
// with Cody-Waite range reduction, selects instead of branches) inlined into a loop over unsafe
// pointers, which LLVM vectorises. Elements outside a kernel's fast range (huge, infinite, nan)
// are recomputed afterwards by the scalar reference `Activation.evaluate`. The algebra and the
// measured accuracy are in docs/design.md ("Activation kernels").
import Foundation

/// Branch-free scalar building blocks; each is accurate to about 1 ulp on its stated range.
enum KernelMath {
    static let log2e = 0x1.71547652b82fep+0
    static let ln2Hi = 0x1.62e42fee00000p-1   // ln 2 with 21 trailing zero bits: k ln2Hi is exact
    static let ln2Lo = 0x1.a39ef35793c76p-33
    static let shifter = 0x1.8p52              // x + shifter rounds x to an integer held in the low bits

    /// exp(x) = scale (1 + p) and expm1(x) = scale p + (scale - 1) with scale = 2^k, for
    /// x + lo in [-708, 709] (lo a small correction to x). Cody-Waite: x = k ln2 + r, |r| <= ln2/2.
    @inline(__always) static func expParts(_ x: Double, lo: Double = 0) -> (scale: Double, p: Double) {
        let kd = x * log2e + shifter
        let k = kd - shifter
        let r = (x - k * ln2Hi) - k * ln2Lo + lo
        let ki = Int64(bitPattern: kd.bitPattern &- shifter.bitPattern)
        let scale = Double(bitPattern: UInt64(bitPattern: (ki &+ 1023) &<< 52))
        return (scale, expm1Reduced(r))
    }

    /// expm1(r) for |r| <= ln2/2 + tiny: Taylor to degree 13 (remainder below 2^-56 relative).
    @inline(__always) static func expm1Reduced(_ r: Double) -> Double {
        var q = 1.0 / 6227020800          // 1/13!
        q = q * r + 1.0 / 479001600       // 1/12!
        q = q * r + 1.0 / 39916800
        q = q * r + 1.0 / 3628800
        q = q * r + 1.0 / 362880
        q = q * r + 1.0 / 40320
        q = q * r + 1.0 / 5040
        q = q * r + 1.0 / 720
        q = q * r + 1.0 / 120
        q = q * r + 1.0 / 24
        q = q * r + 1.0 / 6
        q = q * r + 0.5
        return r + (r * r) * q
    }

    /// exp(x) for x in [-708, 709].
    @inline(__always) static func exp(_ x: Double, lo: Double = 0) -> Double {
        let (scale, p) = expParts(x, lo: lo)
        return scale + scale * p
    }

    /// e = exp(-a), em = expm1(-a) for a in [0, 708] (one range reduction for both).
    @inline(__always) static func expNeg(_ a: Double) -> (e: Double, em: Double) {
        let (scale, p) = expParts(-a)
        return (scale + scale * p, scale * p + (scale - 1))
    }

    /// log1p(e) for e in [0, 1]: u = 1 + e with the rounding error's correction c, u = 2^j (1 + f),
    /// log(1 + f) = 2 atanh(s) with s = f / (2 + f), |s| <= 0.172 (series to s^23).
    @inline(__always) static func log1p01(_ e: Double) -> Double {
        let u = 1 + e
        let c = (e - (u - 1)) / u
        let big = u > 0x1.6a09e667f3bcdp+0    // sqrt 2
        let f = big ? (u - 2) * 0.5 : u - 1
        let j: Double = big ? 1 : 0
        let s = f / (2 + f)
        let w = s * s
        var R = 2.0 / 23
        R = R * w + 2.0 / 21
        R = R * w + 2.0 / 19
        R = R * w + 2.0 / 17
        R = R * w + 2.0 / 15
        R = R * w + 2.0 / 13
        R = R * w + 2.0 / 11
        R = R * w + 2.0 / 9
        R = R * w + 2.0 / 7
        R = R * w + 2.0 / 5
        R = R * w + 2.0 / 3
        R = R * w
        let hfsq = 0.5 * f * f
        return j * ln2Hi + (f - (hfsq - (s * (hfsq + R) + (j * ln2Lo + c))))
    }

    static let pio2Hi = 0x1.921fb54400000p+0    // pi/2 in three pieces of 33, 33 and 53 bits:
    static let pio2Mid = 0x1.0b4611a600000p-34  // k pio2Hi and k pio2Mid are exact for |k| < 2^20
    static let pio2Lo = 0x1.3198a2e037073p-69
    static let twoOverPi = 0x1.45f306dc9c883p-1
    /// |z| up to which the three-piece reduction is accurate (|k| < 2^17).
    static let sinCosLimit = 1.0e5

    /// sin z and cos z for |z| <= sinCosLimit: z = k pi/2 + r, |r| <= pi/4, Taylor polynomials in r.
    @inline(__always) static func sinCos(_ z: Double) -> (sin: Double, cos: Double) {
        let kd = z * twoOverPi + shifter
        let k = kd - shifter
        let r = ((z - k * pio2Hi) - k * pio2Mid) - k * pio2Lo
        let n = kd.bitPattern                    // k mod 4 in the low bits (two's complement)
        let x2 = r * r
        var ps = 1.0 / 355687428096000           // 1/17!
        ps = ps * x2 - 1.0 / 1307674368000
        ps = ps * x2 + 1.0 / 6227020800
        ps = ps * x2 - 1.0 / 39916800
        ps = ps * x2 + 1.0 / 362880
        ps = ps * x2 - 1.0 / 5040
        ps = ps * x2 + 1.0 / 120
        ps = ps * x2 - 1.0 / 6
        let s = r + (r * x2) * ps
        var pc = 1.0 / 20922789888000            // 1/16!
        pc = pc * x2 - 1.0 / 87178291200
        pc = pc * x2 + 1.0 / 479001600
        pc = pc * x2 - 1.0 / 3628800
        pc = pc * x2 + 1.0 / 40320
        pc = pc * x2 - 1.0 / 720
        pc = pc * x2 + 1.0 / 24
        // 1 - x2/2 + x2^2 pc, with the rounding error of 1 - x2/2 added back.
        let hz = 0.5 * x2, w = 1 - hz
        let c = w + (((1 - w) - hz) + (x2 * x2) * pc)
        let odd = n & 1 != 0
        let sinR = odd ? c : s, cosR = odd ? s : c
        return (n & 2 != 0 ? -sinR : sinR, (n &+ 1) & 2 != 0 ? -cosR : cosR)
    }
}

/// One activation's element function: phi, phi', phi'', phi''' of z for |z| <= `limit`; `prior`
/// is what phi' held before (GELU's first pass leaves erfc(-z/sqrt 2)/2 there).
protocol ActivationKernel {
    static var limit: Double { get }
    static func element(_ z: Double, _ prior: Double) -> (Double, Double, Double, Double)
}

/// The logistic pieces shared by sigmoid, softplus and silu, without cancellation:
/// s = sigmoid(z), d = s (1 - s), q = 1 - 2 s = -tanh(z/2), e = exp(-|z|).
@inline(__always) func logisticPieces(_ z: Double, e: Double, em: Double) -> (s: Double, d: Double, q: Double) {
    let pos = z >= 0
    let inv = 1 / (1 + e)
    let s = (pos ? 1 : e) * inv, sc = (pos ? e : 1) * inv
    return (s, s * sc, (pos ? em : -em) * inv)
}

enum TanhKernel: ActivationKernel {
    static let limit = 350.0
    // t = tanh z = -expm1(-2a)/(2 + expm1(-2a)); phi' = 1 - t^2 = 4e/(1+e)^2 with e = exp(-2a).
    @inline(__always) static func element(_ z: Double, _: Double) -> (Double, Double, Double, Double) {
        let (e, em) = KernelMath.expNeg(2 * z.magnitude)
        let t = Double(signOf: z, magnitudeOf: -em / (2 + em))
        let d = 4 * e / ((1 + e) * (1 + e))
        return (t, d, -2 * t * d, 2 * d * (3 * t * t - 1))
    }
}

enum SinKernel: ActivationKernel {
    static let limit = KernelMath.sinCosLimit
    @inline(__always) static func element(_ z: Double, _: Double) -> (Double, Double, Double, Double) {
        let (s, c) = KernelMath.sinCos(z)
        return (s, c, -s, -c)
    }
}

enum SigmoidKernel: ActivationKernel {
    static let limit = 700.0
    @inline(__always) static func element(_ z: Double, _: Double) -> (Double, Double, Double, Double) {
        let (e, em) = KernelMath.expNeg(z.magnitude)
        let (s, d, q) = logisticPieces(z, e: e, em: em)
        return (s, d, d * q, d * (q * q - 2 * d))
    }
}

enum SoftplusKernel: ActivationKernel {
    static let limit = 700.0
    // log(1 + e^z) = max(z, 0) + log1p(exp(-|z|)).
    @inline(__always) static func element(_ z: Double, _: Double) -> (Double, Double, Double, Double) {
        let (e, em) = KernelMath.expNeg(z.magnitude)
        let (s, d, q) = logisticPieces(z, e: e, em: em)
        return ((z > 0 ? z : 0) + KernelMath.log1p01(e), s, d, d * q)
    }
}

enum SiluKernel: ActivationKernel {
    static let limit = 700.0
    @inline(__always) static func element(_ z: Double, _: Double) -> (Double, Double, Double, Double) {
        let (e, em) = KernelMath.expNeg(z.magnitude)
        let (s, d, q) = logisticPieces(z, e: e, em: em)
        return (z * s, s + z * d, d * (2 + z * q), d * (3 * q + z * (q * q - 2 * d)))
    }
}

extension Activation {
    /// Runs kernel K over the array; the rare elements outside its fast range go through `evaluate`.
    @inline(__always) func sweep<K: ActivationKernel>(_: K.Type, _ z: UnsafePointer<Double>, count: Int,
                                                       _ phi: UnsafeMutablePointer<Double>,
                                                       _ dphi: UnsafeMutablePointer<Double>,
                                                       _ d2phi: UnsafeMutablePointer<Double>,
                                                       _ d3phi: UnsafeMutablePointer<Double>?) {
        let limit = K.limit, limitBits = K.limit.bitPattern
        var outside: UInt64 = 0
        if let d3phi {
            for i in 0..<count {
                let x = z[i], v = K.element(x, dphi[i])
                phi[i] = v.0; dphi[i] = v.1; d2phi[i] = v.2; d3phi[i] = v.3
                outside &+= (limitBits &- x.magnitude.bitPattern) >> 63   // 1 if |x| > limit or nan
            }
        } else {
            for i in 0..<count {
                let x = z[i], v = K.element(x, dphi[i])
                phi[i] = v.0; dphi[i] = v.1; d2phi[i] = v.2
                outside &+= (limitBits &- x.magnitude.bitPattern) >> 63   // 1 if |x| > limit or nan
            }
        }
        // A count by integer arithmetic: a flag or a select becomes an early exit that stops
        // LLVM from vectorising. It also ends the patch loop at the last outsider.
        if outside != 0 { patch(z, count: count, outside: Int(outside), limit: limit, phi, dphi, d2phi, d3phi) }
    }

    /// Recomputes the `outside` elements with |z| > limit (or nan) by the scalar reference.
    func patch(_ z: UnsafePointer<Double>, count: Int, outside: Int, limit: Double,
               _ phi: UnsafeMutablePointer<Double>, _ dphi: UnsafeMutablePointer<Double>,
               _ d2phi: UnsafeMutablePointer<Double>, _ d3phi: UnsafeMutablePointer<Double>?) {
        var left = outside
        for i in 0..<count where left > 0 && !(z[i].magnitude <= limit) {
            let v = evaluate(z[i])
            phi[i] = v.phi; dphi[i] = v.dphi; d2phi[i] = v.d2phi; d3phi?[i] = v.d3phi
            left -= 1
        }
    }

    /// Dispatches to the kernel of this activation (d3phi nil: phi''' is not written).
    func applyKernel(_ z: UnsafePointer<Double>, count: Int, _ phi: UnsafeMutablePointer<Double>,
                     _ dphi: UnsafeMutablePointer<Double>, _ d2phi: UnsafeMutablePointer<Double>,
                     _ d3phi: UnsafeMutablePointer<Double>?) {
        switch self {
        case .tanh: sweep(TanhKernel.self, z, count: count, phi, dphi, d2phi, d3phi)
        case .sin: sweep(SinKernel.self, z, count: count, phi, dphi, d2phi, d3phi)
        case .softplus: sweep(SoftplusKernel.self, z, count: count, phi, dphi, d2phi, d3phi)
        case .sigmoid: sweep(SigmoidKernel.self, z, count: count, phi, dphi, d2phi, d3phi)
        case .silu: sweep(SiluKernel.self, z, count: count, phi, dphi, d2phi, d3phi)
        case .gelu: geluSweep(z, count: count, phi, dphi, d2phi, d3phi)
        }
    }

    /// GELU: erfc(xh) / 2 by Foundation in a first scalar pass (into phi'), the rest vectorised.
    func geluSweep(_ z: UnsafePointer<Double>, count: Int, _ phi: UnsafeMutablePointer<Double>,
                   _ dphi: UnsafeMutablePointer<Double>, _ d2phi: UnsafeMutablePointer<Double>,
                   _ d3phi: UnsafeMutablePointer<Double>?) {
        for i in 0..<count { dphi[i] = 0.5 * Foundation.erfc(-z[i] / Activation.sqrt2) }
        sweep(GeluKernel.self, z, count: count, phi, dphi, d2phi, d3phi)
    }
}

/// GELU with erfc(xh) / 2 already in phi' (see `geluSweep`); the formulas of `evaluate`.
enum GeluKernel: ActivationKernel {
    static let limit = 37.0   // -z^2/2 stays in exp's normal range
    @inline(__always) static func element(_ z: Double, _ halfErfc: Double) -> (Double, Double, Double, Double) {
        let (hi, lo) = Activation.halfSquare(z)
        let pdf = KernelMath.exp(-hi, lo: -lo) * Activation.inverseSqrt2Pi
        let cdf = halfErfc - Activation.sqrt2 * Activation.gaussianArgument(z).lo * pdf
        return (z * cdf, cdf + z * pdf, pdf * (2 - z * z), z * pdf * (z * z - 4))
    }
}
