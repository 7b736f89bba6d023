// Standardisation of inputs and outputs. The network learns x' = (x - mu_x) / sigma_x ->
// y' = (y - mu_y) / sigma_y, so the Jacobian targets scale by the chain rule:
//     dY'[o, j] = dY[o, j] * sigma_x[j] / sigma_y[o],
// and the Hessian targets once per input axis:
//     d2Y'[o, j, k] = d2Y[o, j, k] * sigma_x[j] sigma_x[k] / sigma_y[o];
// predictions are mapped back: y = mu_y + sigma_y y',  dY = dY' sigma_y[o] / sigma_x[j],
// d2Y = d2Y' sigma_y[o] / (sigma_x[j] sigma_x[k]).

/// Per-feature affine map to zero mean and unit standard deviation, fitted on the training set.
public struct Standardization: Sendable, Equatable {
    public var inputMean: [Double], inputStd: [Double]
    public var outputMean: [Double], outputStd: [Double]

    public init(inputMean: [Double], inputStd: [Double], outputMean: [Double], outputStd: [Double]) {
        self.inputMean = inputMean; self.inputStd = inputStd
        self.outputMean = outputMean; self.outputStd = outputStd
    }

    /// A column whose standard deviation is at most this fraction of its largest magnitude is
    /// constant (a few hundred ulps: rounding, not data).
    public static let constantSpread = 1e-13

    /// The identity map for d inputs and m outputs (standardisation switched off).
    public static func identity(inputs d: Int, outputs m: Int) -> Standardization {
        Standardization(inputMean: .init(repeating: 0, count: d), inputStd: .init(repeating: 1, count: d),
                        outputMean: .init(repeating: 0, count: m), outputStd: .init(repeating: 1, count: m))
    }

    /// Mean and (population) standard deviation of each column; a constant column keeps std 1.
    /// Constant means a spread at the rounding level of the column's magnitude: the mean of equal
    /// values is not exact, and the spread of its rounding error (1e-16 of the values) would
    /// otherwise scale that input by 1e16 (`constantSpread`).
    public static func fit(_ data: Dataset) -> Standardization {
        func stats(_ m: Matrix) -> ([Double], [Double]) {
            let n = Double(max(m.rows, 1))
            var mean = [Double](repeating: 0, count: m.cols), sd = mean, largest = mean
            for r in 0..<m.rows { for c in 0..<m.cols {
                mean[c] += m[r, c] / n
                largest[c] = max(largest[c], m[r, c].magnitude)
            } }
            for r in 0..<m.rows { for c in 0..<m.cols { sd[c] += (m[r, c] - mean[c]) * (m[r, c] - mean[c]) / n } }
            return (mean, zip(sd, largest).map { v, x in
                let s = v.squareRoot()
                return v > 1e-300 && s > constantSpread * x ? s : 1
            })
        }
        let (mx, sx) = stats(data.inputs), (my, sy) = stats(data.values)
        return Standardization(inputMean: mx, inputStd: sx, outputMean: my, outputStd: sy)
    }

    public func normalizeInputs(_ x: Matrix) -> Matrix {
        var out = x
        for r in 0..<x.rows { for c in 0..<x.cols { out[r, c] = (x[r, c] - inputMean[c]) / inputStd[c] } }
        return out
    }

    /// The dataset in normalised units (inputs, values, Jacobians and Hessians).
    public func normalize(_ data: Dataset) -> Dataset {
        var y = data.values
        for r in 0..<y.rows { for c in 0..<y.cols { y[r, c] = (y[r, c] - outputMean[c]) / outputStd[c] } }
        var jac = data.jacobians
        if var j = jac {
            let m = data.outputDimension, d = data.inputDimension
            for i in 0..<data.count { for o in 0..<m { for k in 0..<d {
                j[(i * m + o) * d + k] *= inputStd[k] / outputStd[o]
            } } }
            jac = j
        }
        // Directions v' = v / sigma_x and targets (J v)' = J v / sigma_y, so that J' v' = (J v) / sigma_y.
        var V = data.directions, JV = data.directionalDerivatives
        let m = data.outputDimension, d = data.inputDimension, k = data.directionCount
        for i in 0..<data.count {
            for c in 0..<k { for j in 0..<d { V?[(i * k + c) * d + j] /= inputStd[j] } }
            for o in 0..<m { for c in 0..<k { JV?[(i * m + o) * k + c] /= outputStd[o] } }
        }
        return Dataset(inputs: normalizeInputs(data.inputs), values: y, jacobians: jac,
                       hessians: data.hessians.map { scaleHessians($0, toNormalized: true) },
                       directions: V, directionalDerivatives: JV, directionCount: data.hasDirections ? k : nil)
    }

    /// Hessians [n, m, d, d] times sigma_x[j] sigma_x[k] / sigma_y[o] (into normalised units) or
    /// its inverse (predictions back to original units).
    public func scaleHessians(_ h: [Double], toNormalized: Bool) -> [Double] {
        let m = outputStd.count, d = inputStd.count
        var out = h
        for i in 0..<(h.count / (m * d * d)) { for o in 0..<m { for j in 0..<d { for k in 0..<d {
            let f = inputStd[j] * inputStd[k] / outputStd[o]
            out[((i * m + o) * d + j) * d + k] *= toNormalized ? f : 1 / f
        } } } }
        return out
    }

    /// Values and Jacobians predicted in normalised units, mapped back to original units.
    public func denormalize(values: Matrix, jacobians: [Double]) -> (values: Matrix, jacobians: [Double]) {
        var y = values
        for r in 0..<y.rows { for c in 0..<y.cols { y[r, c] = outputMean[c] + outputStd[c] * y[r, c] } }
        let m = values.cols, d = inputMean.count
        var j = jacobians
        for i in 0..<values.rows { for o in 0..<m { for k in 0..<d {
            j[(i * m + o) * d + k] *= outputStd[o] / inputStd[k]
        } } }
        return (y, j)
    }
}

extension MLPArchitecture {
    /// Values [n, m] and Jacobians [n, m, d] in original units at `inputs` in original units: the
    /// surrogate as trained, stored and exported.
    public func predict(parameters: [Double], standardization s: Standardization, inputs: Matrix) -> (values: Matrix, jacobians: [Double]) {
        let p = predict(parameters: parameters, inputs: s.normalizeInputs(inputs))
        return s.denormalize(values: p.values, jacobians: p.jacobians)
    }
}

extension MLPArchitecture {
    /// Values, Jacobians and Hessians [n, m, d, d] in original units at `inputs` in original units.
    public func predictHessians(parameters: [Double], standardization s: Standardization,
                                inputs: Matrix) -> (values: Matrix, jacobians: [Double], hessians: [Double]) {
        let p = predictHessians(parameters: parameters, inputs: s.normalizeInputs(inputs))
        let (values, jacobians) = s.denormalize(values: p.values, jacobians: p.jacobians)
        return (values, jacobians, s.scaleHessians(p.hessians, toNormalized: false))
    }
}
