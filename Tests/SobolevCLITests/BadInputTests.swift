// Malformed input of every kind, through the real binary: each case must end with one line on
// standard error naming the file, key or dataset and the value, a non-zero exit, no backtrace,
// and no new file or folder.
import Foundation
import Testing
import SobolevCore
import SobolevStore
import SobolevHDF5
import SobolevExperiment

/// One bad input: the files it needs (name -> contents), the arguments, and what the one error
/// line must contain.
struct BadInput: CustomStringConvertible {
    var name: String
    var files: [String: String] = [:]
    var arguments: [String]
    var needles: [String]
    var description: String { name }
}

/// A tiny valid experiment (a few epochs), with `extra` appended.
func tinyYAML(_ extra: String = "") -> String {
    "name: t\nproblem:\n  train_samples: 8\n  validation_samples: 4\n  test_samples: 10\nmodel:\n  width: 4\ntraining:\n  epochs: 2\n" + extra
}

/// A data-file experiment on `file` with the given problem lines (loss plain unless given).
func dataYAML(_ file: String, _ lines: String = "", loss: String = "  lambda_grad: 0") -> String {
    "name: d\nproblem:\n  name: dataset\n  file: \(file)\n\(lines)model:\n  width: 4\ntraining:\n  epochs: 2\nloss:\n\(loss)\n"
}

let aliasBomb = (["a: &a [x, x, x, x, x, x, x, x, x, x]"] + zip(["b", "c", "d", "e", "f", "g"], ["a", "b", "c", "d", "e", "f"]).map { n, p in
    "\(n): &\(n) [" + Array(repeating: "*\(p)", count: 10).joined(separator: ", ") + "]"
}).joined(separator: "\n")

let csvHeader = "x, y, E, dE/dx, dE/dy\n"
let csvRows = (0..<10).map { "\($0), \(10 - $0), \($0 * $0), \(2 * $0), 0" }.joined(separator: "\n") + "\n"

let badInputs: [BadInput] = [
    // Experiment files: syntax, types, ranges, names.
    BadInput(name: "invalid YAML", files: ["e.yaml": "model: [\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "not valid YAML"]),
    BadInput(name: "unknown key", files: ["e.yaml": tinyYAML("modle:\n  width: 3\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml:11", "modle", "model"]),
    BadInput(name: "wrong type", files: ["e.yaml": "training:\n  epochs: many\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["training.epochs", "many"]),
    BadInput(name: "negative learning rate", files: ["e.yaml": "training:\n  learning_rate: -0.5\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml:2", "training.learning_rate", "-0.5"]),
    BadInput(name: "NaN learning rate", files: ["e.yaml": "training:\n  learning_rate: nan\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["training.learning_rate", "nan"]),
    BadInput(name: "infinite noise", files: ["e.yaml": "problem:\n  value_noise_level: .inf\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["problem.value_noise_level", ".inf"]),
    BadInput(name: "beta1 of 1", files: ["e.yaml": "training:\n  beta1: 1\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["training.beta1", "1"]),
    BadInput(name: "unknown activation", files: ["e.yaml": "model:\n  activation: relu\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["model.activation", "relu"]),
    BadInput(name: "a value listed twice", files: ["e.yaml": "model:\n  width: [8, 8]\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["model.width", "twice"]),
    BadInput(name: "a key given twice", files: ["e.yaml": "model:\n  width: 8\n  width: 9\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["model.width", "twice"]),
    BadInput(name: "both weights zero", files: ["e.yaml": "loss:\n  lambda_value: 0\n  lambda_grad: 0\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["loss.lambda_grad", "both 0"]),
    BadInput(name: "empty file", files: ["e.yaml": ""], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "empty"]),
    BadInput(name: "comment-only file", files: ["e.yaml": "# nothing yet\n\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "empty"]),
    BadInput(name: "a name with a folder", files: ["e.yaml": "name: ../elsewhere/x\nmodel:\n  width: 4\n"], arguments: ["run", "e.yaml"], needles: ["e.yaml:1", "name", "../elsewhere/x"]),
    BadInput(name: "not a mapping", files: ["e.yaml": "- a\n- b\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "mapping"]),
    BadInput(name: "not UTF-8", files: ["e.yaml": "model:\n  width: 8\n"], arguments: ["run", "latin1.yaml", "--out", "r.h5"], needles: ["latin1.yaml", "UTF-8"]),
    BadInput(name: "sweep: not UTF-8", arguments: ["sweep", "latin1.yaml", "--out", "r.h5"], needles: ["latin1.yaml", "UTF-8"]),
    BadInput(name: "missing experiment file", arguments: ["run", "nope.yaml", "--out", "r.h5"], needles: ["nope.yaml", "cannot read"]),
    BadInput(name: "experiment path is a folder", files: ["sub/e.yaml": tinyYAML()], arguments: ["run", "sub", "--out", "r.h5"], needles: ["sub", "cannot read"]),
    BadInput(name: "sweep: missing experiment file", arguments: ["sweep", "nope.yaml", "--out", "r.h5"], needles: ["nope.yaml", "cannot read"]),
    BadInput(name: "--set without a value", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--set", "training.epochs"], needles: ["training.epochs", "key=value"]),
    BadInput(name: "--set a wrong value", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--set", "model.width=abc"], needles: ["model.width", "abc"]),

    // Sizes and limits.
    BadInput(name: "seeds 10^12", files: ["e.yaml": "seeds: 1000000000000\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["seeds", "1000000000000"]),
    BadInput(name: "zero seeds", files: ["e.yaml": "seeds: 0\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["seeds", "0"]),
    BadInput(name: "a hidden layer of 100000", files: ["e.yaml": "model:\n  hidden: [100000]\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["model.hidden", "100000"]),
    BadInput(name: "width 65536 depth 2", files: ["e.yaml": "model:\n  width: 65536\n  depth: 2\n"], arguments: ["run", "e.yaml", "--out", "r.h5", "--max-memory", "8G"], needles: ["model.width", "65536", "8 GB"]),
    BadInput(name: "10^12 training samples", files: ["e.yaml": "problem:\n  train_samples: 1000000000000\n"], arguments: ["sweep", "e.yaml", "--out", "r.h5"], needles: ["problem.train_samples", "1000000000000"]),
    BadInput(name: "10^14 Sobol points", files: ["e.yaml": "problem:\n  sampler: sobol\n  train_samples: 100000000000000\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["problem.train_samples", "100000000000000", "sobol"]),
    BadInput(name: "YAML alias bomb", files: ["e.yaml": aliasBomb], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "100000"]),
    BadInput(name: "a grid too large", files: ["e.yaml": "model:\n  width: [\((1...400).map(String.init).joined(separator: ", "))]\nseeds: 300\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["model.width", "120000 runs"]),
    BadInput(name: "steps overflow", files: ["e.yaml": tinyYAML().replacingOccurrences(of: "epochs: 2", with: "epochs: 4000000000000000000\n  batch_size: 1")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["training.epochs", "4000000000000000000"]),
    BadInput(name: "--max-memory below the estimate", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--max-memory", "1K"], needles: ["e.yaml", "1K"]),

    // Input that used to be accepted silently.
    BadInput(name: "patience without validation samples", files: ["e.yaml": tinyYAML("  patience: 5\n").replacingOccurrences(of: "validation_samples: 4", with: "validation_samples: 0")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["training.patience", "5"]),
    BadInput(name: "a key no run reads", files: ["e.yaml": tinyYAML("  momentum: 0.5\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["training.momentum", "0.5", "sgd"]),
    BadInput(name: "--merge-every nan", files: ["e.yaml": tinyYAML()], arguments: ["sweep", "e.yaml", "--out", "r.h5", "--merge-every", "nan"], needles: ["--merge-every", "nan"]),
    BadInput(name: "--merge-every negative", files: ["e.yaml": tinyYAML()], arguments: ["sweep", "e.yaml", "--out", "r.h5", "--merge-every=-1"], needles: ["--merge-every", "-1"]),
    BadInput(name: "--merge-every zero", files: ["e.yaml": tinyYAML()], arguments: ["sweep", "e.yaml", "--out", "r.h5", "--merge-every", "0"], needles: ["--merge-every", "0"]),
    BadInput(name: "--ranks-per-run 0", files: ["e.yaml": tinyYAML()], arguments: ["sweep", "e.yaml", "--out", "r.h5", "--ranks-per-run", "0"], needles: ["--ranks-per-run", "0"]),
    BadInput(name: "--max-memory junk", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--max-memory", "lots"], needles: ["--max-memory", "lots"]),
    BadInput(name: "an unknown option", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--outt", "r.h5"], needles: ["--outt"]),
    BadInput(name: "bench --seconds inf", arguments: ["bench", "--seconds", "inf"], needles: ["--seconds", "inf"]),
    BadInput(name: "bench case of order 3", files: ["c.json": #"[{"name": "x", "inputs": 2, "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh", "order": 3}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "order 3"]),
    BadInput(name: "bench case with a misspelt key", files: ["c.json": #"[{"name": "x", "inputs": 2, "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh", "ordr": 2}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "case x", "unknown key 'ordr'"]),
    BadInput(name: "bench case without an activation", files: ["c.json": #"[{"name": "x", "inputs": 2, "outputs": 1, "hidden": [8], "batch": 4}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "case x", "activation"]),
    BadInput(name: "bench case of 2.5 inputs", files: ["c.json": #"[{"name": "x", "inputs": 2.5, "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh"}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "inputs must be a whole number", "2.5"]),
    BadInput(name: "bench cases: an empty list", files: ["c.json": "[]"], arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "non-empty list"]),
    BadInput(name: "bench case with inputs given as text", files: ["c.json": #"[{"name": "x", "inputs": "2", "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh"}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "case x", "inputs must be a whole number", "got the text \"2\""]),
    BadInput(name: "bench case of a width beyond 2^31", files: ["c.json": #"[{"name": "x", "inputs": 2, "outputs": 1, "hidden": [9223372036854775807], "batch": 4, "activation": "tanh"}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "from 1 to 2147483647", "9223372036854775807"]),
    BadInput(name: "bench --cases naming a folder", arguments: ["bench", "--cases", "."], needles: ["--cases .", "is a folder"]),
    BadInput(name: "bench --only with no name", arguments: ["bench", "--only", ""], needles: ["--only ''", "name at least one case"]),
    BadInput(name: "bench --max-memory beyond the machine", arguments: ["bench", "--only", "a", "--max-memory", "99999999999999999999T"], needles: ["--max-memory 99999999999999999999T", "more than this machine's memory"]),
    BadInput(name: "bench cases: one name twice", files: ["c.json": #"[{"name": "x", "inputs": 2, "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh"}, {"name": "x", "inputs": 3, "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh"}]"#],
             arguments: ["bench", "--cases", "c.json"], needles: ["c.json", "case x", "two cases"]),
    BadInput(name: "bench case beyond memory", files: ["c.json": #"[{"name": "huge", "inputs": 100000, "outputs": 100000, "hidden": [100000], "batch": 100000, "activation": "tanh"}]"#],
             arguments: ["bench", "--cases", "c.json", "--max-memory", "8G"], needles: ["case huge", "the step needs about", "8 GB"]),
    BadInput(name: "bench --plan with the per-term mode", arguments: ["bench", "--plan", "forward", "--mode", "per-term", "--only", "a"], needles: ["--plan forward", "fused mode"]),
    BadInput(name: "bench --plan with Hessian terms", files: ["c.json": #"[{"name": "i", "inputs": 2, "outputs": 1, "hidden": [8], "batch": 4, "activation": "tanh", "order": 2}]"#],
             arguments: ["bench", "--cases", "c.json", "--plan", "reverse"], needles: ["--plan reverse", "every case has Hessian terms"]),
    BadInput(name: "--threads with --set training.threads", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--threads", "2", "--set", "training.threads=1"], needles: ["--threads and --set training.threads=1", "give one"]),

    // Output locations.
    BadInput(name: "output inside a file", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "e.yaml/r.h5"], needles: ["e.yaml/r.h5"]),
    BadInput(name: "output is a folder", files: ["e.yaml": tinyYAML(), "out/keep.txt": "keep"], arguments: ["run", "e.yaml", "--out", "out"], needles: ["out"]),

    // Data files: missing, folders, foreign, truncated, NaN, shapes, names, CSV.
    BadInput(name: "missing data file", files: ["e.yaml": dataYAML("none.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["none.h5", "no such file"]),
    BadInput(name: "data file is a folder", files: ["e.yaml": dataYAML("sub"), "sub/x.txt": "x"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["sub"]),
    BadInput(name: "text file as HDF5", files: ["e.yaml": dataYAML("t.h5"), "t.h5": "not hdf5\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["t.h5", "not an HDF5 file"]),
    BadInput(name: "truncated HDF5 file", files: ["e.yaml": dataYAML("cut.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["cut.h5"]),
    BadInput(name: "foreign HDF5 file (no X)", files: ["e.yaml": dataYAML("foreign.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["foreign.h5", "/X"]),
    BadInput(name: "a declared shape beyond memory", files: ["e.yaml": dataYAML("huge.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["huge.h5", "/X", "1000000000000"]),
    BadInput(name: "NaN in X", files: ["e.yaml": dataYAML("nan.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["nan.h5", "/X", "nan"]),
    BadInput(name: "dY of the wrong shape", files: ["e.yaml": dataYAML("shape.h5", loss: "  lambda_grad: 1")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["shape.h5", "/dY", "[3, 1]"]),
    BadInput(name: "problem.dy names a missing dataset", files: ["e.yaml": dataYAML("plain.h5", "  dy: grads\n", loss: "  lambda_grad: 1")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["plain.h5", "/grads"]),
    BadInput(name: "Sobolev loss on plain data", files: ["e.yaml": dataYAML("plain.h5", loss: "  lambda_grad: 1")], arguments: ["sweep", "e.yaml", "--out", "r.h5"], needles: ["plain.h5", "loss.lambda_grad", "dY"]),
    BadInput(name: "d2Y not symmetric", files: ["e.yaml": dataYAML("skew.h5", loss: "  lambda_grad: 1")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["skew.h5", "/d2Y", "not symmetric", "sample 1, output 0", "(0, 1) is 2.5 but (1, 0) is 1.0"]),
    BadInput(name: "problem.d2y names a missing dataset", files: ["e.yaml": dataYAML("skew.h5", "  d2y: hessians\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["skew.h5", "/hessians", "problem.d2y"]),
    BadInput(name: "loss.order 2 on data without d2Y", files: ["e.yaml": dataYAML("plain.h5", loss: "  lambda_grad: 0\n  order: 2")], arguments: ["sweep", "e.yaml", "--out", "r.h5"], needles: ["plain.h5", "loss.order", "d2Y"]),
    BadInput(name: "loss.lambda_hess alone on data without derivatives", files: ["e.yaml": dataYAML("plain.h5", loss: "  lambda_grad: 0\n  order: 2\n  lambda_hess: 1")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["plain.h5", "loss.order", "d2Y"]),
    BadInput(name: "loss.order 2 with loss.projections", files: ["e.yaml": tinyYAML("loss:\n  order: 2\n  projections: 1\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "loss.projections", "loss.order 2", "do not combine"]),
    BadInput(name: "loss.lambda_hess without loss.order 2", files: ["e.yaml": tinyYAML("loss:\n  lambda_hess: 2\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "loss.lambda_hess", "does not apply", "loss.order 2"]),
    BadInput(name: "loss.lambda_hess with an adaptive scheme", files: ["e.yaml": tinyYAML("loss:\n  scheme: relobralo\n  order: 2\n  lambda_hess: 2\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "loss.lambda_hess", "loss.scheme fixed"]),
    BadInput(name: "loss.lambda_hess negative", files: ["e.yaml": tinyYAML("loss:\n  order: 2\n  lambda_hess: -1\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["e.yaml", "loss.lambda_hess", "-1"]),
    BadInput(name: "CSV missing one derivative column", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, y]\n  output_columns: [E]\n", loss: "  lambda_grad: 1"), "d.csv": "x, y, E, dE/dx\n" + (0..<10).map { "\($0), 1, \($0), 2" }.joined(separator: "\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "dE/dy"]),
    BadInput(name: "CSV row of the wrong length", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, y]\n  output_columns: [E]\n"), "d.csv": csvHeader + csvRows + "1, 2\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "line 12", "2 fields"]),
    BadInput(name: "CSV with NaN", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, y]\n  output_columns: [E]\n"), "d.csv": csvHeader + csvRows + "1, 2, nan, 0, 0\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "column E", "nan"]),
    BadInput(name: "CSV column not in the header", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, z]\n  output_columns: [E]\n"), "d.csv": csvHeader + csvRows], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "column z"]),
    BadInput(name: "empty CSV", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x]\n  output_columns: [E]\n"), "d.csv": ""], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "empty"]),

    BadInput(name: "CSV header naming a column twice", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, y]\n  output_columns: [E]\n"), "d.csv": "x, y, E, E, dE/dx, dE/dy\n" + (0..<10).map { "\($0), 1, \($0), 7, 2, 0" }.joined(separator: "\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "line 1", "column E", "twice"]),
    BadInput(name: "a sample index that is not a whole number", files: ["e.yaml": dataYAML("fraction-index.h5", "  split: indices\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["fraction-index.h5", "/train_index", "1.5", "not a sample index"]),
    BadInput(name: "a sample listed twice in one index set", files: ["e.yaml": dataYAML("twice-index.h5", "  split: indices\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["twice-index.h5", "/train_index", "sample 1", "listed twice"]),
    BadInput(name: "index sets in part", files: ["e.yaml": dataYAML("part-index.h5", "  split: indices\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["part-index.h5", "no validation_index dataset"]),
    BadInput(name: "Jacobians under another name than dY", files: ["e.yaml": dataYAML("misnamed.h5", loss: "  lambda_grad: 0")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["misnamed.h5", "/dy", "shape of Jacobians", "problem.dy"]),
    BadInput(name: "Hessians under another name than d2Y", files: ["e.yaml": dataYAML("misnamed-hessians.h5", loss: "  lambda_grad: 1")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["misnamed-hessians.h5", "/hessian", "shape of Hessians", "problem.d2y"]),
    BadInput(name: "gradients: Jacobians under another name", files: ["d.csv": "x\n"], arguments: ["gradients", "--model", "model.h5", "--data", "misnamed.h5", "--out", "g.h5"], needles: ["misnamed.h5", "/dy", "shape of Jacobians"]),
    BadInput(name: "gradients of a data file as the model", arguments: ["gradients", "--model", "plain.h5", "--data", "plain.h5", "--out", "g.h5"], needles: ["plain.h5", "holds no model", "sobolev-dataset"]),
    BadInput(name: "a model with a zero standard deviation", arguments: ["gradients", "--model", "zero-std.h5", "--data", "plain.h5", "--out", "g.h5"], needles: ["zero-std.h5", "/model/input_std", "0.0", "positive"]),
    BadInput(name: "missing data file named with its key", files: ["e.yaml": dataYAML("gone.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["gone.h5", "no such file", "problem.file"]),
    BadInput(name: "outputs beyond 1e150", files: ["e.yaml": dataYAML("huge-y.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["huge-y.h5", "/Y column 0", "9e+160", "overflow"]),
    BadInput(name: "an input column of magnitude 1e-160", files: ["e.yaml": dataYAML("tiny-x.h5")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["tiny-x.h5", "/X column 1", "underflow"]),
    BadInput(name: "Jacobians beyond 1e150 in CSV", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, y]\n  output_columns: [E]\n", loss: "  lambda_grad: 1"), "d.csv": "x, y, E, dE/dx, dE/dy\n" + (0..<10).map { "\($0), 1, \($0), 2e200, 0" }.joined(separator: "\n")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "derivative columns", "overflow"]),
    BadInput(name: "relobralo on plain data: the remedy is the fixed scheme", files: ["e.yaml": dataYAML("plain.h5", loss: "  scheme: relobralo")], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["plain.h5", "loss.scheme", "relobralo", "set loss.scheme: fixed with loss.lambda_grad: 0"]),

    // The command line's own values: errors name the option, not a line of the file.
    BadInput(name: "--set the same key twice", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--set", "training.epochs=3", "--set", "training.epochs=4"], needles: ["--set: training.epochs", "given twice", "training.epochs=3", "training.epochs=4"]),
    BadInput(name: "--set an unknown key", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--set", "training.lerning_rate=1"], needles: ["--set: training.lerning_rate", "unknown key"]),
    BadInput(name: "--set a section with a bad key", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--set", "training={epochs: 2, lerning_rate: 1}"], needles: ["--set: training.lerning_rate"]),
    BadInput(name: "--threads -2", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--threads", "-2"], needles: ["--threads -2"]),
    BadInput(name: "sweep --ranks-per-run -1", files: ["e.yaml": tinyYAML()], arguments: ["sweep", "e.yaml", "--out", "r.h5", "--ranks-per-run", "-1"], needles: ["--ranks-per-run", "-1"]),
    BadInput(name: "data --samples -5", arguments: ["data", "sine", "--samples", "-5", "--sampler", "uniform", "--out", "d.h5"], needles: ["--samples", "-5"]),
    BadInput(name: "--threads 0", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "r.h5", "--threads", "0"], needles: ["--threads 0", "[1, 256]"]),

    // Inputs are never outputs, not even with --force.
    BadInput(name: "--out is the experiment file", files: ["e.yaml": tinyYAML()], arguments: ["run", "e.yaml", "--out", "e.yaml", "--force"], needles: ["e.yaml", "input of the experiment", "the experiment file"]),
    BadInput(name: "--out is the data file", files: ["e.yaml": dataYAML("plain.h5")], arguments: ["run", "e.yaml", "--out", "./plain.h5", "--force"], needles: ["plain.h5", "input of the experiment", "a data file"]),
    BadInput(name: "sweep --out is the data file", files: ["e.yaml": dataYAML("plain.h5")], arguments: ["sweep", "e.yaml", "--out", "plain.h5"], needles: ["plain.h5", "a data file"]),
    BadInput(name: "--out a folder with --force says nothing of replacing it", files: ["e.yaml": tinyYAML(), "out/keep.txt": "keep"], arguments: ["run", "e.yaml", "--out", "out", "--force"], needles: ["out", "is a folder"]),

    // sobolev data, report, gradients.
    BadInput(name: "data --samples 3e9", arguments: ["data", "sine", "--samples", "3000000000", "--sampler", "uniform", "--out", "d.h5", "--max-memory", "8G"], needles: ["--samples", "3000000000"]),
    BadInput(name: "data: Sobol beyond 2^32", arguments: ["data", "sine", "--samples", "100000000000000", "--sampler", "sobol", "--out", "d.h5"], needles: ["--samples", "100000000000000"]),
    BadInput(name: "data: output inside a file", files: ["f.txt": "x"], arguments: ["data", "sine", "--samples", "10", "--sampler", "uniform", "--out", "f.txt/d.h5"], needles: ["f.txt/d.h5", "cannot create"]),
    BadInput(name: "data: unknown sampler", arguments: ["data", "sine", "--samples", "10", "--sampler", "grid", "--out", "d.h5"], needles: ["grid"]),
    BadInput(name: "data: NaN noise", arguments: ["data", "sine", "--samples", "10", "--sampler", "uniform", "--out", "d.h5", "--value-noise", "gaussian:nan"], needles: ["--value-noise", "gaussian:nan"]),
    BadInput(name: "data: unknown problem", arguments: ["data", "sinus", "--samples", "10", "--sampler", "uniform", "--out", "d.h5"], needles: ["sinus"]),
    BadInput(name: "report of a text file", files: ["r.h5": "text\n"], arguments: ["report", "r.h5", "--out", "rep"], needles: ["r.h5"]),
    BadInput(name: "gradients --out not HDF5", files: ["d.csv": "x\n"], arguments: ["gradients", "--model", "model.h5", "--data", "misnamed.h5", "--out", "g.csv"], needles: ["--out g.csv", ".h5 or .hdf5"]),
    BadInput(name: "gradients --out in a missing folder", arguments: ["gradients", "--model", "model.h5", "--data", "misnamed.h5", "--out", "nodir/g.h5"], needles: ["nodir/g.h5", "folder", "nodir does not exist"]),
    BadInput(name: "gradients --out a folder with --force", files: ["adir.h5/keep.txt": "keep"], arguments: ["gradients", "--model", "model.h5", "--data", "misnamed.h5", "--out", "adir.h5", "--force"], needles: ["adir.h5 is a folder", "--force never removes a folder"]),
    BadInput(name: "gradients --out an existing file", arguments: ["gradients", "--model", "model.h5", "--data", "misnamed.h5", "--out", "plain.h5"], needles: ["plain.h5 exists already", "--force"]),
    BadInput(name: "gradients: Y of another width than the model's outputs, dY beside it", arguments: ["gradients", "--model", "model.h5", "--data", "wide-y.h5", "--out", "g.h5"], needles: ["wide-y.h5", "/Y", "2 columns", "1 outputs"]),
    BadInput(name: "predict: a hexadecimal CSV cell", files: ["in.csv": "x0,x1\n1,2\n0x10,3\n"], arguments: ["predict", "model.h5", "--inputs", "in.csv", "--out", "p.csv"], needles: ["in.csv", "line 3", "column x0", "expected a decimal number", "0x10"]),
    BadInput(name: "a hexadecimal float in a CSV data set", files: ["e.yaml": dataYAML("d.csv", "  input_columns: [x, y]\n  output_columns: [E]\n"), "d.csv": csvHeader + csvRows + "1, 2, 0x1p-1, 0, 0\n"], arguments: ["run", "e.yaml", "--out", "r.h5"], needles: ["d.csv", "line 12", "column E", "expected a decimal number", "0x1p-1"]),
    BadInput(name: "gradients of a missing model", files: ["d.csv": "x\n"], arguments: ["gradients", "--model", "none.h5", "--data", "d.csv", "--out", "g.h5"], needles: ["none.h5"]),
]

/// Every file and folder under `dir`, relative.
func entries(_ dir: String) -> Set<String> {
    Set(FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? [])
}

/// The binary files the data cases read, made once: plain, foreign, NaN, misshapen, truncated and
/// huge-shaped HDF5 files and a file that is not UTF-8.
let badFixtures: String = {
    let dir = scratchFolder("bad-fixtures")
    let d = Dataset(inputs: Matrix(rows: 10, cols: 1, data: (0..<10).map(Double.init)), values: Matrix(rows: 10, cols: 1, data: (0..<10).map(Double.init)), jacobians: nil)
    try! DatasetFile.write(d, to: dir + "/plain.h5")
    try! H5File.writeAtomically(dir + "/foreign.h5") { f in try f.write("temperature", [1, 2, 3], shape: [3]) }
    try! H5File.writeAtomically(dir + "/nan.h5") { f in
        try f.write("X", [0, .nan, 2], shape: [3, 1]); try f.write("Y", [1, 2, 3], shape: [3, 1])
    }
    try! H5File.writeAtomically(dir + "/shape.h5") { f in
        try f.write("X", [0, 1, 2, 3], shape: [2, 2]); try f.write("Y", [1, 2], shape: [2, 1]); try f.write("dY", [1, 2, 3], shape: [3, 1])
    }
    try! H5File.writeAtomically(dir + "/skew.h5") { f in
        try f.write("X", [0, 1, 2, 3, 4, 5], shape: [3, 2]); try f.write("Y", [1, 2, 3], shape: [3, 1])
        try f.write("dY", [1, 2, 3, 4, 5, 6], shape: [3, 1, 2])
        try f.write("d2Y", [2, 1, 1, 2, 2, 2.5, 1, 2, 2, 1, 1, 2], shape: [3, 1, 2, 2])
    }
    for (name, index) in [("fraction-index.h5", [0, 1.5, 2]), ("twice-index.h5", [0, 1, 1])] {
        try! H5File.writeAtomically(dir + "/" + name) { f in
            try f.write("X", (0..<10).map(Double.init), shape: [10, 1]); try f.write("Y", (0..<10).map(Double.init), shape: [10, 1])
            try f.write("train_index", index, shape: [3]); try f.write("validation_index", [3, 4], shape: [2]); try f.write("test_index", [5, 6], shape: [2])
        }
    }
    try! H5File.writeAtomically(dir + "/part-index.h5") { f in
        try f.write("X", (0..<10).map(Double.init), shape: [10, 1]); try f.write("Y", (0..<10).map(Double.init), shape: [10, 1])
        try f.write("train_index", [0, 1, 2], shape: [3]); try f.write("test_index", [5, 6], shape: [2])
    }
    try! H5File.writeAtomically(dir + "/misnamed.h5") { f in
        try f.write("X", (0..<20).map(Double.init), shape: [10, 2]); try f.write("Y", (0..<10).map(Double.init), shape: [10, 1])
        try f.write("dy", (0..<20).map(Double.init), shape: [10, 1, 2])
    }
    try! H5File.writeAtomically(dir + "/misnamed-hessians.h5") { f in
        try f.write("X", (0..<20).map(Double.init), shape: [10, 2]); try f.write("Y", (0..<10).map(Double.init), shape: [10, 1])
        try f.write("dY", (0..<20).map(Double.init), shape: [10, 1, 2]); try f.write("hessian", [Double](repeating: 1, count: 40), shape: [10, 1, 2, 2])
    }
    try! H5File.writeAtomically(dir + "/huge-y.h5") { f in
        try f.write("X", (0..<10).map(Double.init), shape: [10, 1]); try f.write("Y", (0..<10).map { (k: Int) -> Double in 1e160 * Double(k) }, shape: [10, 1])
    }
    try! H5File.writeAtomically(dir + "/tiny-x.h5") { f in
        let x: [Double] = (0..<20).map { (k: Int) -> Double in k % 2 == 0 ? Double(k) : 1e-160 * Double(k) }
        try f.write("X", x, shape: [10, 2]); try f.write("Y", (0..<10).map(Double.init), shape: [10, 1])
    }
    // Models of two inputs: a usable one and one whose standardisation divides by zero.
    let arch = MLPArchitecture(layerSizes: [2, 3, 1], activation: .tanh)
    let theta = (0..<arch.parameterCount).map { 0.1 * Double($0 % 7) - 0.3 }
    for (name, std) in [("model.h5", [1.0, 2.0]), ("zero-std.h5", [1.0, 0.0])] {
        let s = Standardization(inputMean: [0, 0], inputStd: std, outputMean: [0], outputStd: [1])
        try! H5File.writeAtomically(dir + "/" + name) { f in try ResultsWriter.writeModel(arch, parameters: theta, standardization: s, into: try f.createGroup("model")) }
    }
    // Two outputs in Y (and dY to match) for a model of one output.
    try! H5File.writeAtomically(dir + "/wide-y.h5") { f in
        try f.write("X", (0..<20).map(Double.init), shape: [10, 2]); try f.write("Y", (0..<20).map(Double.init), shape: [10, 2])
        try f.write("dY", (0..<40).map(Double.init), shape: [10, 2, 2])
    }
    let whole = try! Data(contentsOf: URL(fileURLWithPath: dir + "/plain.h5"))
    try! whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.h5"))
    try! Data([0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x3a, 0x20, 0xe9, 0xff, 0x0a]).write(to: URL(fileURLWithPath: dir + "/latin1.yaml"))
    // A chunked dataset may declare a shape far beyond its bytes on disk.
    let h5py = try! run(which("python3"), ["-c", "import h5py\nwith h5py.File('huge.h5', 'w') as f:\n    f.create_dataset('X', shape=(10**12, 1), chunks=(1000, 1), dtype='f8')\n    f.create_dataset('Y', shape=(10**12, 1), chunks=(1000, 1), dtype='f8')"], in: dir)
    #expect(h5py.status == 0, "\(h5py.output)")
    return dir
}()

/// Writes a case's files beside copies of the fixtures.
func prepare(_ c: BadInput, in dir: String) throws {
    for name in try FileManager.default.contentsOfDirectory(atPath: badFixtures) {
        try FileManager.default.copyItem(atPath: badFixtures + "/" + name, toPath: dir + "/" + name)
    }
    for (name, text) in c.files {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

@Suite("Bad input", .serialized)
struct BadInputTests {
    @Test("one line naming the file, key or dataset and the value; non-zero exit; no backtrace; nothing left behind",
          arguments: badInputs)
    func badInput(_ c: BadInput) throws {
        let dir = scratchFolder("bad-" + c.name)
        try prepare(c, in: dir)
        let before = entries(dir)
        let r = try run(sobolevBinary, c.arguments, in: dir, timeout: 30)
        #expect(r.status != 0, "\(c.name): exit 0\n\(r.output)")
        let lines = r.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1, "\(c.name): \(lines.count) lines on stderr:\n\(r.stderr)")
        for n in c.needles { #expect(r.stderr.contains(n), "\(c.name): '\(n)' not in: \(r.stderr)") }
        for bad in ["Fatal error", "Stack dump", "backtrace", "Segmentation", "Illegal instruction"] {
            #expect(!r.output.contains(bad), "\(c.name): \(r.output)")
        }
        #expect(entries(dir) == before, "\(c.name): new entries \(entries(dir).subtracting(before).sorted())")
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test("--dry-run shows each configuration's memory estimate; over --max-memory it says so and fails; within it runs")
    func dryRunEstimates() throws {
        let dir = scratchFolder()
        try tinyYAML("loss:\n  lambda_grad: [0, 1]\n").replacingOccurrences(of: "width: 4", with: "width: [4, 64]")
            .write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let before = entries(dir)
        let ok = try sobolev(["sweep", "e.yaml", "--out", "r.h5", "--dry-run", "--max-memory", "1G"], in: dir)
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.stdout.contains("memory per process (limit 1 GB: --max-memory 1G)"), "\(ok.stdout)")
        let lines = ok.stdout.split(separator: "\n").filter { $0.contains("parameters and optimizer") }
        #expect(lines.count == 4, "\(ok.stdout)")   // 2 widths x 2 weights, one line each
        #expect(lines.contains { $0.contains("model.width=64 loss.lambda_grad=1") } && !ok.stdout.contains("OVER"))
        let over = try sobolev(["sweep", "e.yaml", "--out", "r.h5", "--dry-run", "--max-memory", "100K"], in: dir)
        #expect(over.status != 0 && over.stdout.contains("OVER THE LIMIT"), "\(over.output)")
        #expect(over.stderr.split(separator: "\n").count == 1 && over.stderr.contains("model.width=64"), "\(over.stderr)")
        #expect(entries(dir) == before)
        let run = try sobolev(["run", "e.yaml", "--out", "r.h5", "--max-memory", "1G"], in: dir)
        #expect(run.status == 0, "\(run.output)")
    }

    @Test("run --force with a bad data file or too little memory keeps the old results file")
    func forceKeepsResultsOnBadInput() throws {
        let dir = scratchFolder()
        try prepare(BadInput(name: "force", arguments: [], needles: []), in: dir)
        try dataYAML("nan.h5").write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        try "keep me".write(toFile: dir + "/r.h5", atomically: true, encoding: .utf8)
        let bad = try sobolev(["run", "e.yaml", "--out", "r.h5", "--force"], in: dir)
        #expect(bad.status != 0 && bad.stderr.contains("nan.h5"), "\(bad.output)")
        let small = try sobolev(["run", "e.yaml", "--out", "r.h5", "--force", "--set", "problem.file=plain.h5", "--max-memory", "1K"], in: dir)
        #expect(small.status != 0 && small.stderr.contains("1K"), "\(small.output)")
        #expect(try String(contentsOfFile: dir + "/r.h5", encoding: .utf8) == "keep me")
    }

    @Test("resuming onto results of a data file whose content changed is refused; the same data resume; --force replaces")
    func changedDataFile() throws {
        let dir = scratchFolder()
        try prepare(BadInput(name: "changed", arguments: [], needles: []), in: dir)
        try dataYAML("plain.h5").write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let first = try sobolev(["run", "e.yaml", "--out", "r.h5"], in: dir)
        #expect(first.status == 0, "\(first.output)")
        let py = try run(which("python3"), ["-c", """
            import h5py
            f = h5py.File('r.h5', 'r')
            h = [v.decode() if isinstance(v, bytes) else v for v in f.attrs['data_hashes']]
            print(len(h) == 1 and h[0].startswith('content64:') and len(h[0]) == 26, f.attrs['data_files'][0])
            """], in: dir)
        #expect(py.status == 0 && py.stdout.hasPrefix("True ") && py.stdout.contains("plain.h5"), "\(py.output)")
        // The same data written again (other bytes: an attribute more) are the same data.
        let ((x, xs), (y, ys)) = try { () throws -> (([Double], [Int]), ([Double], [Int])) in
            let same = try H5File.open(dir + "/plain.h5")
            return (try same.read("X"), try same.read("Y"))
        }()
        try FileManager.default.removeItem(atPath: dir + "/plain.h5")
        try H5File.writeAtomically(dir + "/plain.h5") { f in
            try f.write("X", x, shape: xs); try f.write("Y", y, shape: ys); try f.setAttribute("created", "again")
        }
        let again = try sobolev(["run", "e.yaml", "--out", "r.h5"], in: dir)
        #expect(again.status == 0, "\(again.output)")
        let stored = try Data(contentsOf: URL(fileURLWithPath: dir + "/r.h5"))
        // Other values under the same name: the stored runs are not this data's.
        let d = Dataset(inputs: Matrix(rows: 10, cols: 1, data: (0..<10).map(Double.init)), values: Matrix(rows: 10, cols: 1, data: (0..<10).map { Double($0 * $0) }), jacobians: nil)
        try FileManager.default.removeItem(atPath: dir + "/plain.h5")
        try DatasetFile.write(d, to: dir + "/plain.h5")
        let changed = try sobolev(["run", "e.yaml", "--out", "r.h5"], in: dir)
        #expect(changed.status != 0 && changed.stderr.split(separator: "\n").count == 1, "\(changed.output)")
        #expect(changed.stderr.contains("r.h5") && changed.stderr.contains("plain.h5 changed since") && changed.stderr.contains("--force"), "\(changed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/r.h5")) == stored)
        let forced = try sobolev(["run", "e.yaml", "--out", "r.h5", "--force"], in: dir)
        #expect(forced.status == 0, "\(forced.output)")
        #expect(try sobolev(["run", "e.yaml", "--out", "r.h5"], in: dir).status == 0)
    }

    @Test("predict without a run id on results whose default metric is NaN in every run says so and offers the metrics with values; a single completed run is taken whatever its metric")
    func nanMetric() throws {
        let dir = scratchFolder()
        try prepare(BadInput(name: "nan metric", arguments: [], needles: []), in: dir)
        try (dataYAML("plain.h5") + "seeds: 2\n").write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        #expect(try sobolev(["run", "e.yaml", "--out", "r.h5"], in: dir).status == 0)
        // One completed run is the model whatever the metric (as gradients always took it).
        try dataYAML("plain.h5").write(toFile: dir + "/one.yaml", atomically: true, encoding: .utf8)
        #expect(try sobolev(["run", "one.yaml", "--out", "one.h5"], in: dir).status == 0)
        let one = try sobolev(["gradients", "--model", "one.h5", "--data", "plain.h5", "--out", "g.h5"], in: dir)
        #expect(one.status == 0 && one.stdout.contains("(the only completed run)"), "\(one.output)")
        try "x0\n1\n".write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        let r = try sobolev(["predict", "r.h5", "--inputs", "in.csv", "--out", "p.csv"], in: dir)
        #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1, "\(r.output)")
        #expect(r.stderr.contains("metric test_grad_rmse is NaN in every completed run") && r.stderr.contains("test_value_rmse")
                && !r.stderr.contains("test_grad_rmse,"), "\(r.stderr)")
        #expect(try sobolev(["predict", "r.h5", "--inputs", "in.csv", "--out", "p.csv", "--metric", "test_value_rmse"], in: dir).status == 0)
    }

    @Test("gradients on a file with d2Y beside directions V, JV writes the value, gradient and directional terms (as a first-order run trains), and says the Hessians are left out")
    func gradientsWithHessiansAndDirections() throws {
        let dir = scratchFolder()
        try prepare(BadInput(name: "all", arguments: [], needles: []), in: dir)
        let hessian: [Double] = Array([[Double]](repeating: [2, 1, 1, 3], count: 10).joined())
        try H5File.writeAtomically(dir + "/all.h5") { f in
            try f.write("X", (0..<20).map { Double($0) / 20 }, shape: [10, 2]); try f.write("Y", (0..<10).map(Double.init), shape: [10, 1])
            try f.write("dY", [Double](repeating: 1, count: 20), shape: [10, 1, 2]); try f.write("d2Y", hessian, shape: [10, 1, 2, 2])
            try f.write("V", [Double](repeating: 0.5, count: 20), shape: [10, 1, 2]); try f.write("JV", [Double](repeating: 1, count: 10), shape: [10, 1, 1])
        }
        let r = try sobolev(["gradients", "--model", "model.h5", "--data", "all.h5", "--out", "g.h5"], in: dir)
        #expect(r.status == 0 && r.stdout.contains("note: all.h5: /d2Y left out"), "\(r.output)")
        let names = try H5File.open(dir + "/g.h5").openDataset("loss_terms").stringAttribute("term_names")
        #expect(names.first == "value" && names.contains("grad_1") && names.contains { $0.hasPrefix("dir") } && !names.contains { $0.hasPrefix("hess") }, "\(names)")
    }

    @Test("under mpirun a bad experiment ends the whole job promptly with the one error line")
    func underMpirun() throws {
        let dir = scratchFolder()
        try tinyYAML("  momentum: 0.5\n").write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let before = entries(dir)
        let start = Date()
        let r = try mpirun(2, [sobolevBinary, "sweep", "e.yaml", "--out", "r.h5"], in: dir, timeout: 60)
        #expect(r.status != 0)
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(r.stderr.contains("e.yaml") && r.stderr.contains("training.momentum") && r.stderr.contains("0.5"), "\(r.output)")
        // One rank reports; the rest is Open MPI's own noise about the abort.
        #expect(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count == 1, "\(r.stderr)")
        #expect(!r.output.contains("Fatal error"))
        #expect(entries(dir) == before, "left behind: \(entries(dir).subtracting(before))")
        try tinyYAML().replacingOccurrences(of: "train_samples: 8", with: "train_samples: 1000000000000")
            .write(toFile: dir + "/big.yaml", atomically: true, encoding: .utf8)
        let before2 = entries(dir)
        let data = try mpirun(2, [sobolevBinary, "sweep", "big.yaml", "--out", "r.h5"], in: dir, timeout: 60)
        #expect(data.status != 0 && data.stderr.contains("problem.train_samples"), "\(data.output)")
        #expect(data.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count == 1, "\(data.stderr)")
        #expect(entries(dir) == before2)
    }
}
