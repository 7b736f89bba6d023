import ArgumentParser
import Foundation
import SobolevCore
import SobolevExperiment

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the Sobolev step (ms/step, GFLOP/s, memory) beside a plain DGEMM.",
        discussion: """
            Times full training steps (losses, the mode's gradients, an Adam update) on the four \
            reference cases, or on the cases of a JSON file (benchmarks/cases.json). Per-term mode \
            computes every term's gradient (what CD_min, LRA and GradNorm need); fused mode one \
            gradient of the weighted sum, with the Jacobian by the cheaper of forward and reverse \
            mode. "GEMMs alone" replays the step's own GEMM calls without the rest: the floor the \
            BLAS sets; "GEMMs in step" times the same calls inside further steps. Figures, not \
            assertions: benchmarks/peers/run puts them beside PyTorch and JAX.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case fused, perTerm = "per-term", both }

    @Option(help: "Seconds to time each case.")
    var seconds: Double = 2

    @Option(help: "Threads for one run: BLAS threads and the element-wise loops.")
    var threads: Int = 1

    @Option(help: "Which gradients a step computes: fused, per-term or both.")
    var mode: Mode = .both

    enum Plan: String, ExpressibleByArgument, CaseIterable { case auto, forward, reverse }

    @Option(help: "Fused mode's Jacobian: auto (the cost model's choice), forward or reverse (to check the choice).")
    var plan: Plan = .auto

    @Option(help: "A JSON file with a list of cases {name, inputs, outputs, hidden, batch, activation, order (optional: 1, or 2 with Hessian terms)}.")
    var cases: String?

    @Option(help: "Only these cases (comma-separated names).")
    var only: String?

    @Flag(help: "One JSON object per case and mode instead of the table.")
    var json = false

    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        try memory.checkFitsMachine()
        try requirePositive(seconds, "--seconds")
        try requireAtLeast(threads, 1, "--threads")
        var isFolder: ObjCBool = false
        if let cases, FileManager.default.fileExists(atPath: cases, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("--cases \(cases) is a folder; give a JSON file")
        }
        if let cases, !FileManager.default.isReadableFile(atPath: cases) {
            throw ValidationError("--cases: cannot read \(cases)")
        }
    }

    func selectedCases() throws -> [BenchmarkCase] {
        var list = BenchmarkCase.standard
        if let cases {
            do { list = try BenchmarkCase.cases(json: try Data(contentsOf: URL(fileURLWithPath: cases))) } catch {
                throw ValidationError("\(cases): \(error)")
            }
        }
        if let only {
            let names = only.split(separator: ",").map(String.init)
            guard !names.isEmpty else { throw ValidationError("--only '\(only)': name at least one case (cases: \(list.map(\.name).joined(separator: ", ")))") }
            if let unknown = names.first(where: { n in !list.contains { $0.name == n } }) {
                throw ValidationError("--only: no case named \(unknown) (cases: \(list.map(\.name).joined(separator: ", ")))")
            }
            list = list.filter { names.contains($0.name) }
        }
        // --plan chooses the fused step's first-order Jacobian; nothing else takes it.
        if plan != .auto {
            if mode == .perTerm { throw ValidationError("--plan \(plan.rawValue) applies to the fused mode (the per-term step takes forward tangents)") }
            // Hessian cases take second-order forward tangents (their plan column says "hessian").
            if !list.contains(where: { $0.order == 1 }) {
                throw ValidationError("--plan \(plan.rawValue): every case has Hessian terms, whose steps take second-order forward tangents whatever the plan")
            }
        }
        // A case that cannot fit ends with one line, not with a failed allocation.
        if let limit = memory.limit {
            let needs = list.map { (c: $0, bytes: Double(8 * $0.workspaceCount(perTerm: mode != .fused, fused: mode != .perTerm))) }
            if let (c, bytes) = needs.first(where: { $0.bytes > limit.bytes }) {
                throw ValidationError("case \(c.name) (\(c.shape)): the step needs about \(MemorySize.format(bytes)), more than the limit of \(MemorySize.format(limit.bytes)) (\(limit.source))")
            }
        }
        return list
    }

    func run() throws {
        let list = try selectedCases()
        BLAS.setThreads(threads)
        let dgemm = SobolevBenchmark.dgemmGFLOPs(minSeconds: min(seconds, 1))
        let modes = mode == .both ? [false, true] : [mode == .fused]
        if !json {
            print("DGEMM 1024^3, \(threads) thread(s), OpenBLAS kernel \(BLAS.coreName): " + String(format: "%.2f GFLOP/s", dgemm))
            if BLAS.isFallback(BLAS.coreName) {
                print("note: OpenBLAS runs its SSE3 fallback (Prescott), several times slower: it does not know this CPU; "
                      + "OPENBLAS_CORETYPE=Haswell (AVX2) or SkylakeX (AVX-512) selects a faster kernel")
            }
            print("case shape                      mode      plan       ms/step    GFLOP/step  GFLOP/s  % DGEMM  workspace MB  peak RSS MB  GEMMs alone ms  GEMMs in step ms")
        }
        for c in list {
            for fused in modes {
                let f = SobolevBenchmark.measure(c, fused: fused, plan: plan == .auto ? nil : JacobianPlan(rawValue: plan.rawValue),
                                                 threads: threads, minSeconds: seconds)
                let rss = peakResidentBytes()
                if json {
                    let fields: [(String, String)] = [
                        ("case", "\"\(c.name)\""), ("shape", "\"\(c.shape)\""), ("mode", "\"\(f.mode)\""), ("plan", "\"\(f.plan)\""),
                        ("seconds_per_step", "\(f.secondsPerStep)"), ("steps", "\(f.steps)"),
                        ("flops_per_step", "\(f.flopsPerStep)"), ("gflops", "\(f.gflops)"), ("dgemm_gflops", "\(dgemm)"), ("blas_core", "\"\(BLAS.coreName)\""),
                        ("workspace_bytes", "\(f.workspaceBytes)"), ("peak_rss_bytes", "\(rss)"), ("threads", "\(threads)"),
                        ("gemm_seconds_per_step", "\(f.gemmSecondsPerStep)"),
                        ("gemm_in_step_seconds_per_step", "\(f.gemmInStepSecondsPerStep)"),
                    ]
                    print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
                } else {
                    let label = "\(c.name): \(c.shape)".padding(toLength: 30, withPad: " ", startingAt: 0)
                    print(label + " " + f.mode.padding(toLength: 9, withPad: " ", startingAt: 0)
                          + " " + f.plan.padding(toLength: 9, withPad: " ", startingAt: 0)
                          + String(format: " %9.3f %12.3f %9.2f %7.0f%% %12.1f %12.1f %15.3f %17.3f", 1000 * f.secondsPerStep, f.flopsPerStep / 1e9,
                                   f.gflops, 100 * f.gflops / dgemm, Double(f.workspaceBytes) / 1e6, Double(rss) / 1e6,
                                   1000 * f.gemmSecondsPerStep, 1000 * f.gemmInStepSecondsPerStep))
                }
            }
        }
        if !json {
            print("peak RSS is the process's so far: run one case and mode per process (--only, --mode) for its own figure.")
        }
    }

    /// The process's peak resident set: VmHWM of /proc/self/status, this program's own (getrusage's
    /// ru_maxrss keeps the peak of the image before exec: started by the peer benchmark's Python
    /// runner, it reported the runner's size for small cases); getrusage where there is no /proc.
    func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kB = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) }) {
            return kB * 1024
        }
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}
