// Known minima and values of the analytic problems.
import SobolevCore
import Testing
@testable import SobolevProblems

private func value(_ f: any AnalyticFunction, _ x: [Double]) -> Double { f.values(at: x)[0] }
private func gradientNorm(_ f: any AnalyticFunction, _ x: [Double]) -> Double {
    f.jacobian(at: x).reduce(0) { $0 + $1 * $1 }.squareRoot()
}

@Test func exactGlobalMinimaAreZeroWithZeroGradient() {
    let cases: [(any AnalyticFunction, [Double])] = [
        (Ackley(), [0, 0]), (Beale(), [3, 0.5]), (Booth(), [1, 3]), (Bukin6(), [-10, 1]),
        (Rosenbrock(), [1, 1]), (Rosenbrock(dimension: 5), [1, 1, 1, 1, 1]), (Ackley(dimension: 4), [0, 0, 0, 0]),
    ]
    for (f, x) in cases {
        #expect(abs(value(f, x)) < 1e-12, "\(f.name) at \(x)")
        #expect(gradientNorm(f, x) < 1e-12, "\(f.name) gradient at \(x)")
    }
}

@Test func mcCormickMinimum() {
    let f = McCormick(), x = [-0.54719, -1.54719]
    #expect(abs(value(f, x) - -1.9133) < 1e-4)
    #expect(gradientNorm(f, x) < 1e-4)
}

@Test func styblinskiTangMinimum() {
    // The quoted -39.16599 per dimension is rounded; the exact minimum is -39.1661657...
    for d in [2, 3] {
        let f = StyblinskiTang(dimension: d), x = Array(repeating: -2.903534, count: d)
        #expect(abs(value(f, x) - -39.16599 * Double(d)) < 2e-4 * Double(d))
        #expect(gradientNorm(f, x) < 1e-4)
    }
}

@Test func mullerBrownMinima() {
    let f = MullerBrown()
    #expect(abs(value(f, [-0.558, 1.442]) - -146.70) < 0.01)
    // Minima located to 1e-8 by a simplex search of an independent implementation.
    let minima: [([Double], Double)] = [
        ([-0.55822364, 1.44172584], -146.69951720995402),
        ([0.62349941, 0.02803776], -108.1667241168524),
        ([-0.05001082, 0.46669411], -80.76781812965905),
    ]
    for (x, e) in minima {
        #expect(abs(f.energy(at: x) - e) < 1e-6)
        #expect(gradientNorm(f, x) < 1e-3)
    }
    // The global minimum is the lowest point of a dense grid of the domain.
    let grid = Sampler.grid(count: 40_000, domain: f.domain)
    let lowest = (0..<grid.rows).map { f.energy(at: grid.row($0)) }.min()!
    #expect(lowest >= minima[0].1 && lowest < minima[0].1 + 0.5)
}

@Test func frankeKnownValues() {
    let f = Franke()
    #expect(abs(value(f, [0, 0]) - 0.7664205912849231) < 1e-12)
    #expect(abs(value(f, [2.0 / 9, 2.0 / 9]) - 1.2131375795209642) < 1e-12)
    #expect(abs(value(f, [0.5, 0.5]) - 0.3257620892806842) < 1e-12)
}

@Test func multiFrequencyAndSineValues() {
    let f = MultiFrequency()
    // sin(2 pi 0.125) + sin(2 pi 0.5) + sin(2 pi 2) = sqrt(2)/2.
    #expect(abs(value(f, [0.125]) - 0.5.squareRoot()) < 1e-12)
    #expect(abs(f.jacobian(at: [0])[0] - 2 * .pi * 21) < 1e-12)
    #expect(abs(value(Sine(), [0.25]) - 1) < 1e-15)
}
