// The reference for the Hessian terms: each term's parameter gradient by a full reverse pass
// through every row block of the second-order forward pass (Step/HessianTangents.swift), seeded
// with that term's residual in its own block and zero elsewhere, written as plainly as the
// algebra (docs/design.md, "Hessian terms"). The per-term and fused modes of `SobolevStep` are
// tested against it, and it against central finite differences.
//
// Backward through hidden layer h (u = s z of the value rows, p_r = phi^(r)(u)), given the
// adjoints gh (value rows), gt_j (tangent block j), gp_jk (pair block (j, k)) of the layer's output:
//     gz''_jk = gp_jk s p1
//     gz'_j   = gt_j s p1 + sum_{pairs (j, k)} gp_jk s^2 p2 z'_k     (a pair (j, j) adds 2 s^2 p2 z'_j)
//     gz      = gh s p1 + sum_j gt_j s^2 p2 z'_j + sum_{(j, k)} gp_jk (s^3 p3 z'_j z'_k + s^2 p2 z''_jk)
// and for the slope a (s = n a): dh/da = n z p1, dt_j/da = n z'_j (p1 + s z p2),
//     dh''_jk/da = n (z'_j z'_k (2 s p2 + s^2 z p3) + z''_jk (p1 + s z p2)).

extension MLPArchitecture {
    /// Reference loss-term sums of a batch (value, grad_j with Jacobians, hess_jk with Hessians)
    /// and each term's parameter gradient. With `derivativeGradients` false only the value term's.
    public func referenceHessianTermSums(parameters: [Double], batch: Dataset, withGradients: Bool = true,
                                         derivativeGradients: Bool = true) -> TermSums {
        precondition(batch.outputDimension == outputDimension, "network has \(outputDimension) outputs, data has \(batch.outputDimension)")
        let trace = hessianForward(parameters, inputs: batch.inputs)
        let res = hessianResiduals(trace, batch: batch)
        let T = res.losses.count, P = parameterCount, B = batch.count, m = outputDimension
        guard withGradients else { return TermSums(losses: res.losses, gradients: [], count: B) }
        var grads = [Double](repeating: 0, count: T * P)
        for t in 0..<(derivativeGradients ? T : 1) {
            var seeds = [Double](repeating: 0, count: trace.blocks * B * m)
            seeds.replaceSubrange((res.blocks[t] * B * m)..<((res.blocks[t] + 1) * B * m), with: res.residuals[t])
            let g = hessianBackward(parameters, trace: trace, seeds: seeds)
            grads.replaceSubrange((t * P)..<((t + 1) * P), with: g)
        }
        return TermSums(losses: res.losses, gradients: grads, count: B)
    }

    /// The parameter gradient of sum_rows <seeds, output rows>: a reverse pass through every block.
    func hessianBackward(_ parameters: [Double], trace: HessianTrace, seeds: [Double]) -> [Double] {
        let B = trace.B, d = trace.d, rows = trace.blocks * B
        var grad = [Double](repeating: 0, count: parameterCount)
        var g = seeds
        let slices = layers
        for l in stride(from: slices.count - 1, through: 0, by: -1) {
            let s = slices[l], nin = s.inputs, nout = s.outputs
            // dW_l = G^T A over all rows, db_l = value rows of G summed.
            grad.withUnsafeMutableBufferPointer { gp in
                BLAS.gemm(transA: true, m: nout, n: nin, k: rows, a: g, lda: nout, b: trace.inputs[l], ldb: nin,
                          c: gp.baseAddress! + s.weightOffset, ldc: nin)
            }
            for i in 0..<B { for o in 0..<nout { grad[s.biasOffset + o] += g[i * nout + o] } }
            guard l > 0 else { break }
            var gh = [Double](repeating: 0, count: rows * nin)
            parameters.withUnsafeBufferPointer { theta in
                BLAS.gemm(m: rows, n: nin, k: nout, a: g, lda: nout, b: theta.baseAddress! + s.weightOffset, ldb: nin,
                          c: &gh, ldc: nin)
            }
            let h = l - 1, sl = trace.scales[h], n = B * nin
            let z = trace.preactivations[h], p1 = trace.p1[h], p2 = trace.p2[h], p3 = trace.p3[h]
            var next = [Double](repeating: 0, count: rows * nin)
            var slope = 0.0
            for e in 0..<n {
                let zv = z[e], a1 = p1[e], a2 = p2[e], a3 = p3[e]
                var gv = gh[e] * sl * a1
                var ds = gh[e] * zv * a1
                for j in 0..<d {
                    let t = trace.tangentBlock(j) * n + e
                    next[t] = gh[t] * sl * a1
                    gv += gh[t] * sl * sl * a2 * z[t]
                    ds += gh[t] * z[t] * (a1 + sl * zv * a2)
                }
                for (q, (j, k)) in trace.pairs.pairs.enumerated() {
                    let pq = trace.pairBlock(q) * n + e, tj = trace.tangentBlock(j) * n + e, tk = trace.tangentBlock(k) * n + e
                    let gp = gh[pq]
                    next[pq] = gp * sl * a1
                    next[tj] += gp * sl * sl * a2 * z[tk]
                    next[tk] += gp * sl * sl * a2 * z[tj]   // j == k: the two adds make the factor 2
                    gv += gp * (sl * sl * sl * a3 * z[tj] * z[tk] + sl * sl * a2 * z[pq])
                    ds += gp * (z[tj] * z[tk] * (2 * sl * a2 + sl * sl * zv * a3) + z[pq] * (a1 + sl * zv * a2))
                }
                next[e] = gv
                slope += ds
            }
            if let nScale = adaptiveScale { grad[slopeOffset + h] = nScale * slope }
            g = next
        }
        return grad
    }
}
