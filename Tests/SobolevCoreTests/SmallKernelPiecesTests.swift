// Tall products cut into pieces for OpenBLAS's small-matrix kernels (BLASRouting.swift) give the
// bits of the whole product, product by product and through whole steps.
import Foundation
import Testing
@testable import SobolevCore

/// The step with the products routed and with none routed, as bit patterns (`allStepBits`).
private func stepBits(_ net: MLPArchitecture, _ theta: [Double], _ batch: Dataset, routing: Bool, threads: Int = 1) -> [UInt64] {
    BLAS.routingAllowed = routing
    defer { BLAS.routingAllowed = true }
    return allStepBits(net, theta, batch, threads: threads)
}

/// Fused losses and gradients of both plans (one for Hessian data), per-term losses and
/// gradients, as bit patterns: what a change that must keep the step's bits compares.
func allStepBits(_ net: MLPArchitecture, _ theta: [Double], _ batch: Dataset, threads: Int = 1) -> [UInt64] {
    var all: [Double] = []
    let terms = batch.hasHessians ? 1 + batch.inputDimension + HessianPairs.count(batch.inputDimension) : 1 + batch.tangentBlockCount
    let weights = (0..<terms).map { 0.3 + 0.1 * Double($0) }
    for plan in batch.hasHessians ? [JacobianPlan.forward] : [.forward, .reverse] {
        let step = SobolevStep(architecture: net, threads: threads)
        all += step.fusedLosses(parameters: theta, batch: batch, plan: plan).losses
        all += step.fusedGradient(parameters: theta, weights: weights)
    }
    let sums = SobolevStep(architecture: net, threads: threads).termSums(parameters: theta, batch: batch)
    return (all + sums.losses + sums.gradients).map(\.bitPattern)
}

@Suite(.serialized) struct SmallKernelPiecesTests {
    @Test("the pieces split k where OpenBLAS's packed path does: blocks of 384, the last two halved")
    func depthBlocks() {
        for k in [1, 383, 384, 385, 500, 767, 768, 769, 1000, 4096, 5000] {
            let blocks = BLAS.depthBlocks(k)
            #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == k, "k=\(k)")
            #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "k=\(k)")
            #expect(blocks.allSatisfy { $0.count <= BLAS.packedDepth }, "k=\(k)")
        }
        #expect(BLAS.depthBlocks(384) == [0..<384])
        #expect(BLAS.depthBlocks(500) == [0..<256, 256..<500])
        #expect(BLAS.depthBlocks(1000) == [0..<384, 384..<704, 704..<1000])
    }

    @Test("routed products equal the whole product bit for bit (A B, A B^T with B^T given, A^T B; k split; beta 0 and 1)")
    func productBits() {
        // The small kernels and GEMM_Q = 384 are those of OpenBLAS's SkylakeX kernels; elsewhere the
        // probe may find other bits, and then nothing may be routed.
        guard BLAS.routingVerified else {
            #expect(!BLAS.routes(transA: false, transB: false, m: 4096, n: 64, k: 64, alpha: 1, beta: 0, transposedB: false))
            return
        }
        if BLAS.coreName == "SkylakeX" { #expect(BLAS.routingVerified) }
        var rng = SeededRNG(seed: 31)
        var routedCount = 0
        let shapes: [(transA: Bool, transB: Bool, m: Int, n: Int, k: Int)] = [
            (false, false, 1024, 64, 64), (false, true, 1024, 64, 64), (false, true, 512, 96, 96), (false, false, 1000, 32, 128),
            (false, true, 700, 16, 512), (false, false, 300, 16, 2000), (false, true, 4000, 48, 2), (false, false, 513, 64, 50),
            (true, false, 64, 64, 512), (true, false, 50, 50, 1024), (true, false, 128, 128, 384), (true, false, 96, 7, 5000),
            (true, false, 200, 128, 900), (true, false, 1, 64, 20000),
        ]
        for s in shapes { for beta in [0.0, 1.0] {
            let lda = (s.transA ? s.m : s.k) + 3, ldb = (s.transB ? s.k : s.n) + 1, ldc = s.n + 2
            let a = (0..<((s.transA ? s.k : s.m) * lda)).map { _ in rng.uniform(-1, 1) }
            let b = (0..<((s.transB ? s.n : s.k) * ldb)).map { _ in rng.uniform(-1, 1) }
            var bt = [Double](repeating: 0, count: s.k * s.n)
            if s.transB { for j in 0..<s.n { for q in 0..<s.k { bt[q * s.n + j] = b[j * ldb + q] } } }
            let c0 = (0..<(s.m * ldc)).map { _ in rng.uniform(-1, 1) }
            var whole = c0, pieces = c0
            BLAS.blas(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: &whole, ldc: ldc)
            let routed = BLAS.routes(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, beta: beta,
                                     transposedB: s.transB)
            if routed { routedCount += 1 }
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bt.withUnsafeBufferPointer { bt in
                pieces.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a.baseAddress!, lda: lda,
                              b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc,
                              transposedB: s.transB ? bt.baseAddress! : nil)
                }
            } } }
            #expect(whole.map(\.bitPattern) == pieces.map(\.bitPattern), "\(s) beta=\(beta) routed=\(routed)")
        } }
        #expect(routedCount >= 20, "most of these shapes are routed: \(routedCount)")
        // Not routed: products within the small kernels' limit, A B^T without B^T, beta other than 0 and 1.
        #expect(!BLAS.routes(transA: false, transB: false, m: 40, n: 64, k: 64, alpha: 1, beta: 0, transposedB: false))
        #expect(!BLAS.routes(transA: false, transB: true, m: 1024, n: 64, k: 64, alpha: 1, beta: 0, transposedB: false))
        #expect(!BLAS.routes(transA: false, transB: false, m: 1024, n: 64, k: 64, alpha: 1, beta: 0.5, transposedB: false))
        #expect(!BLAS.routes(transA: false, transB: false, m: 1024, n: 50, k: 64, alpha: 1, beta: 0, transposedB: false))
    }

    @Test("steps with routed products give the bits of steps without: both plans, per-term, slopes, tiles, Hessians, directions")
    func stepBitsUnchanged() {
        guard BLAS.routingVerified else { return }
        // Batches large enough for routed products (m n k above 10^6) in the forward, reverse and backward passes.
        for (d, m, hidden, adaptive, B) in [(2, 1, [64, 64], false, 700), (3, 2, [48, 64], true, 900), (1, 1, [96, 96], false, 1100),
                                            (4, 4, [64, 64], true, 600)] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: hidden, activation: .tanh, adaptive: adaptive, seed: 3)
            let batch = randomBatch(n: B, d: d, m: m, seed: 5)
            #expect(stepBits(net, theta, batch, routing: true) == stepBits(net, theta, batch, routing: false), "d=\(d) m=\(m) \(hidden)")
            let routed = BLAS.recordingCalls { _ = SobolevStep(architecture: net).termSums(parameters: theta, batch: batch) }
                .filter { BLAS.routes(transA: $0.transA, transB: $0.transB, m: $0.m, n: $0.n, k: $0.k, alpha: 1, beta: $0.beta,
                                      transposedB: $0.transposedB) }
            #expect(!routed.isEmpty, "d=\(d) m=\(m) \(hidden): the step routes some products")
        }
        // Order 2 (the second-order forward) and directional data.
        let (hnet, htheta) = perturbedNetwork(d: 3, m: 1, hidden: [32, 32], activation: .softplus, adaptive: true, seed: 4)
        let hbatch = randomHessianBatch(n: 400, d: 3, m: 1, seed: 6)
        #expect(stepBits(hnet, htheta, hbatch, routing: true) == stepBits(hnet, htheta, hbatch, routing: false))
        let dbatch = directionalBatch(n: 800, d: 2, m: 1, k: 3, jacobians: true, seed: 8)
        let (dnet, dtheta) = perturbedNetwork(d: 2, m: 1, hidden: [64, 64], activation: .sin, adaptive: false, seed: 7)
        #expect(stepBits(dnet, dtheta, dbatch, routing: true) == stepBits(dnet, dtheta, dbatch, routing: false))
    }
}

@Suite(.serialized) struct SmallKernelPiecesThreadsTests {
    @Test("with two threads the pieces run side by side with one thread's bits: products, and steps whose products are all routed or small")
    func twoThreads() {
        guard BLAS.routingVerified else { return }
        var rng = SeededRNG(seed: 41)
        let shapes: [(transA: Bool, transB: Bool, m: Int, n: Int, k: Int)] = [
            (false, false, 1024, 64, 64), (false, true, 1000, 64, 64), (false, false, 600, 16, 400), (true, false, 64, 64, 1500),
            (true, false, 96, 7, 5000),
        ]
        var whole: [[UInt64]] = [], operands: [([Double], [Double], [Double], [Double])] = []
        for s in shapes {
            let a = (0..<((s.transA ? s.k : s.m) * (s.transA ? s.m : s.k))).map { _ in rng.uniform(-1, 1) }
            let b = (0..<(s.k * s.n)).map { _ in rng.uniform(-1, 1) }
            let bt = s.transB ? Matrix(rows: s.n, cols: s.k, data: b).transposed.data : b
            var c = (0..<(s.m * s.n)).map { _ in rng.uniform(-1, 1) }
            operands.append((a, b, bt, c))
            BLAS.blas(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, a: a, lda: s.transA ? s.m : s.k, b: b,
                      ldb: s.transB ? s.k : s.n, beta: 1, c: &c, ldc: s.n)
            whole.append(c.map(\.bitPattern))
        }
        let (net, theta) = perturbedNetwork(d: 2, m: 1, hidden: [64, 64], activation: .tanh, adaptive: true, seed: 3)
        let batch = randomBatch(n: 1000, d: 2, m: 1, seed: 5)
        let oneThread = stepBits(net, theta, batch, routing: true)
        BLAS.setThreads(2)
        defer { BLAS.setThreads(1) }
        for (s, (o, w)) in zip(shapes, zip(operands, whole)) {
            #expect(BLAS.routes(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, beta: 1, transposedB: s.transB))
            var c = o.3
            o.0.withUnsafeBufferPointer { a in o.1.withUnsafeBufferPointer { b in o.2.withUnsafeBufferPointer { bt in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a.baseAddress!, lda: s.transA ? s.m : s.k,
                              b: b.baseAddress!, ldb: s.transB ? s.k : s.n, beta: 1, c: c.baseAddress!, ldc: s.n,
                              transposedB: s.transB ? bt.baseAddress! : nil)
                }
            } } }
            #expect(c.map(\.bitPattern) == w, "\(s)")
        }
        #expect(stepBits(net, theta, batch, routing: true, threads: 2) == oneThread)
    }
}
