// Throughput of the Sobolev step: steps/s, samples/s and achieved GFLOP/s, beside a plain DGEMM
// measured in the same process. Figures, not assertions: `sobolev bench` prints them.
import Foundation

/// A case file that is not what `BenchmarkCase.cases(json:)` reads.
public struct BenchmarkCaseError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public struct BenchmarkCase: Sendable {
    public var name: String
    public var inputs: Int
    public var outputs: Int
    public var hidden: [Int]
    public var batch: Int
    public var activation: Activation = .tanh
    /// 1: value and gradient terms; 2: the Hessian terms (one per pair j <= k) as well.
    public var order: Int = 1

    public init(name: String, inputs: Int, outputs: Int, hidden: [Int], batch: Int, activation: Activation = .tanh,
                order: Int = 1) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.hidden = hidden; self.batch = batch
        self.activation = activation; self.order = order
    }

    /// The keys of a case in a case file (benchmarks/cases.json); `order` may be left out (1).
    public static let keys = ["name", "inputs", "outputs", "hidden", "batch", "activation", "order"]

    /// The cases of a case file: a non-empty JSON list of objects with exactly these keys, each
    /// checked (a typo such as "ordr" would otherwise benchmark another case than meant).
    /// Errors say which case and key.
    public static func cases(json data: Data) throws -> [BenchmarkCase] {
        func fail(_ message: String) -> BenchmarkCaseError { BenchmarkCaseError(message: message) }
        guard let list = try? JSONSerialization.jsonObject(with: data) else { throw fail("not valid JSON") }
        guard let objects = list as? [Any], !objects.isEmpty else { throw fail("expected a non-empty list of cases") }
        var out: [BenchmarkCase] = []
        for (i, item) in objects.enumerated() {
            guard let o = item as? [String: Any] else { throw fail("case \(i + 1): expected an object {\(keys.joined(separator: ", "))}") }
            let label = (o["name"] as? String).flatMap { $0.isEmpty ? nil : "case \($0)" } ?? "case \(i + 1)"
            if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
                throw fail("\(label): unknown key '\(unknown)' (keys: \(keys.joined(separator: ", ")))")
            }
            func whole(_ key: String, _ value: Any?) throws -> Int {
                // true and false arrive as NSNumber too (a boolean subclass): not sizes. Sizes stay
                // below 2^31, so that their products (workspace counts) cannot overflow.
                let isBoolean = value.map { String(describing: type(of: $0)).contains("Boolean") } ?? false
                guard let n = value as? NSNumber, !isBoolean, let v = Int(exactly: n.doubleValue), (1...Int(Int32.max)).contains(v) else {
                    let found = value.map { v -> String in
                        if let s = v as? String { return "the text \"\(s)\"" }
                        if isBoolean, let b = v as? Bool { return "\(b)" }
                        return "\(v)"
                    } ?? "nothing"
                    throw fail("\(label): \(key) must be a whole number from 1 to \(Int32.max), got \(found)")
                }
                return v
            }
            guard let name = o["name"] as? String, !name.isEmpty else { throw fail("\(label): name must be a non-empty text") }
            guard !out.contains(where: { $0.name == name }) else { throw fail("\(label): the name is given to two cases") }
            guard let hidden = o["hidden"] as? [Any], !hidden.isEmpty else { throw fail("\(label): hidden must be a non-empty list of widths") }
            guard let text = o["activation"] as? String, let activation = Activation(rawValue: text) else {
                throw fail("\(label): activation must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), got \(o["activation"].map { "\($0)" } ?? "nothing")")
            }
            let order = try o["order"].map { try whole("order", $0) } ?? 1
            guard order <= 2 else { throw fail("\(label): order \(order) (1, or 2 with Hessian terms)") }
            out.append(BenchmarkCase(name: name, inputs: try whole("inputs", o["inputs"]), outputs: try whole("outputs", o["outputs"]),
                                     hidden: try hidden.map { try whole("hidden", $0) }, batch: try whole("batch", o["batch"]),
                                     activation: activation, order: order))
        }
        return out
    }

    /// Doubles of the step's workspace for this case in the given modes (what the memory check weighs).
    public func workspaceCount(perTerm: Bool, fused: Bool) -> Int {
        let arch = MLPArchitecture(layerSizes: [inputs] + hidden + [outputs], activation: activation, adaptiveScale: 1)
        return order == 2
            ? SobolevStep.hessianWorkspaceCount(arch, batch: batch, evaluationBatch: 0, perTerm: perTerm, fused: fused)
            : SobolevStep.workspaceCount(arch, batch: batch, evaluationBatch: 0, perTerm: perTerm, fused: fused)
    }

    /// "d=8 m=1 4x256 B=4096": the shape in one line.
    public var shape: String {
        let widths = Set(hidden).count == 1 ? "\(hidden.count)x\(hidden[0])" : hidden.map(String.init).joined(separator: "-")
        return "d=\(inputs) m=\(outputs) \(widths) B=\(batch)" + (order == 2 ? " hess" : "")
    }

    public var architecture: MLPArchitecture {
        MLPArchitecture(layerSizes: [inputs] + hidden + [outputs], activation: activation)
    }

    /// The four reference set-ups: (a) the course's sine net, (b) a 2-D function, (c) a 2-D
    /// field with 64 outputs, (d) an 8-D design space with a large batch.
    public static let standard: [BenchmarkCase] = [
        BenchmarkCase(name: "a", inputs: 1, outputs: 1, hidden: [50, 50], batch: 40),
        BenchmarkCase(name: "b", inputs: 2, outputs: 1, hidden: [64, 64, 64], batch: 1024),
        BenchmarkCase(name: "c", inputs: 2, outputs: 64, hidden: [128, 128, 128, 128], batch: 256),
        BenchmarkCase(name: "d", inputs: 8, outputs: 1, hidden: [256, 256, 256, 256], batch: 4096),
    ]
}

public struct BenchmarkFigure: Sendable {
    public var name: String
    /// "fused" or "per-term".
    public var mode: String
    /// How the fused step took the Jacobian ("forward" or "reverse"); "per-term" otherwise.
    public var plan: String
    public var steps: Int
    public var secondsPerStep: Double
    public var stepsPerSecond: Double { 1 / secondsPerStep }
    public var samplesPerSecond: Double
    /// GEMM floating-point operations of one step (JacobianPlan's counts).
    public var flopsPerStep: Double
    public var gflops: Double { flopsPerStep / secondsPerStep / 1e9 }
    /// Bytes of the step's workspace (every array it keeps between its passes).
    public var workspaceBytes: Int
    /// Seconds of the step's GEMM calls alone: the same shapes, transposes and betas, in the same
    /// order, on scratch operands. The step cannot be faster with this BLAS; the rest of
    /// `secondsPerStep` is element-wise work, memory traffic and call overhead.
    public var gemmSecondsPerStep: Double
    /// Seconds of the step's GEMM calls inside the step (timed call by call over further steps):
    /// against `gemmSecondsPerStep`, what the step's operands coming from memory rather than
    /// cache cost the BLAS; the rest of `secondsPerStep` is the step's own work.
    public var gemmInStepSecondsPerStep: Double
}

public enum SobolevBenchmark {
    /// Times full training steps (the term losses and the mode's gradients, the weighted sum,
    /// an Adam update) for at least `minSeconds` after one warm-up step. Per-term: every term's
    /// gradient, then sum_t lambda_t g_t; fused: one gradient of sum_t lambda_t L_t (lambda = 1).
    public static func measure(_ c: BenchmarkCase, fused: Bool, plan chosen: JacobianPlan? = nil, threads: Int = 1,
                               minSeconds: Double = 1) -> BenchmarkFigure {
        var (figure, calls) = measureStep(c, fused: fused, plan: chosen, threads: threads, minSeconds: minSeconds)
        // After the step's workspace is gone, so that the replay's operands do not add to the peak RSS.
        figure.gemmSecondsPerStep = gemmSeconds(calls, minSeconds: min(minSeconds, 1))
        return figure
    }

    /// The timed steps, and the GEMM calls of one more step.
    static func measureStep(_ c: BenchmarkCase, fused: Bool, plan chosen: JacobianPlan?, threads: Int,
                            minSeconds: Double) -> (BenchmarkFigure, [GEMMCall]) {
        let arch = c.architecture
        var rng = SeededRNG(seed: 1)
        let x = Matrix(rows: c.batch, cols: c.inputs, data: (0..<(c.batch * c.inputs)).map { _ in rng.uniform(-1, 1) })
        let y = Matrix(rows: c.batch, cols: c.outputs, data: (0..<(c.batch * c.outputs)).map { _ in rng.uniform(-1, 1) })
        let dy = (0..<(c.batch * c.outputs * c.inputs)).map { _ in rng.uniform(-1, 1) }
        let hessian = c.order == 2, d = c.inputs
        // Order 2: symmetric Hessian targets d2Y [B, m, d, d], the upper triangle drawn.
        var d2y: [Double]? = nil
        if hessian {
            var h = [Double](repeating: 0, count: c.batch * c.outputs * d * d)
            for r in 0..<(c.batch * c.outputs) { for j in 0..<d { for k in j..<d {
                let v = rng.uniform(-1, 1)
                h[(r * d + j) * d + k] = v; h[(r * d + k) * d + j] = v
            } } }
            d2y = h
        }
        let batch = Dataset(inputs: x, values: y, jacobians: dy, hessians: d2y)
        var theta = arch.glorotUniformParameters(seed: 1)
        var adam = Adam(parameterCount: arch.parameterCount)
        let P = arch.parameterCount, T = 1 + d + (hessian ? HessianPairs.count(d) : 0)
        let engine = SobolevStep(architecture: arch, threads: threads)
        let plan = chosen ?? JacobianPlan.cheapest(arch, batch: c.batch)
        let weights = [Double](repeating: 1 / Double(c.batch), count: T)

        func step() {
            if fused {
                _ = engine.fusedLosses(parameters: theta, batch: batch, plan: plan)
                adam.step(parameters: &theta, gradient: engine.fusedGradient(parameters: theta, weights: weights), learningRate: 1e-4)
            } else {
                let sums = engine.termSums(parameters: theta, batch: batch)
                var g = [Double](repeating: 0, count: P)
                let scale = 1 / Double(sums.count)
                sums.gradients.withUnsafeBufferPointer { gt in
                    g.withUnsafeMutableBufferPointer { gp in
                        for t in 0..<T { Kernels.addScaled(gt.baseAddress! + t * P, times: scale, into: gp.baseAddress!, count: P) }
                    }
                }
                adam.step(parameters: &theta, gradient: g, learningRate: 1e-4)
            }
        }
        let (steps, elapsed) = timeRepeatedly(minSeconds: minSeconds, step)
        let perStep = elapsed / Double(steps)
        // The timed steps' GEMM share, over at most a second's worth of further steps.
        let timed = max(1, min(steps, Int(min(minSeconds, 1) / perStep)))
        let gemmInStep = BLAS.timingCalls { for _ in 0..<timed { step() } } / Double(timed)
        let calls = BLAS.recordingCalls(step)
        let flops = hessian ? SobolevStep.hessianFlops(arch, batch: c.batch, fused: fused)
            : fused ? plan.flops(arch, batch: c.batch) : JacobianPlan.perTermFlops(arch, batch: c.batch)
        let figure = BenchmarkFigure(name: c.name, mode: fused ? "fused" : "per-term",
                                     plan: hessian ? (fused ? "hessian" : "per-term") : fused ? plan.rawValue : "per-term",
                                     steps: steps, secondsPerStep: perStep, samplesPerSecond: Double(c.batch) / perStep,
                                     flopsPerStep: flops, workspaceBytes: 8 * engine.workspaceCount, gemmSecondsPerStep: 0,
                                     gemmInStepSecondsPerStep: gemmInStep)
        return (figure, calls)
    }

    /// Seconds per replay of `calls` (one step's GEMMs) on scratch operands of small values.
    static func gemmSeconds(_ calls: [GEMMCall], minSeconds: Double) -> Double {
        guard !calls.isEmpty else { return 0 }
        let a = [Double](repeating: 1e-3, count: calls.map(\.extents.a).max()!)
        let b = [Double](repeating: 1e-3, count: calls.map(\.extents.b).max()!)
        var c = [Double](repeating: 0, count: calls.map(\.extents.c).max()!)
        let (reps, elapsed) = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    timeRepeatedly(minSeconds: minSeconds) {
                        for g in calls {
                            BLAS.gemm(transA: g.transA, transB: g.transB, m: g.m, n: g.n, k: g.k, a: a.baseAddress!, lda: g.lda,
                                      b: b.baseAddress!, ldb: g.ldb, beta: g.beta, c: c.baseAddress!, ldc: g.ldc,
                                      transposedB: g.transposedB ? b.baseAddress! : nil)   // B^T: n k doubles, as B
                        }
                    }
                }
            }
        }
        return elapsed / Double(reps)
    }

    /// Runs `body` once to warm up, then repeatedly for at least `minSeconds`: (repetitions, seconds).
    static func timeRepeatedly(minSeconds: Double, _ body: () -> Void) -> (Int, Double) {
        body()
        let start = DispatchTime.now()
        var reps = 0, elapsed = 0.0
        repeat {
            body(); reps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        } while elapsed < minSeconds
        return (reps, elapsed)
    }

    /// GFLOP/s of a plain n x n x n DGEMM in this process.
    public static func dgemmGFLOPs(n: Int = 1024, minSeconds: Double = 1) -> Double {
        var rng = SeededRNG(seed: 2)
        let a = (0..<(n * n)).map { _ in rng.uniform(-1, 1) }
        let b = (0..<(n * n)).map { _ in rng.uniform(-1, 1) }
        var c = [Double](repeating: 0, count: n * n)
        func run() { BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n) }
        let (reps, elapsed) = timeRepeatedly(minSeconds: minSeconds, run)
        return 2 * Double(n) * Double(n) * Double(n) * Double(reps) / elapsed / 1e9
    }
}
