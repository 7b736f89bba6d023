// Weight gradients against unit seeds (docs/design.md, "Unit seeds at layer 0").
//
// Layer 0's tangent rows of direction j are e_j, so a term's weight gradient G^T E there (E's rows
// all e_j) is G's column sums, added to column j: m k additions instead of 2 m n k flops. The
// product sums each element over k ascending, one fused multiply-add a term (exact for a factor
// 1 or 0), and adds C after each block of k: the whole k (small kernels) or the packed path's
// blocks (`depthBlocks`). A probe finds which one the product of a shape takes, once per shape and
// thread count; where neither gives its bits (another BLAS or kernel), the product itself runs.
import COpenBLAS
import Foundation
import Synchronization

extension BLAS {
    /// How a product A^T E of one shape sums over k, as far as `addUnitProduct` can follow it.
    enum UnitSums: Sendable { case whole, blocks, product }

    private struct UnitShape: Hashable { let m: Int, n: Int, k: Int, threads: Int32 }
    private static let unitSumsFound = Mutex<[UnitShape: UnitSums]>([:])

    /// C (m x n, leading dimension ldc) += A^T E, with A k x m (leading dimension lda) and E the k
    /// rows `e` (leading dimension n), each the unit vector e_j: the bits of
    /// `gemm(transA: true, ..., beta: 1)`, without its multiplications where the probe allows.
    static func addUnitProduct(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, column j: Int,
                               e: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        switch unitSums(m: m, n: n, k: k) {
        case .whole: addColumnSums(rows: 0..<k, width: m, a: a, lda: lda, c: c + j, ldc: ldc)
        case .blocks: for b in depthBlocks(k) { addColumnSums(rows: b, width: m, a: a, lda: lda, c: c + j, ldc: ldc) }
        case .product: gemm(transA: true, m: m, n: n, k: k, a: a, lda: lda, b: e, ldb: n, beta: 1, c: c, ldc: ldc)
        }
    }

    /// c[o ldc] += sum over i in `rows` of a[i lda + o], each sum from 0 in ascending i.
    static func addColumnSums(rows: Range<Int>, width m: Int, a: UnsafePointer<Double>, lda: Int,
                              c: UnsafeMutablePointer<Double>, ldc: Int) {
        var o = 0
        while o + 8 <= m {
            var acc = SIMD8<Double>(repeating: 0)
            for i in rows { acc += UnsafeRawPointer(a + i * lda + o).loadUnaligned(as: SIMD8<Double>.self) }
            for l in 0..<8 { c[(o + l) * ldc] += acc[l] }
            o += 8
        }
        for r in o..<m {
            var acc = 0.0
            for i in rows { acc += a[i * lda + r] }
            c[r * ldc] += acc
        }
    }

    /// The probe: random A and C, E of unit rows, the product against both ways of summing.
    static func unitSums(m: Int, n: Int, k: Int) -> UnitSums {
        let shape = UnitShape(m: m, n: n, k: k, threads: openblas_get_num_threads())
        if let known = unitSumsFound.withLock({ $0[shape] }) { return known }
        var rng = SeededRNG(seed: 0x0e_5eed)
        let a = (0..<(k * m)).map { _ in rng.uniform(-1, 1) }, c0 = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
        let j = n - 1
        var e = [Double](repeating: 0, count: k * n)
        for i in 0..<k { e[i * n + j] = 1 }
        var product = c0
        // Out of sight of a recorder of the step's products (`BLAS.recording`): not one of them.
        let recorder = pthread_getspecific(recorderKey)
        pthread_setspecific(recorderKey, nil)
        gemm(transA: true, m: m, n: n, k: k, a: a, lda: m, b: e, ldb: n, beta: 1, c: &product, ldc: n)
        pthread_setspecific(recorderKey, recorder)
        var found = UnitSums.product
        for way in [UnitSums.whole, .blocks] {
            var sums = c0
            a.withUnsafeBufferPointer { pa in sums.withUnsafeMutableBufferPointer { pc in
                let rows = way == .whole ? [0..<k] : depthBlocks(k)
                for b in rows { addColumnSums(rows: b, width: m, a: pa.baseAddress!, lda: m, c: pc.baseAddress! + j, ldc: n) }
            } }
            if sums.map(\.bitPattern) == product.map(\.bitPattern) { found = way; break }
        }
        unitSumsFound.withLock { $0[shape] = found }
        return found
    }
}
