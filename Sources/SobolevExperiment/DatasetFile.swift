// Data files in the dataset format: X (n x d), Y (n x m), optional dY (n x m x d) and, beside
// it, optional d2Y (n x m x d x d, symmetric in the last two axes), optional directions V
// (n x k x d) with their directional derivatives JV (n x m x k). The one reader and the one
// writer of the format (docs/results-format.md, "Data files").
import Foundation
import SobolevCore
import SobolevHDF5

public enum DatasetFile {
    /// Reads `X`, `Y` and (when present) `dY`, `d2Y`, `V` and `JV` from an HDF5 file (names
    /// configurable); shapes, NaN/Inf, size mismatches and asymmetric Hessians are errors that
    /// name the dataset and what was found. d2Y is read only with dY (nil dyName: neither); d2Y
    /// without dY is an error. `model`: the inputs and outputs of the model the data is for, checked
    /// against X and Y before the derivatives, whose shapes follow from them (a Y of too few columns
    /// is Y's error, not dY's).
    public static func read(_ path: String, x xName: String = "X", y yName: String = "Y", dy dyName: String? = "dY",
                            d2y d2yName: String? = "d2Y", v vName: String = "V", jv jvName: String = "JV",
                            model: (inputs: Int, outputs: Int)? = nil) throws -> Dataset {
        let f = try H5File.open(path)
        func fail(_ name: String, _ message: String) -> HDF5Error { HDF5Error(file: path, object: "/" + name, message: message) }
        let inputs = try readInputs(f, x: xName)
        let x = inputs.data, xs = [inputs.rows, inputs.cols]
        let (y, ys) = try f.read(yName)
        guard ys.count == 2, ys[1] > 0 else { throw fail(yName, "expected shape (n, m), found \(ys)") }
        guard ys[0] == xs[0] else { throw fail(yName, "has \(ys[0]) samples but \(xName) has \(xs[0]) (shape found \(ys))") }
        if let model {
            guard xs[1] == model.inputs else { throw fail(xName, "has \(xs[1]) columns, the model takes \(model.inputs) inputs") }
            guard ys[1] == model.outputs else { throw fail(yName, "has \(ys[1]) columns, the model has \(model.outputs) outputs") }
        }
        try checkNoMisnamedDirections(f, v: vName, jv: jvName, n: xs[0], d: xs[1], m: ys[1])
        // The datasets read; a missing derivative dataset is looked for under the others' names.
        let read = [xName, yName, vName, jvName] + [dyName, d2yName].compactMap { $0 }
        var dy: [Double]? = nil
        if let dyName {
            if f.contains(dyName) {
                let (j, js) = try f.read(dyName)
                guard js == [xs[0], ys[1], xs[1]] else {
                    throw fail(dyName, "expected shape (n, m, d) = (\(xs[0]), \(ys[1]), \(xs[1])), found \(js)")
                }
                if let bad = nonFinite(j, dyName, shape: js, axes: ["output", "input"]) { throw fail(dyName, bad) }
                dy = j
            } else {
                try checkNoMisnamed(f, "Jacobians", shape: [xs[0], ys[1], xs[1]], readFrom: dyName, read: read)
            }
        }
        var d2y: [Double]? = nil
        if let dyName, let d2yName {
            if f.contains(d2yName) {
                guard dy != nil else { throw fail(d2yName, "Hessians need Jacobians, but the file has no dataset \(dyName)") }
                let (h, hs) = try f.read(d2yName)
                guard hs == [xs[0], ys[1], xs[1], xs[1]] else {
                    throw fail(d2yName, "expected shape (n, m, d, d) = (\(xs[0]), \(ys[1]), \(xs[1]), \(xs[1])), found \(hs)")
                }
                if let bad = nonFinite(h, d2yName, shape: hs, axes: ["output", "input", "input"]) { throw fail(d2yName, bad) }
                if let a = asymmetry(h, outputs: ys[1], inputs: xs[1]) { throw fail(d2yName, a) }
                d2y = h
            } else if dy != nil {
                try checkNoMisnamed(f, "Hessians", shape: [xs[0], ys[1], xs[1], xs[1]], readFrom: d2yName, read: read)
            }
        }
        if let bad = nonFinite(y, yName, shape: ys, axes: ["output"]) { throw fail(yName, bad) }
        let directional = try readDirections(f, v: vName, jv: jvName, n: xs[0], d: xs[1], m: ys[1])
        return Dataset(inputs: Matrix(rows: xs[0], cols: xs[1], data: x), values: Matrix(rows: ys[0], cols: ys[1], data: y),
                       jacobians: dy, hessians: d2y, directions: directional?.V, directionalDerivatives: directional?.JV)
    }

    /// The first entry of `values` (a dataset of `shape`, sample-major) that is NaN or infinite,
    /// described by its position in the sample's own axes, `axes` naming those after the sample:
    /// "dY[7, 0, 1] is inf (sample 7, output 0, input 1)" (a flat index means nothing to a user).
    static func nonFinite(_ values: [Double], _ name: String, shape: [Int], axes: [String]) -> String? {
        guard let flat = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let index = H5Dataset.position(ofEntry: flat, shape: shape)
        let named = zip(["sample"] + axes, index).map { "\($0) \($1)" }
        return "\(name)[\(index.map(String.init).joined(separator: ", "))] is \(values[flat]) (\(named.joined(separator: ", ")))"
    }

    /// Derivative data under another name than the one read would make Sobolev training plain
    /// training without a word: a dataset of the derivatives' shape that is not read is an error.
    static func checkNoMisnamed(_ f: H5File, _ what: String, shape: [Int], readFrom name: String, read: [String]) throws {
        for other in try f.childNames() where !read.contains(other) {
            guard let found = try? f.openDataset(other).shape(), found == shape else { continue }
            let key = what == "Jacobians" ? "problem.dy" : "problem.d2y"
            throw HDF5Error(file: f.file, object: "/" + other, message: "has the shape of \(what) \(shape) but is not read: \(what) are read from /\(name), which the file lacks; rename it \(name) (in an experiment, \(key): \(other) reads it and \(key): \"\" reads no \(what))")
        }
    }

    /// Relative tolerance of the Hessians' symmetry, |H_jk - H_kj| <= tol max|H| of the sample's
    /// output (the scale of its Hessian, so that round-off near zero entries passes).
    public static let symmetryTolerance = 1e-6

    /// The worst pair (j, k) of Hessians [n, m, d, d] that are not symmetric, described; nil when
    /// all are symmetric to `symmetryTolerance`.
    public static func asymmetry(_ h: [Double], outputs m: Int, inputs d: Int) -> String? {
        let block = d * d, n = block == 0 ? 0 : h.count / (m * block)
        var worst = (ratio: 0.0, i: 0, o: 0, j: 0, k: 0)
        for i in 0..<n { for o in 0..<m {
            let base = (i * m + o) * block
            let scale = h[base..<(base + block)].reduce(0) { max($0, abs($1)) }
            guard scale > 0 else { continue }
            for j in 0..<d { for k in (j + 1)..<d {
                let r = abs(h[base + j * d + k] - h[base + k * d + j]) / scale
                if r > worst.ratio { worst = (r, i, o, j, k) }
            } }
        } }
        guard worst.ratio > symmetryTolerance else { return nil }
        let base = (worst.i * m + worst.o) * block
        return "not symmetric in its last two axes: sample \(worst.i), output \(worst.o): entry (\(worst.j), \(worst.k)) is "
            + "\(h[base + worst.j * d + worst.k]) but (\(worst.k), \(worst.j)) is \(h[base + worst.k * d + worst.j]) "
            + "(difference \(ConfigValue.format(worst.ratio)) of the sample's largest entry, tolerance \(ConfigValue.format(symmetryTolerance)))"
    }

    /// The inputs `X` [n, d] alone (finite numbers, n and d positive).
    public static func readInputs(_ f: H5File, x name: String = "X") throws -> Matrix {
        let (x, shape) = try f.read(name)
        guard shape.count == 2, shape[0] > 0, shape[1] > 0 else {
            throw HDF5Error(file: f.file, object: "/" + name, message: "expected shape (n, d), found \(shape)")
        }
        if let bad = nonFinite(x, name, shape: shape, axes: ["input"]) {
            throw HDF5Error(file: f.file, object: "/" + name, message: bad)
        }
        return Matrix(rows: shape[0], cols: shape[1], data: x)
    }

    /// Writes a dataset as X, Y (and dY, d2Y, V, JV) into a new file (never overwrites); `extra`
    /// then adds what a maker of the file records beside them (`sobolev data`: provenance and
    /// timings).
    public static func write(_ data: Dataset, to path: String, extra: (H5File) throws -> Void = { _ in }) throws {
        try H5File.writeAtomically(path) { f in
            try f.setAttribute("format", "sobolev-dataset")
            try f.write("X", data.inputs.data, shape: [data.count, data.inputDimension])
            try f.write("Y", data.values.data, shape: [data.count, data.outputDimension])
            if let j = data.jacobians { try f.write("dY", j, shape: [data.count, data.outputDimension, data.inputDimension]) }
            if let h = data.hessians {
                try f.write("d2Y", h, shape: [data.count, data.outputDimension, data.inputDimension, data.inputDimension])
            }
            if let v = data.directions, let jv = data.directionalDerivatives {
                try f.write("V", v, shape: [data.count, data.directionCount, data.inputDimension])
                try f.write("JV", jv, shape: [data.count, data.outputDimension, data.directionCount])
            }
            try extra(f)
        }
    }
}

