// The OpenBLAS kernel: a fallback to Prescott on a CPU with wider vectors is replaced at start
// (the binary executes itself again with OPENBLAS_CORETYPE), alone and under mpirun; a user's
// own OPENBLAS_CORETYPE is kept. And bench's peak RSS figure is the binary's own.
import Foundation
import Testing
import SobolevCore

@Suite("OpenBLAS kernel")
struct BLASKernelTests {
    @Test("the choice: only a Prescott fallback is replaced, by the widest kernel the CPU has")
    func choice() {
        let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"]
        #expect(BLAS.preferredCore(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLAS.preferredCore(current: "Prescott", cpuFlags: ["avx2", "fma", "avx512f"]) == "Haswell")
        #expect(BLAS.preferredCore(current: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(BLAS.preferredCore(current: "Haswell", cpuFlags: avx512) == nil)
        #expect(BLAS.preferredCore(current: "Zen", cpuFlags: avx512) == nil)
    }

    /// The kernel the binary should run with on this machine without OPENBLAS_CORETYPE.
    func expectedCore() throws -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let flags = Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
        return BLAS.preferredCore(current: BLAS.coreName, cpuFlags: flags) ?? BLAS.coreName
    }

    func cores(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            line.range(of: "\"blas_core\": \"").map { r in String(line[r.upperBound...].prefix { $0 != "\"" }) }
        }
    }

    @Test("alone and under mpirun the binary runs the expected kernel; OPENBLAS_CORETYPE given is kept")
    func binary() throws {
        let args = ["bench", "--seconds", "0.01", "--only", "a", "--mode", "fused", "--json"]
        let alone = try run(sobolevBinary, args, unset: ["OPENBLAS_CORETYPE"])
        #expect(alone.status == 0, "\(alone.output)")
        // The step's GEMMs replayed alone: a time, and not more than a few times the whole step's.
        let figure = try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any]
        let gemm = figure?["gemm_seconds_per_step"] as? Double ?? 0, step = figure?["seconds_per_step"] as? Double ?? 0
        #expect(gemm > 0 && gemm < 5 * step, "\(alone.stdout)")
        // The same calls timed inside the step: a part of the step.
        let inStep = figure?["gemm_in_step_seconds_per_step"] as? Double ?? 0
        #expect(inStep > 0 && inStep < 1.5 * step, "\(alone.stdout)")
        let parallel = try run(which("mpirun"), mpirunArguments(2) + [sobolevBinary] + args, unset: ["OPENBLAS_CORETYPE"])
        #expect(parallel.status == 0, "\(parallel.output)")
        #expect(cores(parallel.stdout).count == 2, "\(parallel.output)")
        if let expected = try expectedCore() {
            #expect(cores(alone.stdout) == [expected], "\(alone.output)")
            #expect(cores(parallel.stdout) == [expected, expected], "\(parallel.output)")
        }
        let kept = try run(sobolevBinary, args, environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(cores(kept.stdout) == ["Prescott"], "\(kept.output)")
    }

    @Test("bench's peak RSS is its own, not that of the process that started it")
    func peakResidentSet() throws {
        // A parent of 400 MB (every page touched): the exec'd child must not report it.
        var parent = [UInt8](repeating: 0, count: 400 << 20)
        for i in stride(from: 0, to: parent.count, by: 4096) { parent[i] = 1 }
        let result = try withExtendedLifetime(parent) {
            try run(sobolevBinary, ["bench", "--seconds", "0.01", "--only", "a", "--mode", "fused", "--json"])
        }
        #expect(result.status == 0, "\(result.output)")
        let figure = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let rss = figure?["peak_rss_bytes"] as? Int ?? 0
        #expect(rss > 1 << 20 && rss < 300 << 20, "\(result.stdout)")
    }
}
