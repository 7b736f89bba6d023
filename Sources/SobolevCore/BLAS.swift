// The few dense kernels the core needs, on CBLAS (OpenBLAS). Row-major throughout.
import COpenBLAS
import Foundation

/// One GEMM call's shape (what `sobolev bench` replays for the time of a step's GEMMs alone).
public struct GEMMCall: Sendable, Equatable {
    public var transA: Bool, transB: Bool
    public var m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
    public var beta: Double
    /// Whether the caller gave B^T too (`gemm`'s `transposedB`), which the replay gives as well.
    public var transposedB: Bool
    init(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, beta: Double, transposedB: Bool = false) {
        self.transA = transA; self.transB = transB; self.m = m; self.n = n; self.k = k
        self.lda = lda; self.ldb = ldb; self.ldc = ldc; self.beta = beta; self.transposedB = transposedB
    }
    /// Doubles each operand spans (A, B, C).
    public var extents: (a: Int, b: Int, c: Int) { ((transA ? k : m) * lda, (transB ? n : k) * ldb, m * ldc) }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

public enum BLAS {
    /// The calling thread's list of recorded calls, or its time in GEMM calls, if it is recording
    /// (a thread-local, so that tests running in parallel do not add to each other's).
    private final class Recorder {
        let timing: Bool
        var calls: [GEMMCall] = [], nanoseconds: UInt64 = 0
        init(timing: Bool) { self.timing = timing }
    }
    static let recorderKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The shapes of the GEMM calls `body` makes on this thread, in order.
    public static func recordingCalls(_ body: () -> Void) -> [GEMMCall] {
        recording(Recorder(timing: false), body).calls
    }

    /// Seconds `body` spends inside GEMM calls on this thread (two clock reads a call, about
    /// 50 ns, are counted with them).
    public static func timingCalls(_ body: () -> Void) -> Double {
        Double(recording(Recorder(timing: true), body).nanoseconds) / 1e9
    }

    private static func recording(_ recorder: Recorder, _ body: () -> Void) -> Recorder {
        let outer = pthread_getspecific(recorderKey)
        pthread_setspecific(recorderKey, Unmanaged.passUnretained(recorder).toOpaque())
        defer { pthread_setspecific(recorderKey, outer) }
        withExtendedLifetime(recorder) { body() }
        return recorder
    }

    /// C (m x n) = alpha * op(A) * op(B) + beta * C, row-major, with op = transpose when asked.
    /// `transposedB`: B^T as k x n (leading dimension n) when B is transposed and the caller
    /// has it (the step's weights), for products cut into small-kernel pieces (BLASRouting.swift).
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int,
                            transposedB bt: UnsafePointer<Double>? = nil) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k = 0 only when beta = 1; make the beta scaling explicit.
            if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        func call() {
            if k == 1 && alpha == 1 && beta == 0 {
                outerProduct(m: m, n: n, a: a, incA: transA ? 1 : lda, b: b, incB: transB ? ldb : 1, c: c, ldc: ldc)
            } else if routes(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, transposedB: bt != nil) {
                routed(transA: transA, m: m, n: n, k: k, a: a, lda: lda, b: transB ? bt! : b, ldb: transB ? n : ldb, beta: beta,
                       c: c, ldc: ldc)
            } else {
                blas(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c, ldc: ldc)
            }
        }
        guard let r = pthread_getspecific(recorderKey) else { return call() }
        let recorder = Unmanaged<Recorder>.fromOpaque(r).takeUnretainedValue()
        if recorder.timing {
            let start = DispatchTime.now().uptimeNanoseconds
            call()
            recorder.nanoseconds += DispatchTime.now().uptimeNanoseconds - start
        } else {
            recorder.calls.append(GEMMCall(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, beta: beta,
                                           transposedB: bt != nil))
            call()
        }
    }

    /// cblas_dgemm itself, row-major.
    static func blas(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C = a b^T for k = 1 (a: m numbers incA apart, b: n numbers incB apart): the backward's first
    /// product below a scalar output. Each element is one product, as in the BLAS (up to the sign
    /// of a zero); OpenBLAS packs the operands all the same and runs 256 x 256 x 1 at 1.4 GFLOP/s.
    static func outerProduct(m: Int, n: Int, a: UnsafePointer<Double>, incA: Int, b: UnsafePointer<Double>, incB: Int,
                             c: UnsafeMutablePointer<Double>, ldc: Int) {
        for i in 0..<m {
            let ai = a[i * incA], row = c + i * ldc
            if incB == 1 { for j in 0..<n { row[j] = ai * b[j] } } else { for j in 0..<n { row[j] = ai * b[j * incB] } }
        }
    }

    /// Gives one run `n` threads: OpenBLAS's, and a `WorkerPool` for the element-wise loops and
    /// small-kernel pieces (one per MPI rank keeps ranks from oversubscribing cores).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(n))
        if n > 1 { _ = WorkerPool.atLeast(n) }   // started now, not in the first step
    }
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
