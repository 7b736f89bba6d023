// Exact NTK traces of the loss terms (Wang, Yu & Perdikaris 2022): for term t with residuals
// r_{t,b,o} (sample b, output o), tr(K_tt) = sum_b sum_o |d r_{t,b,o} / d theta|^2.
//
// Per-sample gradients of a dense layer factorise. Back-propagating the seed e_o from the output
// of every sample at once gives, row by row, each sample's channels (rows never mix), so for
// sample b at layer l:
//   value term:        dW_l = a1 b1^T,             a1 = gz_l[b], b1 = h_{l-1}[b]
//   derivative term j: dW_l = a1 b1^T + a2 b2^T,   a2 = gzt_l[b], b2 = t_{l-1,j}[b]
//   |a1 b1^T + a2 b2^T|_F^2 = |a1|^2 |b1|^2 + |a2|^2 |b2|^2 + 2 (a1 . a2)(b1 . b2)
//   db_l = a1 (the bias enters the value rows only), so |db_l|^2 = |a1|^2
// and each adaptive slope a_h adds (d r / d a_h)^2, the sample's channel contributions summed.
// Cost: m backward passes of the (1 + 2d) channels plus O(B (n_in + n_out)) per layer.

extension MLPArchitecture {
    /// Per-term sums over the batch of |d r / d theta|^2 over every residual component: the
    /// unnormalised NTK traces tr(K_tt), terms in `termSums` order (value, then one per input
    /// direction when the batch has Jacobians, then one per pair (j, k), j <= k, with Hessians:
    /// NTKTraceHessian.swift). Divide by the sample count for per-sample means.
    public func ntkTraceSums(parameters: [Double], batch: Dataset) -> [Double] {
        if batch.hasHessians { return SobolevStep(architecture: self).hessianNTKTraceSums(parameters: parameters, batch: batch) }
        let trace = forward(parameters, batch: batch)
        let B = batch.count, m = outputDimension, dirs = trace.directions
        let T = 1 + dirs, channels = 1 + 2 * dirs
        var traces = [Double](repeating: 0, count: T)
        let slices = layers

        for o in 0..<m {
            // Seed e_o in every sample's value channel and every direction's tangent channel.
            var seeds = [Double](repeating: 0, count: channels * B * m)
            for b in 0..<B {
                seeds[b * m + o] = 1
                for j in 0..<dirs { seeds[(2 + 2 * j) * B * m + b * m + o] = 1 }
            }
            backpropagate(parameters, trace: trace, seeds: seeds, directions: dirs, atLayer: { l, g in
                let s = slices[l], nin = s.inputs, nout = s.outputs
                let input = trace.layerInputs[l]
                for b in 0..<B {
                    let b1 = b * nin
                    let h2 = dot(input, b1, input, b1, nin)
                    let a1 = b * nout
                    let v2 = dot(g, a1, g, a1, nout)
                    traces[0] += v2 * (h2 + 1)
                    for j in 0..<dirs {
                        let gz = (1 + 2 * j) * B * nout + b * nout, gzt = (2 + 2 * j) * B * nout + b * nout
                        let tb = (B + j * B + b) * nin
                        let gz2 = dot(g, gz, g, gz, nout)
                        traces[1 + j] += gz2 * (h2 + 1) + dot(g, gzt, g, gzt, nout) * dot(input, tb, input, tb, nin)
                            + 2 * dot(g, gz, g, gzt, nout) * dot(input, b1, input, tb, nin)
                    }
                }
            }, atSlope: { h, c in
                let n = layerSizes[h + 1], rows = B * n
                for b in 0..<B {
                    let v = c[(b * n)..<((b + 1) * n)].reduce(0, +)
                    traces[0] += v * v
                    for j in 0..<dirs {
                        let gz = (1 + 2 * j) * rows + b * n, gzt = (2 + 2 * j) * rows + b * n
                        let d = c[gz..<(gz + n)].reduce(0, +) + c[gzt..<(gzt + n)].reduce(0, +)
                        traces[1 + j] += d * d
                    }
                }
            })
        }
        return traces
    }
}

/// sum_k x[i + k] y[j + k] for k < n.
@inline(__always) private func dot(_ x: [Double], _ i: Int, _ y: [Double], _ j: Int, _ n: Int) -> Double {
    var s = 0.0
    for k in 0..<n { s += x[i + k] * y[j + k] }
    return s
}
