// Per-frequency amplitudes of a residual.
import Foundation
import SobolevCore
import Testing
@testable import SobolevProblems

@Test func projectionRecoversComponentAmplitudes() {
    // Residual 0.3 sin(8 pi x + 0.7) + 0.05 cos(32 pi x) + 1.0 sin(4 pi x) + 0.2.
    func residual(_ x: Double) -> Double {
        0.3 * sin(2 * .pi * 4 * x + 0.7) + 0.05 * cos(2 * .pi * 16 * x) + sin(2 * .pi * 2 * x) + 0.2
    }
    let f = MultiFrequency()
    let periodic = f.periodicGrid(count: 256).column(0)
    #expect(periodic.first == -1 && periodic.count == 256 && abs(periodic.last! - (1 - 2.0 / 256)) < 1e-15)
    let linspace = Sampler.grid(count: 257, domain: f.domain).column(0)
    for (grid, endpoint) in [(periodic, false), (linspace, true)] {
        let amplitudes = f.frequencyAmplitudes(ofResidual: grid.map(residual), includesEndpoint: endpoint)
        #expect(zip(amplitudes, [0, 0.3, 0.05]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(amplitudes)")
        let mean = MultiFrequency.frequencyAmplitudes(of: grid.map(residual), frequencies: [0, 2],
                                                      includesEndpoint: endpoint)
        #expect(abs(mean[0] - 0.2) < 1e-12 && abs(mean[1] - 1) < 1e-12)
    }
}

@Test func defaultSignalHasUnitAmplitudeAtEachFrequency() {
    let f = MultiFrequency(amplitudes: [1, 0.5, 2], phases: [0.1, 0.2, 0.3])
    let values = f.dataset(at: f.periodicGrid(count: 128)).values.data
    let amplitudes = f.frequencyAmplitudes(ofResidual: values)
    #expect(zip(amplitudes, [1, 0.5, 2]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(amplitudes)")
}
