// Samplers: boxes, seeds, strata, the known unrandomized sequences, and uniformity.
import Foundation
import SobolevCore
import Testing
@testable import SobolevProblems

private let box: [ClosedRange<Double>] = [-15...(-5), -3...3, 0...1]

@Test("points lie in the box", arguments: SamplerKind.allCases)
func pointsLieInTheBox(kind: SamplerKind) {
    for randomized in [true, false] {
        let sampler = Sampler(kind: kind, seed: 3, randomized: randomized)
        let unit = sampler.unitSamples(count: 300, dimension: 5)
        #expect(unit.rows == 300 && unit.cols == 5)
        #expect(unit.data.allSatisfy { $0 >= 0 && $0 < 1 })
        let points = sampler.samples(count: 300, domain: box)
        #expect(points.cols == 3)
        for i in 0..<points.rows {
            for (j, range) in box.enumerated() { #expect(range.contains(points[i, j])) }
        }
    }
}

@Test("same seed, same points; other seed, other points", arguments: SamplerKind.allCases)
func seedsDetermineThePoints(kind: SamplerKind) {
    let a = Sampler(kind: kind, seed: 11).unitSamples(count: 64, dimension: 3)
    let b = Sampler(kind: kind, seed: 11).unitSamples(count: 64, dimension: 3)
    let c = Sampler(kind: kind, seed: 12).unitSamples(count: 64, dimension: 3)
    #expect(a == b)
    #expect(a != c)
}

@Test func unrandomizedSequencesIgnoreTheSeed() {
    for kind in [SamplerKind.halton, .sobol] {
        #expect(Sampler(kind: kind, seed: 1, randomized: false).unitSamples(count: 32, dimension: 4)
            == Sampler(kind: kind, seed: 2, randomized: false).unitSamples(count: 32, dimension: 4))
    }
}

@Test func latinHypercubeHasOnePointPerStratum() {
    for n in [1, 7, 100, 256] {
        let points = Sampler(kind: .latinHypercube, seed: 5).unitSamples(count: n, dimension: 4)
        for j in 0..<4 {
            let strata = points.column(j).map { Int(($0 * Double(n)).rounded(.down)) }
            #expect(strata.sorted() == Array(0..<n))
        }
    }
}

@Test func haltonStartsWithTheRadicalInverses() {
    let points = Sampler(kind: .halton, seed: 0, randomized: false).unitSamples(count: 6, dimension: 3)
    let base2: [Double] = [1.0 / 2, 1.0 / 4, 3.0 / 4, 1.0 / 8, 5.0 / 8, 3.0 / 8]
    let base3: [Double] = [1.0 / 3, 2.0 / 3, 1.0 / 9, 4.0 / 9, 7.0 / 9, 2.0 / 9]
    let base5: [Double] = [1.0 / 5, 2.0 / 5, 3.0 / 5, 4.0 / 5, 1.0 / 25, 6.0 / 25]
    for i in 0..<6 {
        #expect(abs(points[i, 0] - base2[i]) < 1e-15)
        #expect(abs(points[i, 1] - base3[i]) < 1e-15)
        #expect(abs(points[i, 2] - base5[i]) < 1e-15)
    }
}

@Test func sobolStartsWithTheKnownSequence() {
    let points = Sampler(kind: .sobol, seed: 0, randomized: false).unitSamples(count: 8, dimension: 3)
    let expected: [[Double]] = [
        [0, 0, 0], [0.5, 0.5, 0.5], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75],
        [0.375, 0.375, 0.625], [0.875, 0.875, 0.125], [0.625, 0.125, 0.875], [0.125, 0.625, 0.375],
    ]
    #expect(points == Matrix(expected))
}

@Test func sobolPowerOfTwoCountsFillEveryDyadicIntervalOnce() {
    // Each 1-D projection of the first 2^m points is a (0, m, 1)-net, digitally shifted or not.
    for randomized in [false, true] {
        let points = Sampler(kind: .sobol, seed: 9, randomized: randomized)
            .unitSamples(count: 256, dimension: Sampler.sobolMaximumDimension)
        for j in 0..<points.cols {
            let cells = points.column(j).map { Int($0 * 256) }
            #expect(cells.sorted() == Array(0..<256), "dimension \(j + 1)")
        }
    }
    #expect(Sampler.sobolMaximumDimension >= 16)
}

/// Star-discrepancy proxy: the largest error of the point fraction as an estimate of the volume
/// of random origin-anchored boxes [0, a) x [0, b).
private func volumeError(_ points: Matrix) -> Double {
    var rng = SeededRNG(seed: 2024, stream: "boxes")
    var worst = 0.0
    for _ in 0..<1_000 {
        let a = rng.uniform(), b = rng.uniform()
        var inside = 0
        for i in 0..<points.rows where points[i, 0] < a && points[i, 1] < b { inside += 1 }
        worst = max(worst, abs(Double(inside) / Double(points.rows) - a * b))
    }
    return worst
}

@Test func lowDiscrepancySequencesEstimateVolumesBetterThanUniform() {
    let uniform = (1...3).map { volumeError(Sampler(kind: .uniform, seed: $0).unitSamples(count: 256, dimension: 2)) }.min()!
    for kind in [SamplerKind.halton, .sobol] {
        for randomized in [false, true] {
            let error = volumeError(Sampler(kind: kind, seed: 4, randomized: randomized).unitSamples(count: 256, dimension: 2))
            #expect(error < uniform, "\(kind) randomized \(randomized): \(error) vs uniform \(uniform)")
        }
    }
}

@Test func sobolMatchesJoeKuoDirectionNumbersInAllDimensions() {
    // Points 77 and 12345 of the unshifted 28-dimensional sequence, times 2^20, as produced by
    // an independent implementation with the same new-joe-kuo-6.21201 table.
    let expected: [Int: [Int]] = [
        77: [876544, 876544, 8192, 811008, 876544, 532480, 237568, 679936, 188416, 450560, 139264, 827392, 516096, 352256,
             1040384, 73728, 860160, 925696, 827392, 8192, 155648, 925696, 909312, 827392, 892928, 712704, 843776, 385024],
        12345: [672064, 852928, 168128, 552384, 931648, 61760, 133440, 118848, 840768, 450496, 77888, 627904, 976192, 987584,
                36160, 671936, 65600, 53440, 334912, 360128, 208960, 85184, 636480, 904640, 462784, 310080, 383808, 505408],
    ]
    let points = Sampler(kind: .sobol, seed: 0, randomized: false).unitSamples(count: 12346, dimension: 28)
    for (index, coordinates) in expected {
        #expect(points.row(index) == coordinates.map { Double($0) / 1_048_576 }, "point \(index)")
    }
}
