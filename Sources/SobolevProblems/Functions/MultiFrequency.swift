// A sum of sines of several frequencies: the 1-D probe of spectral bias (Rahaman et al. 2019,
// "On the Spectral Bias of Neural Networks"): networks fit low frequencies first, so the error
// per frequency shows what value-only and Sobolev training learn when.
import Foundation
import SobolevCore

/// f(x) = sum_k a_k sin(2 pi nu_k x + phi_k) on [-1, 1],
/// f'(x) = sum_k 2 pi nu_k a_k cos(2 pi nu_k x + phi_k).
///
/// Defaults: frequencies nu = (1, 4, 16), amplitudes a = (1, 1, 1), phases phi = (0, 0, 0).
/// Equal amplitudes make every component matter equally in the value loss, so the late fit
/// of nu = 16 is spectral bias and not a small-target effect; in the derivative the
/// components weigh 2 pi nu a_k (6.3, 25, 100), so Sobolev training puts most of its loss on
/// the highest frequency. Integer frequencies give whole periods on [-1, 1] (length 2), so
/// the per-frequency projection (`frequencyAmplitudes`) is exact on a grid of more than
/// 2 * 16 * 2 = 64 points; 32 periods of nu = 16 need about 8 points per period, i.e. 256
/// training samples, to be resolved from values alone.
public struct MultiFrequency: AnalyticFunction {
    public let frequencies: [Double]
    public let amplitudes: [Double]
    public let phases: [Double]

    public static let defaultFrequencies: [Double] = [1, 4, 16]

    /// `amplitudes` default to 1 and `phases` to 0 for each frequency.
    public init(frequencies: [Double] = MultiFrequency.defaultFrequencies,
                amplitudes: [Double]? = nil, phases: [Double]? = nil) {
        precondition(!frequencies.isEmpty, "multifrequency needs at least one frequency")
        self.frequencies = frequencies
        self.amplitudes = amplitudes ?? Array(repeating: 1, count: frequencies.count)
        self.phases = phases ?? Array(repeating: 0, count: frequencies.count)
        precondition(self.amplitudes.count == frequencies.count && self.phases.count == frequencies.count,
                     "multifrequency needs one amplitude and one phase per frequency")
    }

    public var name: String { "multifrequency" }
    public var inputDimension: Int { 1 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-1.0...1.0] }

    public func values(at x: [Double]) -> [Double] {
        var f = 0.0
        for k in frequencies.indices {
            f += amplitudes[k] * sin(2 * .pi * frequencies[k] * x[0] + phases[k])
        }
        return [f]
    }

    public func jacobian(at x: [Double]) -> [Double] {
        var g = 0.0
        for k in frequencies.indices {
            let omega = 2 * .pi * frequencies[k]
            g += omega * amplitudes[k] * cos(omega * x[0] + phases[k])
        }
        return [g]
    }

    /// f''(x) = -sum_k (2 pi nu_k)^2 a_k sin(2 pi nu_k x + phi_k).
    public func hessian(at x: [Double]) -> [Double] {
        var h = 0.0
        for k in frequencies.indices {
            let omega = 2 * .pi * frequencies[k]
            h -= omega * omega * amplitudes[k] * sin(omega * x[0] + phases[k])
        }
        return [h]
    }
}
