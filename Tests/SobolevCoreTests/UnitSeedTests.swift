// Layer 0's products with unit seeds skipped (UnitSeedProducts.swift, SobolevStep.forward): the
// sums themselves, and whole steps against the steps that multiply, bit for bit.
import Testing
@testable import SobolevCore

/// The step's bits (`allStepBits`) with layer 0's unit-seed products skipped or multiplied.
private func stepBits(_ net: MLPArchitecture, _ theta: [Double], _ batch: Dataset, units: Bool, threads: Int = 1) -> [UInt64] {
    SobolevStep.unitSeedsAllowed = units
    defer { SobolevStep.unitSeedsAllowed = true }
    return allStepBits(net, theta, batch, threads: threads)
}

@Suite(.serialized) struct UnitSeedTests {
    @Test("column sums add, to each column, the ascending sum from 0 of its rows (vector and scalar columns)")
    func columnSums() {
        var rng = SeededRNG(seed: 51)
        for (m, k, lda, ldc) in [(1, 5, 1, 1), (7, 64, 9, 3), (8, 100, 8, 2), (13, 33, 20, 5), (130, 384, 131, 7)] {
            let a = (0..<(k * lda)).map { _ in rng.uniform(-1, 1) }
            var c = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }
            var expected = c
            for o in 0..<m {
                var s = 0.0
                for i in 0..<k { s += a[i * lda + o] }
                expected[o * ldc] += s
            }
            a.withUnsafeBufferPointer { pa in c.withUnsafeMutableBufferPointer { pc in
                BLAS.addColumnSums(rows: 0..<k, width: m, a: pa.baseAddress!, lda: lda, c: pc.baseAddress!, ldc: ldc)
            } }
            #expect(c.map(\.bitPattern) == expected.map(\.bitPattern), "m=\(m) k=\(k)")
        }
    }

    @Test("a product with unit rows gives the product's bits (k within one block and split, n = 1, leading dimensions)")
    func unitProductBits() {
        var rng = SeededRNG(seed: 52)
        for (m, n, k) in [(64, 2, 64), (128, 32, 64), (256, 128, 256), (50, 1, 1000), (96, 16, 500), (13, 5, 7)] {
            let lda = m + 3, ldc = n + 1, j = n / 2
            let a = (0..<(k * lda)).map { _ in rng.uniform(-1, 1) }
            var e = [Double](repeating: 0, count: k * n)
            for i in 0..<k { e[i * n + j] = 1 }
            let c0 = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }
            var product = c0, sums = c0
            BLAS.gemm(transA: true, m: m, n: n, k: k, a: a, lda: lda, b: e, ldb: n, beta: 1, c: &product, ldc: ldc)
            BLAS.addUnitProduct(m: m, n: n, k: k, a: a, lda: lda, column: j, e: e, c: &sums, ldc: ldc)
            #expect(sums.map(\.bitPattern) == product.map(\.bitPattern), "m=\(m) n=\(n) k=\(k): \(BLAS.unitSums(m: m, n: n, k: k))")
        }
    }

    @Test("the Hessian steps' products add up to their flop count, which leaves out layer 0's seeded blocks")
    func hessianFlopCount() {
        let (net, theta) = perturbedNetwork(d: 3, m: 1, hidden: [6, 5], activation: .tanh, adaptive: false, seed: 17)
        let batch = randomHessianBatch(n: 7, d: 3, m: 1, seed: 18)
        let step = SobolevStep(architecture: net)
        let fused = BLAS.recordingCalls {
            _ = step.fusedLosses(parameters: theta, batch: batch, plan: .forward)
            _ = step.fusedGradient(parameters: theta, weights: [Double](repeating: 0.5, count: 1 + 3 + 6))
        }
        #expect(fused.map(\.flops).reduce(0, +) == SobolevStep.hessianFlops(net, batch: 7, fused: true))
        let perTerm = BLAS.recordingCalls { _ = step.termSums(parameters: theta, batch: batch) }
        #expect(perTerm.map(\.flops).reduce(0, +) == SobolevStep.hessianFlops(net, batch: 7, fused: false))
    }

    @Test("steps that skip layer 0's unit-seed products equal the steps that multiply, bit for bit (tiles, slopes, outputs, directions, two threads)")
    func stepBitsUnchanged() {
        for (d, m, hidden, activation, adaptive, n) in [(32, 1, [128, 128], Activation.tanh, false, 300), (3, 2, [16, 16], .sin, true, 50),
                                                         (6, 4, [96, 96, 96], .softplus, true, 520)] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: hidden, activation: activation, adaptive: adaptive, seed: 9)
            let batch = randomBatch(n: n, d: d, m: m, seed: 10)
            #expect(stepBits(net, theta, batch, units: true) == stepBits(net, theta, batch, units: false), "d=\(d) m=\(m) \(hidden)")
        }
        // Unit blocks followed by direction blocks (those still multiply at layer 0), in one tile
        // and in several, with B not a multiple of 8.
        let (dnet, dtheta) = perturbedNetwork(d: 5, m: 1, hidden: [64, 64], activation: .tanh, adaptive: true, seed: 12)
        for n in [101, 1003] {
            let dbatch = directionalBatch(n: n, d: 5, m: 1, k: 3, jacobians: true, seed: 11)
            #expect(stepBits(dnet, dtheta, dbatch, units: true) == stepBits(dnet, dtheta, dbatch, units: false), "n=\(n)")
        }
        // Hessian data: the second-order forward's unit and zero seeds (one tile and several).
        let (hnet, htheta) = perturbedNetwork(d: 3, m: 2, hidden: [32, 32], activation: .softplus, adaptive: true, seed: 15)
        for n in [37, 600] {
            let hbatch = randomHessianBatch(n: n, d: 3, m: 2, seed: 16)
            #expect(stepBits(hnet, htheta, hbatch, units: true) == stepBits(hnet, htheta, hbatch, units: false), "Hessian n=\(n)")
        }
        // Two threads: the element-wise loops in parts, and the products on two BLAS threads.
        let (net, theta) = perturbedNetwork(d: 16, m: 1, hidden: [64, 64], activation: .tanh, adaptive: false, seed: 13)
        let batch = randomBatch(n: 700, d: 16, m: 1, seed: 14)
        BLAS.setThreads(2)
        defer { BLAS.setThreads(1) }
        #expect(stepBits(net, theta, batch, units: true, threads: 2) == stepBits(net, theta, batch, units: false, threads: 2))
    }
}
