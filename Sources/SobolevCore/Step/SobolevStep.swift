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
            forward(theta.baseAddress!, scales: scales, B: B, blocks: dirs, valueRows: true)
            let out = workspace.preactivations[slices.count - 1].pointer
            let G = workspace.channels.pointer, cv = 1 + active
            // Value rows (i, t): the value residual for t = 0, zero above; tangent blocks: block
            // j's tangent residual (also kept in E, entry (i * m + o) * dirs + j); then, when the
            // tangent channels are shared, m reverse channels seeded with e_o.
            for i in 0..<B { for o in 0..<m {
                let r = out[i * m + o] - batch.values[i, o]
                losses[0] += 0.5 * r * r
                G[(i * cv) * m + o] = r
                for t in 1..<cv { G[(i * cv + t) * m + o] = 0 }
            } }
            do {
                let tangentBase = B * cv * m
                for j in 0..<dirs { for i in 0..<B { for o in 0..<m {
                    let r = out[(B + j * B + i) * m + o] - batch.tangentTarget(i, o, j)
                    losses[1 + j] += 0.5 * r * r
                    E[(i * m + o) * dirs + j] = r
                    if j < active { G[tangentBase + (j * B + i) * m + o] = r }
                } } }
            }
            if shared {
                let seeds = G + B * (cv + active) * m
                seeds.update(repeating: 0, count: m * B * m)
                for o in 0..<m { for i in 0..<B { seeds[(o * B + i) * m + o] = 1 } }
            }
            grads.withUnsafeMutableBufferPointer { g in
                backwardPerTerm(theta.baseAddress!, scales: scales, B: B, active: active, blocks: dirs, shared: shared,
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
            forward(theta.baseAddress!, scales: scales, B: B, blocks: plan == .forward ? blocks : 0, valueRows: true)
            let out = workspace.preactivations[slices.count - 1].pointer
            for k in 0..<(B * m) {
                let r = out[k] - batch.values.data[k]
                res[k] = r; losses[0] += 0.5 * r * r
            }
            guard sobolev else { return }
            if plan == .reverse { reverseJacobian(theta.baseAddress!, scales: scales, B: B) }
            let J = workspace.jacobian.pointer, E = res + B * m
            for i in 0..<B { for o in 0..<m { for j in 0..<dirs {
                // Plan R: J_i v_ic from the reverse Jacobian for a direction block.
                var tangent: Double
                if plan == .forward { tangent = out[(B + j * B + i) * m + o] }
                else if j < unit { tangent = J[(o * B + i) * d + j] }
                else {
                    let V = batch.directions!, c = j - unit
                    tangent = 0
                    for q in 0..<d { tangent += J[(o * B + i) * d + q] * V[(i * k + c) * d + q] }
                }
                let r = tangent - batch.tangentTarget(i, o, j)
                E[(i * m + o) * dirs + j] = r; losses[1 + j] += 0.5 * r * r
            } } }
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
                forward(theta, scales: scales, B: B, blocks: m, valueRows: false)
            }
            let G = workspace.channels.pointer
            for k in 0..<(B * m) { G[k] = weights[0] * res[k] }
            if derivative {
                for b in 0..<blocks { for i in 0..<B { for o in 0..<m {
                    G[(B + b * B + i) * m + o] = plan == .forward
                        ? weights[1 + b] * E[(i * m + o) * dirs + b]   // block b's weighted residual
                        : (o == b ? 1 : 0)                          // e_b on tangent block b
                } } }
            }
            grad.withUnsafeMutableBufferPointer { g in
                backwardFused(theta, scales: scales, B: B, blocks: blocks, reusingReverse: derivative && plan == .reverse,
                              grad: g.baseAddress!)
            }
        }
        return grad
    }

    /// Term-loss sums (value, then one per direction) without gradients, the Jacobian by the
    /// cheaper plan.
    public func lossSums(parameters: [Double], batch: Dataset) -> TermSums {
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
        workspace.channels.reserve(size.channels); workspace.nextChannels.reserve(size.channels)
        if reverse { workspace.jacobian.reserve(size.jacobian) }
        for h in 0..<workspace.adjoints.count { workspace.adjoints[h].reserve(size.adjoints[h]) }
    }

    /// Doubles a run's workspace grows to: per-term steps on `batch` samples (when `perTerm`),
    /// fused steps (when `fused`), and loss evaluations of `evaluationBatch` samples.
    public static func workspaceCount(_ architecture: MLPArchitecture, batch: Int, evaluationBatch: Int,
                                      perTerm: Bool, fused: Bool) -> Int {
        let d = architecture.inputDimension, m = architecture.outputDimension
        func fusedSize(_ B: Int) -> WorkspaceSize {
            let plan = JacobianPlan.cheapest(architecture, batch: B), blocks = plan == .forward ? d : m
            return WorkspaceSize(architecture, B: B, blocks: blocks, channelRows: B * (1 + blocks), reverse: plan == .reverse)
        }
        var size = fusedSize(evaluationBatch)
        if fused { size = size.merged(fusedSize(batch)) }
        if perTerm {
            let shared = sharesTangentChannels(m: m, active: d) ? m : 0
            size = size.merged(WorkspaceSize(architecture, B: batch, blocks: d, channelRows: batch * (1 + 2 * d + shared), reverse: false))
            let widest = zip(architecture.layerSizes, architecture.layerSizes.dropFirst()).map { $0 * $1 }.max()!
            size.termStack = (1 + d) * widest
        }
        return size.total
    }

    /// Layer 0's input rows: x, then the batch's tangent blocks (unit seeds e_j, then the
    /// directions v_ic), or none when `blocks` is 0.
    private func seedTangents(_ batch: Dataset, blocks: Int? = nil) {
        let A = workspace.inputs[0].pointer, B = batch.count, d = batch.inputDimension
        batch.inputs.data.withUnsafeBufferPointer { A.update(from: $0.baseAddress!, count: B * d) }
        if blocks ?? batch.tangentBlockCount > 0 { batch.seedTangents(A + B * d) }
    }

    /// Forward through every layer: the value rows (bias, activation, phi', phi'') when asked, and
    /// the `blocks` tangent blocks t = s phi'(s z) zt.
    private func forward(_ theta: UnsafePointer<Double>, scales: [Double], B: Int, blocks: Int, valueRows: Bool) {
        let first = valueRows ? 0 : B, rows = B * (1 + blocks)
        guard rows > first else { return }
        for (l, s) in slices.enumerated() {
            let nin = s.inputs, nout = s.outputs
            let A = workspace.inputs[l].pointer, Z = workspace.preactivations[l].pointer
            Kernels.affine(rows: rows - first, biased: valueRows ? B : 0, nin: nin, nout: nout, a: A + first * nin,
                           weights: theta + s.weightOffset, bias: theta + s.biasOffset, z: Z + first * nout)
            guard l < slices.count - 1 else { break }
            let H = workspace.inputs[l + 1].pointer, p1 = workspace.p1[l].pointer, sl = scales[l]
            if valueRows {
                var u = UnsafePointer(Z)
                if sl != 1 {
                    let scaled = workspace.scaled.pointer
                    for k in 0..<(B * nout) { scaled[k] = sl * Z[k] }
                    u = UnsafePointer(scaled)
                }
                Kernels.parallel(count: B * nout, threads: threads) { r in
                    architecture.activation.apply(u + r.lowerBound, count: r.count, phi: H + r.lowerBound,
                                                  dphi: p1 + r.lowerBound, d2phi: workspace.p2[l].pointer + r.lowerBound)
                }
            }
            Kernels.parallel(count: blocks * B * nout, threads: threads) { r in
                Kernels.tangents(H + B * nout, Z + B * nout, p1: p1, scale: sl, block: B * nout, range: r)
            }
        }
    }

    /// The input Jacobians by m reverse passes (channel o seeded with e_o at the output, rows
    /// (o, i)): J[(o * B + i) * d + j] in the workspace's `jacobian`. Each hidden layer's G W rows
    /// stay in its `adjoints` below B value rows: they are the fused backward's tangent rows.
    private func reverseJacobian(_ theta: UnsafePointer<Double>, scales: [Double], B: Int) {
        let m = architecture.outputDimension
        var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
        G.update(repeating: 0, count: m * B * m)
        for o in 0..<m { for i in 0..<B { G[(o * B + i) * m + o] = 1 } }
        for l in stride(from: slices.count - 1, through: 0, by: -1) {
            let s = slices[l], nin = s.inputs, nout = s.outputs
            let out = l == 0 ? workspace.jacobian.pointer : workspace.adjoints[l - 1].pointer + B * nin
            BLAS.gemm(m: m * B, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: out, ldc: nin)
            guard l > 0 else { break }
            let p1 = workspace.p1[l - 1].pointer, sl = scales[l - 1]
            Kernels.parallel(count: m * B * nin, threads: threads) { r in
                Kernels.tangents(next, out, p1: p1, scale: sl, block: B * nin, range: r)
            }
            swap(&G, &next)
        }
    }

    /// Back-propagates the fused channels (value rows, then `blocks` tangent blocks, seeded in
    /// `channels`) and writes the parameter gradient: dW_l = G_l^T A_l over all rows (one GEMM),
    /// db_l = value rows summed, slopes from every channel. With `reusingReverse` the tangent
    /// rows of G W are the reverse passes' (left in `adjoints`): only the value rows are multiplied.
    private func backwardFused(_ theta: UnsafePointer<Double>, scales: [Double], B: Int, blocks: Int,
                               reusingReverse: Bool, grad: UnsafeMutablePointer<Double>) {
        let rows = B * (1 + blocks)
        var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
        for l in stride(from: slices.count - 1, through: 0, by: -1) {
            let s = slices[l], nin = s.inputs, nout = s.outputs
            BLAS.gemm(transA: true, m: nout, n: nin, k: rows, a: G, lda: nout, b: workspace.inputs[l].pointer,
                      ldb: nin, c: grad + s.weightOffset, ldc: nin)
            Kernels.columnSums(G, rows: B, width: nout, into: grad + s.biasOffset)
            guard l > 0 else { break }
            // next = G W, then the element-wise step in place.
            if reusingReverse { next = workspace.adjoints[l - 1].pointer }
            BLAS.gemm(m: reusingReverse ? B : rows, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset,
                      ldb: nin, c: next, ldc: nin)
            let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h])
            if let nScale = architecture.adaptiveScale {
                grad[architecture.slopeOffset + h] = Kernels.slopeFused(next, layer, blocks: blocks, n: nScale)
            }
            Kernels.parallel(count: B * nin, threads: threads) { r in
                Kernels.backFused(next, layer, blocks: blocks, range: r)
            }
            swap(&G, &next)
        }
    }

    /// Back-propagates the per-term channels (value rows of T = 1 + `active` terms interleaved by
    /// sample, then `active` tangent blocks, then with `shared` m reverse channels) and writes each
    /// term's gradient into `grads` (T x P).
    private func backwardPerTerm(_ theta: UnsafePointer<Double>, scales: [Double], B: Int, active: Int, blocks: Int,
                                 shared: Bool, grads: UnsafeMutablePointer<Double>) {
        let T = 1 + active, P = architecture.parameterCount, m = architecture.outputDimension
        let rows = B * (T + active)
        var G = workspace.channels.pointer, next = workspace.nextChannels.pointer
        for l in stride(from: slices.count - 1, through: 0, by: -1) {
            let s = slices[l], nin = s.inputs, nout = s.outputs, w = nin * nout
            let A = workspace.inputs[l].pointer
            // Every term's value-row weight gradient in one GEMM: (T nout x B) (B x nin).
            let stack = workspace.termStack.reserve(T * w)
            BLAS.gemm(transA: true, m: T * nout, n: nin, k: B, a: G, lda: T * nout, b: A, ldb: nin, c: stack, ldc: nin)
            for t in 0..<T {
                let dW = grads + t * P + s.weightOffset
                if t == 0 {
                    dW.update(from: stack, count: w)
                } else {
                    // Direction t's tangent channel against its tangent rows, plus the value-row part.
                    BLAS.gemm(transA: true, m: nout, n: nin, k: B, a: G + (T * B + (t - 1) * B) * nout, lda: nout,
                              b: A + (B + (t - 1) * B) * nin, ldb: nin, c: dW, ldc: nin)
                    Kernels.add(stack + t * w, into: dW, count: w)
                }
                Kernels.columnSums(G + t * nout, rows: B, width: nout, stride: T * nout, into: grads + t * P + s.biasOffset)
            }
            guard l > 0 else { break }
            let h = l - 1, layer = hiddenLayer(h, B: B, scale: scales[h])
            if shared {
                // Value rows and the reverse channels multiplied; the tangent rows combined from the latter.
                BLAS.gemm(m: T * B, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: next, ldc: nin)
                BLAS.gemm(m: m * B, n: nin, k: nout, a: G + rows * nout, lda: nout, b: theta + s.weightOffset, ldb: nin,
                          c: next + rows * nin, ldc: nin)
                Kernels.parallel(count: B, threads: threads) { r in
                    Kernels.combineChannels(next + T * B * nin, from: next + rows * nin, weights: residuals.pointer,
                                            channels: active, outputs: m, d: blocks, B: B, width: nin, range: r)
                }
            } else {
                BLAS.gemm(m: rows, n: nin, k: nout, a: G, lda: nout, b: theta + s.weightOffset, ldb: nin, c: next, ldc: nin)
            }
            if let nScale = architecture.adaptiveScale {
                let slopes = Kernels.slopePerTerm(next, layer, terms: T, n: nScale)
                for t in 0..<T { grads[t * P + architecture.slopeOffset + h] = slopes[t] }
            }
            Kernels.parallel(count: B, threads: threads) { r in
                Kernels.backPerTerm(next, layer, terms: T, range: r)
            }
            if shared {
                let g = next + rows * nin
                Kernels.parallel(count: m * B * nin, threads: threads) { r in
                    Kernels.tangents(g, g, p1: layer.p1, scale: layer.scale, block: B * nin, range: r)
                }
            }
            swap(&G, &next)
        }
    }

    /// What the backward kernels read of hidden layer h.
    func hiddenLayer(_ h: Int, B: Int, scale: Double) -> HiddenLayer {
        HiddenLayer(B: B, width: architecture.layerSizes[h + 1], scale: scale,
                    z: workspace.preactivations[h].pointer, p1: workspace.p1[h].pointer, p2: workspace.p2[h].pointer)
    }
}

/// The doubles of each workspace buffer for one kind of pass (what `reserve` asks for).
struct WorkspaceSize {
    var inputs: [Int], preactivations: [Int], hidden: [Int], adjoints: [Int]
    var scaled: Int, channels: Int, jacobian: Int, termStack = 0, residuals: Int

    init(_ architecture: MLPArchitecture, B: Int, blocks: Int, channelRows: Int, reverse: Bool) {
        let sizes = architecture.layerSizes, m = architecture.outputDimension, d = architecture.inputDimension
        let rows = B * (1 + blocks), widest = sizes.max()!
        inputs = (0..<(sizes.count - 1)).map { rows * sizes[$0] }
        preactivations = (0..<(sizes.count - 1)).map { rows * sizes[$0 + 1] }
        hidden = sizes.dropFirst().dropLast().map { B * $0 }
        adjoints = hidden.map { reverse ? (1 + m) * $0 : 0 }
        scaled = architecture.adaptiveScale == nil ? 0 : B * widest
        // The reverse plan's channels: its m reverse passes, then the output layer's seeds.
        channels = reverse ? max(m * B * widest, (1 + m) * B * m) : max(channelRows, rows) * widest
        jacobian = reverse ? m * B * d : 0
        residuals = B * m * (1 + d)
    }

    func merged(_ o: WorkspaceSize) -> WorkspaceSize {
        var out = self
        out.inputs = zip(inputs, o.inputs).map { max($0, $1) }
        out.preactivations = zip(preactivations, o.preactivations).map { max($0, $1) }
        out.hidden = zip(hidden, o.hidden).map { max($0, $1) }
        out.adjoints = zip(adjoints, o.adjoints).map { max($0, $1) }
        out.scaled = max(scaled, o.scaled); out.channels = max(channels, o.channels)
        out.jacobian = max(jacobian, o.jacobian); out.termStack = max(termStack, o.termStack)
        out.residuals = max(residuals, o.residuals)
        return out
    }

    var total: Int {
        inputs.reduce(0, +) + preactivations.reduce(0, +) + 2 * hidden.reduce(0, +) + adjoints.reduce(0, +) + scaled + 2 * channels
            + jacobian + termStack + residuals
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
