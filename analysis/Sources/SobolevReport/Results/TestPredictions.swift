// `/runs/<id>/test`: the test inputs, the truth and the surrogate's predictions on them.
import SobolevHDF5

public struct TestPredictions: Equatable, Sendable {
    /// Inputs [n, d].
    public var x: Array2D
    /// True and predicted values [n, m].
    public var y: Array2D
    public var yPredicted: Array2D
    /// True and predicted derivatives, flattened [n, m, d] (dY[i, o, j] = dY_o/dx_j); nil when the
    /// test set has no derivatives.
    public var dY: [Double]?
    public var dYPredicted: [Double]?
    /// True and predicted Hessians, flattened [n, m, d, d]; nil when the test set has none.
    public var d2Y: [Double]? = nil
    public var d2YPredicted: [Double]? = nil

    public var inputDimension: Int { x.cols }
    public var outputDimension: Int { y.cols }

    static func read(_ g: H5Group) throws -> TestPredictions {
        func table(_ name: String) throws -> Array2D {
            let (v, shape) = try g.read(name)
            return Array2D(rows: shape.first ?? 0, cols: shape.count >= 2 ? shape[1] : 1, values: v)
        }
        let dY = g.contains("dY") ? try g.read("dY").values : nil
        let dYPredicted = g.contains("dY_pred") ? try g.read("dY_pred").values : nil
        return TestPredictions(x: try table("X"), y: try table("Y"), yPredicted: try table("Y_pred"),
                               dY: dY, dYPredicted: dYPredicted,
                               d2Y: g.contains("d2Y") ? try g.read("d2Y").values : nil,
                               d2YPredicted: g.contains("d2Y_pred") ? try g.read("d2Y_pred").values : nil)
    }
}
