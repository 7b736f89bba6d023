// Errors of the hook solver, each with enough numbers to act on.

/// Why a hook solve could not return a solution.
public enum HookError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A design parameter lies outside `HookModel.designDomain` (or is NaN).
    case designOutsideDomain(parameter: String, value: Double, domain: ClosedRange<Double>)
    /// The design vector does not have one entry per design parameter.
    case wrongDesignDimension(expected: Int, got: Int)
    /// Newton-Raphson reached `maxIterations` in a load step without meeting the tolerance.
    case newtonNotConverged(loadStep: Int, iterations: Int, residual: Double)
    /// The tangent (Dirichlet dofs removed) failed the Cholesky factorisation at `equation`
    /// and the pivoted banded LU fallback found it singular as well. The sensitivity solve
    /// reports the last load step and its final iteration.
    case tangentNotPositiveDefinite(loadStep: Int, iteration: Int, equation: Int)
    /// A model setting the discretisation or the solver cannot use.
    case invalidModel(reason: String)

    public var description: String {
        switch self {
        case let .designOutsideDomain(parameter, value, domain):
            return "design parameter '\(parameter)' = \(value) is outside its domain "
                + "[\(domain.lowerBound), \(domain.upperBound)]"
        case let .wrongDesignDimension(expected, got):
            return "the design vector has \(got) entries, expected \(expected) "
                + "(\(HookModel.designNames.joined(separator: ", ")))"
        case let .newtonNotConverged(loadStep, iterations, residual):
            return "Newton-Raphson did not converge in load step \(loadStep) after \(iterations) "
                + "iterations (residual norm \(residual))"
        case let .tangentNotPositiveDefinite(loadStep, iteration, equation):
            return "the tangent stiffness is not positive definite (Cholesky pivot at equation "
                + "\(equation), load step \(loadStep), iteration \(iteration)) and the pivoted LU "
                + "fallback found it singular"
        case let .invalidModel(reason):
            return "invalid hook model: \(reason)"
        }
    }
}
