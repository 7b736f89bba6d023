// The step's two modes and two Jacobian plans against each other, against the reference step
// (the plain per-term algebra of ReferenceStep.swift) and against central finite differences.
import Foundation
import Testing
@testable import SobolevCore

/// A network with non-zero biases (and slopes away from 1 when adaptive).
func perturbedNetwork(d: Int, m: Int, hidden: [Int], activation: Activation, adaptive: Bool, seed: UInt64) -> (MLPArchitecture, [Double]) {
    let net = MLPArchitecture(layerSizes: [d] + hidden + [m], activation: activation, adaptiveScale: adaptive ? 10 : nil)
    var theta = net.glorotUniformParameters(seed: seed)
    var rng = SeededRNG(seed: seed &+ 1)
    for i in theta.indices { theta[i] += 0.1 * rng.uniform(-1, 1) * (i >= net.slopeOffset ? 0.1 : 1) }
    return (net, theta)
}

/// (d, m) shapes where each plan is the cheaper one, and square ones.
let stepShapes: [(d: Int, m: Int)] = [(1, 1), (3, 1), (2, 3), (4, 2), (3, 3)]

/// Every shape of `stepShapes`, slopes off and on: a perturbed 6-5 network of `activation` (seed
/// `network`) and a random batch of `samples` (seed `data`).
func stepCases(_ activation: Activation, network: UInt64, samples: Int, data: UInt64)
    -> [(d: Int, m: Int, adaptive: Bool, net: MLPArchitecture, theta: [Double], batch: Dataset)] {
    stepShapes.flatMap { (d, m) in
        [false, true].map { adaptive in
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6, 5], activation: activation, adaptive: adaptive, seed: network)
            return (d, m, adaptive, net, theta, randomBatch(n: samples, d: d, m: m, seed: data))
        }
    }
}

@Suite("Sobolev step: per-term and fused modes, forward and reverse Jacobians")
struct StepModesTests {
    @Test("per-term step equals the reference step, every activation, slopes on and off", arguments: Activation.allCases)
    func perTermMatchesReference(activation: Activation) {
        for (d, m, adaptive, net, theta, batch) in stepCases(activation, network: 3, samples: 7, data: 11) {
            let step = SobolevStep(architecture: net)
            for derivatives in [true, false] {
                let new = step.termSums(parameters: theta, batch: batch, derivativeGradients: derivatives)
                let old = net.referenceTermSums(parameters: theta, batch: batch, derivativeGradients: derivatives)
                #expect(relativeError(new.losses, old.losses) < 1e-13, "losses d=\(d) m=\(m) \(activation)")
                #expect(relativeError(new.gradients, old.gradients) < 1e-12, "gradients d=\(d) m=\(m) \(activation) adaptive=\(adaptive)")
            }
        }
    }

    @Test("fused gradient equals the weighted sum of per-term gradients, both plans", arguments: Activation.allCases)
    func fusedMatchesPerTerm(activation: Activation) {
        var rng = SeededRNG(seed: 5)
        for (d, m, adaptive, net, theta, batch) in stepCases(activation, network: 4, samples: 9, data: 12) {
            let step = SobolevStep(architecture: net)
            let sums = step.termSums(parameters: theta, batch: batch)
            let P = net.parameterCount
            let weights = (0...d).map { _ in rng.uniform(0.1, 3) }
            var expected = [Double](repeating: 0, count: P)
            for t in 0...d { for p in 0..<P { expected[p] += weights[t] * sums.gradients[t * P + p] } }
            for plan in JacobianPlan.allCases {
                let losses = step.fusedLosses(parameters: theta, batch: batch, plan: plan).losses
                #expect(relativeError(losses, sums.losses) < 1e-12, "losses \(plan) d=\(d) m=\(m)")
                let g = step.fusedGradient(parameters: theta, weights: weights)
                #expect(relativeError(g, expected) < 1e-12, "\(plan) d=\(d) m=\(m) \(activation) adaptive=\(adaptive)")
            }
        }
    }

    @Test("fused gradient with zero derivative weights is the value term's gradient")
    func fusedValueOnly() {
        let (net, theta) = perturbedNetwork(d: 3, m: 1, hidden: [8], activation: .tanh, adaptive: false, seed: 6)
        let batch = randomBatch(n: 5, d: 3, m: 1, seed: 13)
        let step = SobolevStep(architecture: net)
        let sums = step.termSums(parameters: theta, batch: batch)
        for plan in JacobianPlan.allCases {
            _ = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
            let g = step.fusedGradient(parameters: theta, weights: [2, 0, 0, 0])
            #expect(relativeError(g, sums.gradients[0..<net.parameterCount].map { 2 * $0 }) < 1e-13)
        }
    }

    @Test("zero derivative weights on a batch whose value rows alone take larger tiles than all channels")
    func fusedValueOnlyTiles() {
        // Width 50, d = 1: tiles of 640 samples for both channels (1280 rows), 1296 for the value
        // rows alone; 1500 samples once wrote past the tile buffers (a heap corruption).
        let (net, theta) = perturbedNetwork(d: 1, m: 1, hidden: [50, 50], activation: .tanh, adaptive: true, seed: 21)
        #expect(SobolevStep.tileSamples(net, batch: 1500, blocks: 0) > 2 * SobolevStep.tileSamples(net, batch: 1500, blocks: 1))
        let batch = randomBatch(n: 1500, d: 1, m: 1, seed: 22)
        let sums = SobolevStep(architecture: net).termSums(parameters: theta, batch: batch, derivativeGradients: false)
        for plan in JacobianPlan.allCases {
            let step = SobolevStep(architecture: net)   // its workspace sized by the fused step alone
            _ = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
            #expect(step.workspace.tileChannels.capacity >= SobolevStep.tileSamples(net, batch: 1500, blocks: 0) * 50)
            let g = step.fusedGradient(parameters: theta, weights: [1, 0])
            #expect(relativeError(g, Array(sums.gradients[0..<net.parameterCount])) < 1e-12, "\(plan)")
        }
    }

    @Test("one step's GEMM calls add up to the flop counts of the cost model and the benchmark")
    func gemmCallsMatchFlopCounts() {
        for (d, m) in stepShapes + [(8, 1), (2, 5)] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6, 5], activation: .tanh, adaptive: false, seed: 3)
            let batch = randomBatch(n: 7, d: d, m: m, seed: 11)
            let step = SobolevStep(architecture: net)
            for plan in JacobianPlan.allCases {
                let calls = BLAS.recordingCalls {
                    _ = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
                    _ = step.fusedGradient(parameters: theta, weights: [Double](repeating: 0.5, count: 1 + d))
                }
                #expect(calls.map(\.flops).reduce(0, +) == plan.flops(net, batch: 7), "fused \(plan) d=\(d) m=\(m)")
            }
            let calls = BLAS.recordingCalls { _ = step.termSums(parameters: theta, batch: batch) }
            // Layer 0's unit-seed weight gradients are column sums unless this BLAS sums otherwise.
            let products = BLAS.unitSums(m: 6, n: d, k: 7) == .product ? Double(2 * 7 * 6 * d * d) : 0
            #expect(calls.map(\.flops).reduce(0, +) == JacobianPlan.perTermFlops(net, batch: 7) + products, "per-term d=\(d) m=\(m)")
            #expect(BLAS.recordingCalls { _ = step.lossSums(parameters: theta, batch: batch) }.count > 0)
        }
        // A batch of several tiles: plan F's layer-0 weight gradients of the unit blocks are column
        // sums there (unless this BLAS sums otherwise), and the count leaves them out.
        let (net, theta) = perturbedNetwork(d: 2, m: 5, hidden: [6, 5], activation: .tanh, adaptive: false, seed: 3)
        let B = 3700, tile = SobolevStep.tileSamples(net, batch: B, blocks: 2)
        #expect(tile < B && JacobianPlan.cheapest(net, batch: B) == .forward)
        let batch = randomBatch(n: B, d: 2, m: 5, seed: 11)
        let step = SobolevStep(architecture: net)
        let calls = BLAS.recordingCalls {
            _ = step.fusedLosses(parameters: theta, batch: batch, plan: .forward)
            _ = step.fusedGradient(parameters: theta, weights: [0.5, 0.5, 0.5])
        }
        var products = 0.0
        for lo in stride(from: 0, to: B, by: tile) where BLAS.unitSums(m: 6, n: 2, k: min(tile, B - lo)) == .product {
            products += Double(2 * 2 * 6 * 2 * min(tile, B - lo))
        }
        #expect(calls.map(\.flops).reduce(0, +) == JacobianPlan.forward.flops(net, batch: B) + products)
    }

    @Test("timing GEMM calls counts the time inside them, not the work between them, and records no calls")
    func gemmTimeInsideCalls() {
        let n = 300
        let a = [Double](repeating: 0.5, count: n * n), b = [Double](repeating: 0.25, count: n * n)
        var c = [Double](repeating: 0, count: n * n)
        func spin(_ seconds: Double) {
            let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
            while DispatchTime.now().uptimeNanoseconds < end {}
        }
        func product() {
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(m: n, n: n, k: n, a: a.baseAddress!, lda: n, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n)
            } } }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var inside = 0.0
        let calls = BLAS.recordingCalls { inside = BLAS.timingCalls { spin(0.05); product(); spin(0.05) } }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(inside > 0 && inside < wall - 0.09, "inside \(inside) s of \(wall) s")
        #expect(calls.isEmpty, "the timer, not the outer recorder, saw the call")
        #expect(c[0] == 0.125 * Double(n))
        #expect(BLAS.timingCalls { spin(0.01) } == 0)
    }

    @Test("products with k = 1 give the BLAS's bits for every transpose and leading dimension")
    func outerProducts() {
        var rng = SeededRNG(seed: 21)
        for (m, n) in [(1, 1), (7, 5), (40, 50), (256, 3)] { for transA in [false, true] { for transB in [false, true] {
            let lda = transA ? m + 2 : 3, ldb = transB ? 4 : n + 1, ldc = n + 3
            let a = (0..<(transA ? lda : m * lda)).map { _ in rng.uniform(-2, 2) }
            let b = (0..<(transB ? n * ldb : ldb)).map { _ in rng.uniform(-2, 2) }
            var fast = [Double](repeating: 7, count: m * ldc), blas = fast
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: 1, a: a.baseAddress!, lda: lda,
                              b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: ldc)
                }
                blas.withUnsafeMutableBufferPointer { c in
                    BLAS.blas(transA: transA, transB: transB, m: m, n: n, k: 1, alpha: 1, a: a.baseAddress!, lda: lda,
                              b: b.baseAddress!, ldb: ldb, beta: 0, c: c.baseAddress!, ldc: ldc)
                }
            } }
            #expect(fast.map(\.bitPattern) == blas.map(\.bitPattern), "m=\(m) n=\(n) transA=\(transA) transB=\(transB)")
        } } }
    }

    @Test("predictions of more rows than one piece equal a single pass over all rows")
    func predictionsInPieces() {
        let (net, theta) = perturbedNetwork(d: 3, m: 2, hidden: [6, 5], activation: .tanh, adaptive: false, seed: 5)
        let n = 2 * MLPArchitecture.predictionRows + 7
        let x = randomBatch(n: n, d: 3, m: 2, seed: 13).inputs
        let pieces = net.predict(parameters: theta, inputs: x)
        let whole = SobolevStep(architecture: net).predict(parameters: theta, inputs: x)
        #expect(pieces.values.rows == n && pieces.jacobians.count == n * 2 * 3)
        #expect(relativeError(pieces.values.data, whole.values.data) < 1e-14)
        #expect(relativeError(pieces.jacobians, whole.jacobians) < 1e-14)
        let h = net.predictHessians(parameters: theta, inputs: x), hw = net.predictHessiansPass(parameters: theta, inputs: x)
        #expect(h.hessians.count == n * 2 * 9)
        #expect(relativeError(h.hessians, hw.hessians) < 1e-14 && relativeError(h.jacobians, hw.jacobians) < 1e-14)
        #expect(relativeError(h.values.data, pieces.values.data) < 1e-14)
    }

    @Test("loss sums and term gradients of more samples than one evaluation pass are the passes' sums, in one pass's workspace")
    func lossSumsInPasses() {
        // d = 32: passes of 992 samples (33 rows each, at most 8 x 4096 rows), 2100 = 992 + 992 + 116.
        let (net, theta) = perturbedNetwork(d: 32, m: 1, hidden: [4], activation: .tanh, adaptive: false, seed: 8)
        #expect(MLPArchitecture.evaluationSamples(blocks: 32) == 992 && MLPArchitecture.evaluationSamples(blocks: 7) == 4096)
        let batch = randomBatch(n: 2100, d: 32, m: 1, seed: 17)
        let step = SobolevStep(architecture: net), whole = SobolevStep(architecture: net)
        let sums = step.lossSums(parameters: theta, batch: batch), one = whole.lossPass(parameters: theta, batch: batch)
        #expect(sums.count == 2100 && sums.losses.count == 33)
        #expect(relativeError(sums.losses, one.losses) < 1e-13)
        // The workspace is one pass's, as the memory preflight counts it.
        #expect(step.workspaceCount == SobolevStep.workspaceCount(net, batch: 1, evaluationBatch: 2100, perTerm: false, fused: false))
        #expect(step.workspaceCount < whole.workspaceCount)
        // Data with Hessians: 1 + 6 + 21 rows a sample, passes of 1170 samples.
        let (hnet, htheta) = perturbedNetwork(d: 6, m: 1, hidden: [4], activation: .tanh, adaptive: false, seed: 9)
        let hbatch = randomHessianBatch(n: 2500, d: 6, m: 1, seed: 19)
        #expect(MLPArchitecture.evaluationSamples(for: hbatch) == 1170)
        let hsums = SobolevStep(architecture: hnet).lossSums(parameters: htheta, batch: hbatch)
        let hone = SobolevStep(architecture: hnet).lossPass(parameters: htheta, batch: hbatch)
        #expect(hsums.count == 2500 && hsums.losses.count == 28 && relativeError(hsums.losses, hone.losses) < 1e-13)
        // The per-term gradients of `sobolev gradients` add up over passes the same way.
        let terms = TermGradients(architecture: net, parameters: theta, normalized: batch)
        let reference = SobolevStep(architecture: net).termSums(parameters: theta, batch: batch)
        let P = net.parameterCount
        #expect(relativeError(terms.losses, reference.losses.map { $0 / 2100 }) < 1e-13)
        for t in [0, 1, 32] {
            let mean = terms.gradients[t].flatMap(\.values)
            #expect(relativeError(mean, reference.gradients[(t * P)..<((t + 1) * P)].map { $0 / 2100 }) < 1e-12, "term \(t)")
        }
    }

    @Test("reverse-mode Jacobian equals the forward-mode one", arguments: Activation.allCases)
    func reverseJacobian(activation: Activation) {
        for (d, m) in stepShapes + [(8, 1), (1, 4)] { for adaptive in [false, true] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [7, 6, 5], activation: activation, adaptive: adaptive, seed: 8)
            let x = randomBatch(n: 6, d: d, m: m, seed: 14).inputs
            let step = SobolevStep(architecture: net)
            let f = step.predict(parameters: theta, inputs: x, plan: .forward)
            let r = step.predict(parameters: theta, inputs: x, plan: .reverse)
            let old = net.referencePredict(parameters: theta, inputs: x)
            #expect(relativeError(r.jacobians, f.jacobians) < 1e-13, "d=\(d) m=\(m) \(activation)")
            #expect(relativeError(f.jacobians, old.jacobians) < 1e-13)
            #expect(relativeError(r.values.data, old.values.data) < 1e-14)
        } }
    }

    @Test("fused gradient against central finite differences, both plans", arguments: [Activation.tanh, .gelu, .softplus])
    func fusedFiniteDifferences(activation: Activation) {
        for (d, m) in [(3, 1), (2, 3)] { for adaptive in [false, true] {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [5, 4], activation: activation, adaptive: adaptive, seed: 9)
            let batch = randomBatch(n: 4, d: d, m: m, seed: 15)
            let weights = (0...d).map { 0.5 + Double($0) }
            let step = SobolevStep(architecture: net)
            func objective(_ p: [Double]) -> Double {
                zip(step.lossSums(parameters: p, batch: batch).losses, weights).map { $0 * $1 }.reduce(0, +)
            }
            var fd = [Double](repeating: 0, count: theta.count)
            for p in theta.indices {
                var plus = theta, minus = theta
                plus[p] += 1e-6; minus[p] -= 1e-6
                fd[p] = (objective(plus) - objective(minus)) / 2e-6
            }
            for plan in JacobianPlan.allCases {
                _ = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
                let g = step.fusedGradient(parameters: theta, weights: weights)
                #expect(relativeError(g, fd) < 1e-6, "\(plan) d=\(d) m=\(m) \(activation) adaptive=\(adaptive)")
            }
        } }
    }

    @Test("tiles of a few samples give the whole batch's losses, gradients and Jacobians", arguments: Activation.allCases)
    func tiles(activation: Activation) {
        var rng = SeededRNG(seed: 7)
        for (d, m, adaptive, net, theta, batch) in stepCases(activation, network: 4, samples: 9, data: 12) {
            let whole = SobolevStep(architecture: net), tiled = SobolevStep(architecture: net)
            for limit in [1, 2, 4] {
                tiled.tileSamplesLimit = limit   // 9 samples in tiles of 1, of 2 (the last of 1) and of 4
                let a = whole.termSums(parameters: theta, batch: batch), b = tiled.termSums(parameters: theta, batch: batch)
                #expect(relativeError(b.losses, a.losses) < 1e-14 && relativeError(b.gradients, a.gradients) < 1e-13,
                        "per-term d=\(d) m=\(m) tiles of \(limit)")
                let weights = (0...d).map { _ in rng.uniform(0.1, 3) }
                for plan in JacobianPlan.allCases {
                    let la = whole.fusedLosses(parameters: theta, batch: batch, plan: plan).losses
                    let ga = whole.fusedGradient(parameters: theta, weights: weights)
                    let lb = tiled.fusedLosses(parameters: theta, batch: batch, plan: plan).losses
                    let gb = tiled.fusedGradient(parameters: theta, weights: weights)
                    #expect(relativeError(lb, la) < 1e-14 && relativeError(gb, ga) < 1e-13,
                            "\(plan) d=\(d) m=\(m) adaptive=\(adaptive) tiles of \(limit)")
                    let pa = whole.predict(parameters: theta, inputs: batch.inputs, plan: plan)
                    let pb = tiled.predict(parameters: theta, inputs: batch.inputs, plan: plan)
                    #expect(relativeError(pb.values.data, pa.values.data) < 1e-14 && relativeError(pb.jacobians, pa.jacobians) < 1e-14)
                }
            }
        }
    }

    @Test("a batch of no samples (a rank's share of a small mini-batch) gives zero losses and gradients")
    func emptyBatch() {
        for (d, m) in stepShapes {
            let (net, theta) = perturbedNetwork(d: d, m: m, hidden: [6, 5], activation: .tanh, adaptive: true, seed: 4)
            let batch = randomBatch(n: 0, d: d, m: m, seed: 12)
            let step = SobolevStep(architecture: net)
            let sums = step.termSums(parameters: theta, batch: batch)
            #expect(sums.losses.allSatisfy { $0 == 0 } && sums.gradients.allSatisfy { $0 == 0 })
            for plan in JacobianPlan.allCases {
                #expect(step.fusedLosses(parameters: theta, batch: batch, plan: plan).losses.allSatisfy { $0 == 0 })
                #expect(step.fusedGradient(parameters: theta, weights: [Double](repeating: 1, count: 1 + d)).allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("the cost model picks reverse mode for one output and many inputs, forward for many outputs")
    func costModel() {
        let wide = MLPArchitecture(inputs: 8, outputs: 1, depth: 4, width: 256, activation: .tanh)
        #expect(JacobianPlan.cheapest(wide, batch: 4096) == .reverse)
        let field = MLPArchitecture(inputs: 2, outputs: 64, depth: 4, width: 128, activation: .tanh)
        #expect(JacobianPlan.cheapest(field, batch: 256) == .forward)
        let sine = MLPArchitecture(inputs: 1, outputs: 1, depth: 2, width: 50, activation: .tanh)
        #expect(JacobianPlan.cheapest(sine, batch: 40) == .forward)
        // The flop counts: forward 3 (1 + d) U-ish against (3 + 4 m) U-ish for the reverse plan.
        #expect(JacobianPlan.reverse.flops(wide, batch: 4096) < 0.4 * JacobianPlan.forward.flops(wide, batch: 4096))
    }

    @Test("two threads give the single thread's gradients (element-wise loops split in ranges)")
    func threads() {
        let (net, theta) = perturbedNetwork(d: 3, m: 2, hidden: [128, 96], activation: .silu, adaptive: true, seed: 12)
        let batch = randomBatch(n: 600, d: 3, m: 2, seed: 17)
        let one = SobolevStep(architecture: net, threads: 1), two = SobolevStep(architecture: net, threads: 2)
        #expect(two.termSums(parameters: theta, batch: batch) == one.termSums(parameters: theta, batch: batch))
        for plan in JacobianPlan.allCases {
            _ = one.fusedLosses(parameters: theta, batch: batch, plan: plan)
            _ = two.fusedLosses(parameters: theta, batch: batch, plan: plan)
            #expect(two.fusedGradient(parameters: theta, weights: [1, 2, 3, 4]) == one.fusedGradient(parameters: theta, weights: [1, 2, 3, 4]))
        }
    }

    @Test("1000 steps do not grow the workspace or the heap")
    func noGrowth() {
        let (net, theta0) = perturbedNetwork(d: 4, m: 2, hidden: [32, 32], activation: .tanh, adaptive: true, seed: 10)
        let batch = randomBatch(n: 64, d: 4, m: 2, seed: 16)
        let step = SobolevStep(architecture: net)
        step.tileSamplesLimit = 24   // 64 samples in three tiles
        var theta = theta0
        func oneOfEach() {
            let sums = step.termSums(parameters: theta, batch: batch)
            for plan in JacobianPlan.allCases {
                _ = step.fusedLosses(parameters: theta, batch: batch, plan: plan)
                let g = step.fusedGradient(parameters: theta, weights: [1, 1, 1, 1, 1])
                for p in theta.indices { theta[p] -= 1e-6 * (g[p] + sums.gradients[p]) }
            }
        }
        oneOfEach()
        let held = step.workspaceCount
        // What the memory preflight counts is what the step holds.
        #expect(held == SobolevStep.workspaceCount(net, batch: 64, evaluationBatch: 64, perTerm: true, fused: true))
        let growth = leastGrowth { for _ in 0..<1000 { oneOfEach() } }
        #expect(step.workspaceCount == held)
        // Arrays handed out per step are freed again: the resident set does not grow.
        #expect(growth < 1 << 20, "resident set grew by \(growth) bytes")
    }
}

/// The least growth of the resident set over up to three rounds of `body` (it stops at the first
/// under 1 MB). A leak grows the set in every round; the other tests of this process, which
/// run at the same time, allocate and free in some rounds and not in others.
func leastGrowth(_ body: () -> Void) -> Int {
    var least = Int.max
    for _ in 0..<3 where least >= 1 << 20 {
        let before = residentBytes()
        body()
        least = min(least, residentBytes() - before)
    }
    return least
}

/// This process's resident set (Linux /proc/self/statm).
func residentBytes() -> Int {
    let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
    return (Int(statm.split(separator: " ")[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
