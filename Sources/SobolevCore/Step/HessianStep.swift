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
            for r in HessianChannelLayout.blocksRead(termBlock[t], d: d, pairs: pairs) { slot[t][r] = count[r]; count[r] += 1 }
        }
        start = count.indices.map { count[0..<$0].reduce(0, +) }
    }

    /// The forward blocks whose rows the channels of a term on block b read, in channel order:
    /// the value block, the tangent block(s) its residual depends on, its own block.
    static func blocksRead(_ b: Int, d: Int, pairs: HessianPairs) -> [Int] {
        guard b > 0 else { return [0] }
        guard b > d else { return [0, b] }
        let (j, k) = pairs.pairs[b - 1 - d]
        return j == k ? [0, 1 + j, b] : [0, 1 + j, 1 + k, b]
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
    /// The fewest samples of a Hessian step's tile: batches of up to 256 samples take one tile
    /// and keep the bits of the step before tiles (docs/design.md, "Tiles").
    static let hessianTileLeast = 256

    // MARK: Per-term mode

    /// Loss-term sums and each term's gradient (T x P) of a batch with Hessian data: value, grad_j
    /// (with Jacobians), hess_jk for j <= k. With `derivativeGradients` false only the value term's.
    func hessianTermSums(parameters: [Double], batch: Dataset, derivativeGradients: Bool) -> TermSums {
        let arch = architecture, P = arch.parameterCount, B = batch.count
        let layout = hessianLayout(jacobians: batch.hasJacobians, derivativeGradients: derivativeGradients)
        let T = layout.terms
        reserve(HessianWorkspaceSize(arch, B: B, terms: T).merged(.perTerm(arch, B: B, layout: layout)))
        var losses = [Double](repeating: 0, count: T)
        var grads = [Double](repeating: 0, count: T * P)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!, scales = arch.scales(parameters)
            hessianForwardPass(theta, scales: scales, inputs: batch.inputs)
            hessianResiduals(batch, termBlocks: layout.termBlock, losses: &losses)
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

    /// Back-propagates the per-term channels and adds each term's gradient to `grads` (T x P,
    /// zero on entry). Tile by tile, each through all layers (docs/design.md, "Tiles"): a tile's
    /// channels (group b's rows start_b n + i C_b + slot) live in `channels` and `nextChannels`,
    /// seeded with each active term's residual on its own block's channel.
    private func backwardHessianPerTerm(_ theta: UnsafePointer<Double>, scales: [Double], B: Int,
                                        layout: HessianChannelLayout, grads: UnsafeMutablePointer<Double>) {
        let P = architecture.parameterCount, m = architecture.outputDimension, C = layout.total
        let stack = workspace.termStack.pointer, slopes = workspace.slopes.pointer, res = residuals.pointer
        let adaptive = architecture.adaptiveScale != nil
        forEachTile(B, blocks: C - 1, least: SobolevStep.hessianTileLeast) { tile in
            let n = tile.n, lo = tile.lo, scratch = slopes + layout.terms * n
            var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
            G.update(repeating: 0, count: C * n * m)
            for t in 0..<layout.active {
                let b = layout.termBlock[t]
                for i in 0..<n {
                    let row = G + layout.row(term: t, block: b, sample: i, B: n) * m, r = res + (t * B + lo + i) * m
                    for o in 0..<m { row[o] = r[o] }
                }
            }
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs, w = nin * nout
                let A = workspace.inputs[l].pointer
                // Group b's weight gradients in one GEMM: (C_b nout x n)(n x nin), then into each term's dW.
                for b in layout.count.indices where layout.count[b] > 0 {
                    let Cb = layout.count[b], g = G + layout.start[b] * n * nout
                    BLAS.gemm(transA: true, m: Cb * nout, n: nin, k: n, a: g, lda: Cb * nout, b: A + tile.row(b) * nin, ldb: nin,
                              c: stack, ldc: nin)
                    for t in 0..<layout.active where layout.slot[t][b] >= 0 {
                        let c = layout.slot[t][b]
                        Kernels.add(stack + c * w, into: grads + t * P + s.weightOffset, count: w)
                        if b == 0 {
                            Kernels.columnSums(g + c * nout, rows: n, width: nout, stride: Cb * nout,
                                               into: grads + t * P + s.biasOffset, adding: true)
                        }
                    }
                }
                guard l > 0 else { break }
                BLAS.gemm(m: C * n, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: next, ldc: nin)
                let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h], from: lo)
                let p3 = workspace.p3[h].pointer + lo * nin, g = next
                Kernels.parallel(count: n, threads: threads, work: C * n * nin) { r in
                    for t in 0..<layout.active {
                        SobolevStep.backHessianTerm(g, term: t, layout: layout, layer, p3: p3, pairs: hessianPairs, rows: n,
                                                    samples: r, slopes: adaptive ? slopes + t * n : nil, scratch: scratch)
                    }
                }
                if let nScale = architecture.adaptiveScale {
                    for t in 0..<layout.active {
                        var total = 0.0
                        for i in 0..<n { total += slopes[t * n + i] }
                        grads[t * P + architecture.slopeOffset + h] += nScale * total
                    }
                }
                swap(&G, &next)
            }
        }
    }

    /// Term t's channels one layer down, in place on g = G W (a tile of `rows` samples), for the
    /// tile's samples in `samples` (ReferenceHessian.swift's recurrences restricted to the term's
    /// channels; h and p3 from the tile's first sample, its blocks B rows apart). With `slopes`,
    /// sample i's d S_t / d s over the layer into slopes[i], through `scratch` (a row of the width
    /// per sample: per-element shares, so that the loops vectorise). Each loop writes one channel
    /// (the new value channel reads the old tangent and pair channels, so it goes first).
    static func backHessianTerm(_ g: UnsafeMutablePointer<Double>, term t: Int, layout: HessianChannelLayout,
                                _ h: HiddenLayer, p3: UnsafePointer<Double>, pairs: HessianPairs, rows n: Int,
                                samples: Range<Int>, slopes: UnsafeMutablePointer<Double>?,
                                scratch: UnsafeMutablePointer<Double>) {
        let s = h.scale, s2 = s * s, s3 = s2 * s, w = h.width, B = h.B, d = layout.d
        let b = layout.termBlock[t]
        let pair: (j: Int, k: Int)? = b > d ? pairs.pairs[b - 1 - d] : nil
        let rowStride = layout.count.map { $0 * w }
        func base(_ block: Int) -> UnsafeMutablePointer<Double> {
            g + (layout.start[block] * n + layout.slot[t][block]) * w
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
    /// channel is sum_o w_jk r_jk[i, o] g_o, never formed (docs/design.md, "Hessian terms"). Tile
    /// by tile, each through all layers; a tile's channels (C blocks of its n rows) live in
    /// `channels` and `nextChannels`.
    func hessianFusedGradient(parameters: [Double], weights: [Double], pending: HessianPending) -> [Double] {
        let arch = architecture, B = pending.B, d = arch.inputDimension, m = arch.outputDimension
        let D = hessianPairs.count, C = 1 + d + m
        let T = 1 + (pending.jacobians ? d : 0) + D
        precondition(weights.count >= T, "\(weights.count) weights for \(T) terms")
        reserve(HessianWorkspaceSize.fused(arch, B: B))
        let Rw = workspace.weighted.pointer, res = residuals.pointer
        // The weighted pair residuals Rw[(q B + i) m + o] of the batch (the other terms' go into
        // each tile's seeds).
        for t in 0..<T {
            let blk = HessianChannelLayout.termBlock(t, d: d, jacobians: pending.jacobians)
            guard blk > d else { continue }
            let w = weights[t], r = res + t * B * m, out = Rw + (blk - 1 - d) * B * m
            for k in 0..<(B * m) { out[k] = w * r[k] }
        }
        var grad = [Double](repeating: 0, count: arch.parameterCount)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            grad.withUnsafeMutableBufferPointer { gradBuffer in
                let theta = thetaBuffer.baseAddress!, scales = arch.scales(parameters), grad = gradBuffer.baseAddress!
                forEachTile(B, blocks: C - 1, least: SobolevStep.hessianTileLeast) { tile in
                    hessianFusedTile(theta, scales: scales, tile: tile, weights: weights, pending: pending, grad: grad)
                }
            }
        }
        return grad
    }

    /// One tile's share of the fused gradient, added to `grad`: output seeds (value and tangent
    /// blocks: the terms' weighted residuals, zero for tangent blocks without a term; reverse
    /// blocks: e_o), then every layer down.
    private func hessianFusedTile(_ theta: UnsafePointer<Double>, scales: [Double], tile: Tile, weights: [Double],
                                  pending: HessianPending, grad: UnsafeMutablePointer<Double>) {
        let arch = architecture, B = tile.B, n = tile.n, lo = tile.lo, d = arch.inputDimension, m = arch.outputDimension
        let D = hessianPairs.count, C = 1 + d + m, res = residuals.pointer, Rw = UnsafePointer(workspace.weighted.pointer)
        var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
        G.update(repeating: 0, count: C * n * m)
        for t in 0...(pending.jacobians ? d : 0) {   // the value term and the gradient terms: term t on block t
            let w = weights[t], r = res + (t * B + lo) * m, out = G + t * n * m
            for k in 0..<(n * m) { out[k] = w * r[k] }
        }
        for o in 0..<m { for i in 0..<n { G[((1 + d + o) * n + i) * m + o] = 1 } }
        let pairInputs = workspace.pairInputs.pointer, slopes = workspace.slopes.pointer
        for l in stride(from: slices.count - 1, through: 0, by: -1) {
            let s = slices[l], nin = s.inputs, nout = s.outputs, A = workspace.inputs[l].pointer, g = G
            // The pair blocks' inputs contracted with the weighted residuals, per output o.
            Kernels.parallel(count: n, threads: threads, work: m * D * n * nin) { r in
                SobolevStep.contractPairs(pairInputs, A, weighted: Rw, d: d, pairs: D, outputs: m, tile: tile, width: nin, samples: r)
            }
            let dW = grad + s.weightOffset
            tile.runs(0..<(1 + d), merged: tile.isWholeBatch) { b, rows in
                BLAS.gemm(transA: true, m: nout, n: nin, k: rows, a: g + b * n * nout, lda: nout, b: A + tile.row(b) * nin,
                          ldb: nin, beta: 1, c: dW, ldc: nin)
            }
            BLAS.gemm(transA: true, m: nout, n: nin, k: m * n, a: g + (1 + d) * n * nout, lda: nout,
                      b: pairInputs, ldb: nin, beta: 1, c: dW, ldc: nin)
            Kernels.columnSums(g, rows: n, width: nout, into: grad + s.biasOffset, adding: true)
            guard l > 0 else { break }
            BLAS.gemm(m: C * n, n: nin, k: nout, a: g, lda: nout, b: theta + s.weightOffset, ldb: nin, c: next, ldc: nin)
            let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h], from: lo), p3 = workspace.p3[h].pointer + lo * nin
            let gn = next, adaptive = arch.adaptiveScale != nil
            Kernels.parallel(count: n, threads: threads, work: (C + D) * n * nin) { r in
                SobolevStep.backHessianFused(gn, layer, p3: p3, weighted: Rw, pairs: hessianPairs, outputs: m, tile: tile,
                                             samples: r, slopes: adaptive ? slopes : nil, scratch: slopes + n)
            }
            if let nScale = arch.adaptiveScale {
                var total = 0.0
                for i in 0..<n { total += slopes[i] }
                grad[arch.slopeOffset + h] += nScale * total
            }
            swap(&G, &next)
        }
    }

    /// Row (o, i - lo) of `out` = sum_q Rw[(q B + i) m + o] A[pair block q, i] for the samples i of
    /// the tile (`samples` counts from its first).
    static func contractPairs(_ out: UnsafeMutablePointer<Double>, _ A: UnsafePointer<Double>, weighted Rw: UnsafePointer<Double>,
                              d: Int, pairs D: Int, outputs m: Int, tile: Tile, width w: Int, samples: Range<Int>) {
        let B = tile.B
        for o in 0..<m { for local in samples {
            let i = tile.lo + local, row = out + (o * tile.n + local) * w
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
    /// with gp_jk = sum_o Rw_jk[i, o] (g_o W) formed row by row in `scratch` (two rows of the
    /// width per sample; the second holds the per-element slope shares). g holds the tile's
    /// channels, h and p3 start at its first sample (their blocks B rows apart), `samples` count
    /// from it. With `slopes`, sample i's d S_w / d s into slopes[i]. Each loop writes one row,
    /// so that it vectorises.
    static func backHessianFused(_ g: UnsafeMutablePointer<Double>, _ h: HiddenLayer, p3: UnsafePointer<Double>,
                                 weighted Rw: UnsafePointer<Double>, pairs: HessianPairs, outputs m: Int, tile: Tile,
                                 samples: Range<Int>, slopes: UnsafeMutablePointer<Double>?, scratch: UnsafeMutablePointer<Double>) {
        let s = h.scale, s2 = s * s, s3 = s2 * s, w = h.width, B = h.B, d = pairs.inputDimension
        let n = tile.n * w, zn = B * w   // channel blocks (the tile's rows) and forward blocks (the batch's) apart
        for i in samples {
            let z = h.z + i * w, p1 = h.p1 + i * w, p2 = h.p2 + i * w, q3 = p3 + i * w
            let gv = g + i * w, rev = g + (1 + d) * n + i * w
            let gp = scratch + 2 * i * w, ds = gp + w
            if slopes != nil { for c in 0..<w { ds[c] = gv[c] * z[c] * p1[c] } }
            for c in 0..<w { gv[c] = gv[c] * s * p1[c] }
            for j in 0..<d {
                let gt = g + (1 + j) * n + i * w, zt = z + (1 + j) * zn
                if slopes != nil { for c in 0..<w { ds[c] += gt[c] * zt[c] * (p1[c] + s * z[c] * p2[c]) } }
                for c in 0..<w { gv[c] += gt[c] * s2 * p2[c] * zt[c] }
                for c in 0..<w { gt[c] = gt[c] * s * p1[c] }
            }
            for (q, (j, k)) in pairs.pairs.enumerated() {
                let gj = g + (1 + j) * n + i * w, gk = g + (1 + k) * n + i * w
                let a = z + (1 + j) * zn, b = z + (1 + k) * zn, zp = z + (1 + d + q) * zn
                let rw = Rw + (q * B + tile.lo + i) * m
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
    /// value rows. Tile by tile, each through all layers, the element-wise pass of a layer right
    /// after its GEMMs (docs/design.md, "Tiles").
    func hessianForwardPass(_ theta: UnsafePointer<Double>, scales: [Double], inputs x: Matrix) {
        let B = x.rows, d = architecture.inputDimension, blocks = d + hessianPairs.count
        let A0 = workspace.inputs[0].pointer
        A0.update(repeating: 0, count: (1 + blocks) * B * d)
        x.data.withUnsafeBufferPointer { A0.update(from: $0.baseAddress!, count: B * d) }
        for j in 0..<d { for i in 0..<B { A0[((1 + j) * B + i) * d + j] = 1 } }
        let transposed = transposeWeights(theta, rows: B * (1 + blocks))
        forEachTile(B, blocks: blocks, least: SobolevStep.hessianTileLeast) { tile in
            let lo = tile.lo, n = tile.n
            for (l, s) in slices.enumerated() {
                let nin = s.inputs, nout = s.outputs, W = theta + s.weightOffset
                let A = workspace.inputs[l].pointer, Z = workspace.preactivations[l].pointer
                Kernels.affine(rows: n, biased: n, nin: nin, nout: nout, a: A + lo * nin, weights: W,
                               transposed: transposed[l], bias: theta + s.biasOffset, z: Z + lo * nout)
                if l == 0 && SobolevStep.unitSeedsAllowed {
                    // Seeds e_j, then 0: the products are W_0's columns and (+0) zeros, the products'
                    // bits ("Unit seeds at layer 0").
                    for b in 1...blocks {
                        let z = Z + tile.row(b) * nout
                        if b <= d {
                            Kernels.unitColumns(z, column: W + b - 1, stride: nin, width: nout, range: 0..<(n * nout))
                        } else {
                            z.update(repeating: 0, count: n * nout)
                        }
                    }
                } else {
                    tile.runs(1..<(1 + blocks), merged: tile.isWholeBatch) { b, rows in
                        BLAS.gemm(transB: true, m: rows, n: nout, k: nin, a: A + tile.row(b) * nin, lda: nin, b: W, ldb: nin,
                                  c: Z + tile.row(b) * nout, ldc: nout, transposedB: transposed[l])
                    }
                }
                guard l < slices.count - 1 else { break }
                hessianActivation(layer: l, tile: tile, scale: scales[l])
            }
        }
    }

    /// Hidden layer l's element-wise pass over a tile: h, phi' to phi''' of the value rows, the
    /// tangent rows s phi' z'_j and the pair rows s^2 phi'' z'_j z'_k + s phi' z''_jk.
    private func hessianActivation(layer l: Int, tile: Tile, scale sl: Double) {
        let d = architecture.inputDimension, pairs = hessianPairs, nout = architecture.layerSizes[l + 1]
        let N = tile.B * nout, first = tile.lo * nout, count = tile.n * nout   // block stride, the tile's elements
        let Z = workspace.preactivations[l].pointer + first, H = workspace.inputs[l + 1].pointer + first
        let p1 = workspace.p1[l].pointer + first, p2 = workspace.p2[l].pointer + first, p3 = workspace.p3[l].pointer + first
        var u = UnsafePointer(Z)
        if sl != 1 {
            let scaled = workspace.scaled.pointer + first
            for k in 0..<count { scaled[k] = sl * Z[k] }
            u = UnsafePointer(scaled)
        }
        Kernels.parallel(count: count, threads: threads, work: (1 + d + pairs.count) * count) { r in
            let lo = r.lowerBound
            architecture.activation.apply(u + lo, count: r.count, phi: H + lo, dphi: p1 + lo, d2phi: p2 + lo, d3phi: p3 + lo)
            // Row pointers offset once, so that the loops index by e alone and vectorise.
            let cnt = r.count, q1 = p1 + lo, q2 = p2 + lo
            for j in 0..<d {
                let ht = H + (1 + j) * N + lo, zt = Z + (1 + j) * N + lo
                for e in 0..<cnt { ht[e] = sl * q1[e] * zt[e] }
            }
            for (q, (j, k)) in pairs.pairs.enumerated() {
                let hq = H + (1 + d + q) * N + lo, zq = Z + (1 + d + q) * N + lo
                let zj = Z + (1 + j) * N + lo, zk = Z + (1 + k) * N + lo
                for e in 0..<cnt { hq[e] = sl * sl * q2[e] * zj[e] * zk[e] + sl * q1[e] * zq[e] }
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
        let rows = HessianPairs.rowBlocks(d) * B
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

    /// The per-term backward's channels (two buffers of a tile's C n rows of the widest layer),
    /// group weight-gradient stack and per-sample slopes.
    static func perTerm(_ architecture: MLPArchitecture, B: Int, layout: HessianChannelLayout) -> HessianWorkspaceSize {
        var size = HessianWorkspaceSize(empty: architecture)
        let sizes = architecture.layerSizes, widest = sizes.max()!, C = layout.total
        let n = SobolevStep.tileSamples(architecture, batch: B, blocks: C - 1, least: SobolevStep.hessianTileLeast)
        size.channels = C * n * widest
        size.termStack = layout.count.max()! * zip(sizes, sizes.dropFirst()).map { $0 * $1 }.max()!
        size.slopes = layout.terms * n + n * widest   // slopes, then the kernels' scratch rows
        return size
    }

    /// The fused backward's channels (a tile's 1 + d + m blocks), weighted pair residuals (the
    /// batch's), contracted pair inputs and per-sample slopes (the tile's).
    static func fused(_ architecture: MLPArchitecture, B: Int) -> HessianWorkspaceSize {
        let d = architecture.inputDimension, m = architecture.outputDimension, widest = architecture.layerSizes.max()!
        let n = SobolevStep.tileSamples(architecture, batch: B, blocks: d + m, least: SobolevStep.hessianTileLeast)
        var size = HessianWorkspaceSize(empty: architecture)
        size.channels = (1 + d + m) * n * widest
        size.weighted = HessianPairs.count(d) * B * m
        size.pairInputs = m * n * widest
        size.slopes = n + 2 * n * widest   // slopes, then the kernels' scratch rows
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
    /// terms"): the forward of (1 + d + D) B rows (the d + D seeded blocks, e_j and 0, without
    /// products at layer 0), then per-term C = 1 + 3d + 2d^2 channels or fused 1 + d + m channels,
    /// each through the weight gradients (every layer) and G W (all but the first).
    public static func hessianFlops(_ architecture: MLPArchitecture, batch B: Int, fused: Bool) -> Double {
        let d = architecture.inputDimension, m = architecture.outputDimension, b = Double(B)
        let layers = architecture.layers.map { Double($0.inputs * $0.outputs) }
        let all = layers.reduce(0, +), first = layers.first ?? 0, belowFirst = all - first
        let rows = Double(HessianPairs.rowBlocks(d))
        let channels = Double(fused ? 1 + d + m : 1 + 3 * d + 2 * d * d)
        return 2 * b * (rows * all - (rows - 1) * first + channels * (all + belowFirst))
    }

    /// Doubles a run's workspace grows to on batches with Hessian data (what the steps reserve):
    /// per-term steps on `batch` samples (when `perTerm`), fused steps (when `fused`), and loss
    /// evaluations of `evaluationBatch` samples. With `jacobians` the data carry gradients too.
    public static func hessianWorkspaceCount(_ architecture: MLPArchitecture, batch: Int, evaluationBatch: Int,
                                             perTerm: Bool, fused: Bool, jacobians: Bool = true) -> Int {
        let d = architecture.inputDimension, T = 1 + (jacobians ? d : 0) + HessianPairs.count(d)
        let evaluation = min(evaluationBatch, MLPArchitecture.evaluationSamples(blocks: HessianPairs.rowBlocks(d) - 1))
        var size = HessianWorkspaceSize(architecture, B: evaluation, terms: T)
        if perTerm || fused { size = size.merged(HessianWorkspaceSize(architecture, B: batch, terms: T)) }
        if perTerm {
            size = size.merged(.perTerm(architecture, B: batch, layout: HessianChannelLayout(d: d, jacobians: jacobians, active: T)))
        }
        if fused { size = size.merged(.fused(architecture, B: batch)) }
        return size.total + transposedWeightCount(architecture)
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
            for blk in HessianChannelLayout.blocksRead(b, d: trace.d, pairs: trace.pairs) {
                index[t][blk] = channels.count; channels.append((t, blk))
            }
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
