// Timing of the activation kernels against the scalar reference, in ns per element (a figure for
// `sobolev bench` or a throwaway driver, not a test).
import Foundation

/// ns per element of one activation: the scalar `evaluate` loop and the vectorised `apply`.
public struct ActivationTiming: Sendable {
    public var activation: Activation
    public var scalarNanoseconds: Double
    public var kernelNanoseconds: Double
    public var speedup: Double { scalarNanoseconds / kernelNanoseconds }
}

extension Activation {
    /// Times phi, phi', phi'' of `count` pre-activations uniform in [-4, 4] (seeded), each way
    /// repeated for about `seconds`; the best of five rounds counts.
    public static func timeKernels(count: Int = 4096, seconds: Double = 0.1) -> [ActivationTiming] {
        var rng = SeededRNG(seed: 1, stream: "activation-timing")
        let z = (0..<count).map { _ in rng.uniform(-4, 4) }
        var phi = [Double](repeating: 0, count: count), dphi = phi, d2phi = phi
        return allCases.map { activation in
            let scalar = bestTime(count: count, seconds: seconds) {
                for i in 0..<count {
                    let v = activation.evaluate(z[i])
                    phi[i] = v.phi; dphi[i] = v.dphi; d2phi[i] = v.d2phi
                }
            }
            let kernel = bestTime(count: count, seconds: seconds) {
                activation.apply(z, count: count, phi: &phi, dphi: &dphi, d2phi: &d2phi)
            }
            return ActivationTiming(activation: activation, scalarNanoseconds: scalar, kernelNanoseconds: kernel)
        }
    }

    /// ns per element of `body` (which handles `count` elements): the best of five timed rounds,
    /// by the thread's CPU time (a busy machine deschedules the thread; that time does not count).
    static func bestTime(count: Int, seconds: Double, _ body: () -> Void) -> Double {
        let start = threadSeconds()
        var calls = 0
        repeat { body(); calls += 1 } while threadSeconds() - start < seconds / 10
        let repeats = Swift.max(1, calls * 2)   // about seconds / 5 per round
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = threadSeconds()
            for _ in 0..<repeats { body() }
            best = Swift.min(best, threadSeconds() - t0)
        }
        return best / Double(repeats * count) * 1e9
    }

    static func threadSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
