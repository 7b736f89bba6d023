// The network's input Hessian against central differences of its Jacobian, in network units and
// in original units under standardisation; the Hessian metrics.
import Testing
@testable import SobolevCore

/// Central differences of the Jacobians [n, m, d] along each input: [n, m, d, d].
func finiteDifferenceHessians(_ inputs: Matrix, _ jacobians: (Matrix) -> [Double], m: Int, h: Double = 1e-5) -> [Double] {
    let n = inputs.rows, d = inputs.cols
    var out = [Double](repeating: 0, count: n * m * d * d)
    for k in 0..<d {
        var plus = inputs, minus = inputs
        for i in 0..<n { plus[i, k] += h; minus[i, k] -= h }
        let (jp, jm) = (jacobians(plus), jacobians(minus))
        for i in 0..<n { for o in 0..<m { for j in 0..<d {
            out[((i * m + o) * d + j) * d + k] = (jp[(i * m + o) * d + j] - jm[(i * m + o) * d + j]) / (2 * h)
        } } }
    }
    return out
}

@Suite("MLP Hessians")
struct MLPHessianTests {
    @Test("second-order forward tangents equal central differences of the Jacobian", arguments: [
        (Activation.tanh, nil as Double?), (.sin, nil), (.gelu, nil), (.softplus, 2.0), (.silu, nil),
    ])
    func againstFiniteDifferences(activation: Activation, adaptive: Double?) {
        let net = MLPArchitecture(layerSizes: [3, 7, 5, 2], activation: activation, adaptiveScale: adaptive)
        var theta = net.glorotUniformParameters(seed: 3)
        if adaptive != nil { for l in 0..<net.hiddenLayerCount { theta[net.slopeOffset + l] *= 1.3 } }   // slopes s != 1
        let batch = randomBatch(n: 4, d: 3, m: 2, seed: 9)
        let h = net.predictHessians(parameters: theta, inputs: batch.inputs).hessians
        let fd = finiteDifferenceHessians(batch.inputs, { net.predict(parameters: theta, inputs: $0).jacobians }, m: 2)
        #expect(relativeError(h, fd) < 1e-7, "\(activation): \(relativeError(h, fd))")
        #expect(h.allSatisfy { $0 != 0 })
    }

    @Test("in original units: H = H' sigma_y / (sigma_x_j sigma_x_k), against differences of the unstandardised Jacobian")
    func standardized() {
        let net = MLPArchitecture(layerSizes: [2, 6, 3], activation: .tanh)
        let theta = net.glorotUniformParameters(seed: 1)
        let s = Standardization(inputMean: [0.5, -2], inputStd: [0.1, 4], outputMean: [1, 2, 3], outputStd: [10, 0.5, 2])
        let x = Matrix(rows: 3, cols: 2, data: [0.4, 1, 0.6, -3, 0.52, 0])
        let h = net.predictHessians(parameters: theta, standardization: s, inputs: x).hessians
        let fd = finiteDifferenceHessians(x, { net.predict(parameters: theta, standardization: s, inputs: $0).jacobians }, m: 3, h: 1e-6)
        #expect(relativeError(h, fd) < 1e-6, "\(relativeError(h, fd))")
        // Targets go the other way: normalising and denormalising gives the Hessians back.
        let data = Dataset(inputs: x, values: Matrix(rows: 3, cols: 3, data: Array(repeating: 1, count: 9)),
                           jacobians: Array(repeating: 1, count: 18), hessians: h)
        let n = s.normalize(data)
        let entry = ((1 * 3 + 2) * 2 + 0) * 2 + 1   // sample 1, output 2, (j, k) = (0, 1)
        let scale: Double = 0.1 * 4 / 2
        #expect(n.hessians![entry] == h[entry] * scale)
        #expect(relativeError(s.scaleHessians(n.hessians!, toNormalized: false), h) < 1e-15)
    }

    @Test("Hessian predictions pass at most predictionRows rows at a time, and a pass holds what is counted")
    func predictionPieces() {
        // d = 32: a sample has 1 + 32 + 528 = 561 rows, so a pass takes 7 samples (3,927 rows);
        // one pass over a whole set of 512 samples held 287,232 rows in every layer's arrays.
        let net = MLPArchitecture(layerSizes: [32, 6, 5, 1], activation: .tanh)
        let theta = net.glorotUniformParameters(seed: 2)
        #expect(net.hessianPieceSamples == 7 && 7 * 561 <= MLPArchitecture.predictionRows)
        #expect(MLPArchitecture(layerSizes: [3, 6, 1], activation: .tanh).hessianPieceSamples == 4096 / 10)
        // The count is the trace of a pass (inputs, pre-activations, phi', phi'', phi'''), one
        // layer's scaled pre-activations and the pass's outputs.
        let x = randomBatch(n: 20, d: 32, m: 1, seed: 4).inputs
        let trace = net.hessianForward(theta, inputs: x.rows(Array(0..<7)))
        let held = [trace.inputs, trace.preactivations, trace.p1, trace.p2, trace.p3].joined().map(\.count).reduce(0, +)
        #expect(held + 7 * 6 + 7 * 1 * (1 + 32 + 32 * 32) == net.hessianPredictionCount(samples: 7))
        // 20 samples in three passes of 7, 7 and 6 give one pass's results.
        let pieces = net.predictHessians(parameters: theta, inputs: x), whole = net.predictHessiansPass(parameters: theta, inputs: x)
        #expect(pieces.hessians.count == 20 * 32 * 32)
        #expect(relativeError(pieces.hessians, whole.hessians) < 1e-14 && relativeError(pieces.jacobians, whole.jacobians) < 1e-14)
        #expect(relativeError(pieces.values.data, whole.values.data) < 1e-14)
    }

    @Test("hess_rmse and hess_rel_l2 when the truth has Hessians, and no such metrics without")
    func metrics() {
        let x = Matrix(rows: 2, cols: 2, data: [0, 1, 2, 3]), y = Matrix(rows: 2, cols: 1, data: [1, 2])
        let dy = [1.0, 2, 3, 4], d2y: [Double] = [1, 2, 2, 4, 0, 0, 0, 3]
        var predicted = d2y; predicted[3] += 3; predicted[7] -= 4
        let truth = Dataset(inputs: x, values: y, jacobians: dy, hessians: d2y)
        let m = ErrorMetrics(values: y, jacobians: dy, hessians: predicted, truth: truth)
        #expect(abs(m.hessRMSE - (25.0 / 8).squareRoot()) < 1e-15)
        #expect(abs(m.hessRelativeL2 - (25.0 / 34).squareRoot()) < 1e-15)
        let named = Dictionary(uniqueKeysWithValues: m.named(prefix: "test_"))
        #expect(named["test_hess_rmse"] == m.hessRMSE && named["test_hess_rel_l2"] == m.hessRelativeL2)
        let first = ErrorMetrics(values: y, jacobians: dy, truth: Dataset(inputs: x, values: y, jacobians: dy))
        #expect(first.hessRMSE.isNaN && !first.named(prefix: "test_").contains { $0.0.contains("hess") })
        // A diverged network on data with Hessians: the metrics are there, as NaN.
        let nan = [Double](repeating: .nan, count: 8)
        let diverged = ErrorMetrics(values: Matrix(rows: 2, cols: 1, data: [.nan, .nan]), jacobians: [.nan, .nan, .nan, .nan],
                                    hessians: nan, truth: truth)
        let reported = Dictionary(uniqueKeysWithValues: diverged.named(prefix: "test_"))
        #expect(reported["test_hess_rmse"]?.isNaN == true && reported["test_hess_rel_l2"]?.isNaN == true)
    }
}
