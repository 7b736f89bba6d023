// Data files in the dataset format: X (n x d), Y (n x m), optional dY (n x m x d), optional
// directions V (n x k x d) with their directional derivatives JV (n x m x k). The one reader and
// the one writer of the format (docs/results-format.md, "Data files").
import Foundation
import SobolevCore
import SobolevHDF5

public enum DatasetFile {
    /// Reads `X`, `Y` and (when present) `dY`, `V` and `JV` from an HDF5 file (names
    /// configurable); shapes, NaN/Inf and size mismatches are errors that name the dataset and
    /// the shape found.
    public static func read(_ path: String, x xName: String = "X", y yName: String = "Y", dy dyName: String? = "dY",
                            v vName: String = "V", jv jvName: String = "JV") throws -> Dataset {
        let f = try H5File.open(path)
        func fail(_ name: String, _ message: String) -> HDF5Error { HDF5Error(file: path, object: "/" + name, message: message) }
        let inputs = try readInputs(f, x: xName)
        let x = inputs.data, xs = [inputs.rows, inputs.cols]
        let (y, ys) = try f.read(yName)
        guard ys.count == 2, ys[1] > 0 else { throw fail(yName, "expected shape (n, m), found \(ys)") }
        guard ys[0] == xs[0] else { throw fail(yName, "has \(ys[0]) samples but \(xName) has \(xs[0]) (shape found \(ys))") }
        var dy: [Double]? = nil
        if let dyName, f.contains(dyName) {
            let (j, js) = try f.read(dyName)
            guard js == [xs[0], ys[1], xs[1]] else {
                throw fail(dyName, "expected shape (n, m, d) = (\(xs[0]), \(ys[1]), \(xs[1])), found \(js)")
            }
            if let bad = j.firstIndex(where: { !$0.isFinite }) { throw fail(dyName, "entry \(bad) is \(j[bad])") }
            dy = j
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) { throw fail(yName, "entry \(bad) is \(y[bad])") }
        let directional = try readDirections(f, v: vName, jv: jvName, n: xs[0], d: xs[1], m: ys[1])
        return Dataset(inputs: Matrix(rows: xs[0], cols: xs[1], data: x), values: Matrix(rows: ys[0], cols: ys[1], data: y), jacobians: dy,
                       directions: directional?.V, directionalDerivatives: directional?.JV)
    }

    /// The inputs `X` [n, d] alone (finite numbers, n and d positive).
    public static func readInputs(_ f: H5File, x name: String = "X") throws -> Matrix {
        let (x, shape) = try f.read(name)
        guard shape.count == 2, shape[0] > 0, shape[1] > 0 else {
            throw HDF5Error(file: f.file, object: "/" + name, message: "expected shape (n, d), found \(shape)")
        }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Error(file: f.file, object: "/" + name, message: "entry \(bad) is \(x[bad])")
        }
        return Matrix(rows: shape[0], cols: shape[1], data: x)
    }

    /// Writes a dataset as X, Y (and dY) into a new file (never overwrites); `extra` then adds
    /// what a maker of the file records beside them (`sobolev data`: provenance and timings).
    public static func write(_ data: Dataset, to path: String, extra: (H5File) throws -> Void = { _ in }) throws {
        try H5File.writeAtomically(path) { f in
            try f.setAttribute("format", "sobolev-dataset")
            try f.write("X", data.inputs.data, shape: [data.count, data.inputDimension])
            try f.write("Y", data.values.data, shape: [data.count, data.outputDimension])
            if let j = data.jacobians { try f.write("dY", j, shape: [data.count, data.outputDimension, data.inputDimension]) }
            if let v = data.directions, let jv = data.directionalDerivatives {
                try f.write("V", v, shape: [data.count, data.directionCount, data.inputDimension])
                try f.write("JV", jv, shape: [data.count, data.outputDimension, data.directionCount])
            }
            try extra(f)
        }
    }
}

