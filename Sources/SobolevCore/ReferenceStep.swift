// The reference Sobolev step: the forward/backward pass of an MLP written as plainly as the algebra
// (docs/design.md, "The Sobolev step"). Training runs `SobolevStep` (Step/), which lays the same
// algebra out for speed; tests hold it to this one, and the NTK traces build on these passes.
//
// Forward: the input Jacobian by forward-mode tangents, one per input direction j:
//     t_0 = e_j ;  zt_l = W_l t_{l-1} ;  t_l = phi'(z_l) * zt_l ;  J[:, j] = zt_L
// The B samples' values and their d tangents are stacked into (1 + d) B rows that go through the
// same matrix product, so each layer costs one GEMM.
//
// Loss terms over a batch (sums here; divided by the global sample count by the caller, so that
// data-parallel ranks can add their sums with one all-reduce):
//     S_val    = 1/2 sum_i ||N(x_i) - y_i||^2
//     S_grad_j = 1/2 sum_i ||J(x_i)[:, j] - dY_i[:, j]||^2
//
// Backward keeps each term's gradient apart (the weighting schemes need them). Term "value"
// back-propagates one channel (gz); term grad_j two (gz_j, gzt_j), seeded at the output by the
// residual of direction j. With s the adaptive slope (1 when not adaptive), p1 = phi'(s z),
// p2 = phi''(s z), for l = L..1:
//     dW_l += gz_l^T h_{l-1} + gzt_l^T t_{l-1}        db_l += sum_i gz_l
//     gh = gz_l W_l ;  gt = gzt_l W_l
//     gz_{l-1}  = gh * s p1 + gt * zt_{l-1} * s^2 p2
//     gzt_{l-1} = gt * s p1
// and for the slope a (s = n a): dh/da = n z p1,  dt/da = n zt (p1 + s z p2).
// All channels of all terms are stacked so that each layer's back-propagation is one GEMM.

/// Unnormalised loss-term sums of a batch and, optionally, each term's gradient.
public struct TermSums: Sendable, Equatable {
    /// Terms: value, then one per input direction (when the batch has Jacobians).
    public var losses: [Double]
    /// T x P, row-major: gradients[t * P + p] = d S_t / d theta_p.
    public var gradients: [Double]
    /// Number of samples summed.
    public var count: Int

    public init(losses: [Double], gradients: [Double], count: Int) {
        self.losses = losses; self.gradients = gradients; self.count = count
    }

    /// Adds another pass's sums of the same terms (and gradients, when these have them).
    mutating func add(_ other: TermSums) {
        for t in losses.indices { losses[t] += other.losses[t] }
        gradients.withUnsafeMutableBufferPointer { g in
            other.gradients.withUnsafeBufferPointer { Kernels.add($0.baseAddress!, into: g.baseAddress!, count: g.count) }
        }
        count += other.count
    }
}

/// What the forward pass keeps for the backward pass.
struct ForwardTrace {
    var batch: Int
    var directions: Int
    /// Input of each layer l (rows: B values then B per tangent direction).
    var layerInputs: [[Double]] = []
    /// Pre-activations of each hidden layer, same row layout.
    var preactivations: [[Double]] = []
    /// phi'(s z) and phi''(s z) of each hidden layer, value rows only (B x width).
    var p1: [[Double]] = []
    var p2: [[Double]] = []
    /// Slope s of each hidden layer (1 without adaptive activation).
    var scales: [Double] = []
    /// Output layer pre-activations: values and output tangents (rows x m).
    var output: [Double] = []
}

extension MLPArchitecture {
    /// The slope s_l = n a_l of each hidden layer.
    func scales(_ parameters: [Double]) -> [Double] {
        guard let n = adaptiveScale else { return Array(repeating: 1, count: hiddenLayerCount) }
        return (0..<hiddenLayerCount).map { n * parameters[slopeOffset + $0] }
    }

    /// Forward pass of the rows of `inputs`, with tangents for all d input directions when asked.
    func forward(_ parameters: [Double], inputs: Matrix, tangents: Bool) -> ForwardTrace {
        let batch = Dataset(inputs: inputs, values: Matrix(rows: inputs.rows, cols: outputDimension),
                            jacobians: tangents ? [Double](repeating: 0, count: inputs.rows * outputDimension * inputDimension) : nil)
        return forward(parameters, batch: batch)
    }

    /// Forward pass of `batch`'s inputs with its tangent blocks (Directional.swift): the unit
    /// directions e_j when it has Jacobians, then its directions v_ic.
    func forward(_ parameters: [Double], batch: Dataset) -> ForwardTrace {
        let inputs = batch.inputs
        precondition(parameters.count == parameterCount, "parameter vector has \(parameters.count) entries, network needs \(parameterCount)")
        precondition(inputs.cols == inputDimension, "network takes \(inputDimension) inputs, data has \(inputs.cols)")
        let B = inputs.rows, d = inputDimension
        let dirs = batch.tangentBlockCount
        let rows = B * (1 + dirs)
        var trace = ForwardTrace(batch: B, directions: dirs)
        trace.scales = scales(parameters)

        var a = [Double](repeating: 0, count: rows * d)
        a.replaceSubrange(0..<(B * d), with: inputs.data)
        a.withUnsafeMutableBufferPointer { batch.seedTangents($0.baseAddress! + B * d) }

        let slices = layers
        parameters.withUnsafeBufferPointer { theta in
            for (l, s) in slices.enumerated() {
                let nin = s.inputs, nout = s.outputs
                var z = [Double](repeating: 0, count: rows * nout)
                a.withUnsafeBufferPointer { ap in
                    z.withUnsafeMutableBufferPointer { zp in
                        BLAS.gemm(transB: true, m: rows, n: nout, k: nin, a: ap.baseAddress!, lda: nin,
                                  b: theta.baseAddress! + s.weightOffset, ldb: nin, c: zp.baseAddress!, ldc: nout)
                        for i in 0..<B { for o in 0..<nout { zp[i * nout + o] += theta[s.biasOffset + o] } }
                    }
                }
                trace.layerInputs.append(a)
                if l == slices.count - 1 { trace.output = z; break }

                let sl = trace.scales[l]
                var h = [Double](repeating: 0, count: rows * nout)
                var p1 = [Double](repeating: 0, count: B * nout)
                var p2 = [Double](repeating: 0, count: B * nout)
                z.withUnsafeBufferPointer { zp in
                    h.withUnsafeMutableBufferPointer { hp in
                        p1.withUnsafeMutableBufferPointer { p1p in
                            p2.withUnsafeMutableBufferPointer { p2p in
                                if sl == 1 {
                                    activation.apply(zp.baseAddress!, count: B * nout, phi: hp.baseAddress!,
                                                     dphi: p1p.baseAddress!, d2phi: p2p.baseAddress!)
                                } else {
                                    let u = (0..<(B * nout)).map { sl * zp[$0] }
                                    u.withUnsafeBufferPointer { up in
                                        activation.apply(up.baseAddress!, count: B * nout, phi: hp.baseAddress!,
                                                         dphi: p1p.baseAddress!, d2phi: p2p.baseAddress!)
                                    }
                                }
                                // Tangent rows: t = s phi'(s z) * zt, the same p1 for every direction.
                                for j in 0..<dirs {
                                    let base = (B + j * B) * nout
                                    for k in 0..<(B * nout) { hp[base + k] = sl * p1p[k] * zp[base + k] }
                                }
                            }
                        }
                    }
                }
                trace.preactivations.append(z)
                trace.p1.append(p1); trace.p2.append(p2)
                a = h
            }
        }
        return trace
    }

    /// Network values (n x m) and input Jacobians (n x m x d, entry (i * m + o) * d + j), the
    /// Jacobian by the cheaper of forward and reverse mode (`SobolevStep.predict`), in passes of at
    /// most `evaluationSamples` samples through one workspace (it grows to one pass's size).
    public func predict(parameters: [Double], inputs: Matrix) -> (values: Matrix, jacobians: [Double]) {
        let step = SobolevStep(architecture: self)
        let size = MLPArchitecture.evaluationSamples(blocks: inputDimension)
        let out = MLPArchitecture.inPieces(inputs.rows, arrays: 2, size: size) { rows in
            let p = step.predict(parameters: parameters, inputs: inputs.rows(Array(rows)))
            return [p.values.data, p.jacobians]
        }
        return (Matrix(rows: inputs.rows, cols: outputDimension, data: out[0]), out[1])
    }

    /// Rows per pass when predicting: a million inputs must not need a million-row workspace.
    public static let predictionRows = 4096

    /// Samples per evaluation pass (validation losses, predictions) on data with `blocks` tangent
    /// blocks a sample: `predictionRows`, and fewer when the pass's rows (1 + blocks a sample)
    /// would pass eight times that (d = 32: 992 samples; their workspace is 4x smaller than
    /// 4096's). Loss sums and predictions add up over passes.
    public static func evaluationSamples(blocks: Int) -> Int {
        max(1, min(predictionRows, 8 * predictionRows / (1 + blocks)))
    }

    /// `evaluationSamples` for a data set's tangent blocks: d and the directions, or the d + d(d+1)/2
    /// first- and second-order blocks of data with Hessians.
    static func evaluationSamples(for data: Dataset) -> Int {
        evaluationSamples(blocks: data.hasHessians ? HessianPairs.rowBlocks(data.inputDimension) - 1 : data.tangentBlockCount)
    }

    /// `pass` over `data` in passes of `evaluationSamples(for:)`, the term sums added up (in one
    /// pass, the data itself, when they fit).
    static func sumInPasses(_ data: Dataset, _ pass: (Dataset) -> TermSums) -> TermSums {
        let size = evaluationSamples(for: data)
        guard data.count > size else { return pass(data) }
        let ranges = pieces(data.count, size: size)
        var total = pass(data.subset(Array(ranges[0])))
        for rows in ranges.dropFirst() { total.add(pass(data.subset(Array(rows)))) }
        return total
    }

    /// 0..<n in consecutive ranges of at most `size` (default `predictionRows`).
    static func pieces(_ n: Int, size: Int = predictionRows) -> [Range<Int>] {
        stride(from: 0, to: n, by: size).map { $0..<min($0 + size, n) }
    }

    /// `pass` over the pieces of n rows (at most `size` each), its `arrays` arrays each
    /// concatenated in row order.
    static func inPieces(_ n: Int, arrays k: Int, size: Int = predictionRows,
                         _ pass: (Range<Int>) -> [[Double]]) -> [[Double]] {
        var out = [[Double]](repeating: [], count: k)
        for rows in pieces(n, size: size) { for (a, piece) in pass(rows).enumerated() { out[a] += piece } }
        return out
    }

    /// The reference: values and Jacobians by d forward tangents, written plainly.
    func referencePredict(parameters: [Double], inputs: Matrix) -> (values: Matrix, jacobians: [Double]) {
        let trace = forward(parameters, inputs: inputs, tangents: true)
        let B = inputs.rows, m = outputDimension, d = inputDimension
        let values = Matrix(rows: B, cols: m, data: Array(trace.output[0..<(B * m)]))
        var jac = [Double](repeating: 0, count: B * m * d)
        for j in 0..<d { for i in 0..<B { for o in 0..<m {
            jac[(i * m + o) * d + j] = trace.output[(B + j * B + i) * m + o]
        } } }
        return (values, jac)
    }

    /// Network values only (n x m): one plain forward pass without tangents.
    public func predictValues(parameters: [Double], inputs: Matrix) -> Matrix {
        let trace = forward(parameters, inputs: inputs, tangents: false)
        return Matrix(rows: inputs.rows, cols: outputDimension, data: trace.output)
    }

    /// Reference loss-term sums of `batch` and each term's parameter gradient. Terms: value, then one per
    /// input direction when the batch has Jacobians, then one per direction index c when it has
    /// directions (the tangent blocks of Directional.swift).
    /// With `derivativeGradients` false the derivative terms' losses are still summed (to watch
    /// them, as in plain L2 training) but only the value term's gradient is computed; the
    /// derivative rows of `gradients` are then zero.
    public func referenceTermSums(parameters: [Double], batch: Dataset, withGradients: Bool = true,
                         derivativeGradients: Bool = true) -> TermSums {
        precondition(batch.outputDimension == outputDimension, "network has \(outputDimension) outputs, data has \(batch.outputDimension)")
        let trace = forward(parameters, batch: batch)
        let B = batch.count, m = outputDimension
        let dirs = trace.directions
        let T = 1 + dirs, P = parameterCount
        // Terms and channels that back-propagate: all, or the value term alone.
        let activeTerms = derivativeGradients ? T : 1
        let activeDirs = derivativeGradients ? dirs : 0
        let channels = 1 + 2 * activeDirs

        // Output residuals seed the channels; the loss sums come with them.
        var losses = [Double](repeating: 0, count: T)
        var g = [Double](repeating: 0, count: channels * B * m)
        for i in 0..<B { for o in 0..<m {
            let r = trace.output[i * m + o] - batch.values[i, o]
            g[i * m + o] = r
            losses[0] += 0.5 * r * r
        } }
        do {
            for j in 0..<dirs {
                let base = (2 + 2 * j) * B * m // the gzt channel of term j
                for i in 0..<B { for o in 0..<m {
                    let r = trace.output[(B + j * B + i) * m + o] - batch.tangentTarget(i, o, j)
                    if j < activeDirs { g[base + i * m + o] = r }
                    losses[1 + j] += 0.5 * r * r
                } }
            }
        }
        guard withGradients else { return TermSums(losses: losses, gradients: [], count: B) }

        var grads = [Double](repeating: 0, count: T * P)
        let slices = layers
        backpropagate(parameters, trace: trace, seeds: g, directions: activeDirs, atLayer: { l, channels in
            // dW_l += gz^T h_{l-1} (+ gzt^T t_{l-1}), db_l += sum_i gz, per term.
            let s = slices[l], nin = s.inputs, nout = s.outputs
            channels.withUnsafeBufferPointer { G in
                trace.layerInputs[l].withUnsafeBufferPointer { A in
                    grads.withUnsafeMutableBufferPointer { gp in
                        let gBase = G.baseAddress!, aBase = A.baseAddress!
                        for t in 0..<activeTerms {
                            let dW = gp.baseAddress! + t * P + s.weightOffset
                            // Value-row channel of term t against the layer's value inputs.
                            let gz = gBase + (t == 0 ? 0 : (1 + 2 * (t - 1))) * B * nout
                            BLAS.gemm(transA: true, m: nout, n: nin, k: B, a: gz, lda: nout,
                                      b: aBase, ldb: nin, c: dW, ldc: nin)
                            if t > 0 {
                                let gzt = gBase + (2 + 2 * (t - 1)) * B * nout
                                BLAS.gemm(transA: true, m: nout, n: nin, k: B, a: gzt, lda: nout,
                                          b: aBase + (B + (t - 1) * B) * nin, ldb: nin,
                                          beta: 1, c: dW, ldc: nin)
                            }
                            let db = gp.baseAddress! + t * P + s.biasOffset
                            for i in 0..<B { for o in 0..<nout { db[o] += gz[i * nout + o] } }
                        }
                    }
                }
            }
        }, atSlope: { h, contributions in
            // d S_t / d a_h: the term's channels summed over all elements.
            let n = B * layerSizes[h + 1]
            for t in 0..<activeTerms {
                let first = t == 0 ? 0 : 1 + 2 * (t - 1), count = t == 0 ? 1 : 2
                grads[t * P + slopeOffset + h] = contributions[(first * n)..<((first + count) * n)].reduce(0, +)
            }
        })
        return TermSums(losses: losses, gradients: grads, count: B)
    }

    /// Back-propagates stacked channels from the output pre-activations down to the first layer
    /// (the recurrences in the header). `seeds` holds the channels at z_L, each B x m: channel 0
    /// is the value term's, channels 1 + 2j and 2 + 2j are direction j's value-row (gz_j) and
    /// tangent-row (gzt_j) channels, for j < `directions`. `atLayer(l, g)` sees the channels at z_l
    /// (channels x B x n_l, same order), from the top layer down; with adaptive slopes,
    /// `atSlope(h, c)` sees every element's contribution to d/da_h per channel (channels x B x n_h)
    /// for each hidden layer h: callers sum what they need (a term, a sample).
    func backpropagate(_ parameters: [Double], trace: ForwardTrace, seeds: [Double], directions activeDirs: Int,
                       atLayer: (_ layer: Int, _ channels: [Double]) -> Void,
                       atSlope: (_ hidden: Int, _ contributions: [Double]) -> Void) {
        let B = trace.batch
        let channels = 1 + 2 * activeDirs
        var g = seeds
        let slices = layers
        parameters.withUnsafeBufferPointer { theta in
            for l in stride(from: slices.count - 1, through: 0, by: -1) {
                atLayer(l, g)
                guard l > 0 else { break }
                let s = slices[l], nin = s.inputs, nout = s.outputs

                // Back through W_l to the hidden layer below (index l - 1).
                var gh = [Double](repeating: 0, count: channels * B * nin)
                g.withUnsafeBufferPointer { G in
                    gh.withUnsafeMutableBufferPointer { GH in
                        BLAS.gemm(m: channels * B, n: nin, k: nout, a: G.baseAddress!, lda: nout,
                                  b: theta.baseAddress! + s.weightOffset, ldb: nin, c: GH.baseAddress!, ldc: nin)
                    }
                }
                let h = l - 1
                let sl = trace.scales[h]
                let p1 = trace.p1[h], p2 = trace.p2[h], z = trace.preactivations[h]
                let n = B * nin
                var next = [Double](repeating: 0, count: channels * n)
                for k in 0..<n { next[k] = gh[k] * sl * p1[k] }
                for j in 0..<activeDirs {
                    let gzc = (1 + 2 * j) * n, gztc = (2 + 2 * j) * n, zt = (B + j * B) * nin
                    for k in 0..<n {
                        next[gzc + k] = gh[gzc + k] * sl * p1[k] + gh[gztc + k] * z[zt + k] * sl * sl * p2[k]
                        next[gztc + k] = gh[gztc + k] * sl * p1[k]
                    }
                }
                if let nScale = adaptiveScale {
                    // d/da of h = phi(s z) and of t_j = s phi'(s z) zt_j, with s = n a.
                    var c = [Double](repeating: 0, count: channels * n)
                    for k in 0..<n { c[k] = gh[k] * nScale * z[k] * p1[k] }
                    for j in 0..<activeDirs {
                        let gzc = (1 + 2 * j) * n, gztc = (2 + 2 * j) * n, zt = (B + j * B) * nin
                        for k in 0..<n {
                            c[gzc + k] = gh[gzc + k] * nScale * z[k] * p1[k]
                            c[gztc + k] = gh[gztc + k] * nScale * z[zt + k] * (p1[k] + sl * z[k] * p2[k])
                        }
                    }
                    atSlope(h, c)
                }
                g = next
            }
        }
    }
}
