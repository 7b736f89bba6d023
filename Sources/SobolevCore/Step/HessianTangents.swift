// Second-order forward tangents for the Hessian terms (docs/design.md, "Hessian terms"). The
// forward pass stacks, below the B value rows, d first-order tangent blocks (seeds e_j) and one
// second-order block per pair (j, k), j <= k (seed 0), all through the same GEMM per layer:
//     z'_j = W t_{j}          t_j  = s phi'(s z) z'_j
//     z''_jk = W h''_jk       h''_jk = s^2 phi''(s z) z'_j z'_k + s phi'(s z) z''_jk
// so that the output rows of block (j, k) are d2N/dx_j dx_k. Back-propagating through h''
// needs phi''' (d/dz of s^2 phi''(s z) is s^3 phi'''(s z)).

/// What the second-order forward pass keeps: every layer's inputs and pre-activations in the
/// row layout [value | d tangent blocks | pair blocks] (B rows each), and phi', phi'', phi''' at
/// s z of the value rows.
struct HessianTrace {
    let B: Int, d: Int
    let pairs: HessianPairs
    var inputs: [[Double]] = []
    var preactivations: [[Double]] = []
    var p1: [[Double]] = [], p2: [[Double]] = [], p3: [[Double]] = []
    var scales: [Double] = []

    /// Row blocks: value, d tangents, d(d+1)/2 pairs.
    var blocks: Int { 1 + d + pairs.count }
    func tangentBlock(_ j: Int) -> Int { 1 + j }
    func pairBlock(_ q: Int) -> Int { 1 + d + q }
    /// The network's outputs (blocks B x m): values, Jacobian columns, Hessian entries.
    var output: [Double] { preactivations.last! }
}

/// Residuals of the loss terms of a batch with Hessian data, in term order, and the term sums.
struct HessianResiduals {
    /// Per term (value, grad_j when Jacobians, hess pairs), its block and residuals (B x m).
    var blocks: [Int] = []
    var residuals: [[Double]] = []
    var losses: [Double] = []
}

extension MLPArchitecture {
    /// Forward pass of `inputs` with d first-order and d(d+1)/2 second-order tangent blocks.
    func hessianForward(_ parameters: [Double], inputs x: Matrix) -> HessianTrace {
        precondition(parameters.count == parameterCount, "parameter vector has \(parameters.count) entries, network needs \(parameterCount)")
        precondition(x.cols == inputDimension, "network takes \(inputDimension) inputs, data has \(x.cols)")
        let B = x.rows, d = inputDimension
        var trace = HessianTrace(B: B, d: d, pairs: HessianPairs(d))
        trace.scales = scales(parameters)
        let rows = trace.blocks * B
        var a = [Double](repeating: 0, count: rows * d)
        a.replaceSubrange(0..<(B * d), with: x.data)
        for j in 0..<d { for i in 0..<B { a[(trace.tangentBlock(j) * B + i) * d + j] = 1 } }
        let slices = layers
        parameters.withUnsafeBufferPointer { theta in
            for (l, s) in slices.enumerated() {
                let nin = s.inputs, nout = s.outputs
                // Every element of z and h is written below (the GEMM with beta 0, then the bias;
                // phi of the value rows, then each tangent and pair block): no zero fill first.
                let z = [Double](unsafeUninitializedCapacity: rows * nout) { zb, count in
                    BLAS.gemm(transB: true, m: rows, n: nout, k: nin, a: a, lda: nin,
                              b: theta.baseAddress! + s.weightOffset, ldb: nin, c: zb.baseAddress!, ldc: nout)
                    for i in 0..<B { for o in 0..<nout { zb[i * nout + o] += theta[s.biasOffset + o] } }
                    count = rows * nout
                }
                trace.inputs.append(a)
                trace.preactivations.append(z)
                if l == slices.count - 1 { break }
                let sl = trace.scales[l], n = B * nout
                let u = (0..<n).map { sl * z[$0] }
                var p1 = [Double](repeating: 0, count: n), p2 = p1, p3 = p1
                let h = [Double](unsafeUninitializedCapacity: rows * nout) { hb, count in
                    let h = hb.baseAddress!
                    activation.apply(u, count: n, phi: h, dphi: &p1, d2phi: &p2, d3phi: &p3)
                    secondOrderTangents(h, z: z, p1: p1, p2: p2, scale: sl, trace: trace, n: n)
                    count = rows * nout
                }
                trace.p1.append(p1); trace.p2.append(p2); trace.p3.append(p3)
                a = h
            }
        }
        return trace
    }

    /// The tangent and pair blocks of h (n elements each, after the value rows) from the blocks
    /// of z: t_j = s p1 z'_j and h''_jk = s^2 p2 z'_j z'_k + s p1 z''_jk (one vectorised pass each).
    private func secondOrderTangents(_ h: UnsafeMutablePointer<Double>, z: [Double], p1: [Double], p2: [Double],
                                     scale sl: Double, trace: HessianTrace, n: Int) {
        z.withUnsafeBufferPointer { zb in p1.withUnsafeBufferPointer { p1b in p2.withUnsafeBufferPointer { p2b in
            let z = zb.baseAddress!, p1 = p1b.baseAddress!, p2 = p2b.baseAddress!
            for j in 0..<trace.d {
                let t = trace.tangentBlock(j) * n
                for e in 0..<n { h[t + e] = sl * p1[e] * z[t + e] }
            }
            for (q, (j, k)) in trace.pairs.pairs.enumerated() {
                let pq = trace.pairBlock(q) * n, tj = trace.tangentBlock(j) * n, tk = trace.tangentBlock(k) * n
                for e in 0..<n {
                    h[pq + e] = sl * sl * p2[e] * z[tj + e] * z[tk + e] + sl * p1[e] * z[pq + e]
                }
            }
        } } }
    }

    /// Network values (n x m), input Jacobians (n x m x d) and input Hessians (n x m x d x d, both
    /// triangles), in `Dataset`'s layouts, by second-order forward tangents, in passes of at most
    /// `hessianPieceSamples` samples.
    public func predictHessians(parameters: [Double], inputs: Matrix) -> (values: Matrix, jacobians: [Double], hessians: [Double]) {
        // Passes of equal size: a short last pass would take OpenBLAS's small-matrix kernels and
        // sum in another order than the others.
        let most = hessianPieceSamples, passes = (inputs.rows + most - 1) / most
        let size = max(1, (inputs.rows + passes - 1) / max(passes, 1))
        let out = MLPArchitecture.inPieces(inputs.rows, arrays: 3, size: size) { rows in
            let p = predictHessiansPass(parameters: parameters, inputs: inputs.rows(Array(rows)))
            return [p.values.data, p.jacobians, p.hessians]
        }
        return (Matrix(rows: inputs.rows, cols: outputDimension, data: out[0]), out[1], out[2])
    }

    /// Samples per pass of `predictHessians` at most. A pass holds every layer's inputs and
    /// pre-activations over all its rows, 1 + d + d(d+1)/2 a sample (561 for d = 32), so its rows,
    /// not its samples, are held to `predictionRows`: arrays that malloc reuses from pass to pass
    /// (glibc maps large ones afresh, and the kernel zero-fills them page by page: passes of
    /// 16,384 rows took 2.3 times as long for d = 32 and width 128).
    public var hessianPieceSamples: Int {
        max(1, MLPArchitecture.predictionRows / HessianPairs.rowBlocks(inputDimension))
    }

    /// Doubles one pass of `predictHessians` over n samples holds at its largest: the trace
    /// (every layer's inputs and pre-activations over all rows; phi', phi'', phi''' of the value
    /// rows), one layer's scaled pre-activations, and the pass's outputs.
    public func hessianPredictionCount(samples n: Int) -> Int {
        let d = inputDimension, m = outputDimension, rows = n * HessianPairs.rowBlocks(d)
        let sizes = layerSizes, hidden = sizes.dropFirst().dropLast()
        let trace = rows * (sizes.dropLast().reduce(0, +) + sizes.dropFirst().reduce(0, +)) + 3 * n * hidden.reduce(0, +)
        return trace + n * (hidden.max() ?? 0) + n * m * (1 + d + d * d)
    }

    /// `predictHessians` of one piece: 1 + d + d(d+1)/2 tangent blocks of its rows at once.
    func predictHessiansPass(parameters: [Double], inputs: Matrix) -> (values: Matrix, jacobians: [Double], hessians: [Double]) {
        let trace = hessianForward(parameters, inputs: inputs)
        let B = inputs.rows, m = outputDimension, d = inputDimension, out = trace.output
        let values = Matrix(rows: B, cols: m, data: Array(out[0..<(B * m)]))
        var jac = [Double](repeating: 0, count: B * m * d), hess = [Double](repeating: 0, count: B * m * d * d)
        for i in 0..<B { for o in 0..<m {
            for j in 0..<d { jac[(i * m + o) * d + j] = out[(trace.tangentBlock(j) * B + i) * m + o] }
            for (q, (j, k)) in trace.pairs.pairs.enumerated() {
                let v = out[(trace.pairBlock(q) * B + i) * m + o]
                hess[((i * m + o) * d + j) * d + k] = v; hess[((i * m + o) * d + k) * d + j] = v
            }
        } }
        return (values, jac, hess)
    }

    /// The batch's term residuals and loss sums: value, grad_j (with Jacobians), hess_jk.
    func hessianResiduals(_ trace: HessianTrace, batch: Dataset) -> HessianResiduals {
        let B = trace.B, m = outputDimension, d = trace.d, out = trace.output
        var r = HessianResiduals()
        func add(block: Int, target: (Int, Int) -> Double) {
            var res = [Double](repeating: 0, count: B * m), loss = 0.0
            for i in 0..<B { for o in 0..<m {
                let v = out[(block * B + i) * m + o] - target(i, o)
                res[i * m + o] = v; loss += 0.5 * v * v
            } }
            r.blocks.append(block); r.residuals.append(res); r.losses.append(loss)
        }
        add(block: 0) { i, o in batch.values[i, o] }
        if let dY = batch.jacobians {
            for j in 0..<d { add(block: trace.tangentBlock(j)) { i, o in dY[(i * m + o) * d + j] } }
        }
        if let d2Y = batch.hessians {
            for (q, (j, k)) in trace.pairs.pairs.enumerated() {
                add(block: trace.pairBlock(q)) { i, o in d2Y[((i * m + o) * d + j) * d + k] }
            }
        }
        return r
    }
}
