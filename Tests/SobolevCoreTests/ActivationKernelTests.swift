// The vectorised activation kernels (`Activation.apply`) against Foundation's scalar functions
// (`Activation.evaluate`) and against the exact derivatives in 80-bit extended precision, on a
// dense grid and at extremes.
import Foundation
import Testing
@testable import SobolevCore

/// An exact value (80-bit) and its scale: the sum of the magnitudes of the terms its formula adds.
/// Where the terms cancel (a zero of phi''' of tanh, say) no float64 formula is accurate relative
/// to the value; it is relative to this scale.
private typealias Exact = (value: Float80, scale: Float80)

/// phi, phi', phi'', phi''' exactly, with their scales (a tuple: no allocation per point).
private func exact(_ activation: Activation, _ x: Double) -> (Exact, Exact, Exact, Exact) {
    let z = Float80(x), a = Swift.abs(z)
    // Logistic pieces: s, d = s(1 - s), q = 1 - 2s, from e = exp(-|z|) without cancellation.
    let e = Foundation.exp(-a), em = Foundation.expm1(-a)
    let s = (z >= 0 ? 1 : e) / (1 + e), sc = (z >= 0 ? e : 1) / (1 + e)
    let d = s * sc, q = (z >= 0 ? em : -em) / (1 + e)
    switch activation {
    case .tanh:
        let t = Foundation.tanh(z), c = Foundation.cosh(z), dt = 1 / (c * c)
        return ((t, Swift.abs(t)), (dt, dt), (-2 * t * dt, 2 * Swift.abs(t) * dt),
                (2 * dt * (3 * t * t - 1), 2 * dt * (3 * t * t + 1)))
    case .sin:
        let sn = Foundation.sin(z), cs = Foundation.cos(z)
        return ((sn, Swift.abs(sn)), (cs, Swift.abs(cs)), (-sn, Swift.abs(sn)), (-cs, Swift.abs(cs)))
    case .sigmoid:
        return ((s, s), (d, d), (d * q, Swift.abs(d * q)), (d * (q * q - 2 * d), d * (q * q + 2 * d)))
    case .softplus:
        let sp = Swift.max(z, 0) + Foundation.log1p(e)
        return ((sp, sp), (s, s), (d, d), (d * q, Swift.abs(d * q)))
    case .silu:
        return ((z * s, Swift.abs(z * s)), (s + z * d, s + Swift.abs(z * d)),
                (d * (2 + z * q), d * (2 + Swift.abs(z * q))),
                (d * (3 * q + z * (q * q - 2 * d)), d * (3 * Swift.abs(q) + a * (q * q + 2 * d))))
    case .gelu:
        let cdf = 0.5 * Foundation.erfc(-z / Float80(2).squareRoot())
        let pdf = Foundation.exp(-z * z / 2) / (2 * Float80.pi).squareRoot()
        return ((z * cdf, Swift.abs(z * cdf)), (cdf + z * pdf, cdf + a * pdf),
                (pdf * (2 - z * z), pdf * (2 + z * z)), (z * pdf * (z * z - 4), a * pdf * (z * z + 4)))
    }
}

/// |got - want| in ulps of `scale` (0 when equal, including equal infinities and two nans). Below
/// 2^-1006 the unit stays 2^-1058: such results come from subnormal intermediates (exp(-z^2/2) at
/// |z| > 37.6, say) multiplied by factors up to 2^16, and keep only their absolute accuracy.
private func ulps(_ got: Double, _ want: Float80, scale: Float80) -> Double {
    if got.isNaN && want.isNaN { return 0 }
    if Float80(got) == want { return 0 }
    if !got.isFinite || !want.isFinite { return .infinity }
    let unit = Swift.max(Double(scale).ulp, 0x1p-1058)
    return Double(Swift.abs(Float80(got) - want)) / unit
}

private let outputs = ["phi", "phi'", "phi''", "phi'''"]

/// apply with phi''' over `z`, as four arrays.
private func kernel(_ activation: Activation, _ z: [Double]) -> [[Double]] {
    var phi = [Double](repeating: .nan, count: z.count), dphi = phi, d2phi = phi, d3phi = phi
    activation.apply(z, count: z.count, phi: &phi, dphi: &dphi, d2phi: &d2phi, d3phi: &d3phi)
    return [phi, dphi, d2phi, d3phi]
}

/// The largest error of each output over `z`, for the kernel and for Foundation's `evaluate`.
private func maxErrors(_ activation: Activation, _ z: [Double]) -> (kernel: [Double], foundation: [Double]) {
    let k = kernel(activation, z)
    var kernelMax = [Double](repeating: 0, count: 4), foundationMax = kernelMax
    func record(_ j: Int, _ i: Int, _ reference: Double, _ truth: Exact) {
        kernelMax[j] = Swift.max(kernelMax[j], ulps(k[j][i], truth.value, scale: truth.scale))
        foundationMax[j] = Swift.max(foundationMax[j], ulps(reference, truth.value, scale: truth.scale))
    }
    for i in z.indices {
        let truth = exact(activation, z[i]), f = activation.evaluate(z[i])
        record(0, i, f.phi, truth.0); record(1, i, f.dphi, truth.1)
        record(2, i, f.d2phi, truth.2); record(3, i, f.d3phi, truth.3)
    }
    return (kernelMax, foundationMax)
}

@Suite("Activation kernels")
struct ActivationKernelTests {
    /// Bounds (ulps of the scale) for phi, phi', phi'', phi''' over the dense grid and the extremes.
    /// Measured maxima of the kernels on the grid (x86-64, 2026-11-23), and of `evaluate` with
    /// Foundation's functions in brackets:
    ///   tanh     2.49 3.76 5.21 4.52   (1.94 3.76 4.42 3.01)
    ///   sin      1.45 1.44 1.45 1.44   (0.52 0.51 0.52 0.51)
    ///   softplus 1.65 2.64 4.21 7.01   (1.49 2.24 3.92 5.62)
    ///   sigmoid  2.64 4.21 7.01 9.36   (2.24 3.92 5.62 6.87)
    ///   gelu     3.55 3.21 3.30 3.89   (3.55 3.59 3.79 4.30)
    ///   silu     3.39 4.90 5.40 6.26   (3.05 4.90 5.27 5.81)
    static let bound: [Activation: [Double]] = [
        .tanh: [3, 4, 6, 5], .sin: [2, 2, 2, 2], .softplus: [2, 3, 5, 8],
        .sigmoid: [3, 5, 8, 10], .gelu: [4, 4, 4, 4], .silu: [4, 5, 6, 7],
    ]

    @Test("Dense grid: 10^6 points over [-40, 40], kernel within a few ulp of the exact derivatives",
          arguments: Activation.allCases)
    func denseGrid(_ activation: Activation) {
        let n = 1_000_000
        // An odd count exercises the loop's scalar tail; the step 80/(n-1) hits no special value.
        let z = (0..<(n + 1)).map { -40 + 80 * Double($0) / Double(n) }
        let (k, f) = maxErrors(activation, z)
        for j in 0..<4 {
            #expect(k[j] <= Self.bound[activation]![j], "\(activation) \(outputs[j]): \(k[j]) ulp")
            // The reference itself is no better than a few ulp: the bound is not looser than it needs.
            #expect(f[j] <= Self.bound[activation]![j] + 1, "evaluate \(activation) \(outputs[j]): \(f[j]) ulp")
        }
    }

    @Test("Extremes: 0, tiny, subnormal, +-20, +-710, +-1e300 and the scalar fallback in one array",
          arguments: Activation.allCases)
    func extremes(_ activation: Activation) {
        let magnitudes = [0, Double.leastNonzeroMagnitude, Double("1e-310")!, Double.leastNormalMagnitude, 1e-300,
                          1e-8, 0.5, 20, 36.5, 38, 349, 351, 699, 701, 710, 1e3, 1e5, 2e5, 1e300,
                          Double.greatestFiniteMagnitude]
        let z = magnitudes.flatMap { [$0, -$0] }
        let (k, f) = maxErrors(activation, z)
        for j in 0..<4 {
            #expect(k[j] <= Self.bound[activation]![j], "\(activation) \(outputs[j]): \(k[j]) ulp")
            #expect(f[j] <= Self.bound[activation]![j] + 1, "evaluate \(activation) \(outputs[j]): \(f[j]) ulp")
        }
    }

    @Test("Infinities give the limits, nan gives nan", arguments: Activation.allCases)
    func nonFinite(_ activation: Activation) {
        let z = [Double.infinity, -Double.infinity, Double.nan, 1.0]
        let k = kernel(activation, z)
        let limits: [Activation: [[Double]]] = [
            .tanh: [[1, 0, 0, 0], [-1, 0, 0, 0]], .sigmoid: [[1, 0, 0, 0], [0, 0, 0, 0]],
            .softplus: [[.infinity, 1, 0, 0], [0, 0, 0, 0]], .gelu: [[.infinity, 1, 0, 0], [0, 0, 0, 0]],
            .silu: [[.infinity, 1, 0, 0], [0, 0, 0, 0]],
        ]
        for j in 0..<4 {
            if let limit = limits[activation] {
                #expect(k[j][0] == limit[0][j] && k[j][1] == limit[1][j], "\(activation) \(outputs[j]) at +-inf")
            } else {
                #expect(k[j][0].isNaN && k[j][1].isNaN, "sin at +-inf is nan")
            }
            #expect(k[j][2].isNaN, "\(activation) \(outputs[j]) at nan")
            #expect(k[j][3].isFinite, "\(activation) \(outputs[j]) next to nan")
        }
    }

    @Test("apply without phi\'\'\' writes the same phi, phi\', phi\'\' as with it", arguments: Activation.allCases)
    func threeOutputs(_ activation: Activation) {
        let z = (0..<1003).map { -30 + 0.06 * Double($0) } + [.infinity, 1e300, -800]
        let four = kernel(activation, z)
        var phi = [Double](repeating: .nan, count: z.count), dphi = phi, d2phi = phi
        activation.apply(z, count: z.count, phi: &phi, dphi: &dphi, d2phi: &d2phi)
        let bits = { (x: [Double]) in x.map(\.bitPattern) }
        #expect(bits(phi) == bits(four[0]) && bits(dphi) == bits(four[1]) && bits(d2phi) == bits(four[2]),
                "\(activation)")
    }

    @Test("phi''' of the kernel against central differences of its phi'' (and phi'' of phi')",
          arguments: Activation.allCases)
    func derivativesAgainstDifferences(_ activation: Activation) {
        // The Hessian terms' backward pass reads phi''': the chain phi' -> phi'' -> phi''' checked
        // by differences of the kernel's own outputs, independently of the exact formulas.
        let z = (0..<161).map { -8 + 0.1 * Double($0) }, h = 1e-5
        let at = kernel(activation, z)
        let plus = kernel(activation, z.map { $0 + h }), minus = kernel(activation, z.map { $0 - h })
        for r in 2...3 {
            for i in z.indices {
                let fd = (plus[r - 1][i] - minus[r - 1][i]) / (2 * h)
                #expect(abs(at[r][i] - fd) < 1e-8 * max(1, abs(fd)), "\(activation) \(outputs[r]) at \(z[i]): \(at[r][i]) vs \(fd)")
            }
        }
    }
}
