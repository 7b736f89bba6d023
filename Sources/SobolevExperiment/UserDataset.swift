// Data brought by users: an HDF5 file with X (n x d), Y (n x m), optional dY (n x m x d), d2Y
// (n x m x d x d), V (n x k x d) and JV (n x m x k), or a CSV file with named columns; split into
// train/validation/test by fraction or by given indices.
import CSV
import Foundation
import SobolevCore
import SobolevHDF5

/// A bad data file: names the file, the dataset or column (and line), and what was found.
public struct DataFileError: Error, CustomStringConvertible {
    public let file: String
    public let object: String
    public let message: String
    public var description: String { "\(file): \(object.isEmpty ? "" : "\(object): ")\(message)" }
}

/// Where a run's data come from when `problem.name` is `dataset`.
public struct DatasetSource: Sendable, Hashable {
    public enum Split: String, Sendable { case fraction, indices }
    public var file: String
    public var format: String
    public var x: String, y: String, dy: String
    public var inputColumns: [String]?, outputColumns: [String]?, derivativeColumns: [String]?
    public var split: Split
    public var trainFraction: Double
    public var validationFraction: Double
    /// HDF5 dataset of the Hessians (problem.d2y; absent: d2Y when the file has it).
    public var d2y: String = "d2Y"

    /// The file's path, relative paths taken from the experiment file's folder.
    public func path(baseDirectory: String) -> String {
        file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
    }

    public var isCSV: Bool { format == "csv" || (format == "auto" && file.lowercased().hasSuffix(".csv")) }
}

/// Index sets of a split.
public struct DataSplit: Sendable, Equatable {
    public var train: [Int], validation: [Int], test: [Int]
}

public enum UserDataset {
    /// The HDF5 datasets of a file's own split (problem.split: indices).
    static let indexSetNames = ["train_index", "validation_index", "test_index"]

    /// Reads the file and splits it (fractions shuffled by `seed`, or the file's own index sets).
    public static func load(_ source: DatasetSource, baseDirectory: String, seed: UInt64) throws -> RunData {
        let path = source.path(baseDirectory: baseDirectory)
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataFileError(file: path, object: "", message: "no such file (problem.file: \(source.file)\(source.file.hasPrefix("/") ? "" : ", relative to the experiment file's folder"))")
        }
        let (data, given) = try read(source, path: path)
        let split: DataSplit
        switch source.split {
        case .indices:
            guard let given else {
                let file = source.isCSV ? nil : try? H5File.open(path)
                let missing = indexSetNames.filter { file?.contains($0) != true }
                throw DataFileError(file: path, object: "", message: source.isCSV
                    ? "problem.split is indices but there is no column named split (values train, validation, test)"
                    : "problem.split is indices but the file has no \(missing.joined(separator: ", ")) dataset\(missing.count == 1 ? "" : "s") (it needs train_index, validation_index and test_index)")
            }
            split = given
        case .fraction:
            split = try fractions(count: data.count, train: source.trainFraction, validation: source.validationFraction, seed: seed, file: path)
        }
        var costs: [String: Double] = [:], sets: [String] = []
        if !source.isCSV, let f = try? H5File.open(path) {
            for name in ["data_generation_time", "simulation_time_per_sample"] where f.hasAttribute(name) {
                costs[name] = try? f.scalarDoubleAttribute(name)
            }
            sets = indexSetNames.filter(f.contains)
        }
        var run = RunData(train: data.subset(split.train), validation: split.validation.isEmpty ? nil : data.subset(split.validation),
                          test: data.subset(split.test), costs: costs)
        if source.split == .fraction {
            run.ignoredSplit = source.isCSV ? (given == nil ? nil : "a column split")
                : sets.isEmpty ? nil : (sets.count == 1 ? "a dataset " : "datasets ") + sets.joined(separator: ", ")
        }
        return run
    }

    /// The file's data as a run reads them (checked), and its own split when it has one.
    static func read(_ source: DatasetSource, path: String) throws -> (Dataset, DataSplit?) {
        let (data, given) = source.isCSV ? try readCSV(path, source) : try readHDF5(path, source)
        try checkMagnitudes(data, path: path, source: source)
        return (data, given)
    }

    /// Magnitudes that float64 squares hold: the standard deviations, the loss and the metrics
    /// square values, inputs and derivatives, so a value above 1e150 overflows (to inf, stored as
    /// a 'completed' run with infinite predictions) and an input or output column of magnitude
    /// below 1e-150 underflows (its spread taken for 0, the column for a constant).
    static let largestMagnitude = 1e150, smallestMagnitude = 1e-150

    static func checkMagnitudes(_ data: Dataset, path: String, source: DatasetSource) throws {
        let csv = source.isCSV
        func name(_ dataset: String, _ columns: [String]?, _ j: Int?, csvLabel: String = "") -> String {
            guard let j else { return csv ? csvLabel : "/" + dataset }
            return csv ? "column \(columns?[j] ?? "\(j)")" : "/\(dataset) column \(j)"
        }
        func refuse(_ object: String, _ largest: Double) -> DataFileError {
            DataFileError(file: path, object: object, message: "values of magnitude up to \(largest): float64 squares of them \(largest > 1 ? "overflow" : "underflow"); rescale the data (magnitudes within 1e-150 to 1e150)")
        }
        func check(_ m: Matrix, _ dataset: String, _ columns: [String]?) throws {
            for j in 0..<m.cols {
                let largest = (0..<m.rows).reduce(0.0) { max($0, m[$1, j].magnitude) }
                if largest > largestMagnitude || (largest > 0 && largest < smallestMagnitude) { throw refuse(name(dataset, columns, j), largest) }
            }
        }
        try check(data.inputs, source.x, source.inputColumns)
        try check(data.values, source.y, source.outputColumns)
        for (values, dataset, label) in [(data.jacobians, source.dy, "derivative columns"), (data.hessians, source.d2y, "Hessian columns"),
                                         (data.directionalDerivatives, "JV", "directional derivative columns")] {
            if let largest = values?.reduce(0.0, { max($0, $1.magnitude) }), largest > largestMagnitude {
                throw refuse(name(dataset, nil, nil, csvLabel: label), largest)
            }
        }
    }

    /// A seeded shuffle cut into round(f_train n) training and round(f_val n) validation samples;
    /// the rest is the test set.
    public static func fractions(count n: Int, train: Double, validation: Double, seed: UInt64, file: String) throws -> DataSplit {
        var rng = SeededRNG(seed: seed, stream: "split")
        let order = rng.permutation(n)
        let nTrain = Int((train * Double(n)).rounded())
        let nVal = Int((validation * Double(n)).rounded())
        // A training fraction that rounds to no sample is not raised to one silently. (The
        // validation set may round to none: its default, 0.15, does so below 4 samples.)
        guard nTrain > 0 else {
            throw DataFileError(file: file, object: "", message: "problem.train_fraction \(ConfigValue.format(train)) of \(n) samples is no sample")
        }
        guard nTrain + nVal < n else {
            throw DataFileError(file: file, object: "", message: "\(n) samples leave no test set with train_fraction \(train) and validation_fraction \(validation)")
        }
        return DataSplit(train: Array(order[0..<nTrain]), validation: Array(order[nTrain..<(nTrain + nVal)]),
                         test: Array(order[(nTrain + nVal)...]))
    }

    static func readHDF5(_ path: String, _ s: DatasetSource) throws -> (Dataset, DataSplit?) {
        // Without dY the data are plain (without d2Y first order); a dataset the experiment names
        // itself must exist.
        for (name, key, standard) in [(s.dy, "problem.dy", "dY"), (s.d2y, "problem.d2y", "d2Y")]
        where !name.isEmpty && name != standard {
            if let f = try? H5File.open(path), !f.contains(name) {
                throw DataFileError(file: path, object: "/" + name, message: "no such dataset (\(key)); the file has \((try? f.childNames())?.joined(separator: ", ") ?? "none")")
            }
        }
        let data = try DatasetFile.read(path, x: s.x, y: s.y, dy: s.dy.isEmpty ? nil : s.dy, d2y: s.d2y.isEmpty ? nil : s.d2y)
        let f = try H5File.open(path)
        let names = indexSetNames
        guard names.allSatisfy(f.contains) else { return (data, nil) }
        var sets: [[Int]] = []
        var seen = Set<Int>()
        for name in names {
            let (v, shape) = try f.read(name)
            guard shape.count == 1 else { throw DataFileError(file: path, object: "/" + name, message: "expected a 1-D index list, found shape \(shape)") }
            // Whole numbers only: a fraction (or NaN) is not an index, and truncating it would pick
            // another sample than the file meant.
            if let bad = v.first(where: { !($0 >= 0 && $0 < Double(data.count) && $0 == $0.rounded()) }) {
                throw DataFileError(file: path, object: "/" + name, message: "index \(ConfigValue.format(bad)) is not a sample index (whole numbers in 0..<\(data.count))")
            }
            let idx = v.map { Int($0) }
            var own = Set<Int>()
            if let dup = idx.first(where: { !own.insert($0).inserted }) {
                throw DataFileError(file: path, object: "/" + name, message: "sample \(dup) is listed twice")
            }
            if let dup = idx.first(where: { seen.contains($0) }) {
                throw DataFileError(file: path, object: "/" + name, message: "sample \(dup) is in two index sets")
            }
            seen.formUnion(idx); sets.append(idx)
        }
        guard !sets[0].isEmpty, !sets[2].isEmpty else {
            throw DataFileError(file: path, object: sets[0].isEmpty ? "/train_index" : "/test_index", message: "is empty")
        }
        return (data, DataSplit(train: sets[0], validation: sets[1], test: sets[2]))
    }

    /// CSV with a header of column names; '#' lines are comments. Inputs and outputs are named
    /// columns; derivatives are `derivative_columns` (output-major) or, by default, the columns
    /// d<output>/d<input> when all of them exist; Hessians the columns d2<output>/d<in_j>d<in_k>
    /// (`hessianColumns`); directions the columns v<c>_<input> and d<output>/dv<c>
    /// (`directionColumns`). A column `split` may hold train/validation/test.
    static func readCSV(_ path: String, _ s: DatasetSource) throws -> (Dataset, DataSplit?) {
        let table = try CSVTable.read(path)
        guard let inputs = s.inputColumns, !inputs.isEmpty else {
            throw DataFileError(file: path, object: "", message: "a CSV file needs problem.input_columns")
        }
        guard let outputs = s.outputColumns, !outputs.isEmpty else {
            throw DataFileError(file: path, object: "", message: "a CSV file needs problem.output_columns")
        }
        let xi = try inputs.map { try table.column($0, role: "input") }
        let yi = try outputs.map { try table.column($0, role: "output") }
        var di: [Int]? = nil
        if let d = s.derivativeColumns {
            guard d.count == inputs.count * outputs.count else {
                throw DataFileError(file: path, object: "problem.derivative_columns", message: "has \(d.count) names, expected outputs x inputs = \(outputs.count * inputs.count)")
            }
            di = try d.map { try table.column($0, role: "derivative") }
            // Each derivative is a column of its own (the list itself has no repeats): an input or
            // an output column would be trained on as this derivative without a word.
            for (k, c) in di!.enumerated() where xi.contains(c) || yi.contains(c) {
                throw DataFileError(file: path, object: "problem.derivative_columns", message: "column \(d[k]) is \(xi.contains(c) ? "an input" : "an output") column")
            }
        } else {
            let defaults = outputs.flatMap { o in inputs.map { "d\(o)/d\($0)" } }
            let found = try defaults.compactMap { try table.index(of: $0) }
            if found.count == defaults.count { di = found }
            if !found.isEmpty && found.count < defaults.count {
                let missing = defaults.filter { !table.names.contains($0) }
                throw DataFileError(file: path, object: "column \(missing[0])", message:
                    "not in the header, but \(found.count) of the \(defaults.count) derivative columns d<output>/d<input> are (missing: \(missing.joined(separator: ", ")))")
            }
        }
        let hessian = try hessianColumns(table, inputs: inputs, outputs: outputs)
        if let hessian, di == nil {
            throw DataFileError(file: path, object: "column \(table.names[hessian[0][0]])", message: "Hessian columns need the derivative columns d<output>/d<input>, and the file has none")
        }
        let splitColumn = try table.index(of: "split")
        let directional = try directionColumns(table, inputs: inputs, outputs: outputs)
        var V = [Double](), JV = [Double]()

        var x = [Double](), y = [Double](), dy = [Double](), d2y = [Double](), split = DataSplit(train: [], validation: [], test: [])
        for (row, line) in table.rows.enumerated() {
            x += try xi.map { try table.number(line, $0) }; y += try yi.map { try table.number(line, $0) }
            if let di { dy += try di.map { try table.number(line, $0) } }
            if let hessian { d2y += try hessianRow(table, line, hessian, inputs: inputs.count) }
            if let directional {
                V += try directional.V.map { try table.number(line, $0) }; JV += try directional.JV.map { try table.number(line, $0) }
            }
            if let sc = splitColumn {
                switch line.cells[sc] {
                case "train": split.train.append(row)
                case "validation": split.validation.append(row)
                case "test": split.test.append(row)
                default: throw DataFileError(file: path, object: "line \(line.number), column split", message: "expected train, validation or test, got '\(line.cells[sc])'")
                }
            }
        }
        let n = table.rows.count
        if let directional { try checkDirections(V, k: directional.V.count / inputs.count, d: inputs.count, table: table) }
        let data = Dataset(inputs: Matrix(rows: n, cols: inputs.count, data: x), values: Matrix(rows: n, cols: outputs.count, data: y),
                           jacobians: di == nil ? nil : dy, hessians: hessian == nil ? nil : d2y,
                           directions: directional == nil ? nil : V, directionalDerivatives: directional == nil ? nil : JV)
        return (data, splitColumn == nil ? nil : split)
    }

    /// The Hessian columns of a CSV file, per output (output-major) the pairs j <= k in input
    /// order: column d2<o>/d<x_j>d<x_k> (for j < k the column d2<o>/d<x_k>d<x_j> may stand
    /// instead, or beside it; both must then agree). All pairs or none; nil when none.
    /// Each pair lists the indices of the one or two columns found for it.
    static func hessianColumns(_ table: CSVTable, inputs: [String], outputs: [String]) throws -> [[Int]]? {
        var pairs: [[Int]] = [], missing: [String] = []
        for o in outputs { for j in inputs.indices { for k in j..<inputs.count {
            let names = j == k ? [(j, k)] : [(j, k), (k, j)]
            let found = try names.compactMap { a, b in try table.index(of: "d2\(o)/d\(inputs[a])d\(inputs[b])") }
            if found.isEmpty { missing.append("d2\(o)/d\(inputs[j])d\(inputs[k])") }
            pairs.append(found)
        } } }
        if missing.count == pairs.count { return nil }
        if !missing.isEmpty {
            throw DataFileError(file: table.path, object: "column \(missing[0])", message:
                "not in the header, but \(pairs.count - missing.count) of the \(pairs.count) Hessian columns d2<output>/d<input>d<input> are (missing: \(missing.joined(separator: ", ")))")
        }
        return pairs
    }

    /// One line's Hessians [m, d, d] from the Hessian columns (the symmetric entry filled in).
    static func hessianRow(_ table: CSVTable, _ line: CSVTable.Line, _ pairs: [[Int]], inputs d: Int) throws -> [Double] {
        var h = [Double](repeating: 0, count: pairs.count / (d * (d + 1) / 2) * d * d)
        var p = 0
        for o in 0..<(h.count / (d * d)) { for j in 0..<d { for k in j..<d {
            let v = try pairs[p].map { try table.number(line, $0) }
            if v.count == 2, abs(v[0] - v[1]) > DatasetFile.symmetryTolerance * max(abs(v[0]), abs(v[1])) {
                throw DataFileError(file: table.path, object: "line \(line.number), columns \(table.names[pairs[p][0]]) and \(table.names[pairs[p][1]])",
                                    message: "\(v[0]) and \(v[1]) differ, but a Hessian is symmetric (relative tolerance \(ConfigValue.format(DatasetFile.symmetryTolerance)))")
            }
            h[(o * d + j) * d + k] = v[0]; h[(o * d + k) * d + j] = v[0]
            p += 1
        } } }
        return h
    }

    /// The named columns of a CSV file as an [n, columns] matrix (other columns ignored).
    public static func readColumns(_ path: String, columns: [String], role: String = "input") throws -> Matrix {
        let table = try CSVTable.read(path)
        let index = try columns.map { try table.column($0, role: role) }
        let values = try table.rows.flatMap { line in try index.map { try table.number(line, $0) } }
        return Matrix(rows: table.rows.count, cols: columns.count, data: values)
    }
}

/// A CSV file's header and data lines (blank lines and '#' comments skipped; fields quoted as
/// RFC 4180 says, surrounding spaces trimmed); errors name the file, the line and the column.
struct CSVTable {
    struct Line { var number: Int; var cells: [String] }
    var path: String
    var names: [String]
    var rows: [Line]
    /// The header's line in the file (after comments and blank lines).
    var headerLine = 1

    static func read(_ path: String) throws -> CSVTable {
        guard let raw = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, object: "", message: "cannot read the file")
        }
        // An HDF5 file read as CSV (problem.format: csv, or a .csv name) would fail on binary cells.
        let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        if raw.starts(with: hdf5Signature) {
            throw DataFileError(file: path, object: "", message: "is an HDF5 file, not CSV text (name it .h5; in an experiment, problem.format: hdf5 also reads it)")
        }
        // A byte-order mark (spreadsheets write one) is not part of the first column's name.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let text = raw.starts(with: bom) ? raw.dropFirst(3) : raw[...]
        // Empty lines are kept until numbered, so that errors name the file's own line numbers.
        let lines = String(decoding: text, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty && !$0.element.hasPrefix("#") }
        guard let header = lines.first else { throw DataFileError(file: path, object: "", message: "the file is empty") }
        // Each line is one record (a quoted field may hold commas and doubled quotes, not a line
        // break), so errors can name the line of the file.
        func cells(_ line: Substring) -> [String] {
            ((try? CSVReader(string: String(line), trimFields: true))?.next()) ?? [""]
        }
        let names = cells(header.element)
        var rows: [Line] = []
        for line in lines.dropFirst() {
            let c = cells(line.element)
            guard c.count == names.count else {
                throw DataFileError(file: path, object: "line \(line.offset + 1)", message: "has \(c.count) fields, the header has \(names.count)")
            }
            rows.append(Line(number: line.offset + 1, cells: c))
        }
        guard !rows.isEmpty else { throw DataFileError(file: path, object: "", message: "no data rows after the header") }
        return CSVTable(path: path, names: names, rows: rows, headerLine: header.offset + 1)
    }

    /// The column of `name`, nil when the header lacks it; a name the header gives twice is an
    /// error (the column read would be the first of them, silently; columns that are not read may
    /// repeat: a spreadsheet's empty trailing ones).
    func index(of name: String) throws -> Int? {
        guard let i = names.firstIndex(of: name) else { return nil }
        if names.lastIndex(of: name) != i {
            throw DataFileError(file: path, object: "line \(headerLine), column \(name)", message: "the header names this column twice")
        }
        return i
    }

    func column(_ name: String, role: String) throws -> Int {
        guard let i = try index(of: name) else {
            throw DataFileError(file: path, object: "column \(name)", message: "not in the header (\(role)); columns are \(names.joined(separator: ", "))")
        }
        return i
    }

    func number(_ line: Line, _ i: Int) throws -> Double {
        let cell = line.cells[i]
        guard let v = Double(cell), v.isFinite else {
            throw DataFileError(file: path, object: "line \(line.number), column \(names[i])", message: "expected a finite number, got '\(cell)'")
        }
        // Double(String) reads C's hexadecimal too (0x10 is 16, 0x1p-1 is 0.5): no data file means that.
        guard cell.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || "+-.eE".unicodeScalars.contains($0) }) else {
            throw DataFileError(file: path, object: "line \(line.number), column \(names[i])", message: "expected a decimal number, got '\(cell)'")
        }
        return v
    }
}
