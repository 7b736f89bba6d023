// Noise models and noisy datasets.
import Foundation
import SobolevCore
import Testing
@testable import SobolevProblems

private func meanAndStandardDeviation(_ x: [Double]) -> (Double, Double) {
    let mean = x.reduce(0, +) / Double(x.count)
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
    return (mean, variance.squareRoot())
}

@Test func gaussianNoiseHasTheRequestedStandardDeviation() {
    var noise = [Double](repeating: 0, count: 20_000)
    var rng = SeededRNG(seed: 1)
    NoiseModel(kind: .gaussian, level: 0.3).apply(to: &noise, rng: &rng)
    let (mean, sd) = meanAndStandardDeviation(noise)
    #expect(abs(mean) < 4 * 0.3 / (20_000.0).squareRoot())
    #expect(abs(sd - 0.3) < 0.03 * 0.3)
}

@Test func uniformNoiseIsBoundedWithTheRequestedStandardDeviation() {
    var noise = [Double](repeating: 0, count: 20_000)
    var rng = SeededRNG(seed: 2)
    NoiseModel(kind: .uniform, level: 0.1).apply(to: &noise, rng: &rng)
    let (mean, sd) = meanAndStandardDeviation(noise)
    #expect(noise.allSatisfy { abs($0) <= 0.1 })
    #expect(abs(mean) < 4 * 0.1 / (3 * 20_000.0).squareRoot())
    #expect(abs(sd - 0.1 / 3.0.squareRoot()) < 0.03 * 0.1 / 3.0.squareRoot())
}

@Test func noNoiseLeavesDataAndGeneratorUntouched() {
    let original = (0..<100).map { Double($0) * 0.37 - 5 }
    for model in [NoiseModel.none, NoiseModel(kind: .none, level: 3), NoiseModel(kind: .gaussian, level: 0)] {
        var data = original
        var rng = SeededRNG(seed: 3)
        let before = rng
        model.apply(to: &data, rng: &rng)
        #expect(data == original)
        var a = rng, b = before
        #expect(a.next() == b.next())
    }
    let dataset = Sine().dataset(at: Sampler.grid(count: 50, domain: [-1...1]))
    #expect(noisy(dataset, valueNoise: .none, gradientNoise: .none, seed: 9) == dataset)
}

@Test func valueAndDerivativeNoiseUseIndependentStreams() throws {
    let dataset = Franke().dataset(at: Sampler(kind: .sobol, seed: 1).samples(count: 64, domain: Franke().domain))
    let gaussian = NoiseModel(kind: .gaussian, level: 0.1), uniform = NoiseModel(kind: .uniform, level: 0.2)
    let both = noisy(dataset, valueNoise: gaussian, gradientNoise: uniform, seed: 4)
    let valuesOnly = noisy(dataset, valueNoise: gaussian, gradientNoise: .none, seed: 4)
    let gradientsOnly = noisy(dataset, valueNoise: .none, gradientNoise: uniform, seed: 4)
    #expect(both.inputs == dataset.inputs)
    #expect(both.values == valuesOnly.values && valuesOnly.jacobians == dataset.jacobians)
    #expect(both.jacobians == gradientsOnly.jacobians && gradientsOnly.values == dataset.values)
    #expect(both.values != dataset.values && both.jacobians != dataset.jacobians)
    // Changing the gradient noise's kind leaves the value noise as it was.
    let otherGradient = noisy(dataset, valueNoise: gaussian, gradientNoise: gaussian, seed: 4)
    #expect(otherGradient.values == both.values)
    // Same seed, same noise; other seed, other noise; the two streams differ.
    #expect(noisy(dataset, valueNoise: gaussian, gradientNoise: uniform, seed: 4) == both)
    #expect(noisy(dataset, valueNoise: gaussian, gradientNoise: uniform, seed: 5) != both)
    let valueNoise = zip(valuesOnly.values.data, dataset.values.data).map { $0 - $1 }
    let jacobians = try #require(dataset.jacobians)
    let sameKind = noisy(dataset, valueNoise: .none, gradientNoise: gaussian, seed: 4)
    let gradientNoise = zip(try #require(sameKind.jacobians), jacobians).map { $0 - $1 }
    #expect(abs(valueNoise[0] - gradientNoise[0]) > 1e-9)
}

@Test func datasetsWithoutJacobiansGetValueNoiseOnly() {
    let dataset = Dataset(inputs: Matrix([[0], [1]]), values: Matrix([[1], [2]]), jacobians: nil)
    let result = noisy(dataset, valueNoise: NoiseModel(kind: .uniform, level: 0.1),
                       gradientNoise: NoiseModel(kind: .gaussian, level: 1), seed: 1)
    #expect(result.jacobians == nil && result.values != dataset.values)
}
