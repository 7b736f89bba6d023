// First-order optimizers on the flat parameter vector. Update rules as in PyTorch's SGD and Adam
// (Kingma & Ba 2015, Algorithm 1), so results compare one to one with the course's PyTorch code.
import Foundation

/// A first-order optimizer: turns a gradient into a parameter update.
public protocol Optimizer: Sendable, Checkpointable {
    mutating func step(parameters: inout [Double], gradient: [Double], learningRate: Double)
    /// Whether the optimizer's state is finite: Adam's second moment overflows to inf for gradient
    /// entries above about 1e154 (a huge weight decay), and every update is then 0, silently.
    var stateIsFinite: Bool { get }
}

/// Which optimizer, with its constants (what an experiment file chooses).
public enum OptimizerKind: Sendable, Equatable {
    /// v <- mu v + g;  theta <- theta - lr v  (Nesterov: theta <- theta - lr (g + mu v)).
    case sgd(momentum: Double, nesterov: Bool)
    /// Adam with bias correction.
    case adam(beta1: Double, beta2: Double, epsilon: Double)

    public func make(parameterCount: Int) -> any Optimizer {
        switch self {
        case let .sgd(momentum, nesterov):
            return SGD(parameterCount: parameterCount, momentum: momentum, nesterov: nesterov)
        case let .adam(beta1, beta2, epsilon):
            return Adam(parameterCount: parameterCount, beta1: beta1, beta2: beta2, epsilon: epsilon)
        }
    }
}

/// Stochastic gradient descent with (optionally Nesterov) momentum.
public struct SGD: Optimizer {
    public let momentum: Double
    public let nesterov: Bool
    public private(set) var velocity: [Double]

    public init(parameterCount: Int, momentum: Double = 0, nesterov: Bool = false) {
        self.momentum = momentum; self.nesterov = nesterov
        velocity = [Double](repeating: 0, count: parameterCount)
    }

    public mutating func step(parameters: inout [Double], gradient: [Double], learningRate: Double) {
        for i in parameters.indices {
            velocity[i] = momentum * velocity[i] + gradient[i]
            let direction = nesterov ? gradient[i] + momentum * velocity[i] : velocity[i]
            parameters[i] -= learningRate * direction
        }
    }

    public var stateIsFinite: Bool { velocity.allSatisfy { $0.isFinite } }

    public var checkpointState: [Double] { velocity }
    public mutating func restore(checkpointState s: [Double]) throws {
        guard s.count == velocity.count else { throw CheckpointError("SGD state of \(s.count) numbers for \(velocity.count) parameters") }
        velocity = s
    }
}

/// Adam: m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
/// theta <- theta - lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
public struct Adam: Optimizer {
    public let beta1: Double, beta2: Double, epsilon: Double
    public private(set) var firstMoment: [Double]
    public private(set) var secondMoment: [Double]
    public private(set) var stepCount = 0

    public init(parameterCount: Int, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        firstMoment = [Double](repeating: 0, count: parameterCount)
        secondMoment = firstMoment
    }

    public mutating func step(parameters: inout [Double], gradient: [Double], learningRate: Double) {
        stepCount += 1
        let c1 = 1 - pow(beta1, Double(stepCount)), c2 = 1 - pow(beta2, Double(stepCount))
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        // Four parameters per iteration as SIMD4 (LLVM does not vectorise the scalar loop: it
        // cannot rule out that the four arrays overlap); the same operations in the same order
        // on every lane, so the same bits as the scalar loop, which does the tail.
        parameters.withUnsafeMutableBufferPointer { thetaBuffer in
            gradient.withUnsafeBufferPointer { gradBuffer in
                firstMoment.withUnsafeMutableBufferPointer { mBuffer in
                    secondMoment.withUnsafeMutableBufferPointer { vBuffer in
                        let theta = thetaBuffer.baseAddress!, grad = gradBuffer.baseAddress!
                        let m = mBuffer.baseAddress!, v = vBuffer.baseAddress!, n = thetaBuffer.count
                        var i = 0
                        while i + 4 <= n {
                            let g = load4(grad + i)
                            let mi = b1 * load4(m + i) + (1 - b1) * g
                            let vi = b2 * load4(v + i) + (1 - b2) * g * g
                            store4(mi, m + i); store4(vi, v + i)
                            store4(load4(theta + i) - learningRate * (mi / c1) / ((vi / c2).squareRoot() + eps), theta + i)
                            i += 4
                        }
                        while i < n {
                            let g = grad[i]
                            m[i] = b1 * m[i] + (1 - b1) * g
                            v[i] = b2 * v[i] + (1 - b2) * g * g
                            theta[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                            i += 1
                        }
                    }
                }
            }
        }
    }

    public var stateIsFinite: Bool { firstMoment.allSatisfy { $0.isFinite } && secondMoment.allSatisfy { $0.isFinite } }

    /// [t, m, v].
    public var checkpointState: [Double] { [Double(stepCount)] + firstMoment + secondMoment }
    public mutating func restore(checkpointState s: [Double]) throws {
        let P = firstMoment.count
        guard s.count == 1 + 2 * P, s[0] >= 0, s[0] == s[0].rounded() else { throw CheckpointError("Adam state of \(s.count) numbers for \(P) parameters") }
        stepCount = Int(s[0])
        firstMoment = Array(s[1...P]); secondMoment = Array(s[(P + 1)...])
    }
}

/// Learning rate as a function of the optimizer step.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    /// lr_t = lr_0 * rate^(t / steps): the rate is reached after `steps` steps.
    case exponential(rate: Double, steps: Int)

    public func learningRate(base: Double, step: Int) -> Double {
        switch self {
        case .constant: return base
        case let .exponential(rate, steps): return base * pow(rate, Double(step) / Double(steps))
        }
    }
}

@inline(__always) private func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always) private func store4(_ x: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD4<Double>.self)
}
