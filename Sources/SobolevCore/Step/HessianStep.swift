// The Sobolev step on batches with Hessian data: the per-term mode (each term's gradient, the
// channels of all terms stacked so that each layer's back-propagation is one GEMM) and the fused
// mode (one gradient of sum_t w_t S_t, the pair channels taken from m reverse channels). The
// algebra is the reference's (ReferenceHessian.swift); docs/design.md, "Hessian terms", derives
// the fused layout and counts its flops. These passes allocate their arrays per step.

/// The forward pass and residuals kept between `fusedLosses` and `fusedGradient`.
struct HessianPending {
    var trace: HessianTrace
    var residuals: HessianResiduals
}

extension SobolevStep {
    // MARK: Per-term mode

    /// Loss-term sums and each term's gradient (T x P) of a batch with Hessian data: value, grad_j
    /// (with Jacobians), hess_jk for j <= k. With `derivativeGradients` false only the value term's.
    func hessianTermSums(parameters: [Double], batch: Dataset, derivativeGradients: Bool) -> TermSums {
        let arch = architecture, P = arch.parameterCount, B = batch.count, m = arch.outputDimension
        let trace = arch.hessianForward(parameters, inputs: batch.inputs)
        let res = arch.hessianResiduals(trace, batch: batch)
        let T = res.losses.count, active = derivativeGradients ? T : 1
        let (channels, index) = SobolevStep.perTermChannels(trace, termBlocks: Array(res.blocks[0..<active]))
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

    /// The per-term channels (term, block): each term's value block, the tangent blocks its own
    /// block depends on, and its own block; `index[t][block]` is the channel's position or -1.
    static func perTermChannels(_ trace: HessianTrace, termBlocks: [Int]) -> (channels: [(term: Int, block: Int)], index: [[Int]]) {
        var channels: [(term: Int, block: Int)] = []
        var index = [[Int]](repeating: [Int](repeating: -1, count: trace.blocks), count: termBlocks.count)
        for (t, b) in termBlocks.enumerated() {
            var blocks = [0]
            if b > 0 && b <= trace.d { blocks.append(b) }
            if b > trace.d {
                let (j, k) = trace.pairs.pairs[b - 1 - trace.d]
                blocks += j == k ? [trace.tangentBlock(j)] : [trace.tangentBlock(j), trace.tangentBlock(k)]
                blocks.append(b)
            }
            for blk in blocks { index[t][blk] = channels.count; channels.append((t, blk)) }
        }
        return (channels, index)
    }

    /// One term's element-wise step through hidden layer h (the reference's recurrences restricted
    /// to the term's channels, `index[block]` or -1); returns d S_t / d s summed over the layer,
    /// and adds each sample's share into `perSample` when given.
    func backPerTermHessian(_ trace: HessianTrace, hidden h: Int, gh: [Double], next: inout [Double],
                            index: [Int], B: Int, width: Int, perSample: UnsafeMutablePointer<Double>? = nil) -> Double {
        let n = B * width, sl = trace.scales[h], d = trace.d
        let z = trace.preactivations[h], p1 = trace.p1[h], p2 = trace.p2[h], p3 = trace.p3[h]
        // Channel and trace offsets of the term's blocks; ds collects d/ds per element.
        let cv = index[0] * n
        let tangents = (0..<d).filter { index[trace.tangentBlock($0)] >= 0 }
            .map { (c: index[trace.tangentBlock($0)] * n, z: trace.tangentBlock($0) * n) }
        var ds = [Double](repeating: 0, count: n)
        for e in 0..<n {
            next[cv + e] = gh[cv + e] * sl * p1[e]
            ds[e] = gh[cv + e] * z[e] * p1[e]
        }
        for (c, zt) in tangents {
            for e in 0..<n {
                let g = gh[c + e], t = z[zt + e]
                next[c + e] = g * sl * p1[e]
                next[cv + e] += g * sl * sl * p2[e] * t
                ds[e] += g * t * (p1[e] + sl * z[e] * p2[e])
            }
        }
        if let q = trace.pairs.pairs.indices.first(where: { index[trace.pairBlock($0)] >= 0 }) {
            let (j, k) = trace.pairs.pairs[q]
            let c = index[trace.pairBlock(q)] * n, zp = trace.pairBlock(q) * n
            let cj = index[trace.tangentBlock(j)] * n, ck = index[trace.tangentBlock(k)] * n
            let zj = trace.tangentBlock(j) * n, zk = trace.tangentBlock(k) * n
            for e in 0..<n {
                let gp = gh[c + e], a = z[zj + e], b = z[zk + e], u = sl * z[e]
                next[c + e] = gp * sl * p1[e]
                next[cj + e] += gp * sl * sl * p2[e] * b
                next[ck + e] += gp * sl * sl * p2[e] * a   // j == k: the two adds make the factor 2
                next[cv + e] += gp * (sl * sl * sl * p3[e] * a * b + sl * sl * p2[e] * z[zp + e])
                ds[e] += gp * (a * b * (2 * sl * p2[e] + sl * u * p3[e]) + z[zp + e] * (p1[e] + u * p2[e]))
            }
        }
        if let perSample { for e in 0..<n { perSample[e / width] += ds[e] } }
        return ds.reduce(0, +)
    }

    // MARK: Fused mode

    /// First half of a fused step on a batch with Hessian data: the second-order forward pass and
    /// the term-loss sums (value, grad_j with Jacobians, hess_jk).
    func hessianFusedLosses(parameters: [Double], batch: Dataset) -> TermSums {
        let trace = architecture.hessianForward(parameters, inputs: batch.inputs)
        let res = architecture.hessianResiduals(trace, batch: batch)
        hessianPending = HessianPending(trace: trace, residuals: res)
        return TermSums(losses: res.losses, gradients: [], count: batch.count)
    }

    /// Second half: the gradient of sum_t w_t S_t, `weights` one per term in term order. Channels:
    /// the value rows, d tangent blocks and m reverse blocks g_o (seeded e_o); pair block (j, k)'s
    /// channel is sum_o w_jk r_jk[i, o] g_o, never formed (docs/design.md, "Hessian terms").
    func hessianFusedGradient(parameters: [Double], weights: [Double], pending: HessianPending) -> [Double] {
        let arch = architecture, trace = pending.trace, res = pending.residuals
        precondition(weights.count >= res.losses.count, "\(weights.count) weights for \(res.losses.count) terms")
        let B = trace.B, d = trace.d, m = arch.outputDimension, D = trace.pairs.count
        let C = 1 + d + m, front = (1 + d) * B
        // Output seeds, and the weighted pair residuals Rw[(q * B + i) * m + o].
        var G = [Double](repeating: 0, count: C * B * m)
        var Rw = [Double](repeating: 0, count: D * B * m)
        for (t, blk) in res.blocks.enumerated() {
            let w = weights[t]
            if blk <= d {
                for k in 0..<(B * m) { G[blk * B * m + k] = w * res.residuals[t][k] }
            } else {
                let q = blk - 1 - d
                for k in 0..<(B * m) { Rw[q * B * m + k] = w * res.residuals[t][k] }
            }
        }
        for o in 0..<m { for i in 0..<B { G[((1 + d + o) * B + i) * m + o] = 1 } }
        var grad = [Double](repeating: 0, count: arch.parameterCount)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs
                let A = trace.inputs[l]
                // The pair blocks' inputs contracted with the weighted residuals, per output o.
                var pairInputs = [Double](repeating: 0, count: m * B * nin)
                for q in 0..<D { for i in 0..<B { for o in 0..<m {
                    let w = Rw[(q * B + i) * m + o]
                    guard w != 0 else { continue }
                    let src = (trace.pairBlock(q) * B + i) * nin, dst = (o * B + i) * nin
                    for c in 0..<nin { pairInputs[dst + c] += w * A[src + c] }
                } } }
                grad.withUnsafeMutableBufferPointer { gp in
                    let dW = gp.baseAddress! + s.weightOffset
                    BLAS.gemm(transA: true, m: nout, n: nin, k: front, a: G, lda: nout, b: A, ldb: nin, c: dW, ldc: nin)
                    G.withUnsafeBufferPointer { g in
                        BLAS.gemm(transA: true, m: nout, n: nin, k: m * B, a: g.baseAddress! + front * nout, lda: nout,
                                  b: pairInputs, ldb: nin, beta: 1, c: dW, ldc: nin)
                    }
                }
                for i in 0..<B { for o in 0..<nout { grad[s.biasOffset + o] += G[i * nout + o] } }
                guard l > 0 else { break }
                var gh = [Double](repeating: 0, count: C * B * nin)
                BLAS.gemm(m: C * B, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: &gh, ldc: nin)
                let h = l - 1, sl = trace.scales[h], n = B * nin
                let z = trace.preactivations[h], p1 = trace.p1[h], p2 = trace.p2[h], p3 = trace.p3[h]
                var next = [Double](repeating: 0, count: gh.count), ds = [Double](repeating: 0, count: n)
                for e in 0..<n {
                    next[e] = gh[e] * sl * p1[e]
                    ds[e] = gh[e] * z[e] * p1[e]
                }
                for j in 0..<d {
                    let t = trace.tangentBlock(j) * n
                    for e in 0..<n {
                        let g = gh[t + e], zt = z[t + e]
                        next[t + e] = g * sl * p1[e]
                        next[e] += g * sl * sl * p2[e] * zt
                        ds[e] += g * zt * (p1[e] + sl * z[e] * p2[e])
                    }
                }
                var gp = [Double](repeating: 0, count: n)
                for (q, (j, k)) in trace.pairs.pairs.enumerated() {
                    // The pair channel's G W rows from the reverse channels' (never formed above).
                    for e in 0..<n {
                        let i = e / nin
                        var v = 0.0
                        for o in 0..<m { v += Rw[(q * B + i) * m + o] * gh[(1 + d + o) * n + e] }
                        gp[e] = v
                    }
                    let zp = trace.pairBlock(q) * n, tj = trace.tangentBlock(j) * n, tk = trace.tangentBlock(k) * n
                    for e in 0..<n {
                        let g = gp[e], a = z[tj + e], b = z[tk + e], u = sl * z[e]
                        next[tj + e] += g * sl * sl * p2[e] * b
                        next[tk + e] += g * sl * sl * p2[e] * a
                        next[e] += g * (sl * sl * sl * p3[e] * a * b + sl * sl * p2[e] * z[zp + e])
                        ds[e] += g * (a * b * (2 * sl * p2[e] + sl * u * p3[e]) + z[zp + e] * (p1[e] + u * p2[e]))
                    }
                }
                for o in 0..<m {
                    let r = (1 + d + o) * n
                    for e in 0..<n { next[r + e] = gh[r + e] * sl * p1[e] }
                }
                if let nScale = arch.adaptiveScale { grad[arch.slopeOffset + h] = nScale * ds.reduce(0, +) }
                G = next
            }
        }
        return grad
    }
}

extension SobolevStep {
    /// Doubles the Hessian passes hold at their peak (an upper bound, for the memory preflight):
    /// the second-order forward trace, and the per-term (`perTerm`) or fused (`fused`) backward's
    /// channel arrays (G, G W and the next layer's) on `batch` samples; the loss evaluation's trace
    /// on `evaluationBatch` samples. With `jacobians` the gradient terms' channels count too.
    public static func hessianWorkspaceCount(_ architecture: MLPArchitecture, batch: Int, evaluationBatch: Int,
                                             perTerm: Bool, fused: Bool, jacobians: Bool = true) -> Int {
        let sizes = architecture.layerSizes, d = architecture.inputDimension, m = architecture.outputDimension
        let D = HessianPairs.count(d), widest = sizes.max()!, hidden = sizes.dropFirst().dropLast().reduce(0, +)
        func trace(_ B: Int) -> Int {
            let rows = (1 + d + D) * B
            return zip(sizes, sizes.dropFirst()).reduce(0) { $0 + rows * ($1.0 + $1.1) } + 4 * B * hidden + rows * widest
        }
        var peak = trace(evaluationBatch)
        if perTerm {
            let channels = 1 + (jacobians ? 2 * d : 0) + 2 * d * d + d
            peak = max(peak, trace(batch) + 3 * channels * batch * widest)
        }
        if fused { peak = max(peak, trace(batch) + (3 * (1 + d + m) + m) * batch * widest + D * batch * m) }
        return peak
    }
}
