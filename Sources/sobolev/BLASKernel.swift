// OpenBLAS picks its kernel when the library loads; on a CPU newer than the library it takes the
// SSE3 fallback (Prescott), 4-5x slower than the CPU's own (docs/design.md, "The BLAS kernel").
// The only remedy is OPENBLAS_CORETYPE before the library loads: set it and execute this binary
// again, before anything else happens (before MPI_Init; the process id stays the same).
import Foundation
import SobolevCore

enum BLASKernel {
    /// Re-executes the binary with a faster kernel when OpenBLAS fell back and the CPU has one;
    /// a user's own OPENBLAS_CORETYPE is always kept. If exec fails, the run goes on as it is.
    static func replaceFallback() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, BLAS.isFallback(BLAS.coreName),
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let core = BLAS.preferredCore(current: BLAS.coreName, cpuFlags: flags(cpuinfo)) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }

    /// The flags of the first processor in /proc/cpuinfo.
    static func flags(_ cpuinfo: String) -> Set<String> {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
