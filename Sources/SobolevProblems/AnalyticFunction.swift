// Problems whose values and exact Jacobians are known in closed form.
import SobolevCore

/// A function R^d -> R^m with its exact Jacobian, on a box-shaped domain.
public protocol AnalyticFunction: Sendable {
    /// Name used in experiment files (`problem.name`).
    var name: String { get }
    var inputDimension: Int { get }
    var outputDimension: Int { get }
    /// Lower and upper bound per input dimension (the function's usual domain).
    var domain: [ClosedRange<Double>] { get }
    /// Values (m) at x (d).
    func values(at x: [Double]) -> [Double]
    /// Jacobian (m x d, row-major: entry o * d + j is d f_o / d x_j) at x.
    func jacobian(at x: [Double]) -> [Double]
    /// Hessians of the outputs (m x d x d, row-major: entry (o * d + j) * d + k is
    /// d^2 f_o / dx_j dx_k; symmetric in j, k) at x.
    func hessian(at x: [Double]) -> [Double]
}

extension AnalyticFunction {
    /// Exact values and Jacobians (and, when asked, Hessians) at the rows of `inputs`.
    public func dataset(at inputs: Matrix, hessians: Bool = false) -> Dataset {
        precondition(inputs.cols == inputDimension, "\(name) takes \(inputDimension) inputs, got \(inputs.cols)")
        var y = [Double](); y.reserveCapacity(inputs.rows * outputDimension)
        var dy = [Double](); dy.reserveCapacity(inputs.rows * outputDimension * inputDimension)
        for i in 0..<inputs.rows {
            let x = inputs.row(i)
            y.append(contentsOf: values(at: x))
            dy.append(contentsOf: jacobian(at: x))
        }
        let d2y = hessians ? (0..<inputs.rows).flatMap { hessian(at: inputs.row($0)) } : nil
        return Dataset(inputs: inputs, values: Matrix(rows: inputs.rows, cols: outputDimension, data: y), jacobians: dy, hessians: d2y)
    }
}
