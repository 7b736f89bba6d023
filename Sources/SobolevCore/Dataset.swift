// Samples of a function and its derivatives: what every problem produces and every trainer eats.

/// n samples of inputs X (n x d), values Y (n x m) and, for Sobolev training, the Jacobians
/// dY (n x m x d, row-major: `jacobians[(i * m + o) * d + j]` = dY_o/dx_j at sample i) and, for
/// order-2 training, the Hessians d2Y (n x m x d x d, row-major:
/// `hessians[((i * m + o) * d + j) * d + k]` = d2Y_o/dx_j dx_k at sample i, symmetric in j and k).
public struct Dataset: Equatable, Sendable {
    public var inputs: Matrix
    public var values: Matrix
    public var jacobians: [Double]?
    public var hessians: [Double]?

    /// Directions V (n x k x d: `directions[(i * k + c) * d + j]`) and the directional derivatives
    /// J V (n x m x k: `directionalDerivatives[(i * m + o) * k + c]` = sum_j dY_o/dx_j V_cj), both
    /// or neither (Directional.swift).
    public var directions: [Double]?
    public var directionalDerivatives: [Double]?
    /// k, the directions per sample (0 without directional data; given for an empty set).
    public private(set) var directionCount = 0

    public init(inputs: Matrix, values: Matrix, jacobians: [Double]?, hessians: [Double]? = nil,
                directions: [Double]? = nil, directionalDerivatives: [Double]? = nil, directionCount: Int? = nil) {
        precondition(inputs.rows == values.rows, "inputs have \(inputs.rows) rows, values \(values.rows)")
        if let j = jacobians {
            precondition(j.count == inputs.rows * values.cols * inputs.cols,
                         "jacobians have \(j.count) entries, expected n*m*d = \(inputs.rows * values.cols * inputs.cols)")
        }
        if let h = hessians {
            precondition(h.count == inputs.rows * values.cols * inputs.cols * inputs.cols,
                         "hessians have \(h.count) entries, expected n*m*d*d = \(inputs.rows * values.cols * inputs.cols * inputs.cols)")
        }
        self.inputs = inputs; self.values = values; self.jacobians = jacobians; self.hessians = hessians
        precondition((directions == nil) == (directionalDerivatives == nil), "directions and directional derivatives come together")
        if let v = directions, let jv = directionalDerivatives {
            let n = inputs.rows, d = inputs.cols, m = values.cols
            let k = directionCount ?? (n > 0 ? v.count / (n * d) : 0)
            precondition(k > 0 && v.count == n * k * d && jv.count == n * m * k,
                         "directions have \(v.count) entries and directional derivatives \(jv.count), expected n*k*d and n*m*k")
            self.directionCount = k
        }
        self.directions = directions; self.directionalDerivatives = directionalDerivatives
    }

    public var count: Int { inputs.rows }
    public var inputDimension: Int { inputs.cols }
    public var outputDimension: Int { values.cols }
    public var hasJacobians: Bool { jacobians != nil }
    public var hasHessians: Bool { hessians != nil }

    /// The samples at the given indices, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        let m = outputDimension, d = inputDimension
        func rows(_ a: [Double]?, _ width: Int) -> [Double]? {
            guard let a else { return nil }
            var out = [Double](); out.reserveCapacity(indices.count * width)
            for i in indices { out.append(contentsOf: a[(i * width)..<((i + 1) * width)]) }
            return out
        }
        return Dataset(inputs: inputs.rows(indices), values: values.rows(indices), jacobians: rows(jacobians, m * d),
                       hessians: rows(hessians, m * d * d),
                       directions: rows(directions, directionCount * d),
                       directionalDerivatives: rows(directionalDerivatives, m * directionCount),
                       directionCount: directionCount)
    }

    /// Jacobian entry dY_o/dx_j of sample i.
    @inlinable public func jacobian(_ i: Int, _ o: Int, _ j: Int) -> Double {
        jacobians![(i * values.cols + o) * inputs.cols + j]
    }

    /// Hessian entry d2Y_o/dx_j dx_k of sample i.
    @inlinable public func hessian(_ i: Int, _ o: Int, _ j: Int, _ k: Int) -> Double {
        hessians![((i * values.cols + o) * inputs.cols + j) * inputs.cols + k]
    }
}
