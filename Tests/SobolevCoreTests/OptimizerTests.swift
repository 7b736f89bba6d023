// Optimizer updates, schedules and standardisation against hand-computed values.
import Foundation
import Testing
@testable import SobolevCore

@Suite("Optimizers and schedules")
struct OptimizerTests {
    @Test("SGD with momentum: two steps by hand")
    func sgdMomentum() {
        var sgd = SGD(parameterCount: 2, momentum: 0.9)
        var p = [1.0, -2.0]
        sgd.step(parameters: &p, gradient: [0.5, -1.0], learningRate: 0.1)
        // v = g = (0.5, -1); p = (1 - 0.05, -2 + 0.1)
        #expect(abs(p[0] - 0.95) < 1e-15 && abs(p[1] - (-1.9)) < 1e-15)
        sgd.step(parameters: &p, gradient: [0.5, -1.0], learningRate: 0.1)
        // v = 0.9 * 0.5 + 0.5 = 0.95, 0.9 * -1 - 1 = -1.9; p = (0.95 - 0.095, -1.9 + 0.19)
        #expect(abs(p[0] - 0.855) < 1e-15 && abs(p[1] - (-1.71)) < 1e-15)
    }

    @Test("SGD with Nesterov momentum: theta -= lr (g + mu v)")
    func sgdNesterov() {
        var sgd = SGD(parameterCount: 1, momentum: 0.5, nesterov: true)
        var p = [0.0]
        sgd.step(parameters: &p, gradient: [2.0], learningRate: 0.1)
        // v = 2; direction = 2 + 0.5 * 2 = 3; p = -0.3
        #expect(abs(p[0] - (-0.3)) < 1e-15)
    }

    @Test("Adam: first two steps by hand")
    func adam() {
        var adam = Adam(parameterCount: 1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        var p = [1.0]
        adam.step(parameters: &p, gradient: [0.2], learningRate: 0.01)
        // m = 0.02, v = 4e-5; mhat = 0.2, vhat = 0.04; step = 0.01 * 0.2 / (0.2 + 1e-8)
        let s1 = 0.01 * 0.2 / (0.2 + 1e-8)
        #expect(abs(p[0] - (1 - s1)) < 1e-15)
        adam.step(parameters: &p, gradient: [-0.1], learningRate: 0.01)
        // m = 0.9 * 0.02 - 0.01 = 0.008; v = 0.999 * 4e-5 + 0.001 * 0.01 = 4.996e-5
        // mhat = 0.008 / 0.19 ; vhat = 4.996e-5 / 0.001999
        let mhat = 0.008 / (1 - 0.81), vhat = 4.996e-5 / (1 - 0.998001)
        let s2 = 0.01 * mhat / (vhat.squareRoot() + 1e-8)
        #expect(abs(p[0] - (1 - s1 - s2)) < 1e-14)
    }

    @Test("Adam: the four-wide loop gives the scalar update bit for bit, tail included", arguments: [1, 4, 7, 1001])
    func adamLanes(count: Int) {
        var rng = SeededRNG(seed: 21)
        var adam = Adam(parameterCount: count)
        var p = (0..<count).map { _ in rng.uniform(-1, 1) }
        var (m, v, q) = ([Double](repeating: 0, count: count), [Double](repeating: 0, count: count), p)
        for t in 1...3 {
            let g = (0..<count).map { _ in rng.uniform(-2, 2) }
            adam.step(parameters: &p, gradient: g, learningRate: 1e-3)
            let c1 = 1 - pow(0.9, Double(t)), c2 = 1 - pow(0.999, Double(t))
            for i in 0..<count {
                m[i] = 0.9 * m[i] + (1 - 0.9) * g[i]
                v[i] = 0.999 * v[i] + (1 - 0.999) * g[i] * g[i]
                q[i] -= 1e-3 * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
            }
            #expect(p == q && adam.firstMoment == m && adam.secondMoment == v, "step \(t), \(count) parameters")
        }
    }

    @Test("exponential schedule reaches the rate after decay_steps")
    func exponentialSchedule() {
        let s = LearningRateSchedule.exponential(rate: 0.1, steps: 1000)
        #expect(s.learningRate(base: 1e-3, step: 0) == 1e-3)
        #expect(abs(s.learningRate(base: 1e-3, step: 1000) - 1e-4) < 1e-18)
        #expect(abs(s.learningRate(base: 1e-3, step: 500) - 1e-3 * 0.1.squareRoot()) < 1e-18)
        #expect(LearningRateSchedule.constant.learningRate(base: 0.5, step: 12345) == 0.5)
    }
}

@Suite("Standardisation")
struct StandardizationTests {
    @Test("Jacobians scale as sigma_x / sigma_y and predictions map back exactly")
    func jacobianScaling() {
        let x = Matrix([[1, 10], [3, 20], [5, 60]])
        let y = Matrix([[2, -1], [4, 0], [9, 4]])
        let dy: [Double] = (0..<12).map { Double($0) - 5.5 }
        let data = Dataset(inputs: x, values: y, jacobians: dy)
        let s = Standardization.fit(data)
        // Population std of column 0 of x: mean 3, var 8/3.
        #expect(abs(s.inputMean[0] - 3) < 1e-15 && abs(s.inputStd[0] - (8.0 / 3).squareRoot()) < 1e-15)
        let n = s.normalize(data)
        for i in 0..<3 { for o in 0..<2 { for j in 0..<2 {
            let k = (i * 2 + o) * 2 + j
            #expect(abs(n.jacobians![k] - dy[k] * s.inputStd[j] / s.outputStd[o]) < 1e-14)
        } } }
        let back = s.denormalize(values: n.values, jacobians: n.jacobians!)
        #expect(zip(back.values.data, y.data).allSatisfy { abs($0 - $1) < 1e-13 })
        #expect(zip(back.jacobians, dy).allSatisfy { abs($0 - $1) < 1e-13 })
    }

    @Test("a constant column keeps standard deviation 1")
    func constantColumn() {
        let data = Dataset(inputs: Matrix([[1, 2], [1, 3]]), values: Matrix([[0], [1]]), jacobians: nil)
        #expect(Standardization.fit(data).inputStd[0] == 1)
    }
}
