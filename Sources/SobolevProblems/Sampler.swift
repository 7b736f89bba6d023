// Input samplers: points in the unit cube [0, 1)^d, mapped affinely to a problem's box.
import SobolevCore

/// How training inputs are placed in the domain.
public enum SamplerKind: String, CaseIterable, Sendable {
    /// Independent uniform points.
    case uniform
    /// Latin hypercube (McKay, Beckman & Conover 1979): one point per stratum and dimension.
    case latinHypercube = "latin_hypercube"
    /// Halton's low-discrepancy sequence (Halton 1960).
    case halton
    /// Sobol's low-discrepancy sequence (Sobol 1967) with Joe & Kuo (2008) direction numbers.
    case sobol
}

/// A seeded sampler of one kind. Every random draw comes from
/// `SeededRNG(seed: seed, stream: "sampler." + kind.rawValue)`, so a seed gives the same points
/// everywhere.
///
/// `randomized` (default true) concerns the two low-discrepancy sequences only:
/// - Halton: random digit-permutation scrambling (an independent random permutation of the
///   digits 0..<b for each dimension and digit position, applied to the 53-bit-deep expansion;
///   Owen 2017, "A randomized Halton algorithm in R"). The sequence starts at index 1, i.e.
///   the origin (index 0) is skipped, with or without randomization: unrandomized, the first
///   points are (1/2, 1/3), (1/4, 2/3), (3/4, 1/9), ...
/// - Sobol: a random digital shift (each coordinate's 32 bits XOR a random 32-bit word per
///   dimension), which keeps the (t, m, s)-net property. The sequence starts at index 0 (the
///   origin when unrandomized) and no point is skipped (Owen 2020, "On dropping the first
///   Sobol' point"); counts that are powers of 2 give balanced nets.
/// Unrandomized sequences ignore the seed. Uniform and Latin hypercube points are always random.
public struct Sampler: Sendable, Equatable {
    public var kind: SamplerKind
    public var seed: UInt64
    public var randomized: Bool

    public init(kind: SamplerKind, seed: UInt64, randomized: Bool = true) {
        self.kind = kind; self.seed = seed; self.randomized = randomized
    }

    /// The largest dimension the Sobol sampler supports (the hard-coded direction numbers).
    public static var sobolMaximumDimension: Int { SobolDirectionNumbers.maximumDimension }
    /// The most points the Sobol sampler gives (its 32-bit fractions).
    public static var sobolMaximumCount: Int { 1 << SobolSequence.bits }

    /// A generated problem's test inputs, the same for every run: a dense grid up to 3 inputs, the
    /// unrandomized Sobol points up to Sobol's dimension limit, above it a Latin hypercube drawn
    /// from seed 0 (`testSetKind` names the choice).
    public static func testInputs(count: Int, domain: [ClosedRange<Double>]) -> Matrix {
        switch testSetKind(dimension: domain.count) {
        case nil: return grid(count: count, domain: domain)
        case .sobol?: return Sampler(kind: .sobol, seed: 0, randomized: false).samples(count: count, domain: domain)
        case let kind?: return Sampler(kind: kind, seed: 0).samples(count: count, domain: domain)
        }
    }

    /// The sampler of the test set in `dimension` inputs (nil: the dense grid).
    public static func testSetKind(dimension: Int) -> SamplerKind? {
        dimension <= 3 ? nil : dimension <= sobolMaximumDimension ? .sobol : .latinHypercube
    }

    /// `count` points in [0, 1)^dimension, one per row.
    public func unitSamples(count: Int, dimension: Int) -> Matrix {
        precondition(count >= 0 && dimension >= 1, "sampler needs count >= 0 and dimension >= 1")
        var rng = SeededRNG(seed: seed, stream: "sampler." + kind.rawValue)
        switch kind {
        case .uniform:
            var points = Matrix(rows: count, cols: dimension)
            for i in 0..<points.data.count { points.data[i] = rng.uniform() }
            return points
        case .latinHypercube:
            return LatinHypercube.points(count: count, dimension: dimension, rng: &rng)
        case .halton:
            let halton = randomized ? HaltonSequence(dimension: dimension, rng: &rng) : HaltonSequence(dimension: dimension)
            return halton.points(count: count)
        case .sobol:
            let sobol = randomized ? SobolSequence(dimension: dimension, rng: &rng) : SobolSequence(dimension: dimension)
            return sobol.points(count: count)
        }
    }

    /// `count` points in the box `domain` (one range per dimension): x = lo + (hi - lo) u for the
    /// unit samples u.
    public func samples(count: Int, domain: [ClosedRange<Double>]) -> Matrix {
        var points = unitSamples(count: count, dimension: domain.count)
        Sampler.map(&points, to: domain)
        return points
    }

    /// Maps unit-cube points (rows) affinely onto the box `domain`.
    static func map(_ points: inout Matrix, to domain: [ClosedRange<Double>]) {
        precondition(points.cols == domain.count, "domain has \(domain.count) ranges, points \(points.cols) columns")
        for r in 0..<points.rows {
            for (c, range) in domain.enumerated() {
                let u = points[r, c]
                points[r, c] = range.lowerBound + (range.upperBound - range.lowerBound) * u
            }
        }
    }
}
