// Input Hessians of the network by second-order forward tangents, written plainly (per sample,
// no BLAS): the reference evaluation behind the Hessian metrics and predictions, not a training
// path. With a = x, a_j = e_j, a_jk = 0 at the input, each layer maps
//     z = W a + b,       z_j = W a_j,                    z_jk = W a_jk,
//     h = phi(s z),      h_j = s phi'(s z) z_j,          h_jk = s^2 phi''(s z) z_j z_k + s phi'(s z) z_jk
// (s the adaptive slope, 1 without), and the linear output layer gives d2N/dx_j dx_k = z_jk.

extension MLPArchitecture {
    /// Hessians [n, m, d, d] of the network (entry ((i * m + o) * d + j) * d + k is
    /// d2N_o/dx_j dx_k at row i of `inputs`), in the units the network sees.
    public func hessians(parameters: [Double], inputs: Matrix) -> [Double] {
        precondition(inputs.cols == inputDimension, "network takes \(inputDimension) inputs, got \(inputs.cols)")
        let d = inputDimension, m = outputDimension
        let pairs = (0..<d).flatMap { j in (j..<d).map { (j, $0) } }
        let slopes = scales(parameters)
        var out = [Double](repeating: 0, count: inputs.rows * m * d * d)
        for i in 0..<inputs.rows {
            var a = inputs.row(i)
            var a1 = [Double](repeating: 0, count: d * d)        // a1[j * width + u]
            for j in 0..<d { a1[j * d + j] = 1 }
            var a2 = [Double](repeating: 0, count: pairs.count * d)   // a2[p * width + u]
            for (l, layer) in layers.enumerated() {
                let nin = layer.inputs, nout = layer.outputs
                var z = [Double](repeating: 0, count: nout)
                var z1 = [Double](repeating: 0, count: d * nout), z2 = [Double](repeating: 0, count: pairs.count * nout)
                for r in 0..<nout {
                    let w = layer.weightOffset + r * nin
                    func dot(_ v: [Double], _ base: Int) -> Double {
                        var s = 0.0
                        for c in 0..<nin { s += parameters[w + c] * v[base + c] }
                        return s
                    }
                    z[r] = parameters[layer.biasOffset + r] + dot(a, 0)
                    for j in 0..<d { z1[j * nout + r] = dot(a1, j * nin) }
                    for p in pairs.indices { z2[p * nout + r] = dot(a2, p * nin) }
                }
                if l == layerCount - 1 { a = z; a1 = z1; a2 = z2; break }
                let s = slopes[l]
                a = z
                for r in 0..<nout {
                    let e = activation.evaluate(s * z[r])
                    a[r] = e.phi
                    for (p, (j, k)) in pairs.enumerated() {
                        z2[p * nout + r] = s * s * e.d2phi * z1[j * nout + r] * z1[k * nout + r] + s * e.dphi * z2[p * nout + r]
                    }
                    for j in 0..<d { z1[j * nout + r] *= s * e.dphi }
                }
                a1 = z1; a2 = z2
            }
            for o in 0..<m { for (p, (j, k)) in pairs.enumerated() {
                let v = a2[p * m + o], base = (i * m + o) * d * d
                out[base + j * d + k] = v; out[base + k * d + j] = v
            } }
        }
        return out
    }

    /// Hessians [n, m, d, d] in original units at `inputs` in original units: the surrogate as
    /// trained, stored and exported.
    public func hessians(parameters: [Double], standardization s: Standardization, inputs: Matrix) -> [Double] {
        s.denormalize(hessians: hessians(parameters: parameters, inputs: s.normalizeInputs(inputs)), samples: inputs.rows)
    }
}
