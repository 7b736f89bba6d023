// Directions V (n x k x d) and directional derivatives JV (n x m x k) in data files: the HDF5
// datasets V and JV (DatasetFile) and the CSV columns v<c>_<input> and d<output>/dv<c>
// (UserDataset), checked like dY: both or neither, shapes, finite numbers, no zero direction.
import SobolevCore
import SobolevHDF5

extension DatasetFile {
    /// `V` and `JV` of an HDF5 file, nil when it has neither.
    static func readDirections(_ f: H5File, v vName: String, jv jvName: String, n: Int, d: Int, m: Int) throws -> (V: [Double], JV: [Double])? {
        func fail(_ name: String, _ message: String) -> HDF5Error { HDF5Error(file: f.file, object: "/" + name, message: message) }
        switch (f.contains(vName), f.contains(jvName)) {
        case (false, false): return nil
        case (true, false): throw fail(jvName, "missing: the file has directions \(vName) but no directional derivatives \(jvName)")
        case (false, true): throw fail(vName, "missing: the file has directional derivatives \(jvName) but no directions \(vName)")
        case (true, true): break
        }
        let (V, vs) = try f.read(vName)
        guard vs.count == 3, vs[0] == n, vs[1] > 0, vs[2] == d else {
            throw fail(vName, "expected shape (n, k, d) = (\(n), k, \(d)) with k > 0, found \(vs)")
        }
        let k = vs[1]
        let (JV, js) = try f.read(jvName)
        guard js == [n, m, k] else { throw fail(jvName, "expected shape (n, m, k) = (\(n), \(m), \(k)), found \(js)") }
        if let bad = nonFinite(V, vName, shape: vs, axes: ["direction", "input"]) { throw fail(vName, bad) }
        if let bad = nonFinite(JV, jvName, shape: js, axes: ["output", "direction"]) { throw fail(jvName, bad) }
        if let (i, c) = zeroDirection(V, k: k, d: d) { throw fail(vName, "\(vName)[\(i), \(c), :] is all zeros (sample \(i), direction \(c), from 0): a direction must not be zero") }
        return (V, JV)
    }

    /// Directions stored as `v` or `Jv` (HDF5 names are case-sensitive) would leave the run
    /// without its directional terms and without a word, as a misnamed dY would: a dataset that
    /// is missing V or JV in another case, of its shape, is an error naming the name read. Looked
    /// for before a misnamed dY: `Jv` may have dY's shape too (k = d), but its name says JV.
    static func checkNoMisnamedDirections(_ f: H5File, v vName: String, jv jvName: String, n: Int, d: Int, m: Int) throws {
        let expected: [(name: String, what: String, shape: String, fits: ([Int]) -> Bool)] = [
            (vName, "directions", "(n, k, d) = (\(n), k, \(d))", { $0.count == 3 && $0[0] == n && $0[1] > 0 && $0[2] == d }),
            (jvName, "directional derivatives", "(n, m, k) = (\(n), \(m), k)", { $0.count == 3 && $0[0] == n && $0[1] == m && $0[2] > 0 }),
        ]
        for e in expected where !f.contains(e.name) {
            for other in try f.childNames() where other.lowercased() == e.name.lowercased() {
                guard let found = try? f.openDataset(other).shape(), e.fits(found) else { continue }
                throw HDF5Error(file: f.file, object: "/" + other, message: "has the shape of \(e.what) \(e.shape), found \(found), but is not read: \(e.what) are read from /\(e.name), which the file lacks; rename it \(e.name)")
            }
        }
    }

    /// The first (sample, direction) whose direction is all zeros (it would carry no information).
    static func zeroDirection(_ V: [Double], k: Int, d: Int) -> (Int, Int)? {
        for row in 0..<(V.count / max(d, 1)) where V[(row * d)..<((row + 1) * d)].allSatisfy({ $0 == 0 }) {
            return (row / k, row % k)
        }
        return nil
    }
}

extension UserDataset {
    /// The directional columns of a CSV table: for c = 1, 2, ... while every v<c>_<input> column
    /// exists, the direction's components and the derivatives d<output>/dv<c>. Indices of V's
    /// columns (sample-major: direction, then input) and of JV's (output, then direction).
    /// d<output>/d<input> is always a gradient column: with an input named v<c>, d<output>/dv<c>
    /// is its gradient column, so directions v<c>_* beside such an input are an error (one name
    /// cannot be both).
    static func directionColumns(_ table: CSVTable, inputs: [String], outputs: [String]) throws -> (V: [Int], JV: [Int])? {
        var V: [Int] = [], JV: [Int] = [], k = 0
        while true {
            let c = k + 1
            let names = inputs.map { "v\(c)_\($0)" }, found = try names.compactMap { try table.index(of: $0) }
            if found.isEmpty { break }
            guard found.count == names.count else {
                let missing = names.filter { !table.names.contains($0) }
                throw DataFileError(file: table.path, object: "column \(missing[0])", message:
                    "not in the header, but \(found.count) of the \(names.count) columns v\(c)_<input> of direction \(c) are (missing: \(missing.joined(separator: ", ")))")
            }
            V += found; k = c
        }
        // d<output>/dv<c> with c = 1, 2, ... that is not also a dY column d<output>/d<input>.
        let derivativeNames = table.names.filter { name in
            outputs.contains { o in
                guard name.hasPrefix("d\(o)/dv"), let c = Int(name.dropFirst("d\(o)/dv".count)), c > 0 else { return false }
                return !inputs.contains { "d\(o)/d\($0)" == name }
            }
        }
        if k == 0 {
            if let name = derivativeNames.first {
                throw DataFileError(file: table.path, object: "column \(name)", message: "a directional derivative without directions (columns v1_<input>)")
            }
            return nil
        }
        if let c = (1...k).first(where: { inputs.contains("v\($0)") }) {
            throw DataFileError(file: table.path, object: "column d\(outputs[0])/dv\(c)", message:
                "is the gradient column of input v\(c), so it cannot also be the directional derivative of direction \(c) (columns v\(c)_*); rename input v\(c)")
        }
        for o in outputs { for c in 1...k {
            JV.append(try table.column("d\(o)/dv\(c)", role: "directional derivative of direction \(c)"))
        } }
        // JV is stored [m, k] per sample: output-major already.
        return (V, JV)
    }

    /// Checks the directions read from a CSV file: no all-zero direction.
    static func checkDirections(_ V: [Double], k: Int, d: Int, table: CSVTable) throws {
        if let (i, c) = DatasetFile.zeroDirection(V, k: k, d: d) {
            throw DataFileError(file: table.path, object: "line \(table.rows[i].number), columns v\(c + 1)_*", message: "direction \(c + 1) is zero")
        }
    }
}
