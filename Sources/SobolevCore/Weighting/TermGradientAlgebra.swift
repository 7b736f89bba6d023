// Inner products and norms of the per-term gradients g_k = dL_k/dtheta that the schemes use.

extension WeightingInput {
    /// g_i . g_j over all parameters.
    public func dot(_ i: Int, _ j: Int) -> Double {
        let P = parameterCount, a = i * P, b = j * P
        var s = 0.0
        for p in 0..<P { s += gradients[a + p] * gradients[b + p] }
        return s
    }

    /// |g_k|_2.
    public func gradientNorm(_ k: Int) -> Double { dot(k, k).squareRoot() }

    /// |dL_k/dW|_2 over the output layer's weight matrix W (GradNorm's shared weights).
    public func lastLayerGradientNorm(_ k: Int) -> Double {
        var s = 0.0
        for p in lastLayerWeights { let v = gradients[k * parameterCount + p]; s += v * v }
        return s.squareRoot()
    }

    /// mean_p |g_k,p|.
    public func meanAbsoluteGradient(_ k: Int) -> Double {
        gradient(k).reduce(0) { $0 + abs($1) } / Double(max(parameterCount, 1))
    }

    /// max_p |g_k,p|.
    public func maxAbsoluteGradient(_ k: Int) -> Double {
        gradient(k).reduce(0) { max($0, abs($1)) }
    }
}
