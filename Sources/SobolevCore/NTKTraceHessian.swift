// Exact NTK traces of the loss terms on a batch with Hessian data (NTKTrace.swift's per-sample
// factorisation over the per-term channels of Step/HessianStep.swift): back-propagating e_o from
// every term's own output block gives each sample's channels row by row, and for sample i
//     |dW_l|_F^2 = |sum_c a_c b_c^T|^2 = sum_{c, c'} (a_c . a_c') (b_c . b_c')
// over the term's channels c (a_c its row of G_l, b_c the sample's row of its block in A_l),
// |db_l|^2 = |a_value|^2, and each slope adds (the sample's contribution to d r / d a_h)^2.

extension SobolevStep {
    /// Per-term sums over the batch of |d r / d theta|^2 over every residual component, terms in
    /// `termSums` order (value, grad_j with Jacobians, hess_jk).
    func hessianNTKTraceSums(parameters: [Double], batch: Dataset) -> [Double] {
        let arch = architecture, B = batch.count, m = arch.outputDimension, d = arch.inputDimension
        let trace = arch.hessianForward(parameters, inputs: batch.inputs)
        let blocks = HessianChannelLayout.termBlocks(terms: 1 + (batch.hasJacobians ? d : 0) + HessianPairs(d).count,
                                                     d: d, jacobians: batch.hasJacobians)
        let T = blocks.count
        let (channels, index) = SobolevStep.perTermChannels(trace, termBlocks: blocks)
        let termChannels = (0..<T).map { t in channels.indices.filter { channels[$0].term == t } }
        var traces = [Double](repeating: 0, count: T)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!
            for o in 0..<m {
                var G = [Double](repeating: 0, count: channels.count * B * m)
                for t in 0..<T { for i in 0..<B { G[(index[t][blocks[t]] * B + i) * m + o] = 1 } }
                for l in stride(from: slices.count - 1, through: 0, by: -1) {
                    let s = slices[l], nin = s.inputs, nout = s.outputs, A = trace.inputs[l]
                    for t in 0..<T { for i in 0..<B {
                        let cs = termChannels[t]
                        let value = (index[t][0] * B + i) * nout
                        var sum = dot(G, value, G, value, nout)   // the bias
                        for c in cs { for c2 in cs {
                            sum += dot(G, (c * B + i) * nout, G, (c2 * B + i) * nout, nout)
                                * dot(A, (channels[c].block * B + i) * nin, A, (channels[c2].block * B + i) * nin, nin)
                        } }
                        traces[t] += sum
                    } }
                    guard l > 0 else { break }
                    var gh = [Double](repeating: 0, count: channels.count * B * nin)
                    BLAS.gemm(m: channels.count * B, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin,
                              c: &gh, ldc: nin)
                    var next = [Double](repeating: 0, count: gh.count)
                    for t in 0..<T {
                        var perSample = [Double](repeating: 0, count: B)
                        _ = backPerTermHessian(trace, hidden: l - 1, gh: gh, next: &next, index: index[t], B: B, width: nin,
                                               perSample: &perSample)
                        if let nScale = arch.adaptiveScale {
                            for v in perSample { traces[t] += nScale * nScale * v * v }
                        }
                    }
                    G = next
                }
            }
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
