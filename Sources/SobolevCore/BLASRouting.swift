// Tall products on OpenBLAS's small-matrix kernels, with the bits of its packed path
// (docs/design.md, "Small-kernel pieces").
//
// OpenBLAS (0.3.21, SkylakeX kernels) multiplies a product of at most 10^6 multiply-adds with
// "small-matrix" kernels that read the operands in place, and a larger one by first packing both
// operands into blocks. The step's tall products (a tile of rows against a 64 x 64 weight matrix,
// or a weight gradient summed over 512 rows) spend 20-40% of their time packing. Cut into pieces
// of at most 10^6 multiply-adds, they run on the small kernels instead. Each element of C is the
// same sum in the same order on both paths (k ascending, one fused multiply-add a term, C added
// after each block of k) as long as the pieces split k where the packed path does: blocks of
// 384, the last two halved (GEMM_Q and its rule). A probe checks the bits once per process;
// where it finds a difference (another BLAS or kernel), nothing is routed.
import COpenBLAS

extension BLAS {
    /// The packed path's block of k (OpenBLAS's DGEMM GEMM_Q for SkylakeX) and its row unroll.
    static let packedDepth = 384, packedUnroll = 16
    /// The small kernels' limit: m n k at most this.
    static let smallProduct = 1_000_000

    /// Whether routing is allowed at all (tests switch it off to compare).
    nonisolated(unsafe) static var routingAllowed = true

    /// Whether `gemm` cuts this product into small-kernel pieces. The cost model, from per-call
    /// timings of every product of the benchmark cases (docs/design.md): pieces gain when what
    /// each of them reads again (B, n x k) is at most 96 x 96 doubles for A B and A B^T (which
    /// needs B^T at hand), and for A^T B when C is at most 96 wide, or 128 wide with at most 256
    /// rows. Only above the small kernels' limit (below it OpenBLAS takes them anyway), with alpha
    /// 1 and beta 0 or 1 (the packed path scales C by beta before adding, the small kernels in one
    /// expression). With several BLAS threads the pieces run side by side (`routed`), with one
    /// thread's bits.
    static func routes(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, beta: Double,
                       transposedB: Bool) -> Bool {
        guard routingAllowed, alpha == 1, beta == 0 || beta == 1, m * n * k > smallProduct else { return false }
        if transA { guard !transB, n <= 96 || (n <= 128 && m <= 256) else { return false } }
        else {
            // A B^T takes the packed path's bits on the small NN kernel only for n a multiple of 16.
            guard mayRouteTransposed(n: n, k: k), !transB || transposedB else { return false }
        }
        return routingVerified
    }

    /// Whether products A B^T against this n x k matrix (the forward's weights) may be routed, so
    /// that the caller keeps B^T at hand (`transposedB`): the shape part of `routes`.
    public static func mayRouteTransposed(n: Int, k: Int) -> Bool { n % 16 == 0 && n * k <= 9_216 }

    /// The blocks of k the packed path takes: 384 while at least 768 remain, then the rest in
    /// two halves rounded up to the row unroll (or whole when at most 384).
    static func depthBlocks(_ k: Int) -> [Range<Int>] {
        var blocks: [Range<Int>] = [], lo = 0
        while lo < k {
            var l = k - lo
            if l >= 2 * packedDepth { l = packedDepth }
            else if l > packedDepth { l = (l / 2 + packedUnroll - 1) / packedUnroll * packedUnroll }
            blocks.append(lo..<(lo + l)); lo += l
        }
        return blocks
    }

    /// The product in pieces: for each block of k (beta on the first, then adding), rows of C
    /// (A B: multiples of 16 rows, A^T B: any) of at most `smallProduct` multiply-adds. A B^T
    /// runs as A (B^T) on `bt`, B^T given as k x n with leading dimension n. With `workers` > 1
    /// (the BLAS threads) a block's pieces, which write disjoint rows of C, run side by side, each
    /// on the one-thread small kernels: OpenBLAS's own threads would take the packed path.
    static func routed(transA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int,
                       b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int,
                       workers: Int = Int(openblas_get_num_threads())) {
        for block in depthBlocks(k) {
            let l = block.count, ls = block.lowerBound, be = ls == 0 ? beta : 1
            let rows = pieceRows(m: m, most: smallProduct / (n * l), unit: transA ? 1 : packedUnroll, workers: workers)
            let pieces = (m + rows - 1) / rows
            Kernels.parallel(count: pieces, threads: workers, work: workers > 1 ? Int.max : 0) { range in
                for p in range {
                    let lo = p * rows, r = min(rows, m - lo)
                    blas(transA: transA, transB: false, m: r, n: n, k: l, alpha: 1, a: transA ? a + ls * lda + lo : a + lo * lda + ls,
                         lda: lda, b: b + ls * ldb, ldb: ldb, beta: be, c: c + lo * ldc, ldc: ldc)
                }
            }
        }
    }

    /// Rows of C a piece: at most `most` (the small kernels' limit), a multiple of `unit`; with
    /// several workers, as even as that allows over a multiple of `workers` pieces.
    static func pieceRows(m: Int, most: Int, unit: Int, workers: Int) -> Int {
        let largest = max(unit, most / unit * unit)
        guard workers > 1 else { return largest }
        let pieces = ((m + largest - 1) / largest + workers - 1) / workers * workers
        return max(unit, ((m + pieces - 1) / pieces + unit - 1) / unit * unit)
    }

    /// Whether routed products give the packed path's bits here: products of each kind the
    /// step routes (A B, A B^T, A^T B; k within one block and split; beta 0 and 1; the pieces of
    /// one and of two threads) on random operands, compared bit for bit with one thread's
    /// product. Once per process, about a millisecond.
    static let routingVerified: Bool = {
        // Against one thread's packed path, whatever the run's threads: on several threads
        // OpenBLAS splits k otherwise (k above 384 gave other bits on two threads, measured).
        let threads = openblas_get_num_threads()
        if threads > 1 { openblas_set_num_threads(1) }
        defer { if threads > 1 { openblas_set_num_threads(threads) } }
        var rng = SeededRNG(seed: 0x5eed)
        let shapes: [(transA: Bool, transB: Bool, m: Int, n: Int, k: Int)] = [
            (false, false, 600, 64, 64), (false, true, 600, 64, 64), (false, true, 300, 96, 96), (false, false, 300, 16, 1000),
            (true, false, 64, 64, 700), (true, false, 50, 50, 1100), (true, false, 96, 32, 400), (true, false, 128, 128, 500),
        ]
        for s in shapes { for beta in [0.0, 1.0] {
            let aRows = s.transA ? s.k : s.m, aCols = s.transA ? s.m : s.k
            let a = (0..<(aRows * aCols)).map { _ in rng.uniform(-1, 1) }
            let b = (0..<(s.k * s.n)).map { _ in rng.uniform(-1, 1) }      // n x k when transB, else k x n
            let bt = s.transB ? Matrix(rows: s.n, cols: s.k, data: b).transposed.data : b
            let c0 = (0..<(s.m * s.n)).map { _ in rng.uniform(-1, 1) }
            var packed = c0
            let ldb = s.transB ? s.k : s.n
            blas(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, a: a, lda: aCols, b: b, ldb: ldb,
                 beta: beta, c: &packed, ldc: s.n)
            for workers in [1, 2] {   // one thread's pieces, and two threads' (other piece sizes)
                var pieces = c0
                routed(transA: s.transA, m: s.m, n: s.n, k: s.k, a: a, lda: aCols, b: bt, ldb: s.n, beta: beta,
                       c: &pieces, ldc: s.n, workers: workers)
                if packed.map(\.bitPattern) != pieces.map(\.bitPattern) { return false }
            }
        } }
        return true
    }()
}
