// The element-wise loops of the Sobolev step, on raw pointers so that they vectorise, each one
// pass over its arrays; `parallel` splits a loop over threads for a single run on a workstation.

/// What the backward kernels read of one hidden layer: B value rows of `width`, the slope s,
/// the pre-activations z (value rows, then the tangent blocks' zt), phi'(s z) and phi''(s z).
struct HiddenLayer {
    let B: Int, width: Int, scale: Double
    let z: UnsafeMutablePointer<Double>, p1: UnsafeMutablePointer<Double>, p2: UnsafeMutablePointer<Double>
}

enum Kernels {
    /// Runs `body` over `0..<count` split into one contiguous range per thread (at once when the
    /// loop is small or there is one thread), on the process's `WorkerPool`.
    /// `work`: the elements the whole loop touches when `count` counts rows of several (default
    /// `count`).
    static func parallel(count: Int, threads: Int, work: Int? = nil, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count, (work ?? count) / 16_384)
        guard parts > 1 else { if count > 0 { body(0..<count) }; return }
        // The ranges are disjoint, so the threads write disjoint memory.
        WorkerPool.atLeast(parts).run(parts: parts) { p in body((p * count / parts)..<((p + 1) * count / parts)) }
    }

    /// Z = A W^T over `rows` rows, plus the bias b on the first `biased` rows (the value rows).
    /// Those rows are filled with b and the GEMM adds onto them (beta = 1): a GEMM with beta = 0
    /// first zeroes C, a separate pass over C that costs 10-15% of a 4096 x 256 x 256 product.
    /// `transposed`: W^T when the step keeps it (products on the small kernels, BLASRouting.swift).
    static func affine(rows: Int, biased: Int, nin: Int, nout: Int, a: UnsafePointer<Double>, weights: UnsafePointer<Double>,
                       transposed: UnsafePointer<Double>? = nil, bias: UnsafePointer<Double>, z: UnsafeMutablePointer<Double>) {
        // A loop of stores rather than a memmove call a row (rows of 50-128 doubles: the call cost more).
        for i in 0..<biased { let row = z + i * nout; for j in 0..<nout { row[j] = bias[j] } }
        BLAS.gemm(transB: true, m: biased, n: nout, k: nin, a: a, lda: nin, b: weights, ldb: nin, beta: 1, c: z, ldc: nout,
                  transposedB: transposed)
        BLAS.gemm(transB: true, m: rows - biased, n: nout, k: nin, a: a + biased * nin, lda: nin, b: weights, ldb: nin,
                  c: z + biased * nout, ldc: nout, transposedB: transposed)
    }

    /// out[e] = s p1[e mod block] x[e] for e in `range` (the tangent rows t = s phi'(s z) zt, and
    /// the reverse pass's g * s phi'(s z), one block per tangent direction or output).
    static func tangents(_ out: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, p1: UnsafePointer<Double>,
                         scale s: Double, block: Int, range: Range<Int>) {
        var e = range.lowerBound
        while e < range.upperBound {
            let k0 = e % block, n = min(block - k0, range.upperBound - e)
            let o = out + e, xi = x + e, p = p1 + k0
            if s == 1 { for k in 0..<n { o[k] = p[k] * xi[k] } } else { for k in 0..<n { o[k] = s * p[k] * xi[k] } }
            e += n
        }
    }

    /// Layer 0's tangent pre-activations of the unit seed e_j over elements `range` of a block of
    /// rows of `width`: zt = W_0 e_j, column j of W_0 (`column`, entries `stride` apart), in every
    /// row. Adding +0 gives what the product gives (its sum of the zero terms and 1 w_j turns
    /// w_j = -0 into +0), so the bits are the product's.
    static func unitColumns(_ z: UnsafeMutablePointer<Double>, column: UnsafePointer<Double>, stride: Int, width: Int,
                            range: Range<Int>) {
        // The column gathered once (a stack temporary), then copied row by row in vectors.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: width) { buffer in
            let w = buffer.baseAddress!
            for o in 0..<width { w[o] = column[o * stride] + 0.0 }
            var e = range.lowerBound
            while e < range.upperBound {
                let o0 = e % width, n = min(width - o0, range.upperBound - e)
                let zr = z + e, wr = w + o0
                for k in 0..<n { zr[k] = wr[k] }
                e += n
            }
        }
    }

    /// Column sums of `rows` rows of `width` (row stride `stride`), written to `into`.
    static func columnSums(_ g: UnsafePointer<Double>, rows: Int, width: Int, stride: Int? = nil,
                           into: UnsafeMutablePointer<Double>, adding: Bool = false) {
        let st = stride ?? width
        if !adding { into.update(repeating: 0, count: width) }
        for i in 0..<rows { let r = g + i * st; for o in 0..<width { into[o] += r[o] } }
    }

    /// r_q = y_q - t_q for q in 0..<count, each array at its stride (r may be y), and the loss
    /// sum_q 0.5 r_q^2, added in q's order.
    static func residuals(_ y: UnsafePointer<Double>, stride ys: Int, minus t: UnsafePointer<Double>, stride ts: Int,
                          count: Int, into r: UnsafeMutablePointer<Double>, stride rs: Int) -> Double {
        var sum = 0.0
        for q in 0..<count {
            let v = y[q * ys] - t[q * ts]
            r[q * rs] = v; sum += 0.5 * v * v
        }
        return sum
    }

    static func add(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for k in 0..<count { y[k] += x[k] }
    }

    /// y += a x over `count` elements: a multiply and an add per element (no FMA, unlike a BLAS
    /// daxpy), vectorised (through pointers, which Swift arrays' bounds checks would prevent).
    static func addScaled(_ x: UnsafePointer<Double>, times a: Double, into y: UnsafeMutablePointer<Double>, count: Int) {
        for k in 0..<count { y[k] += a * x[k] }
    }

    /// Fused channels one layer down, in place on g = G W (value rows, then the tangent blocks,
    /// `gBlock` elements apart; zt's blocks are B rows apart), for value elements k in `range`
    /// (docs/design.md):
    ///   gz <- gh_z s p1 + sum_b gh_b zt_b s^2 p2 ;   gt_b <- gh_b s p1.
    static func backFused(_ g: UnsafeMutablePointer<Double>, gBlock: Int, _ h: HiddenLayer, blocks: Int, range: Range<Int>) {
        let s = h.scale, s2 = s * s, zBlock = h.B * h.width
        // In pieces of 512 elements, so that gz, p1 and p2 stay in L1 across the blocks instead
        // of streaming from memory once per block (the same operations in the same order).
        var lo = range.lowerBound
        while lo < range.upperBound {
            let count = min(512, range.upperBound - lo)
            let p1 = h.p1 + lo, p2 = h.p2 + lo, gz = g + lo
            for k in 0..<count { gz[k] = gz[k] * s * p1[k] }
            for b in 0..<blocks {
                let gb = gz + (1 + b) * gBlock, zb = h.z + lo + (1 + b) * zBlock
                for k in 0..<count {
                    let t = gb[k]
                    gz[k] += t * zb[k] * s2 * p2[k]
                    gb[k] = t * s * p1[k]
                }
            }
            lo += count
        }
    }

    /// Tangent channels from the reverse channels, for samples i in `range`: row (j, i) of `out`
    /// (block-major, `channels` blocks of B x width) is sum_o E[(i m + o) d + j] g[(o, i)], the
    /// linear tangent channels' G W seeded with direction j's residual rows.
    static func combineChannels(_ out: UnsafeMutablePointer<Double>, from g: UnsafePointer<Double>,
                                weights E: UnsafePointer<Double>, channels: Int, outputs m: Int, d: Int,
                                B: Int, width w: Int, range: Range<Int>) {
        for j in 0..<channels { for i in range {
            let row = out + (j * B + i) * w
            let e0 = E[(i * m) * d + j], g0 = g + i * w
            for c in 0..<w { row[c] = e0 * g0[c] }
            for o in 1..<max(m, 1) {
                let e = E[(i * m + o) * d + j], go = g + (o * B + i) * w
                for c in 0..<w { row[c] += e * go[c] }
            }
        } }
    }

    /// Per-term channels one layer down, in place on g = G W, for samples i in `range` of a tile
    /// of `n`: value-row channels (row i T + t) and tangent channels (row T n + (t - 1) n + i);
    /// the layer's zt rows are B apart (h from the tile's first sample):
    ///   gz_0 <- gh s p1;  gz_t <- gh_z s p1 + gh_t zt_t s^2 p2;  gzt_t <- gh_t s p1.
    static func backPerTerm(_ g: UnsafeMutablePointer<Double>, _ h: HiddenLayer, terms T: Int, samples n: Int,
                            range: Range<Int>) {
        let s = h.scale, s2 = s * s, w = h.width, B = h.B
        for i in range {
            let p1 = h.p1 + i * w, p2 = h.p2 + i * w
            for t in 0..<T {
                let gz = g + (i * T + t) * w
                for c in 0..<w { gz[c] = gz[c] * s * p1[c] }
                guard t > 0 else { continue }
                let gt = g + (T * n + (t - 1) * n + i) * w, zt = h.z + (B + (t - 1) * B + i) * w
                for c in 0..<w {
                    let v = gt[c]
                    gz[c] += v * zt[c] * s2 * p2[c]
                    gt[c] = v * s * p1[c]
                }
            }
        }
    }

    /// d S / d a of the slope of this layer (s = n a) from the fused channels:
    /// sum gh_z n z p1 + sum_b gh_b n zt_b (p1 + s z p2).
    /// `count` value elements, the blocks `gBlock` apart in gh and B rows apart in zt.
    static func slopeFused(_ gh: UnsafePointer<Double>, gBlock: Int, _ h: HiddenLayer, count: Int, blocks: Int,
                           n nScale: Double) -> Double {
        let s = h.scale, zBlock = h.B * h.width
        var total = 0.0
        for k in 0..<count { total += gh[k] * h.z[k] * h.p1[k] }
        for b in 0..<blocks {
            let g = gh + (1 + b) * gBlock, zt = h.z + (1 + b) * zBlock
            for k in 0..<count { total += g[k] * zt[k] * (h.p1[k] + s * h.z[k] * h.p2[k]) }
        }
        return nScale * total
    }

    /// The same per term from the per-term channels, added to `out[t * stride]` (the terms'
    /// gradients); the sums in a temporary on the stack, so that a step allocates nothing.
    static func slopePerTerm(_ gh: UnsafePointer<Double>, _ h: HiddenLayer, terms T: Int, samples n: Int,
                             n nScale: Double, addingTo out: UnsafeMutablePointer<Double>, stride: Int) {
        let w = h.width, B = h.B, s = h.scale
        withUnsafeTemporaryAllocation(of: Double.self, capacity: T) { sums in
            sums.initialize(repeating: 0)
            for i in 0..<n {
                for t in 0..<T {
                    let g = gh + (i * T + t) * w
                    var v = 0.0
                    for c in 0..<w { v += g[c] * h.z[i * w + c] * h.p1[i * w + c] }
                    if t > 0 {
                        let gt = gh + (T * n + (t - 1) * n + i) * w, zt = h.z + (B + (t - 1) * B + i) * w
                        for c in 0..<w { v += gt[c] * zt[c] * (h.p1[i * w + c] + s * h.z[i * w + c] * h.p2[i * w + c]) }
                    }
                    sums[t] += v
                }
            }
            for t in 0..<T { out[t * stride] += nScale * sums[t] }
        }
    }
}
