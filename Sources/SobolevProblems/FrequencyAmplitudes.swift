// Per-frequency error of a 1-D fit: project a sampled residual onto the sin/cos pair of each
// frequency (a discrete Fourier transform evaluated only at the frequencies of interest), as in
// the spectral-bias experiments of Rahaman et al. 2019.
import Foundation
import SobolevCore

extension MultiFrequency {
    /// The amplitude of each frequency nu in a residual r sampled on a uniform grid of the
    /// interval [lo, hi] (length L = hi - lo):
    ///
    ///     C(nu) = (2/L) sum_j w_j r(x_j) cos(2 pi nu x_j),  S(nu) = (2/L) sum_j w_j r(x_j) sin(2 pi nu x_j)
    ///     amplitude(nu) = sqrt(C^2 + S^2)       (for nu = 0: |(1/L) sum_j w_j r(x_j)|)
    ///
    /// so a component a sin(2 pi nu x + phi) of r gives |a|. Grids:
    /// - `includesEndpoint == false` (default): x_j = lo + j L / N, j = 0..<N (the periodic
    ///   grid, `periodicGrid(count:)`), weights w_j = L / N;
    /// - `includesEndpoint == true`: x_j = lo + j L / (N - 1), j = 0..<N (a linspace such as
    ///   `Sampler.grid` in 1-D), trapezoidal weights (half weight at both ends).
    /// The projection is exact (components of other frequencies give 0) when every nu L is an
    /// integer, i.e. whole periods on the interval, and the grid has more than 2 nu L points
    /// (no aliasing); otherwise it is a leakage-affected estimate.
    public static func frequencyAmplitudes(of residual: [Double], frequencies: [Double],
                                           domain: ClosedRange<Double> = -1.0...1.0,
                                           includesEndpoint: Bool = false) -> [Double] {
        let n = residual.count
        precondition(n >= 2, "frequency amplitudes need at least 2 samples")
        let length = domain.upperBound - domain.lowerBound
        let h = length / Double(includesEndpoint ? n - 1 : n)
        var weights = [Double](repeating: h, count: n)
        if includesEndpoint { weights[0] = h / 2; weights[n - 1] = h / 2 }
        return frequencies.map { nu in
            var c = 0.0, s = 0.0
            for j in 0..<n {
                let x = domain.lowerBound + Double(j) * h
                let wr = weights[j] * residual[j]
                c += wr * cos(2 * .pi * nu * x)
                s += wr * sin(2 * .pi * nu * x)
            }
            if nu == 0 { return abs(c) / length }
            return 2 / length * (c * c + s * s).squareRoot()
        }
    }

    /// The amplitude of each of this signal's frequencies in `residual`, sampled on a uniform
    /// grid of [-1, 1] (see the static form for grids and exactness).
    public func frequencyAmplitudes(ofResidual residual: [Double], includesEndpoint: Bool = false) -> [Double] {
        Self.frequencyAmplitudes(of: residual, frequencies: frequencies, domain: domain[0],
                                 includesEndpoint: includesEndpoint)
    }

    /// The periodic grid x_j = -1 + 2 j / N, j = 0..<N, as an N x 1 matrix: the right-end point
    /// is left out because it repeats x_0 for whole periods.
    public func periodicGrid(count: Int) -> Matrix {
        precondition(count >= 1, "grid needs at least one point")
        let lo = domain[0].lowerBound, length = domain[0].upperBound - lo
        return Matrix(rows: count, cols: 1, data: (0..<count).map { lo + Double($0) * length / Double(count) })
    }
}
