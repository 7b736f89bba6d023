// The sine problem of Herrmann & Kollmannsberger's course (ch. 3.8): f(x) = sin(2 pi x) on [-1, 1].
import Foundation
import SobolevCore

/// f(x) = sin(2 pi x), f'(x) = 2 pi cos(2 pi x), on [-1, 1].
public struct Sine: AnalyticFunction {
    public var name: String { "sine" }
    public var inputDimension: Int { 1 }
    public var outputDimension: Int { 1 }
    public var domain: [ClosedRange<Double>] { [-1.0...1.0] }
    public init() {}
    public func values(at x: [Double]) -> [Double] { [sin(2 * .pi * x[0])] }
    public func jacobian(at x: [Double]) -> [Double] { [2 * .pi * cos(2 * .pi * x[0])] }
    public func hessian(at x: [Double]) -> [Double] { [-4 * .pi * .pi * sin(2 * .pi * x[0])] }
}
