// Noisy copies of datasets: separate seeded streams for values and derivatives.
import SobolevCore

/// A copy of `dataset` with noise on its values and on its Jacobians (if it has them). The two
/// draw from separate streams, `SeededRNG(seed: seed, stream: "noise.values")` and
/// `SeededRNG(seed: seed, stream: "noise.jacobians")`, so changing one noise model never changes
/// the other's draws. Inputs are not changed.
public func noisy(_ dataset: Dataset, valueNoise: NoiseModel, gradientNoise: NoiseModel, seed: UInt64) -> Dataset {
    var result = dataset
    var valueRNG = SeededRNG(seed: seed, stream: "noise.values")
    valueNoise.apply(to: &result.values.data, rng: &valueRNG)
    if var jacobians = result.jacobians {
        var gradientRNG = SeededRNG(seed: seed, stream: "noise.jacobians")
        gradientNoise.apply(to: &jacobians, rng: &gradientRNG)
        result.jacobians = jacobians
    }
    return result
}
