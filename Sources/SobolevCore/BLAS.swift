// The few dense kernels the core needs, on CBLAS (OpenBLAS). Row-major throughout.
import COpenBLAS

public enum BLAS {
    /// C (m x n) = alpha * op(A) * op(B) + beta * C, row-major, with op = transpose when asked.
    @inlinable
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k = 0 only when beta = 1; make the beta scaling explicit.
            if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Pins OpenBLAS to `n` threads (one per MPI rank keeps ranks from oversubscribing cores).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    /// The kernel family OpenBLAS chose for this CPU (e.g. "Haswell", "SkylakeX"; "Prescott" is its
    /// SSE3 fallback for a CPU it does not know, several times slower: OPENBLAS_CORETYPE overrides it).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's SSE3 fallback for a CPU it does not know.
    public static func isFallback(_ core: String) -> Bool { core.lowercased() == "prescott" }

    /// The kernel to ask for when OpenBLAS fell back to Prescott on a CPU with wider vectors (an
    /// OpenBLAS older than the CPU: Debian's 0.3.21 does not know Sapphire or Emerald Rapids):
    /// SkylakeX with AVX-512 (F, DQ, BW, VL), Haswell with AVX2 and FMA; nil otherwise.
    public static func preferredCore(current: String, cpuFlags: Set<String>) -> String? {
        guard isFallback(current) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512dq", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
