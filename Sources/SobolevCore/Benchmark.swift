// Throughput of the Sobolev step: steps/s, samples/s and achieved GFLOP/s, beside a plain DGEMM
// measured in the same process. Figures, not assertions: `sobolev bench` prints them.
import Foundation

public struct BenchmarkCase: Sendable {
    public var name: String
    public var inputs: Int
    public var outputs: Int
    public var hidden: [Int]
    public var batch: Int
    public var activation: Activation = .tanh

    public init(name: String, inputs: Int, outputs: Int, hidden: [Int], batch: Int) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.hidden = hidden; self.batch = batch
    }

    public var architecture: MLPArchitecture {
        MLPArchitecture(layerSizes: [inputs] + hidden + [outputs], activation: activation)
    }

    /// The four reference set-ups: (a) the course's sine net, (b) a 2-D function, (c) a 2-D
    /// field with 64 outputs, (d) an 8-D design space with a large batch.
    public static let standard: [BenchmarkCase] = [
        BenchmarkCase(name: "a: d=1 m=1 2x50 B=40", inputs: 1, outputs: 1, hidden: [50, 50], batch: 40),
        BenchmarkCase(name: "b: d=2 m=1 3x64 B=1024", inputs: 2, outputs: 1, hidden: [64, 64, 64], batch: 1024),
        BenchmarkCase(name: "c: d=2 m=64 4x128 B=256", inputs: 2, outputs: 64, hidden: [128, 128, 128, 128], batch: 256),
        BenchmarkCase(name: "d: d=8 m=1 4x256 B=4096", inputs: 8, outputs: 1, hidden: [256, 256, 256, 256], batch: 4096),
    ]
}

public struct BenchmarkFigure: Sendable {
    public var name: String
    public var steps: Int
    public var secondsPerStep: Double
    public var stepsPerSecond: Double { 1 / secondsPerStep }
    public var samplesPerSecond: Double
    /// Matrix-product floating-point operations of one step (forward with tangents, per-term
    /// weight gradients, back-propagation of all channels).
    public var flopsPerStep: Double
    public var gflops: Double { flopsPerStep / secondsPerStep / 1e9 }
}

public enum SobolevBenchmark {
    /// GEMM flops of one Sobolev step with all per-term gradients: per layer with n_in x n_out
    /// weights, forward 2 (1+d) B n_in n_out; weight gradients 2 (1+2d) B n_in n_out; back-
    /// propagation (below the first layer) 2 (1+2d) B n_in n_out.
    public static func flopsPerStep(_ arch: MLPArchitecture, batch B: Int) -> Double {
        let d = Double(arch.inputDimension), b = Double(B)
        var total = 0.0
        for (l, s) in arch.layers.enumerated() {
            let w = Double(s.inputs * s.outputs)
            total += 2 * (1 + d) * b * w + 2 * (1 + 2 * d) * b * w
            if l > 0 { total += 2 * (1 + 2 * d) * b * w }
        }
        return total
    }

    /// Times full training steps (term sums and gradients, weighted sum, Adam update) for at
    /// least `minSeconds` after one warm-up step.
    public static func measure(_ c: BenchmarkCase, minSeconds: Double = 1) -> BenchmarkFigure {
        let arch = c.architecture
        var rng = SeededRNG(seed: 1)
        let x = Matrix(rows: c.batch, cols: c.inputs, data: (0..<(c.batch * c.inputs)).map { _ in rng.uniform(-1, 1) })
        let y = Matrix(rows: c.batch, cols: c.outputs, data: (0..<(c.batch * c.outputs)).map { _ in rng.uniform(-1, 1) })
        let dy = (0..<(c.batch * c.outputs * c.inputs)).map { _ in rng.uniform(-1, 1) }
        let batch = Dataset(inputs: x, values: y, jacobians: dy)
        var theta = arch.glorotUniformParameters(seed: 1)
        var adam = Adam(parameterCount: arch.parameterCount)
        let P = arch.parameterCount

        func step() {
            let sums = arch.termSums(parameters: theta, batch: batch)
            var g = [Double](repeating: 0, count: P)
            let scale = 1 / Double(sums.count)
            for t in 0..<sums.losses.count { for p in 0..<P { g[p] += scale * sums.gradients[t * P + p] } }
            adam.step(parameters: &theta, gradient: g, learningRate: 1e-4)
        }
        let (steps, elapsed) = timeRepeatedly(minSeconds: minSeconds, step)
        let perStep = elapsed / Double(steps)
        return BenchmarkFigure(name: c.name, steps: steps, secondsPerStep: perStep,
                               samplesPerSecond: Double(c.batch) / perStep, flopsPerStep: flopsPerStep(arch, batch: c.batch))
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
