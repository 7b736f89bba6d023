// Error metrics of a surrogate against the truth, in original units.

/// Value and derivative errors over a data set, overall and per output.
public struct ErrorMetrics: Sendable, Equatable {
    /// sqrt(mean_{i,o} (N_o(x_i) - y_io)^2)
    public var valueRMSE: Double
    /// sqrt(mean_{i,o,j} (dN_o/dx_j - dY_ioj)^2); NaN when the truth has no derivatives.
    public var gradRMSE: Double
    /// ||N - y||_2 / ||y||_2 over all samples and outputs.
    public var valueRelativeL2: Double
    /// ||J - dY||_2 / ||dY||_2 over all samples, outputs and directions.
    public var gradRelativeL2: Double
    /// Coefficient of determination 1 - SS_res / SS_tot, pooled over outputs (each around its mean).
    public var valueR2: Double
    public var valueRMSEPerOutput: [Double]
    public var gradRMSEPerOutput: [Double]
    public var valueR2PerOutput: [Double]
    /// sqrt(mean_{i,o,j,k} (d2N_o/dx_j dx_k - d2Y_iojk)^2); NaN when the truth has no Hessians.
    public var hessRMSE: Double = .nan
    /// ||H - d2Y||_2 / ||d2Y||_2 over all samples, outputs and pairs; NaN without Hessians.
    public var hessRelativeL2: Double = .nan
    /// Whether the truth has Hessians: then the hess_* metrics are reported, NaN or not (a
    /// diverged network's NaN is a result, not a missing metric).
    public var measuresHessians = false

    /// sqrt(mean_{i,o,c} (J v_ic - JV_ioc)^2) when the truth has directions.
    public var directionalRMSE: Double? = nil

    /// Metrics of predictions (`values` n x m, `jacobians` n x m x d and, when the truth has
    /// Hessians, `hessians` n x m x d x d) against `truth`.
    public init(values: Matrix, jacobians: [Double], hessians: [Double]? = nil, truth: Dataset) {
        let n = truth.count, m = truth.outputDimension, d = truth.inputDimension
        var se = [Double](repeating: 0, count: m), ssY = se, mean = se, ssTot = se
        for i in 0..<n { for o in 0..<m { mean[o] += truth.values[i, o] / Double(max(n, 1)) } }
        for i in 0..<n { for o in 0..<m {
            let y = truth.values[i, o], r = values[i, o] - y
            se[o] += r * r; ssY[o] += y * y; ssTot[o] += (y - mean[o]) * (y - mean[o])
        } }
        let nn = Double(max(n, 1))
        valueRMSEPerOutput = se.map { ($0 / nn).squareRoot() }
        valueRMSE = (se.reduce(0, +) / (nn * Double(m))).squareRoot()
        valueRelativeL2 = (se.reduce(0, +) / ssY.reduce(0, +)).squareRoot()
        // R^2 of a constant target (its spread at the rounding level, Standardization.constantSpread) is undefined.
        func r2(_ se: Double, _ ssTot: Double, _ ssY: Double) -> Double {
            let c = Standardization.constantSpread
            return ssTot > c * c * ssY && ssTot > 0 ? 1 - se / ssTot : .nan
        }
        valueR2PerOutput = (0..<m).map { r2(se[$0], ssTot[$0], ssY[$0]) }
        valueR2 = r2(se.reduce(0, +), ssTot.reduce(0, +), ssY.reduce(0, +))
        if let dY = truth.jacobians {
            var ge = [Double](repeating: 0, count: m), ssJ = 0.0
            for i in 0..<n { for o in 0..<m { for j in 0..<d {
                let k = (i * m + o) * d + j, r = jacobians[k] - dY[k]
                ge[o] += r * r; ssJ += dY[k] * dY[k]
            } } }
            gradRMSEPerOutput = ge.map { ($0 / (nn * Double(d))).squareRoot() }
            gradRMSE = (ge.reduce(0, +) / (nn * Double(m * d))).squareRoot()
            gradRelativeL2 = (ge.reduce(0, +) / ssJ).squareRoot()
        } else {
            gradRMSEPerOutput = Array(repeating: .nan, count: m)
            gradRMSE = .nan; gradRelativeL2 = .nan
        }
        if let JV = truth.directionalDerivatives {
            let predicted = truth.directionalDerivatives(of: jacobians)
            let se = zip(predicted, JV).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            directionalRMSE = (se / Double(max(JV.count, 1))).squareRoot()
        }
        measuresHessians = truth.hasHessians
        if let d2Y = truth.hessians, let hessians {
            precondition(hessians.count == d2Y.count, "predicted Hessians have \(hessians.count) entries, the truth \(d2Y.count)")
            var se = 0.0, ss = 0.0
            for (p, t) in zip(hessians, d2Y) { se += (p - t) * (p - t); ss += t * t }
            hessRMSE = (se / Double(max(d2Y.count, 1))).squareRoot()
            hessRelativeL2 = (se / ss).squareRoot()
        }
    }

    /// Flat name -> value pairs with a prefix (e.g. "test_"), as stored in results files.
    public func named(prefix: String) -> [(String, Double)] {
        var out: [(String, Double)] = [
            ("\(prefix)value_rmse", valueRMSE), ("\(prefix)grad_rmse", gradRMSE),
            ("\(prefix)value_rel_l2", valueRelativeL2), ("\(prefix)grad_rel_l2", gradRelativeL2),
            ("\(prefix)value_r2", valueR2),
        ]
        if let e = directionalRMSE { out.append(("\(prefix)dir_rmse", e)) }
        if measuresHessians { out += [("\(prefix)hess_rmse", hessRMSE), ("\(prefix)hess_rel_l2", hessRelativeL2)] }
        if valueRMSEPerOutput.count > 1 {
            for (o, v) in valueRMSEPerOutput.enumerated() { out.append(("\(prefix)value_rmse_out\(o)", v)) }
            for (o, v) in gradRMSEPerOutput.enumerated() { out.append(("\(prefix)grad_rmse_out\(o)", v)) }
            for (o, v) in valueR2PerOutput.enumerated() { out.append(("\(prefix)value_r2_out\(o)", v)) }
        }
        return out
    }
}
