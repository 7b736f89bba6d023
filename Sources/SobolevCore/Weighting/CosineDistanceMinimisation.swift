// CD_min (Kilicsoy et al., IEEE Access 12, 2024): per term i, min_lambda 1 - cos(g, g_i) subject
// to lambda >= 1, with g = sum_j lambda_j g_j. The exact derivative (docs/weighting.md)
//     d cos_i / d lambda_i = (|g_i| / |g|) (1 - cos_i^2) >= 0
// makes one projected descent step
//     lambda_i <- clip(lambda_i + eta (|g_i| / |g|) (1 - cos_i^2), 1, lambda_max),
// all cos_i taken at the lambdas before the step. The step's lambdas include the update.

public struct CosineDistanceWeighting: WeightingScheme {
    public var name: String { "cdmin" }
    /// Descent step eta_lambda and the clip lambda_max (not given in the paper).
    public let eta: Double
    public let lambdaMax: Double
    public private(set) var current: [Double]

    public init(termCount: Int, eta: Double, lambdaMax: Double) {
        precondition(lambdaMax >= 1, "lambda_max must be >= 1")
        self.eta = eta; self.lambdaMax = lambdaMax
        current = Array(repeating: 1, count: termCount)
    }

    /// d cos(g, g_i) / d lambda_i for g = sum_j lambda_j g_j, from |g_i|, |g| and g . g_i;
    /// 0 where a norm vanishes (no direction to align).
    public static func cosineDerivative(termNorm: Double, totalNorm: Double, dot: Double) -> Double {
        guard termNorm > 0, totalNorm > 0 else { return 0 }
        let cos = dot / (totalNorm * termNorm)
        return termNorm / totalNorm * (1 - cos * cos)
    }

    /// The Gram matrix of the term gradients, every step.
    public var readsTermGradients: Bool { true }

    public mutating func lambdas(for input: WeightingInput) -> [Double] {
        let n = current.count
        // |g|^2 and g . g_i from the term Gram matrix G_ij = g_i . g_j.
        var gram = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let v = input.dot(i, j); gram[i * n + j] = v; gram[j * n + i] = v } }
        var total2 = 0.0
        for i in 0..<n { for j in 0..<n { total2 += current[i] * current[j] * gram[i * n + j] } }
        let totalNorm = max(total2, 0).squareRoot()
        let steps = (0..<n).map { i -> Double in
            let dot = (0..<n).reduce(0) { $0 + current[$1] * gram[i * n + $1] }
            return eta * Self.cosineDerivative(termNorm: gram[i * n + i].squareRoot(), totalNorm: totalNorm, dot: dot)
        }
        for i in 0..<n { current[i] = min(lambdaMax, max(1, current[i] + steps[i])) }
        return current
    }

    public var checkpointState: [Double] { current }
    public mutating func restore(checkpointState s: [Double]) throws {
        current = try Self.decode([Double(current.count)] + s) { try $0.array(count: current.count) }
    }
}
