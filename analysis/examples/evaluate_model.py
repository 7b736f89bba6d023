"""Evaluate a stored sobolev surrogate and its Jacobian with numpy and h5py only (no sobolev).

    python3 analysis/examples/evaluate_model.py RESULTS.h5[:/runs[/<id>]] INPUTS [--out OUT.h5] [--metric M]

INPUTS is a CSV file with the model's input columns (the run's problem.input_columns, else x0, x1,
...) or an HDF5 file with X [n, d]. Without a run id the best completed run by --metric (default
test_grad_rmse; highest for R^2) is used, as `sobolev predict` does (--metric with a run named is
an error). With --out the values Y [n, m] and the Jacobian dYdX [n, m, d] (dYdX[i, o, j] =
dy_o/dx_j) go to an HDF5 file, otherwise they are printed. The model layout is
docs/results-format.md ("Model layout"). A CSV file is read as `sobolev predict` reads it, and
refused as it refuses it (a row with another number of fields than the header, a cell that is not
a finite decimal number, no data rows); bad input ends with one line naming the file, group or
value, exit status 1, and nothing written.
"""
import argparse
import csv
import math
import os
import re
import sys

import h5py
import numpy as np

_erfc = np.vectorize(math.erfc)


def _logistic(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def activation(name, u):
    """phi(u) and phi'(u), as sobolev computes them."""
    if name == "tanh":
        t = np.tanh(u)
        return t, 1 - t * t
    if name == "sin":
        return np.sin(u), np.cos(u)
    if name == "softplus":
        return np.where(u > 0, u + np.log1p(np.exp(-np.abs(u))), np.log1p(np.exp(-np.abs(u)))), _logistic(u)
    if name == "sigmoid":
        s = _logistic(u)
        return s, s * (1 - s)
    if name == "gelu":
        pdf = np.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)
        cdf = 0.5 * _erfc(-u / math.sqrt(2))
        return u * cdf, cdf + u * pdf
    if name == "silu":
        s = _logistic(u)
        return u * s, s * (1 + u * (1 - s))
    raise SystemExit(f"unknown activation {name!r}")


def fail(message):
    """One line on standard error, exit status 1."""
    raise SystemExit(message)


def unreadable(e):
    """What h5py could not read, short: the missing object or attribute when it names one."""
    found = re.search(r"object '([^']*)' doesn't exist", str(e))
    if found:
        return f"no {found[1]}"
    found = re.search(r"can't locate attribute:? '([^']*)'", str(e))
    return f"no attribute {found[1]}" if found else str(e).strip("\"'")


def open_hdf5(path, role=""):
    """The file opened for reading, or one line saying why it cannot be (role: "inputs" or "")."""
    named = f" ({role})" if role else ""
    if not os.path.exists(path):
        fail(f"{path}: no such file{named}")
    if os.path.isdir(path):
        fail(f"{path}: is a folder, not a file{named}")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        if "truncated" in str(e):
            fail(f"{path}: cannot open the file: damaged or truncated{named}")
        if isinstance(e, PermissionError):
            fail(f"{path}: cannot read the file (permission denied){named}")
        hint = "; inputs are a .csv file or an HDF5 file with X" if role else ""
        fail(f"{path}: not an HDF5 file (or damaged){hint}")


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class Model:
    """The model layout of a group: weights, biases, slopes, activation and standardisation."""

    def __init__(self, group):
        sizes = [int(s) for s in group.attrs["layer_sizes"]]
        self.activation = text(group.attrs["activation"])
        self.weights = [group[f"W{l}"][()] for l in range(len(sizes) - 1)]
        self.biases = [group[f"b{l}"][()] for l in range(len(sizes) - 1)]
        scale = float(group.attrs.get("adaptive_scale", 0))
        hidden = len(sizes) - 2
        self.slopes = scale * group["slopes"][()] if scale > 0 else None
        d, m = sizes[0], sizes[-1]
        self.input_mean = group["input_mean"][()] if "input_mean" in group else np.zeros(d)
        self.input_std = group["input_std"][()] if "input_std" in group else np.ones(d)
        self.output_mean = group["output_mean"][()] if "output_mean" in group else np.zeros(m)
        self.output_std = group["output_std"][()] if "output_std" in group else np.ones(m)
        assert self.slopes is None or len(self.slopes) == hidden

    def evaluate(self, x):
        """Values [n, m] and Jacobians [n, m, d] at x [n, d], original units: forward tangents
        t_0 = e_j, zt_l = W_l t_{l-1}, t_l = s phi'(s z_l) zt_l, as docs/design.md derives."""
        h = (x - self.input_mean) / self.input_std
        n, d = x.shape
        t = np.broadcast_to(np.eye(d), (n, d, d))  # t[i, j, :]: tangent of direction j
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = h @ w.T + b
            zt = t @ w.T
            if l == last:
                h, t = z, zt
                break
            s = 1.0 if self.slopes is None else self.slopes[l]
            phi, dphi = activation(self.activation, s * z)
            h, t = phi, (s * dphi)[:, None, :] * zt
        y = self.output_mean + self.output_std * h
        jacobian = np.transpose(t, (0, 2, 1)) * (self.output_std[:, None] / self.input_std[None, :])
        return y, jacobian


def split(spec):
    """FILE or FILE:/group."""
    head, sep, tail = spec.rpartition(":")
    return (head, tail) if sep and tail.startswith("/") else (spec, None)


def open_model(spec, metric):
    """(Model, location, input names) as `sobolev predict` chooses them."""
    path, group = split(spec)
    f = open_hdf5(path)
    if "runs" in f and group in (None, "/runs"):
        if group is None and "model" in f:
            raise SystemExit(f"{path}: holds runs (/runs) and a model (/model); name one: {path}:/model, "
                             f"{path}:/runs/<id>, or {path}:/runs for the best completed run by --metric")
        metric = metric or "test_grad_rmse"
        scored = []
        for run_id, run in f["runs"].items():
            metrics = run.get("metrics")
            if text(run.attrs.get("status", "")) == "completed" and metrics is not None and metric in metrics.attrs:
                value = float(run["metrics"].attrs[metric])
                if math.isfinite(value):
                    scored.append((-value if "_r2" in metric else value, run_id))
        if not scored:
            raise SystemExit(f"{path}: no completed run has metric {metric}")
        group = f"/runs/{min(scored)[1]}"
    elif metric is not None:
        named = f"the model is named ({group})" if group else "the file holds one model, no runs"
        raise SystemExit(f"{path}: --metric {metric} chooses nothing: {named}; leave --metric out")
    if group is None:
        group = "/model" if "model" in f else "/"
    if group not in f or not isinstance(f[group], h5py.Group):
        fail(f"{path}: {group}: no such group")
    g = f[group]
    if g.name.endswith("/model") and "status" in g.parent.attrs:
        g = g.parent  # FILE:/runs/<id>/model names the run
    run = g if "model" in g else None
    if run is not None:
        if text(run.attrs.get("status", "completed")) != "completed":
            raise SystemExit(f"{path}:{group}: the run {text(run.attrs['status'])}; its model is not usable")
        g = g["model"]
    try:
        model = Model(g)
    except KeyError as e:
        fail(f"{path}: {g.name}: not a model ({unreadable(e)})")
    d = len(model.input_mean)
    names = [f"x{j}" for j in range(d)]
    if run is not None and "problem.input_columns" in run.attrs:
        names = [text(v) for v in run.attrs["problem.input_columns"]]
    return model, f"{path}:{g.name}", names


_DECIMAL = re.compile(r"[0-9+\-.eE]+")
_HEX = re.compile(r"[+-]?0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*([pP][+-]?[0-9]+)?")


def number(cell, where):
    """A CSV cell as predict reads it: a finite decimal number (not nan, inf or 0x10)."""
    try:
        value = float(cell) if _DECIMAL.fullmatch(cell) else math.nan
    except ValueError:
        value = math.nan
    if math.isfinite(value):
        return value
    try:
        hexadecimal = _HEX.fullmatch(cell) is not None and math.isfinite(float.fromhex(cell))
    except ValueError:
        hexadecimal = False
    fail(f"{where}: expected a {'decimal' if hexadecimal else 'finite'} number, got '{cell}'")


def read_csv(path, names):
    """As sobolev reads CSV: RFC 4180 quoting, one record per line, fields trimmed, '#' lines and
    blank lines skipped, a byte-order mark ignored; errors name the file's own line numbers."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\x89HDF\r\n\x1a\n"):
        fail(f"{path}: is an HDF5 file, not CSV text (name it .h5)")
    lines = [(number_, line) for number_, line in enumerate(raw.decode("utf-8-sig", errors="replace").splitlines(), 1)
             if line.strip() and not line.startswith("#")]
    if not lines:
        fail(f"{path}: the file is empty")
    cells = lambda line: [c.strip() for c in next(csv.reader([line], skipinitialspace=True), [""])]
    (header_line, header), rows = (lines[0][0], cells(lines[0][1])), []
    for line_number, line in lines[1:]:
        row = cells(line)
        if len(row) != len(header):
            fail(f"{path}: line {line_number}: has {len(row)} fields, the header has {len(header)}")
        rows.append((line_number, row))
    if not rows:
        fail(f"{path}: no data rows after the header")
    for c in names:
        if c not in header:
            fail(f"{path}: column {c}: not in the header (input); columns are {', '.join(header)}")
        if header.count(c) > 1:
            fail(f"{path}: line {header_line}, column {c}: the header names this column twice")
    index = [header.index(c) for c in names]
    return np.array([[number(row[j], f"{path}: line {n}, column {header[j]}") for j in index] for n, row in rows])


def read_inputs(path, names):
    if path.lower().endswith(".csv") and os.path.isfile(path):
        return read_csv(path, names)
    with open_hdf5(path, "inputs") as f:
        if not isinstance(f.get("X"), h5py.Dataset):
            fail(f"{path}: /X: no such dataset")
        try:
            x = np.asarray(f["X"][()], dtype=np.float64)
        except (TypeError, ValueError, OSError):
            fail(f"{path}: /X: not an array of numbers")
    if not np.all(np.isfinite(x)):
        fail(f"{path}: /X: holds NaN or Inf")
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="RESULTS.h5[:/runs] (the best completed run by --metric), RESULTS.h5:/runs/<id> or FILE:/group")
    parser.add_argument("inputs", help="CSV with the input columns, or HDF5 with X [n, d]")
    parser.add_argument("--out", help="HDF5 file for Y and dYdX (not overwritten)")
    parser.add_argument("--metric", help="metric that picks the best completed run (default test_grad_rmse; lower is better, R² higher)")
    args = parser.parse_args()
    if args.out is not None:
        if not args.out.lower().endswith((".h5", ".hdf5")):
            fail(f"--out {args.out}: name an .h5 or .hdf5 file (this script writes HDF5)")
        folder = os.path.dirname(args.out) or "."
        if not os.path.isdir(folder):
            fail(f"{args.out}: folder {folder} does not exist")
        if os.path.lexists(args.out):
            fail(f"{args.out} exists already; not overwritten")

    model, location, names = open_model(args.model, args.metric)
    x = read_inputs(args.inputs, names)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise SystemExit(f"{args.inputs}: inputs of shape {x.shape}, the model takes {len(names)} inputs")
    y, jacobian = model.evaluate(x)
    print(f"model: {location}")
    if args.out is None:
        np.set_printoptions(precision=17)
        print("Y =", y, "\ndYdX =", jacobian, sep="\n")
        return
    try:
        with h5py.File(args.out, "w-") as f:
            f.attrs["model"] = location
            f["X"], f["Y"], f["dYdX"] = x, y, jacobian
    except OSError as e:
        if not isinstance(e, FileExistsError) and os.path.exists(args.out):
            os.remove(args.out)  # a partial file: nothing is left behind
        fail(f"{args.out}: cannot write the file ({e.strerror or 'HDF5 error'})")
    print(f"wrote {args.out}: Y {y.shape}, dYdX {jacobian.shape}")


if __name__ == "__main__":
    sys.exit(main())
