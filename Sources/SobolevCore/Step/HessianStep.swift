// The Sobolev step on batches with Hessian data, on the run's workspace (Workspace.swift): the
// per-term mode (each term's gradient) and the fused mode (one gradient of sum_t w_t S_t, the
// pair channels taken from m reverse channels). The algebra is the reference's
// (ReferenceHessian.swift); docs/design.md, "Hessian terms", derives the layouts and counts their
// flops. A step allocates only its small result arrays; the element-wise loops split over
// `threads` in contiguous sample ranges (their results do not depend on the thread count).
//
// Per-term layout: the channels reading forward block b (value, tangent j, pair (j, k)) form
// group b, and the channels of one group are interleaved by sample (row start_b B + i C_b + slot),
// so that one GEMM (C_b n_l x B)(B x n_{l-1}) gives every weight gradient against block b's rows:
// 1 + d + D GEMMs a layer instead of one per channel (C = 1 + 3d + 2d^2 with Jacobians).

/// Where the per-term Hessian step keeps each term's channels: group b holds the `count[b]`
/// channels that read forward block b, `slot[t][b]` is term t's (or -1), and sample i's row of
/// it is `start[b] B + i count[b] + slot`. Terms: value, grad_j (with Jacobians), hess pairs.
struct HessianChannelLayout: Equatable {
    let d: Int, jacobians: Bool, active: Int
    /// The forward block of each term's residual.
    let termBlock: [Int]
    private(set) var count: [Int], start: [Int] = [], slot: [[Int]]

    init(d: Int, jacobians: Bool, active: Int) {
        self.d = d; self.jacobians = jacobians; self.active = active
        let pairs = HessianPairs(d), blocks = 1 + d + pairs.count
        let T = 1 + (jacobians ? d : 0) + pairs.count
        termBlock = HessianChannelLayout.termBlocks(terms: T, d: d, jacobians: jacobians)
        count = [Int](repeating: 0, count: blocks)
        slot = [[Int]](repeating: [Int](repeating: -1, count: blocks), count: T)
        for t in 0..<active {
            let b = termBlock[t]
            var reads = [0]
            if b >= 1 && b <= d { reads.append(b) }
            if b > d {
                let (j, k) = pairs.pairs[b - 1 - d]
                reads += j == k ? [1 + j, b] : [1 + j, 1 + k, b]
            }
            for r in reads { slot[t][r] = count[r]; count[r] += 1 }
        }
        start = count.indices.map { count[0..<$0].reduce(0, +) }
    }

    /// The forward block of each of `terms` terms: value 0, tangent j 1 + j (with Jacobians),
    /// pair q 1 + d + q; without Jacobians the pair terms follow the value term directly.
    static func termBlocks(terms T: Int, d: Int, jacobians: Bool) -> [Int] {
        (0..<T).map { termBlock($0, d: d, jacobians: jacobians) }
    }

    static func termBlock(_ t: Int, d: Int, jacobians: Bool) -> Int { jacobians || t == 0 ? t : t + d }

    var terms: Int { termBlock.count }
    /// Channels in all, each B rows.
    var total: Int { count.reduce(0, +) }
    @inline(__always) func row(term t: Int, block b: Int, sample i: Int, B: Int) -> Int {
        start[b] * B + i * count[b] + slot[t][b]
    }
}

/// A fused step's batch between `fusedLosses` and `fusedGradient` (the forward pass and the
/// residuals stay in the workspace).
struct HessianPending {
    let B: Int, jacobians: Bool
}

extension SobolevStep {
    // MARK: Per-term mode

    /// Loss-term sums and each term's gradient (T x P) of a batch with Hessian data: value, grad_j
    /// (with Jacobians), hess_jk for j <= k. With `derivativeGradients` false only the value term's.
    func hessianTermSums(parameters: [Double], batch: Dataset, derivativeGradients: Bool) -> TermSums {
        let arch = architecture, P = arch.parameterCount, B = batch.count, m = arch.outputDimension
        let layout = hessianLayout(jacobians: batch.hasJacobians, derivativeGradients: derivativeGradients)
        let T = layout.terms
        reserve(HessianWorkspaceSize(arch, B: B, terms: T).merged(.perTerm(arch, B: B, layout: layout)))
        var losses = [Double](repeating: 0, count: T)
        var grads = [Double](repeating: 0, count: T * P)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!, scales = arch.scales(parameters)
            hessianForwardPass(theta, scales: scales, inputs: batch.inputs)
            hessianResiduals(batch, termBlocks: layout.termBlock, losses: &losses)
            // Each active term's residual on its own block's channel, zero elsewhere.
            let G = workspace.channels.pointer, res = residuals.pointer
            G.update(repeating: 0, count: layout.total * B * m)
            for t in 0..<layout.active {
                let b = layout.termBlock[t]
                for i in 0..<B {
                    let row = G + layout.row(term: t, block: b, sample: i, B: B) * m, r = res + (t * B + i) * m
                    for o in 0..<m { row[o] = r[o] }
                }
            }
            grads.withUnsafeMutableBufferPointer { g in
                backwardHessianPerTerm(theta, scales: scales, B: B, layout: layout, grads: g.baseAddress!)
            }
        }
        return TermSums(losses: losses, gradients: grads, count: B)
    }

    /// The channel layout of the run's per-term steps (kept while d, Jacobians and the active terms stay).
    private func hessianLayout(jacobians: Bool, derivativeGradients: Bool) -> HessianChannelLayout {
        let d = architecture.inputDimension, T = 1 + (jacobians ? d : 0) + hessianPairs.count
        let active = derivativeGradients ? T : 1
        if let l = hessianLayoutCache, l.jacobians == jacobians, l.active == active { return l }
        let l = HessianChannelLayout(d: d, jacobians: jacobians, active: active)
        hessianLayoutCache = l
        return l
    }

    /// Back-propagates the per-term channels (seeded in `channels`) and writes each term's
    /// gradient into `grads` (T x P, zero on entry).
    private func backwardHessianPerTerm(_ theta: UnsafePointer<Double>, scales: [Double], B: Int,
                                        layout: HessianChannelLayout, grads: UnsafeMutablePointer<Double>) {
        let P = architecture.parameterCount, rows = layout.total * B
        var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
        let stack = workspace.termStack.pointer, slopes = workspace.slopes.pointer
        let scratch = slopes + layout.terms * B, adaptive = architecture.adaptiveScale != nil
        for l in stride(from: slices.count - 1, through: 0, by: -1) {
            let s = slices[l], nin = s.inputs, nout = s.outputs, w = nin * nout
            let A = workspace.inputs[l].pointer
            // Group b's weight gradients in one GEMM: (C_b nout x B)(B x nin), then into each term's dW.
            for b in layout.count.indices where layout.count[b] > 0 {
                let C = layout.count[b], g = G + layout.start[b] * B * nout
                BLAS.gemm(transA: true, m: C * nout, n: nin, k: B, a: g, lda: C * nout, b: A + b * B * nin, ldb: nin,
                          c: stack, ldc: nin)
                for t in 0..<layout.active where layout.slot[t][b] >= 0 {
                    let c = layout.slot[t][b]
                    Kernels.add(stack + c * w, into: grads + t * P + s.weightOffset, count: w)
                    if b == 0 {
                        Kernels.columnSums(g + c * nout, rows: B, width: nout, stride: C * nout, into: grads + t * P + s.biasOffset)
                    }
                }
            }
            guard l > 0 else { break }
            BLAS.gemm(m: rows, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: next, ldc: nin)
            let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h]), p3 = workspace.p3[h].pointer
            let g = next
            Kernels.parallel(count: B, threads: threads, work: rows * nin) { r in
                for t in 0..<layout.active {
                    SobolevStep.backHessianTerm(g, term: t, layout: layout, layer, p3: p3, pairs: hessianPairs, samples: r,
                                                slopes: adaptive ? slopes + t * B : nil, scratch: scratch)
                }
            }
            if let nScale = architecture.adaptiveScale {
                for t in 0..<layout.active {
                    var total = 0.0
                    for i in 0..<B { total += slopes[t * B + i] }
                    grads[t * P + architecture.slopeOffset + h] = nScale * total
                }
            }
            swap(&G, &next)
        }
    }

    /// Term t's channels one layer down, in place on g = G W, for the samples in `samples`
    /// (ReferenceHessian.swift's recurrences restricted to the term's channels). With `slopes`,
    /// sample i's d S_t / d s over the layer into slopes[i], through `scratch` (B rows of the
    /// width: per-element shares, so that the loops vectorise). Each loop writes one channel
    /// (the new value channel reads the old tangent and pair channels, so it goes first).
    static func backHessianTerm(_ g: UnsafeMutablePointer<Double>, term t: Int, layout: HessianChannelLayout,
                                _ h: HiddenLayer, p3: UnsafePointer<Double>, pairs: HessianPairs, samples: Range<Int>,
                                slopes: UnsafeMutablePointer<Double>?, scratch: UnsafeMutablePointer<Double>) {
        let s = h.scale, s2 = s * s, s3 = s2 * s, w = h.width, B = h.B, d = layout.d
        let b = layout.termBlock[t]
        let pair: (j: Int, k: Int)? = b > d ? pairs.pairs[b - 1 - d] : nil
        let rowStride = layout.count.map { $0 * w }
        func base(_ block: Int) -> UnsafeMutablePointer<Double> {
            g + (layout.start[block] * B + layout.slot[t][block]) * w
        }
        let v0 = base(0), t0 = b >= 1 && b <= d ? base(b) : nil
        let j0 = pair.map { base(1 + $0.j) }, k0 = pair.map { base(1 + $0.k) }, q0 = pair != nil ? base(b) : nil
        for i in samples {
            let z = h.z + i * w, p1 = h.p1 + i * w, p2 = h.p2 + i * w, q3 = p3 + i * w
            let gv = v0 + i * rowStride[0]
            let ds = scratch + i * w
            if b == 0 {
                if slopes != nil { for c in 0..<w { ds[c] = gv[c] * z[c] * p1[c] } }
                for c in 0..<w { gv[c] = gv[c] * s * p1[c] }
            } else if let t0 {
                let gt = t0 + i * rowStride[b], zt = h.z + (b * B + i) * w
                if slopes != nil {
                    for c in 0..<w { ds[c] = gv[c] * z[c] * p1[c] + gt[c] * zt[c] * (p1[c] + s * z[c] * p2[c]) }
                }
                for c in 0..<w { gv[c] = gv[c] * s * p1[c] + gt[c] * s2 * p2[c] * zt[c] }
                for c in 0..<w { gt[c] = gt[c] * s * p1[c] }
            } else if let (j, k) = pair, let j0, let k0, let q0 {
                let gj = j0 + i * rowStride[1 + j], gk = k0 + i * rowStride[1 + k], gp = q0 + i * rowStride[b]
                let a = h.z + ((1 + j) * B + i) * w, zb = h.z + ((1 + k) * B + i) * w, zp = h.z + (b * B + i) * w
                if j == k {
                    if slopes != nil {
                        for c in 0..<w {
                            let x = a[c], y = s * z[c]
                            ds[c] = gv[c] * z[c] * p1[c] + gj[c] * x * (p1[c] + y * p2[c])
                                + gp[c] * (x * x * (2 * s * p2[c] + s * y * q3[c]) + zp[c] * (p1[c] + y * p2[c]))
                        }
                    }
                    for c in 0..<w {
                        let x = a[c]
                        gv[c] = gv[c] * s * p1[c] + gj[c] * s2 * p2[c] * x + gp[c] * (s3 * q3[c] * x * x + s2 * p2[c] * zp[c])
                    }
                    for c in 0..<w { gj[c] = gj[c] * s * p1[c] + 2 * gp[c] * s2 * p2[c] * a[c] }
                } else {
                    if slopes != nil {
                        for c in 0..<w {
                            let x = a[c], xk = zb[c], y = s * z[c]
                            ds[c] = gv[c] * z[c] * p1[c] + (gj[c] * x + gk[c] * xk) * (p1[c] + y * p2[c])
                                + gp[c] * (x * xk * (2 * s * p2[c] + s * y * q3[c]) + zp[c] * (p1[c] + y * p2[c]))
                        }
                    }
                    for c in 0..<w {
                        let x = a[c], xk = zb[c]
                        gv[c] = gv[c] * s * p1[c] + (gj[c] * x + gk[c] * xk) * s2 * p2[c]
                            + gp[c] * (s3 * q3[c] * x * xk + s2 * p2[c] * zp[c])
                    }
                    for c in 0..<w { gj[c] = gj[c] * s * p1[c] + gp[c] * s2 * p2[c] * zb[c] }
                    for c in 0..<w { gk[c] = gk[c] * s * p1[c] + gp[c] * s2 * p2[c] * a[c] }
                }
                for c in 0..<w { gp[c] = gp[c] * s * p1[c] }
            }
            if let slopes {
                var total = 0.0
                for c in 0..<w { total += ds[c] }
                slopes[i] = total
            }
        }
    }

    // MARK: Fused mode

    /// First half of a fused step on a batch with Hessian data: the second-order forward pass and
    /// the term-loss sums (value, grad_j with Jacobians, hess_jk); both stay for `fusedGradient`.
    func hessianFusedLosses(parameters: [Double], batch: Dataset) -> TermSums {
        let arch = architecture, B = batch.count, d = arch.inputDimension
        let T = 1 + (batch.hasJacobians ? d : 0) + hessianPairs.count
        reserve(HessianWorkspaceSize(arch, B: B, terms: T))
        var losses = [Double](repeating: 0, count: T)
        parameters.withUnsafeBufferPointer { theta in
            hessianForwardPass(theta.baseAddress!, scales: arch.scales(parameters), inputs: batch.inputs)
        }
        hessianResiduals(batch, termBlocks: HessianChannelLayout.termBlocks(terms: T, d: d, jacobians: batch.hasJacobians), losses: &losses)
        hessianPending = HessianPending(B: B, jacobians: batch.hasJacobians)
        return TermSums(losses: losses, gradients: [], count: B)
    }

    /// Second half: the gradient of sum_t w_t S_t, `weights` one per term in term order. Channels:
    /// the value rows, d tangent blocks and m reverse blocks g_o (seeded e_o); pair block (j, k)'s
    /// channel is sum_o w_jk r_jk[i, o] g_o, never formed (docs/design.md, "Hessian terms").
    func hessianFusedGradient(parameters: [Double], weights: [Double], pending: HessianPending) -> [Double] {
        let arch = architecture, B = pending.B, d = arch.inputDimension, m = arch.outputDimension
        let D = hessianPairs.count, C = 1 + d + m, front = (1 + d) * B
        let T = 1 + (pending.jacobians ? d : 0) + D
        precondition(weights.count >= T, "\(weights.count) weights for \(T) terms")
        reserve(HessianWorkspaceSize.fused(arch, B: B))
        let G0 = workspace.channels.pointer, Rw = workspace.weighted.pointer, res = residuals.pointer
        // Output seeds (value and tangent blocks), the weighted pair residuals Rw[(q B + i) m + o], e_o.
        G0.update(repeating: 0, count: C * B * m)
        for t in 0..<T {
            let blk = HessianChannelLayout.termBlock(t, d: d, jacobians: pending.jacobians), w = weights[t], r = res + t * B * m
            let out = blk <= d ? G0 + blk * B * m : Rw + (blk - 1 - d) * B * m
            for k in 0..<(B * m) { out[k] = w * r[k] }
        }
        for o in 0..<m { for i in 0..<B { G0[((1 + d + o) * B + i) * m + o] = 1 } }
        var grad = [Double](repeating: 0, count: arch.parameterCount)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!, scales = arch.scales(parameters)
            var G = G0, next = workspace.nextChannels.pointer
            let pairInputs = workspace.pairInputs.pointer, slopes = workspace.slopes.pointer
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs
                let A = workspace.inputs[l].pointer
                // The pair blocks' inputs contracted with the weighted residuals, per output o.
                Kernels.parallel(count: B, threads: threads, work: m * D * B * nin) { r in
                    SobolevStep.contractPairs(pairInputs, A, weighted: Rw, d: d, pairs: D, outputs: m, B: B, width: nin, samples: r)
                }
                grad.withUnsafeMutableBufferPointer { gp in
                    let dW = gp.baseAddress! + s.weightOffset
                    BLAS.gemm(transA: true, m: nout, n: nin, k: front, a: G, lda: nout, b: A, ldb: nin, c: dW, ldc: nin)
                    BLAS.gemm(transA: true, m: nout, n: nin, k: m * B, a: G + front * nout, lda: nout,
                              b: pairInputs, ldb: nin, beta: 1, c: dW, ldc: nin)
                    Kernels.columnSums(G, rows: B, width: nout, into: gp.baseAddress! + s.biasOffset)
                }
                guard l > 0 else { break }
                BLAS.gemm(m: C * B, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: next, ldc: nin)
                let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h]), p3 = workspace.p3[h].pointer
                let g = next
                Kernels.parallel(count: B, threads: threads, work: (C + D) * B * nin) { r in
                    SobolevStep.backHessianFused(g, layer, p3: p3, weighted: Rw, pairs: hessianPairs, outputs: m,
                                                 samples: r, slopes: arch.adaptiveScale != nil ? slopes : nil, scratch: slopes + B)
                }
                if let nScale = arch.adaptiveScale {
                    var total = 0.0
                    for i in 0..<B { total += slopes[i] }
                    grad[arch.slopeOffset + h] = nScale * total
                }
                swap(&G, &next)
            }
        }
        return grad
    }

    /// Row (o, i) of `out` = sum_q Rw[(q B + i) m + o] A[pair block q, i] for the samples in `samples`.
    static func contractPairs(_ out: UnsafeMutablePointer<Double>, _ A: UnsafePointer<Double>, weighted Rw: UnsafePointer<Double>,
                              d: Int, pairs D: Int, outputs m: Int, B: Int, width w: Int, samples: Range<Int>) {
        for o in 0..<m { for i in samples {
            let row = out + (o * B + i) * w
            row.update(repeating: 0, count: w)
            for q in 0..<D {
                let c = Rw[(q * B + i) * m + o]
                guard c != 0 else { continue }
                let a = A + ((1 + d + q) * B + i) * w
                for k in 0..<w { row[k] += c * a[k] }
            }
        } }
    }

    /// The fused channels one layer down, in place on g = G W (value rows, d tangent blocks, m
    /// reverse blocks), for the samples in `samples`:
    ///   gz <- gh s p1 + sum_j gt_j s^2 p2 z'_j + sum_jk gp_jk (s^3 p3 z'_j z'_k + s^2 p2 z''_jk)
    ///   gt_j <- gt_j s p1 + sum_{pairs (j, k)} gp_jk s^2 p2 z'_k;   g_o <- g_o s p1
    /// with gp_jk = sum_o Rw_jk[i, o] (g_o W) formed row by row in `scratch` (2 B rows of the
    /// width; the second row holds the per-element slope shares). With `slopes`, sample i's
    /// d S_w / d s into slopes[i]. Each loop writes one row, so that it vectorises.
    static func backHessianFused(_ g: UnsafeMutablePointer<Double>, _ h: HiddenLayer, p3: UnsafePointer<Double>,
                                 weighted Rw: UnsafePointer<Double>, pairs: HessianPairs, outputs m: Int,
                                 samples: Range<Int>, slopes: UnsafeMutablePointer<Double>?, scratch: UnsafeMutablePointer<Double>) {
        let s = h.scale, s2 = s * s, s3 = s2 * s, w = h.width, B = h.B, d = pairs.inputDimension, n = B * w
        for i in samples {
            let z = h.z + i * w, p1 = h.p1 + i * w, p2 = h.p2 + i * w, q3 = p3 + i * w
            let gv = g + i * w, rev = g + (1 + d) * n + i * w
            let gp = scratch + 2 * i * w, ds = gp + w
            if slopes != nil { for c in 0..<w { ds[c] = gv[c] * z[c] * p1[c] } }
            for c in 0..<w { gv[c] = gv[c] * s * p1[c] }
            for j in 0..<d {
                let gt = g + (1 + j) * n + i * w, zt = z + (1 + j) * n
                if slopes != nil { for c in 0..<w { ds[c] += gt[c] * zt[c] * (p1[c] + s * z[c] * p2[c]) } }
                for c in 0..<w { gv[c] += gt[c] * s2 * p2[c] * zt[c] }
                for c in 0..<w { gt[c] = gt[c] * s * p1[c] }
            }
            for (q, (j, k)) in pairs.pairs.enumerated() {
                let gj = g + (1 + j) * n + i * w, gk = g + (1 + k) * n + i * w
                let a = z + (1 + j) * n, b = z + (1 + k) * n, zp = z + (1 + d + q) * n
                let rw = Rw + (q * B + i) * m
                let r0 = rw[0]
                for c in 0..<w { gp[c] = r0 * rev[c] }
                for o in 1..<max(m, 1) { let ro = rw[o], r = rev + o * n; for c in 0..<w { gp[c] += ro * r[c] } }
                if slopes != nil {
                    for c in 0..<w {
                        let u = s * z[c]
                        ds[c] += gp[c] * (a[c] * b[c] * (2 * s * p2[c] + s * u * q3[c]) + zp[c] * (p1[c] + u * p2[c]))
                    }
                }
                if j == k {
                    for c in 0..<w { gj[c] += 2 * gp[c] * s2 * p2[c] * a[c] }
                } else {
                    for c in 0..<w { gj[c] += gp[c] * s2 * p2[c] * b[c] }
                    for c in 0..<w { gk[c] += gp[c] * s2 * p2[c] * a[c] }
                }
                for c in 0..<w { gv[c] += gp[c] * (s3 * q3[c] * a[c] * b[c] + s2 * p2[c] * zp[c]) }
            }
            for o in 0..<m { let r = rev + o * n; for c in 0..<w { r[c] = r[c] * s * p1[c] } }
            if let slopes {
                var total = 0.0
                for c in 0..<w { total += ds[c] }
                slopes[i] = total
            }
        }
    }

    // MARK: Forward and residuals on the workspace

    /// The second-order forward pass (HessianTangents.swift's algebra) into the workspace: rows
    /// [value | d tangent blocks | D pair blocks] of B rows each per layer, phi' to phi''' of the
    /// value rows.
    func hessianForwardPass(_ theta: UnsafePointer<Double>, scales: [Double], inputs x: Matrix) {
        let B = x.rows, d = architecture.inputDimension, pairs = hessianPairs, rows = (1 + d + pairs.count) * B
        let A0 = workspace.inputs[0].pointer
        A0.update(repeating: 0, count: rows * d)
        x.data.withUnsafeBufferPointer { A0.update(from: $0.baseAddress!, count: B * d) }
        for j in 0..<d { for i in 0..<B { A0[((1 + j) * B + i) * d + j] = 1 } }
        for (l, s) in slices.enumerated() {
            let nin = s.inputs, nout = s.outputs
            let A = workspace.inputs[l].pointer, Z = workspace.preactivations[l].pointer
            Kernels.affine(rows: rows, biased: B, nin: nin, nout: nout, a: A, weights: theta + s.weightOffset,
                           bias: theta + s.biasOffset, z: Z)
            guard l < slices.count - 1 else { break }
            let H = workspace.inputs[l + 1].pointer, sl = scales[l], n = B * nout
            let p1 = workspace.p1[l].pointer, p2 = workspace.p2[l].pointer, p3 = workspace.p3[l].pointer
            var u = UnsafePointer(Z)
            if sl != 1 {
                let scaled = workspace.scaled.pointer
                for k in 0..<n { scaled[k] = sl * Z[k] }
                u = UnsafePointer(scaled)
            }
            Kernels.parallel(count: n, threads: threads, work: rows * nout) { r in
                let lo = r.lowerBound
                architecture.activation.apply(u + lo, count: r.count, phi: H + lo, dphi: p1 + lo, d2phi: p2 + lo, d3phi: p3 + lo)
                // Row pointers offset once, so that the loops index by e alone and vectorise.
                let cnt = r.count, q1 = p1 + lo, q2 = p2 + lo
                for j in 0..<d {
                    let ht = H + (1 + j) * n + lo, zt = Z + (1 + j) * n + lo
                    for e in 0..<cnt { ht[e] = sl * q1[e] * zt[e] }
                }
                for (q, (j, k)) in pairs.pairs.enumerated() {
                    let hq = H + (1 + d + q) * n + lo, zq = Z + (1 + d + q) * n + lo
                    let zj = Z + (1 + j) * n + lo, zk = Z + (1 + k) * n + lo
                    for e in 0..<cnt { hq[e] = sl * sl * q2[e] * zj[e] * zk[e] + sl * q1[e] * zq[e] }
                }
            }
        }
    }

    /// The term residuals (term t's B x m rows at residuals[t B m]: its block of the output minus
    /// the target) and the loss sums.
    private func hessianResiduals(_ batch: Dataset, termBlocks: [Int], losses: inout [Double]) {
        let B = batch.count, m = architecture.outputDimension, d = architecture.inputDimension
        let out = workspace.preactivations[slices.count - 1].pointer, res = residuals.pointer
        let y = batch.values.data, dY = batch.jacobians, d2Y = batch.hessians!
        for (t, b) in termBlocks.enumerated() {
            var loss = 0.0
            for i in 0..<B { for o in 0..<m {
                let target: Double
                if b == 0 { target = y[i * m + o] }
                else if b <= d { target = dY![(i * m + o) * d + b - 1] }
                else { let (j, k) = hessianPairs.pairs[b - 1 - d]; target = d2Y[((i * m + o) * d + j) * d + k] }
                let r = out[(b * B + i) * m + o] - target
                res[(t * B + i) * m + o] = r; loss += 0.5 * r * r
            } }
            losses[t] = loss
        }
    }

    private func reserve(_ size: HessianWorkspaceSize) {
        for l in 0..<slices.count {
            workspace.inputs[l].reserve(size.inputs[l]); workspace.preactivations[l].reserve(size.preactivations[l])
        }
        for h in 0..<workspace.p1.count {
            workspace.p1[h].reserve(size.hidden[h]); workspace.p2[h].reserve(size.hidden[h]); workspace.p3[h].reserve(size.hidden[h])
        }
        if size.scaled > 0 { workspace.scaled.reserve(size.scaled) }
        if size.channels > 0 { workspace.channels.reserve(size.channels); workspace.nextChannels.reserve(size.channels) }
        if size.termStack > 0 { workspace.termStack.reserve(size.termStack) }
        if size.weighted > 0 { workspace.weighted.reserve(size.weighted) }
        if size.pairInputs > 0 { workspace.pairInputs.reserve(size.pairInputs) }
        if size.slopes > 0 { workspace.slopes.reserve(size.slopes) }
        residuals.reserve(size.residuals)
    }
}

/// The doubles of each workspace buffer the Hessian passes reserve: the forward pass and the
/// residuals (`init`), and what the per-term or fused backward adds.
struct HessianWorkspaceSize {
    var inputs: [Int], preactivations: [Int], hidden: [Int]
    var scaled = 0, channels = 0, termStack = 0, weighted = 0, pairInputs = 0, slopes = 0, residuals: Int

    /// The forward pass of B samples (1 + d + D blocks) and the residuals of T terms.
    init(_ architecture: MLPArchitecture, B: Int, terms T: Int) {
        let sizes = architecture.layerSizes, d = architecture.inputDimension, m = architecture.outputDimension
        let rows = (1 + d + HessianPairs.count(d)) * B
        inputs = (0..<(sizes.count - 1)).map { rows * sizes[$0] }
        preactivations = (0..<(sizes.count - 1)).map { rows * sizes[$0 + 1] }
        hidden = sizes.dropFirst().dropLast().map { B * $0 }
        scaled = architecture.adaptiveScale == nil ? 0 : (hidden.max() ?? 0)
        residuals = T * B * m
    }

    private init(empty architecture: MLPArchitecture) {
        let L = architecture.layerCount
        inputs = [Int](repeating: 0, count: L); preactivations = inputs
        hidden = [Int](repeating: 0, count: max(L - 1, 0)); residuals = 0
    }

    /// The per-term backward's channels (two buffers of C B rows of the widest layer), group
    /// weight-gradient stack and per-sample slopes.
    static func perTerm(_ architecture: MLPArchitecture, B: Int, layout: HessianChannelLayout) -> HessianWorkspaceSize {
        var size = HessianWorkspaceSize(empty: architecture)
        size.channels = layout.total * B * architecture.layerSizes.max()!
        let widest = zip(architecture.layerSizes, architecture.layerSizes.dropFirst()).map { $0 * $1 }.max()!
        size.termStack = layout.count.max()! * widest
        size.slopes = layout.terms * B + B * architecture.layerSizes.max()!   // slopes, then the kernels' scratch rows
        return size
    }

    /// The fused backward's channels (1 + d + m blocks), weighted pair residuals, contracted pair
    /// inputs and per-sample slopes.
    static func fused(_ architecture: MLPArchitecture, B: Int) -> HessianWorkspaceSize {
        let d = architecture.inputDimension, m = architecture.outputDimension, widest = architecture.layerSizes.max()!
        var size = HessianWorkspaceSize(empty: architecture)
        size.channels = (1 + d + m) * B * widest
        size.weighted = HessianPairs.count(d) * B * m
        size.pairInputs = m * B * widest
        size.slopes = B + 2 * B * widest   // slopes, then the kernels' scratch rows
        return size
    }

    func merged(_ o: HessianWorkspaceSize) -> HessianWorkspaceSize {
        var out = self
        out.inputs = zip(inputs, o.inputs).map { max($0, $1) }
        out.preactivations = zip(preactivations, o.preactivations).map { max($0, $1) }
        out.hidden = zip(hidden, o.hidden).map { max($0, $1) }
        out.scaled = max(scaled, o.scaled); out.channels = max(channels, o.channels)
        out.termStack = max(termStack, o.termStack); out.weighted = max(weighted, o.weighted)
        out.pairInputs = max(pairInputs, o.pairInputs); out.slopes = max(slopes, o.slopes)
        out.residuals = max(residuals, o.residuals)
        return out
    }

    var total: Int {
        inputs.reduce(0, +) + preactivations.reduce(0, +) + 3 * hidden.reduce(0, +) + scaled + 2 * channels
            + termStack + weighted + pairInputs + slopes + residuals
    }
}

extension SobolevStep {
    /// GEMM flops of one step on a batch with Jacobian and Hessian data (docs/design.md, "Hessian
    /// terms"): the forward of (1 + d + D) B rows, then per-term C = 1 + 3d + 2d^2 channels or fused
    /// 1 + d + m channels, each through the weight gradients (every layer) and G W (all but the first).
    public static func hessianFlops(_ architecture: MLPArchitecture, batch B: Int, fused: Bool) -> Double {
        let d = architecture.inputDimension, m = architecture.outputDimension, b = Double(B)
        let layers = architecture.layers.map { Double($0.inputs * $0.outputs) }
        let all = layers.reduce(0, +), belowFirst = all - (layers.first ?? 0)
        let rows = Double(1 + d + HessianPairs.count(d))
        let channels = Double(fused ? 1 + d + m : 1 + 3 * d + 2 * d * d)
        return 2 * b * (rows * all + channels * (all + belowFirst))
    }

    /// Doubles a run's workspace grows to on batches with Hessian data (what the steps reserve):
    /// per-term steps on `batch` samples (when `perTerm`), fused steps (when `fused`), and loss
    /// evaluations of `evaluationBatch` samples. With `jacobians` the data carry gradients too.
    public static func hessianWorkspaceCount(_ architecture: MLPArchitecture, batch: Int, evaluationBatch: Int,
                                             perTerm: Bool, fused: Bool, jacobians: Bool = true) -> Int {
        let d = architecture.inputDimension, T = 1 + (jacobians ? d : 0) + HessianPairs.count(d)
        var size = HessianWorkspaceSize(architecture, B: evaluationBatch, terms: T)
        if perTerm || fused { size = size.merged(HessianWorkspaceSize(architecture, B: batch, terms: T)) }
        if perTerm {
            size = size.merged(.perTerm(architecture, B: batch, layout: HessianChannelLayout(d: d, jacobians: jacobians, active: T)))
        }
        if fused { size = size.merged(.fused(architecture, B: batch)) }
        return size.total
    }
}

// MARK: The NTK traces' per-term channels (NTKTraceHessian.swift), on arrays

extension SobolevStep {
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
}
