// The Sobolev step on batches with Hessian data: the per-term mode (each term's gradient, the
// channels of all terms stacked so that each layer's back-propagation is one GEMM). The algebra
// is the reference's (ReferenceHessian.swift). These passes allocate their arrays per step.

extension SobolevStep {
    // MARK: Per-term mode

    /// Loss-term sums and each term's gradient (T x P) of a batch with Hessian data: value, grad_j
    /// (with Jacobians), hess_jk for j <= k. With `derivativeGradients` false only the value term's.
    func hessianTermSums(parameters: [Double], batch: Dataset, derivativeGradients: Bool) -> TermSums {
        let arch = architecture, P = arch.parameterCount, B = batch.count, m = arch.outputDimension
        let trace = arch.hessianForward(parameters, inputs: batch.inputs)
        let res = arch.hessianResiduals(trace, batch: batch)
        let T = res.losses.count, active = derivativeGradients ? T : 1
        // Channels (term, block): a term's own block and the blocks its own block depends on.
        var channels: [(term: Int, block: Int)] = []
        var index = [[Int]](repeating: [Int](repeating: -1, count: trace.blocks), count: active)
        for t in 0..<active {
            var blocks = [0]
            let b = res.blocks[t]
            if b > 0 && b <= trace.d { blocks.append(b) }
            if b > trace.d {
                let (j, k) = trace.pairs.pairs[b - 1 - trace.d]
                blocks += j == k ? [trace.tangentBlock(j)] : [trace.tangentBlock(j), trace.tangentBlock(k)]
                blocks.append(b)
            }
            for blk in blocks { index[t][blk] = channels.count; channels.append((t, blk)) }
        }
        var G = [Double](repeating: 0, count: channels.count * B * m)
        for t in 0..<active {
            G.replaceSubrange((index[t][res.blocks[t]] * B * m)..<((index[t][res.blocks[t]] + 1) * B * m), with: res.residuals[t])
        }
        var grads = [Double](repeating: 0, count: T * P)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs
                // Each channel's weight gradient against its block's rows, into its term's dW_l.
                trace.inputs[l].withUnsafeBufferPointer { A in
                    G.withUnsafeBufferPointer { g in
                        grads.withUnsafeMutableBufferPointer { gp in
                            for (c, (t, blk)) in channels.enumerated() {
                                BLAS.gemm(transA: true, m: nout, n: nin, k: B, a: g.baseAddress! + c * B * nout, lda: nout,
                                          b: A.baseAddress! + blk * B * nin, ldb: nin, beta: 1,
                                          c: gp.baseAddress! + t * P + s.weightOffset, ldc: nin)
                                if blk == 0 {
                                    for i in 0..<B { for o in 0..<nout { gp[t * P + s.biasOffset + o] += g[(c * B + i) * nout + o] } }
                                }
                            }
                        }
                    }
                }
                guard l > 0 else { break }
                var gh = [Double](repeating: 0, count: channels.count * B * nin)
                BLAS.gemm(m: channels.count * B, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin,
                          c: &gh, ldc: nin)
                let h = l - 1
                var next = [Double](repeating: 0, count: gh.count)
                for t in 0..<active {
                    let slope = backPerTermHessian(trace, hidden: h, gh: gh, next: &next, index: index[t], B: B, width: nin)
                    if let nScale = arch.adaptiveScale { grads[t * P + arch.slopeOffset + h] = nScale * slope }
                }
                G = next
            }
        }
        return TermSums(losses: res.losses, gradients: grads, count: B)
    }

    /// One term's element-wise step through hidden layer h (the reference's recurrences restricted
    /// to the term's channels, `index[block]` or -1); returns d S_t / d s summed over the layer.
    private func backPerTermHessian(_ trace: HessianTrace, hidden h: Int, gh: [Double], next: inout [Double],
                                    index: [Int], B: Int, width: Int) -> Double {
        let n = B * width, sl = trace.scales[h], d = trace.d
        let z = trace.preactivations[h], p1 = trace.p1[h], p2 = trace.p2[h], p3 = trace.p3[h]
        let tangents = (0..<d).filter { index[trace.tangentBlock($0)] >= 0 }
        let pair = trace.pairs.pairs.indices.first { index[trace.pairBlock($0)] >= 0 }
        let cv = index[0] * n
        var slope = 0.0
        for e in 0..<n {
            let zv = z[e], a1 = p1[e], a2 = p2[e]
            var gv = gh[cv + e] * sl * a1
            var ds = gh[cv + e] * zv * a1
            for j in tangents {
                let c = index[trace.tangentBlock(j)] * n + e, zt = z[trace.tangentBlock(j) * n + e]
                next[c] = gh[c] * sl * a1
                gv += gh[c] * sl * sl * a2 * zt
                ds += gh[c] * zt * (a1 + sl * zv * a2)
            }
            if let q = pair {
                let (j, k) = trace.pairs.pairs[q]
                let c = index[trace.pairBlock(q)] * n + e, zp = z[trace.pairBlock(q) * n + e]
                let zj = z[trace.tangentBlock(j) * n + e], zk = z[trace.tangentBlock(k) * n + e]
                let gp = gh[c]
                next[c] = gp * sl * a1
                next[index[trace.tangentBlock(j)] * n + e] += gp * sl * sl * a2 * zk
                next[index[trace.tangentBlock(k)] * n + e] += gp * sl * sl * a2 * zj
                gv += gp * (sl * sl * sl * p3[e] * zj * zk + sl * sl * a2 * zp)
                ds += gp * (zj * zk * (2 * sl * a2 + sl * sl * zv * p3[e]) + zp * (a1 + sl * zv * a2))
            }
            next[cv + e] = gv
            slope += ds
        }
        return slope
    }
}
