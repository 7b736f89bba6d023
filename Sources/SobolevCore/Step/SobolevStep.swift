// The Sobolev step on a reused workspace: the per-term mode (every term's parameter gradient,
// what gradient-based weighting schemes need) and the fused mode (one gradient of the weighted sum
// sum_t w_t S_t, with the Jacobian by forward or reverse mode: JacobianPlan). The algebra is the
// one of `referenceTermSums` (Sobolev.swift's header and docs/design.md); this file lays it out
// so that each layer's products are as few and as large GEMMs as the layout allows and no step
// allocates.
//
// Row layout of the forward pass (and of the fused backward): B value rows, then `blocks` tangent
// blocks of B rows. Per-term backward: the value-row channels of all T = 1 + d terms interleaved
// by sample (row i * T + t), so that one GEMM gives every term's value-row weight gradient, then
// the d tangent-row channels in the forward's block layout.

/// One run's Sobolev step: the network, its workspace and the thread count of its loops.
public final class SobolevStep {
    public let architecture: MLPArchitecture
    /// Threads of the element-wise loops (the BLAS threads are set by the caller).
    public var threads: Int
    let slices: [LayerSlice]
    let workspace: StepWorkspace
    /// Output residuals kept between `fusedLosses` and `fusedGradient`.
    let residuals = StepBuffer()
    private var pending: (batch: Int, plan: JacobianPlan, blocks: Int, unit: Int, directions: [Double]?)?
    /// A fused step's second-order forward pass on a batch with Hessian data (HessianStep.swift).
    var hessianPending: HessianPending?
    /// The input pairs (j, k), j <= k, of the Hessian terms, and the per-term channel layout last used.
    let hessianPairs: HessianPairs
    var hessianLayoutCache: HessianChannelLayout?

    public init(architecture: MLPArchitecture, threads: Int = 1) {
        self.architecture = architecture
        self.threads = max(threads, 1)
        slices = architecture.layers
        workspace = StepWorkspace(layerCount: architecture.layerCount)
        hessianPairs = HessianPairs(architecture.inputDimension)
    }

    /// Doubles the workspace holds now.
    public var workspaceCount: Int { workspace.heldCount + residuals.capacity }

    // MARK: Per-term mode

    /// Loss-term sums of `batch` and each term's parameter gradient (T x P): value, then one term
    /// per tangent block (input direction when the batch has Jacobians, then direction index when
    /// it has directions). With `derivativeGradients` false only the value term's gradient is
    /// computed (the derivative rows stay zero). A batch with Hessian data adds one term per pair
    /// (j, k), j <= k, after the gradient terms (HessianStep.swift; it has no directions).
    public func termSums(parameters: [Double], batch: Dataset, derivativeGradients: Bool = true) -> TermSums {
        check(parameters, batch)
        if batch.hasHessians { return hessianTermSums(parameters: parameters, batch: batch, derivativeGradients: derivativeGradients) }
        let B = batch.count, m = architecture.outputDimension
        let dirs = batch.tangentBlockCount
        let active = derivativeGradients ? dirs : 0
        let T = 1 + dirs, P = architecture.parameterCount
        let shared = SobolevStep.sharesTangentChannels(m: m, active: active)
        reserve(B: B, blocks: dirs, channelRows: B * (1 + 2 * active + (shared ? m : 0)), reverse: false)
        var losses = [Double](repeating: 0, count: T)
        var grads = [Double](repeating: 0, count: T * P)
        let E = residuals.reserve(B * m * dirs)
        parameters.withUnsafeBufferPointer { theta in
            let scales = architecture.scales(parameters)
            seedTangents(batch)
            forward(theta.baseAddress!, scales: scales, B: B, blocks: dirs, units: unitBlocks(batch), valueRows: true)
            let out = workspace.preactivations[slices.count - 1].pointer
            let G = workspace.channels.pointer, cv = 1 + active
            // Value rows (i, t): the value residual for t = 0, zero above; tangent blocks: block
            // j's tangent residual (also kept in E, entry (i * m + o) * dirs + j); then, when the
            // tangent channels are shared, m reverse channels seeded with e_o.
            G.update(repeating: 0, count: B * cv * m)
            losses[0] = batch.values.data.withUnsafeBufferPointer { y in
                var sum = 0.0
                for i in 0..<B { for o in 0..<m {
                    let r = out[i * m + o] - y[i * m + o]
                    sum += 0.5 * r * r
                    G[(i * cv) * m + o] = r
                } }
                return sum
            }
            for j in 0..<dirs {
                let t = E + j
                losses[1 + j] = batch.withTangentTargets(block: j) {
                    Kernels.residuals(out + (1 + j) * B * m, stride: 1, minus: $0, stride: $1, count: B * m, into: t, stride: dirs)
                }
                if j < active { for q in 0..<(B * m) { G[B * cv * m + j * B * m + q] = t[q * dirs] } }
            }
            if shared {
                let seeds = G + B * (cv + active) * m
                seeds.update(repeating: 0, count: m * B * m)
                for o in 0..<m { for i in 0..<B { seeds[(o * B + i) * m + o] = 1 } }
            }
            grads.withUnsafeMutableBufferPointer { g in
                backwardPerTerm(theta.baseAddress!, scales: scales, B: B, active: active, blocks: dirs, units: unitBlocks(batch),
                                shared: shared,
                                grads: g.baseAddress!)
            }
        }
        return TermSums(losses: losses, gradients: grads, count: B)
    }

    /// Whether the per-term backward takes its `active` tangent channels from m reverse channels:
    /// tangent channel j's rows are sum_o R_ij[o] g_o with g_o back-propagated from e_o (the
    /// channels are linear and share one operator), so m channels are multiplied instead of d.
    static func sharesTangentChannels(m: Int, active: Int) -> Bool { m < active }

    // MARK: Fused mode

    /// First half of a fused step: the forward pass, the Jacobian by `plan` and the term-loss sums
    /// (value, then one per tangent block: input directions, then direction indices).
    /// `fusedGradient` finishes the step once the weights are known. A batch with Hessian data
    /// takes the second-order forward tangents whatever the plan (its terms then follow with one
    /// per pair (j, k), j <= k).
    public func fusedLosses(parameters: [Double], batch: Dataset, plan: JacobianPlan) -> TermSums {
        check(parameters, batch)
        hessianPending = nil
        if batch.hasHessians { pending = nil; return hessianFusedLosses(parameters: parameters, batch: batch) }
        let B = batch.count, m = architecture.outputDimension, d = architecture.inputDimension
        let dirs = batch.tangentBlockCount, sobolev = dirs > 0
        let unit = batch.hasJacobians ? d : 0, k = batch.directionCount
        let blocks = sobolev ? (plan == .forward ? dirs : m) : 0
        reserve(B: B, blocks: blocks, channelRows: B * (1 + blocks), reverse: sobolev && plan == .reverse)
        var losses = [Double](repeating: 0, count: 1 + dirs)
        let res = residuals.reserve(B * m * (1 + dirs))
        parameters.withUnsafeBufferPointer { theta in
            let scales = architecture.scales(parameters)
            seedTangents(batch, blocks: plan == .forward ? dirs : 0)
            forward(theta.baseAddress!, scales: scales, B: B, blocks: plan == .forward ? blocks : 0, units: unitBlocks(batch),
                    valueRows: true)
            let out = workspace.preactivations[slices.count - 1].pointer
            // Each term's loss summed in a local, in sample-then-output order (the sums' order).
            losses[0] = batch.values.data.withUnsafeBufferPointer {
                Kernels.residuals(out, stride: 1, minus: $0.baseAddress!, stride: 1, count: B * m, into: res, stride: 1)
            }
            guard sobolev else { return }
            if plan == .reverse { reverseJacobian(theta.baseAddress!, scales: scales, B: B) }
            let J = workspace.jacobian.pointer, E = res + B * m
            for j in 0..<dirs {
                // Block j's tangents J_i e_j or J_i v_ic, entry (i, o): the forward's rows (plan F), or
                // under plan R the reverse Jacobian's column j, or J_i v_ic from it, written into E
                // first. The residuals go into E either way.
                let t = E + j
                var y = UnsafePointer(out + (1 + j) * B * m), ys = 1
                if plan == .reverse {
                    if j < unit { for i in 0..<B { for o in 0..<m { t[(i * m + o) * dirs] = J[(o * B + i) * d + j] } } }
                    else {
                        let V = batch.directions!, c = j - unit
                        for i in 0..<B { for o in 0..<m {
                            var tangent = 0.0
                            for q in 0..<d { tangent += J[(o * B + i) * d + q] * V[(i * k + c) * d + q] }
                            t[(i * m + o) * dirs] = tangent
                        } }
                    }
                    y = UnsafePointer(t); ys = dirs
                }
                losses[1 + j] = batch.withTangentTargets(block: j) {
                    Kernels.residuals(y, stride: ys, minus: $0, stride: $1, count: B * m, into: t, stride: dirs)
                }
            }
        }
        pending = (B, plan, dirs, unit, batch.directions)
        return TermSums(losses: losses, gradients: [], count: B)
    }

    /// Second half of a fused step: the parameter gradient of sum_t w_t S_t over the batch given to
    /// `fusedLosses`, with `weights` = (w_value, w_1..w_T) (w_b of tangent block b: input
    /// directions, then direction indices; extra entries ignored). After a batch with Hessian
    /// data: one weight per term in term order.
    public func fusedGradient(parameters: [Double], weights: [Double]) -> [Double] {
        if let h = hessianPending {
            hessianPending = nil
            return hessianFusedGradient(parameters: parameters, weights: weights, pending: h)
        }
        guard let (B, plan, dirs, unit, directions) = pending else { preconditionFailure("fusedGradient needs fusedLosses first") }
        pending = nil
        let m = architecture.outputDimension, d = architecture.inputDimension
        let derivative = dirs > 0 && weights.dropFirst().prefix(dirs).contains { $0 != 0 }
        let blocks = derivative ? (plan == .forward ? dirs : m) : 0
        var grad = [Double](repeating: 0, count: architecture.parameterCount)
        parameters.withUnsafeBufferPointer { thetaBuffer in
            let theta = thetaBuffer.baseAddress!
            let scales = architecture.scales(parameters)
            let res = residuals.pointer, E = res + B * m
            if derivative && plan == .reverse {
                // Tangent block o, sample i: the direction R_i[o, :] = E_i[o, :] diag(w_1..w_d)
                // + sum_c w_c r_ic[o] v_ic (the directional residuals, docs/design.md).
                let A0 = workspace.inputs[0].pointer, k = dirs - unit
                for o in 0..<m { for i in 0..<B {
                    let row = A0 + (B + o * B + i) * d, e = E + (i * m + o) * dirs
                    for j in 0..<d { row[j] = unit > 0 ? weights[1 + j] * e[j] : 0 }
                    guard let V = directions else { continue }
                    for c in 0..<k {
                        let w = weights[1 + unit + c] * e[unit + c], v = (i * k + c) * d
                        for j in 0..<d { row[j] += w * V[v + j] }
                    }
                } }
                forward(theta, scales: scales, B: B, blocks: m, units: 0, valueRows: false)
            }
            let G = workspace.channels.pointer
            let w0 = weights[0]
            for k in 0..<(B * m) { G[k] = w0 * res[k] }
            if derivative {
                for b in 0..<blocks {
                    let g = G + (1 + b) * B * m
                    if plan == .forward {
                        // Block b's weighted residual.
                        let w = weights[1 + b], e = E + b
                        for q in 0..<(B * m) { g[q] = w * e[q * dirs] }
                    } else {
                        // e_b on tangent block b.
                        g.update(repeating: 0, count: B * m)
                        for i in 0..<B { g[i * m + b] = 1 }
                    }
                }
            }
            grad.withUnsafeMutableBufferPointer { g in
                let units = plan == .forward && SobolevStep.unitSeedsAllowed ? min(unit, blocks) : 0
                backwardFused(theta, scales: scales, B: B, blocks: blocks, units: units, reusingReverse: derivative && plan == .reverse,
                              grad: g.baseAddress!)
            }
        }
        return grad
    }

    /// Term-loss sums (value, then one per direction) without gradients, the Jacobian by the
    /// cheaper plan; in passes of `evaluationSamples` (a validation set of any size takes the
    /// workspace of one pass).
    public func lossSums(parameters: [Double], batch: Dataset) -> TermSums {
        MLPArchitecture.sumInPasses(batch) { lossPass(parameters: parameters, batch: $0) }
    }

    /// `lossSums` of one pass.
    func lossPass(parameters: [Double], batch: Dataset) -> TermSums {
        let plan = batch.tangentBlockCount > 0 ? JacobianPlan.cheapest(architecture, batch: batch.count, for: batch) : .forward
        let sums = fusedLosses(parameters: parameters, batch: batch, plan: plan)
        pending = nil; hessianPending = nil
        return sums
    }

    /// Network values (n x m) and input Jacobians (n x m x d, entry (i * m + o) * d + j) by `plan`
    /// (d forward tangents or m reverse passes; the cheaper one when nil).
    public func predict(parameters: [Double], inputs: Matrix, plan: JacobianPlan? = nil) -> (values: Matrix, jacobians: [Double]) {
        let m = architecture.outputDimension, d = architecture.inputDimension, B = inputs.rows
        let probe = Dataset(inputs: inputs, values: Matrix(rows: B, cols: m), jacobians: [Double](repeating: 0, count: B * m * d))
        let chosen = plan ?? JacobianPlan.cheapest(architecture, batch: B)
        _ = fusedLosses(parameters: parameters, batch: probe, plan: chosen)
        pending = nil
        // The residuals against zero targets are the values and the Jacobians themselves.
        let res = residuals.pointer
        let values = Matrix(rows: B, cols: m, data: Array(UnsafeBufferPointer(start: res, count: B * m)))
        return (values, Array(UnsafeBufferPointer(start: res + B * m, count: B * m * d)))
    }

    // MARK: Passes

    private func check(_ parameters: [Double], _ batch: Dataset) {
        precondition(parameters.count == architecture.parameterCount,
                     "parameter vector has \(parameters.count) entries, network needs \(architecture.parameterCount)")
        precondition(batch.inputDimension == architecture.inputDimension,
                     "network takes \(architecture.inputDimension) inputs, data has \(batch.inputDimension)")
        precondition(batch.outputDimension == architecture.outputDimension,
                     "network has \(architecture.outputDimension) outputs, data has \(batch.outputDimension)")
        // Directional and Hessian tangent blocks do not share one layout; the experiment checks refuse the combination.
        precondition(!(batch.hasHessians && batch.hasDirections), "a batch has directions or Hessians, not both")
    }

    /// Sizes the workspace for B samples, `blocks` tangent blocks and `channelRows` backward rows.
    private func reserve(B: Int, blocks: Int, channelRows: Int, reverse: Bool) {
        let size = WorkspaceSize(architecture, B: B, blocks: blocks, channelRows: channelRows, reverse: reverse)
        for l in 0..<slices.count {
            workspace.inputs[l].reserve(size.inputs[l]); workspace.preactivations[l].reserve(size.preactivations[l])
        }
        for h in 0..<workspace.p1.count { workspace.p1[h].reserve(size.hidden[h]); workspace.p2[h].reserve(size.hidden[h]) }
        if architecture.adaptiveScale != nil { workspace.scaled.reserve(size.scaled) }
        workspace.channels.reserve(size.channels); workspace.nextChannels.reserve(size.nextChannels)
        workspace.tileChannels.reserve(size.tileChannels)
        if reverse { workspace.jacobian.reserve(size.jacobian) }
        for h in 0..<workspace.adjoints.count { workspace.adjoints[h].reserve(size.adjoints[h]) }
    }

    /// Doubles a run's workspace grows to: per-term steps on `batch` samples (when `perTerm`),
    /// fused steps (when `fused`), and loss evaluations of `evaluationBatch` samples, on data
    /// with Jacobians (d tangent blocks) and/or `directions` directions a sample (k more).
    public static func workspaceCount(_ architecture: MLPArchitecture, batch: Int, evaluationBatch: Int,
                                      perTerm: Bool, fused: Bool, jacobians: Bool = true, directions: Int = 0) -> Int {
        let m = architecture.outputDimension
        let dirs = (jacobians ? architecture.inputDimension : 0) + directions
        func fusedSize(_ B: Int) -> WorkspaceSize {
            let plan = JacobianPlan.cheapest(architecture, batch: B, jacobians: jacobians, directions: directions)
            let blocks = dirs == 0 ? 0 : plan == .forward ? dirs : m
            return WorkspaceSize(architecture, B: B, blocks: blocks, channelRows: B * (1 + blocks), reverse: dirs > 0 && plan == .reverse,
                                 dirs: dirs)
        }
        var size = fusedSize(min(evaluationBatch, MLPArchitecture.evaluationSamples(blocks: dirs)))
        if fused { size = size.merged(fusedSize(batch)) }
        if perTerm {
            let shared = sharesTangentChannels(m: m, active: dirs) ? m : 0
            size = size.merged(WorkspaceSize(architecture, B: batch, blocks: dirs, channelRows: batch * (1 + 2 * dirs + shared),
                                             reverse: false, dirs: dirs))
            size.termStack = stackOffsets(architecture, terms: 1 + dirs).last!
        }
        return size.total + transposedWeightCount(architecture)
    }

    /// Doubles of the transposed weights the forward passes keep (`transposeWeights`).
    static func transposedWeightCount(_ architecture: MLPArchitecture) -> Int {
        architecture.layers.reduce(0) { $0 + (BLAS.mayRouteTransposed(n: $1.outputs, k: $1.inputs) ? $1.weightCount : 0) }
    }

    /// Layer 0's input rows: x, then the batch's tangent blocks (unit seeds e_j, then the
    /// directions v_ic), or none when `blocks` is 0.
    private func seedTangents(_ batch: Dataset, blocks: Int? = nil) {
        let A = workspace.inputs[0].pointer, B = batch.count, d = batch.inputDimension
        batch.inputs.data.withUnsafeBufferPointer { A.update(from: $0.baseAddress!, count: B * d) }
        if blocks ?? batch.tangentBlockCount > 0 { batch.seedTangents(A + B * d) }
    }

    /// Tiles of at most this many samples, if fewer than `tileSamples` (for tests: small batches
    /// in several tiles).
    var tileSamplesLimit: Int?

    /// Whether layer 0's products with unit seeds are replaced by W_0's columns and column sums
    /// (tests switch it off to compare with the products).
    nonisolated(unsafe) static var unitSeedsAllowed = true

    /// The batch's tangent blocks seeded with e_j whose layer-0 products are skipped.
    private func unitBlocks(_ batch: Dataset) -> Int { SobolevStep.unitSeedsAllowed ? batch.unitBlockCount : 0 }

    /// The backward's scratch channel buffer that `g` is not in (the two take turns layer by layer).
    private func otherScratch(than g: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> {
        g == workspace.nextChannels.pointer ? workspace.tileChannels.pointer : workspace.nextChannels.pointer
    }

    /// Calls `body` on each tile of the batch, in sample order.
    func forEachTile(_ B: Int, blocks: Int, least: Int = 64, _ body: (Tile) -> Void) {
        guard B > 0 else { return }   // a rank of a data-parallel group may hold no sample of a mini-batch
        let S = min(SobolevStep.tileSamples(architecture, batch: B, blocks: blocks, least: least), max(tileSamplesLimit ?? B, 1))
        for lo in stride(from: 0, to: B, by: S) { body(Tile(samples: lo..<min(lo + S, B), B: B)) }
    }

    /// Forward through every layer: the value rows (bias, activation, phi', phi'') when asked, and
    /// the `blocks` tangent blocks t = s phi'(s z) zt; tile by tile, each through all layers, and
    /// each tangent block's element-wise pass right after its GEMM. The first `units` blocks are
    /// seeded with e_0, e_1, ... (`Dataset.seedTangents`).
    private func forward(_ theta: UnsafePointer<Double>, scales: [Double], B: Int, blocks: Int, units: Int, valueRows: Bool) {
        guard valueRows || blocks > 0 else { return }
        let transposed = transposeWeights(theta, rows: B * ((valueRows ? 1 : 0) + blocks))
        forEachTile(B, blocks: blocks) { tile in
            let lo = tile.lo, n = tile.n
            for (l, s) in slices.enumerated() {
                let nin = s.inputs, nout = s.outputs, hidden = l < slices.count - 1
                let A = workspace.inputs[l].pointer, Z = workspace.preactivations[l].pointer
                // The next layer's input rows, phi' and the slope (hidden layers only).
                let H = hidden ? workspace.inputs[l + 1].pointer : Z, sl = hidden ? scales[l] : 1
                let p1 = hidden ? workspace.p1[l].pointer + lo * nout : Z
                if valueRows {
                    Kernels.affine(rows: n, biased: n, nin: nin, nout: nout, a: A + lo * nin, weights: theta + s.weightOffset,
                                   transposed: transposed[l], bias: theta + s.biasOffset, z: Z + lo * nout)
                }
                if valueRows && hidden {
                    var u = UnsafePointer(Z + lo * nout)
                    if sl != 1 {
                        let scaled = workspace.scaled.pointer + lo * nout
                        for k in 0..<(n * nout) { scaled[k] = sl * u[k] }
                        u = UnsafePointer(scaled)
                    }
                    let h = H + lo * nout, p2 = workspace.p2[l].pointer + lo * nout
                    Kernels.parallel(count: n * nout, threads: threads) { r in
                        architecture.activation.apply(u + r.lowerBound, count: r.count, phi: h + r.lowerBound,
                                                      dphi: p1 + r.lowerBound, d2phi: p2 + r.lowerBound)
                    }
                }
                // Layer 0's unit blocks: the product of the seeds e_j with W_0^T is column j of W_0
                // in every row, written without the product (2 d multiply-adds an element). Not when
                // direction blocks follow in one product over the whole batch: their rows would
                // start elsewhere in OpenBLAS's row blocks, with other bits ("Tiles").
                let unit = l == 0 && (units >= blocks || !tile.isWholeBatch) ? min(units, blocks) : 0
                for b in 1..<(1 + unit) {
                    let row = tile.row(b)
                    Kernels.parallel(count: n * nout, threads: threads) { r in
                        Kernels.unitColumns(Z + row * nout, column: theta + s.weightOffset + b - 1, stride: nin, width: nout, range: r)
                        if hidden { Kernels.tangents(H + row * nout, Z + row * nout, p1: p1, scale: sl, block: n * nout, range: r) }
                    }
                }
                tile.runs((1 + unit)..<(1 + blocks), merged: tile.isWholeBatch) { b, rows in
                    let row = tile.row(b)
                    Kernels.affine(rows: rows, biased: 0, nin: nin, nout: nout, a: A + row * nin, weights: theta + s.weightOffset,
                                   transposed: transposed[l], bias: theta + s.biasOffset, z: Z + row * nout)
                    guard hidden else { return }
                    Kernels.parallel(count: rows * nout, threads: threads) { r in
                        Kernels.tangents(H + row * nout, Z + row * nout, p1: p1, scale: sl, block: n * nout, range: r)
                    }
                }
            }
        }
    }

    /// W_l^T of the layers whose forward products over `rows` rows may go to the small kernels,
    /// in the workspace's `transposedWeights` (nil for the others): a pass over those weights,
    /// once per forward pass.
    func transposeWeights(_ theta: UnsafePointer<Double>, rows: Int) -> [UnsafePointer<Double>?] {
        let total = SobolevStep.transposedWeightCount(architecture)
        guard total > 0 else { return slices.map { _ in nil } }
        var next = workspace.transposedWeights.reserve(total)
        return slices.map { s in
            guard BLAS.mayRouteTransposed(n: s.outputs, k: s.inputs) else { return nil }
            let t = next
            next += s.weightCount
            guard rows * s.weightCount > BLAS.smallProduct else { return nil }
            Matrix.transpose(theta + s.weightOffset, rows: s.outputs, cols: s.inputs, into: t)
            return UnsafePointer(t)
        }
    }

    /// The input Jacobians by m reverse passes (channel o seeded with e_o at the output, rows
    /// (o, i)): J[(o * B + i) * d + j] in the workspace's `jacobian`. Each hidden layer's G W rows
    /// stay in its `adjoints` below B value rows: they are the fused backward's tangent rows.
    /// Tile by tile; a tile's channels (rows (o, i - lo)) live in `channels` and `nextChannels`.
    private func reverseJacobian(_ theta: UnsafePointer<Double>, scales: [Double], B: Int) {
        let m = architecture.outputDimension
        forEachTile(B, blocks: m - 1) { tile in
            let n = tile.n
            var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
            G.update(repeating: 0, count: m * n * m)
            for o in 0..<m { for k in 0..<n { G[(o * n + k) * m + o] = 1 } }
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs
                // Row (o, i) of the output: block o of the Jacobian, or block 1 + o of the adjoints.
                let out = l == 0 ? workspace.jacobian.pointer : workspace.adjoints[l - 1].pointer + B * nin
                let g = G
                tile.runs(0..<m, merged: tile.isWholeBatch) { o, rows in
                    BLAS.gemm(m: rows, n: nin, k: nout, a: g + o * n * nout, lda: nout, b: theta + s.weightOffset, ldb: nin,
                              c: out + tile.row(o) * nin, ldc: nin)
                }
                guard l > 0 else { break }
                let p1 = workspace.p1[l - 1].pointer + tile.lo * nin, sl = scales[l - 1], t = next
                tile.runs(0..<m, merged: tile.isWholeBatch) { o, rows in
                    Kernels.parallel(count: rows * nin, threads: threads) { r in
                        Kernels.tangents(t + o * n * nin, out + tile.row(o) * nin, p1: p1, scale: sl, block: n * nin, range: r)
                    }
                }
                swap(&G, &next)
            }
        }
    }

    /// Back-propagates the fused channels (value rows, then `blocks` tangent blocks, seeded in
    /// `channels`) and adds the parameter gradient to `grad` (zero on entry): dW_l = G_l^T A_l
    /// over all rows, db_l = value rows summed, slopes from every channel. With `reusingReverse`
    /// the tangent rows of G W are the reverse passes' (left in `adjoints`): only the value rows
    /// are multiplied. Tile by tile, each through all layers; below the output layer a tile's
    /// channels live in `nextChannels` and `tileChannels` (tile rows) unless they are reused.
    /// The first `units` blocks are seeded with e_j: in a batch of several tiles, where each block
    /// has its own product, their layer-0 products are column sums (one product over the whole
    /// batch's blocks sums in another order).
    private func backwardFused(_ theta: UnsafePointer<Double>, scales: [Double], B: Int, blocks: Int, units: Int,
                               reusingReverse: Bool, grad: UnsafeMutablePointer<Double>) {
        forEachTile(B, blocks: blocks) { tile in
            let lo = tile.lo, n = tile.n
            checkTileFits(rows: n * (1 + blocks))
            var G = TileRows(base: workspace.channels.pointer, local: false)
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs, A = workspace.inputs[l].pointer, g = G
                tile.runs(0..<(1 + blocks), merged: tile.isWholeBatch) { b, rows in
                    if l == 0 && b >= 1 && b <= units && !tile.isWholeBatch {
                        BLAS.addUnitProduct(m: nout, n: nin, k: rows, a: g.block(b, tile, width: nout), lda: nout, column: b - 1,
                                            e: A + tile.row(b) * nin, c: grad + s.weightOffset, ldc: nin)
                    } else {
                        BLAS.gemm(transA: true, m: nout, n: nin, k: rows, a: g.block(b, tile, width: nout), lda: nout,
                                  b: A + tile.row(b) * nin, ldb: nin, beta: 1, c: grad + s.weightOffset, ldc: nin)
                    }
                }
                Kernels.columnSums(g.block(0, tile, width: nout), rows: n, width: nout, into: grad + s.biasOffset, adding: true)
                guard l > 0 else { break }
                // next = G W (the value rows only when the tangent rows are the reverse passes'),
                // then the element-wise step in place.
                let next = reusingReverse ? TileRows(base: workspace.adjoints[l - 1].pointer, local: false)
                                          : TileRows(base: otherScratch(than: g.base), local: true)
                tile.runs(0..<(reusingReverse ? 1 : 1 + blocks), merged: tile.isWholeBatch || g.local) { b, rows in
                    BLAS.gemm(m: rows, n: nin, k: nout, a: g.block(b, tile, width: nout), lda: nout,
                              b: theta + s.weightOffset, ldb: nin, c: next.block(b, tile, width: nin), ldc: nin)
                }
                let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h], from: lo)
                let gz = next.block(0, tile, width: nin), gBlock = next.blockStride(tile, width: nin)
                if let nScale = architecture.adaptiveScale {
                    grad[architecture.slopeOffset + h] += Kernels.slopeFused(gz, gBlock: gBlock, layer, count: n * nin,
                                                                             blocks: blocks, n: nScale)
                }
                Kernels.parallel(count: n * nin, threads: threads) { r in
                    Kernels.backFused(gz, gBlock: gBlock, layer, blocks: blocks, range: r)
                }
                G = next
            }
        }
    }

    /// Back-propagates the per-term channels (value rows of T = 1 + `active` terms interleaved by
    /// sample, then `active` tangent blocks, then with `shared` m reverse channels) and adds each
    /// term's gradient to `grads` (T x P, zero on entry). Tile by tile, each through all layers;
    /// below the output layer a tile's channels live in `nextChannels` and `tileChannels`. The
    /// value rows' weight gradients of all terms add up over the tiles in `termStack` (T matrices
    /// a layer, from `stackOffsets`), which goes into the terms' gradients after the last tile:
    /// adding them tile by tile would read and write the T x P gradients once per tile. The first
    /// `units` tangent blocks are seeded with e_j: their layer-0 products are column sums.
    private func backwardPerTerm(_ theta: UnsafePointer<Double>, scales: [Double], B: Int, active: Int, blocks: Int,
                                 units: Int, shared: Bool, grads: UnsafeMutablePointer<Double>) {
        let T = 1 + active, P = architecture.parameterCount, m = architecture.outputDimension
        let perSample = T + active + (shared ? m : 0), offsets = SobolevStep.stackOffsets(architecture, terms: T)
        let stacks = workspace.termStack.reserve(offsets.last!)
        stacks.update(repeating: 0, count: offsets.last!)
        forEachTile(B, blocks: perSample - 1) { tile in
            let n = tile.n
            checkTileFits(rows: n * perSample)
            var G = ChannelRows(base: workspace.channels.pointer, local: false, T: T)
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                let s = slices[l], nin = s.inputs, nout = s.outputs, g = G
                let A = workspace.inputs[l].pointer, gv = g.values(tile, width: nout)
                // Every term's value-row weight gradient in one GEMM: (T nout x n) (n x nin).
                BLAS.gemm(transA: true, m: T * nout, n: nin, k: n, a: gv, lda: T * nout, b: A + tile.lo * nin, ldb: nin,
                          beta: 1, c: stacks + offsets[l], ldc: nin)
                for t in 0..<T {
                    if t > 0 && l == 0 && t <= units {
                        // Layer 0's unit seeds e_(t-1): column sums instead of the product.
                        BLAS.addUnitProduct(m: nout, n: nin, k: n, a: g.block(t - 1, tile, width: nout), lda: nout, column: t - 1,
                                            e: A + tile.row(t) * nin, c: grads + t * P + s.weightOffset, ldc: nin)
                    } else if t > 0 {
                        // Direction t's tangent channel against its tangent rows.
                        BLAS.gemm(transA: true, m: nout, n: nin, k: n, a: g.block(t - 1, tile, width: nout), lda: nout,
                                  b: A + tile.row(t) * nin, ldb: nin, beta: 1, c: grads + t * P + s.weightOffset, ldc: nin)
                    }
                    Kernels.columnSums(gv + t * nout, rows: n, width: nout, stride: T * nout, into: grads + t * P + s.biasOffset,
                                       adding: true)
                }
                guard l > 0 else { break }
                let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h], from: tile.lo)
                let next = ChannelRows(base: otherScratch(than: g.base), local: true, T: T)
                // G W: the value rows, then the tangent channels' rows, or (shared) the m reverse
                // channels' rows, from which the tangent rows are combined.
                let contiguous = g.local || tile.isWholeBatch, W = theta + s.weightOffset
                BLAS.gemm(m: T * n, n: nin, k: nout, a: gv, lda: nout, b: W, ldb: nin, c: next.values(tile, width: nin), ldc: nin)
                let multiplied = shared ? active..<(active + m) : 0..<active
                tile.runs(multiplied, merged: contiguous) { r, rows in
                    BLAS.gemm(m: rows, n: nin, k: nout, a: g.block(r, tile, width: nout), lda: nout, b: W, ldb: nin,
                              c: next.block(r, tile, width: nin), ldc: nin)
                }
                if shared {
                    let E = residuals.pointer + tile.lo * m * blocks
                    Kernels.parallel(count: n, threads: threads) { r in
                        Kernels.combineChannels(next.block(0, tile, width: nin), from: next.block(active, tile, width: nin),
                                                weights: E, channels: active, outputs: m, d: blocks, B: n, width: nin, range: r)
                    }
                }
                let gz = next.values(tile, width: nin)
                if let nScale = architecture.adaptiveScale {
                    Kernels.slopePerTerm(gz, layer, terms: T, samples: n, n: nScale,
                                         addingTo: grads + architecture.slopeOffset + h, stride: P)
                }
                Kernels.parallel(count: n, threads: threads) { r in
                    Kernels.backPerTerm(gz, layer, terms: T, samples: n, range: r)
                }
                if shared {
                    let g = next.block(active, tile, width: nin)
                    Kernels.parallel(count: m * n * nin, threads: threads) { r in
                        Kernels.tangents(g, g, p1: layer.p1, scale: layer.scale, block: n * nin, range: r)
                    }
                }
                G = next
            }
        }
        // The value rows' part of each term's weight gradients.
        for (l, s) in slices.enumerated() {
            let w = s.inputs * s.outputs
            for t in 0..<T { Kernels.add(stacks + offsets[l] + t * w, into: grads + t * P + s.weightOffset, count: w) }
        }
    }

    /// Stops before a backward writes past its tile buffers: `rows` rows of a tile's channels at
    /// the widest hidden layer must fit in `nextChannels` and `tileChannels`.
    private func checkTileFits(rows: Int) {
        let need = rows * (architecture.layerSizes.dropFirst().dropLast().max() ?? 0)
        precondition(need <= min(workspace.nextChannels.capacity, workspace.tileChannels.capacity),
                     "a tile of \(rows) channel rows needs \(need) doubles, the workspace holds \(workspace.tileChannels.capacity)")
    }

    /// Where layer l's T weight-gradient matrices start in `termStack` (the last entry: its size,
    /// which the memory preflight counts too).
    static func stackOffsets(_ architecture: MLPArchitecture, terms T: Int) -> [Int] {
        var offsets = [0]
        for s in architecture.layers { offsets.append(offsets.last! + T * s.inputs * s.outputs) }
        return offsets
    }

    /// What the backward kernels read of hidden layer h, from sample `lo` on (a tile's first).
    func hiddenLayer(_ h: Int, B: Int, scale: Double, from lo: Int = 0) -> HiddenLayer {
        let w = architecture.layerSizes[h + 1], o = lo * w
        return HiddenLayer(B: B, width: w, scale: scale, z: workspace.preactivations[h].pointer + o,
                           p1: workspace.p1[h].pointer + o, p2: workspace.p2[h].pointer + o)
    }
}

/// The doubles of each workspace buffer for one kind of pass (what `reserve` asks for).
struct WorkspaceSize {
    var inputs: [Int], preactivations: [Int], hidden: [Int], adjoints: [Int]
    var scaled: Int, channels: Int, nextChannels: Int, tileChannels: Int, jacobian: Int, termStack = 0, residuals: Int

    /// `dirs`: the data's tangent blocks (d with Jacobians, plus k directions), for the residuals.
    init(_ architecture: MLPArchitecture, B: Int, blocks: Int, channelRows: Int, reverse: Bool, dirs: Int? = nil) {
        let sizes = architecture.layerSizes, m = architecture.outputDimension, d = architecture.inputDimension
        let rows = B * (1 + blocks), widest = sizes.max()!
        inputs = (0..<(sizes.count - 1)).map { rows * sizes[$0] }
        preactivations = (0..<(sizes.count - 1)).map { rows * sizes[$0 + 1] }
        hidden = sizes.dropFirst().dropLast().map { B * $0 }
        adjoints = hidden.map { reverse ? (1 + m) * $0 : 0 }
        scaled = architecture.adaptiveScale == nil ? 0 : B * widest
        // The passes go tile by tile (docs/design.md, "Tiles"): `channels` holds the output
        // layer's seeds (width m) of the whole batch, and, before them, a tile's m reverse
        // passes (with `nextChannels`); below the output layer the backward's channels of a tile
        // (channelRows / B rows per sample) live in `nextChannels` and `tileChannels`.
        // A fused step with zero derivative weights takes the value rows alone, in tiles of their
        // own (`tileSamples` with no blocks), which can hold more rows than the tiles of all
        // channels: the buffers hold either.
        let perSample = max(channelRows / max(B, 1), 1)
        let tileRows = max(perSample * SobolevStep.tileSamples(architecture, batch: B, blocks: perSample - 1),
                           SobolevStep.tileSamples(architecture, batch: B, blocks: 0))
        let tile = tileRows * widest
        let reverseTile = reverse ? m * SobolevStep.tileSamples(architecture, batch: B, blocks: m - 1) * widest : 0
        channels = max(max(channelRows, rows) * m, reverseTile)
        nextChannels = max(tile, reverseTile)
        tileChannels = tile
        jacobian = reverse ? m * B * d : 0
        residuals = B * m * (1 + (dirs ?? d))
    }

    func merged(_ o: WorkspaceSize) -> WorkspaceSize {
        var out = self
        out.inputs = zip(inputs, o.inputs).map { max($0, $1) }
        out.preactivations = zip(preactivations, o.preactivations).map { max($0, $1) }
        out.hidden = zip(hidden, o.hidden).map { max($0, $1) }
        out.adjoints = zip(adjoints, o.adjoints).map { max($0, $1) }
        out.scaled = max(scaled, o.scaled); out.channels = max(channels, o.channels)
        out.nextChannels = max(nextChannels, o.nextChannels)
        out.jacobian = max(jacobian, o.jacobian); out.termStack = max(termStack, o.termStack)
        out.residuals = max(residuals, o.residuals); out.tileChannels = max(tileChannels, o.tileChannels)
        return out
    }

    var total: Int {
        inputs.reduce(0, +) + preactivations.reduce(0, +) + 2 * hidden.reduce(0, +) + adjoints.reduce(0, +) + scaled + channels
            + nextChannels + tileChannels + jacobian + termStack + residuals
    }
}

extension MLPArchitecture {
    /// Loss-term sums of `batch` and each term's parameter gradient (the per-term mode of
    /// `SobolevStep` on a one-off workspace). Terms: value, then one per input direction when the
    /// batch has Jacobians. With `withGradients` false only the losses; with `derivativeGradients`
    /// false only the value term's gradient (the derivative losses are still summed).
    public func termSums(parameters: [Double], batch: Dataset, withGradients: Bool = true,
                         derivativeGradients: Bool = true) -> TermSums {
        let step = SobolevStep(architecture: self)
        return withGradients ? step.termSums(parameters: parameters, batch: batch, derivativeGradients: derivativeGradients)
                             : step.lossSums(parameters: parameters, batch: batch)
    }
}
