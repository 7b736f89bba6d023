"""Load a sobolev results file with h5py and pandas (no sobolev needed).

    pip install -r analysis/requirements.txt
    python3 analysis/examples/load_results.py results/quickstart.h5

Builds a DataFrame with one row per run (its attributes: configuration, seed, every experiment key,
status, timings; and every metric), prints the mean test errors per configuration, and loads the
loss history of the best run as a second DataFrame (a file without a completed run shows its runs
and says so). The layout is docs/results-format.md. Bad input (no such file, not HDF5, not a
results file) ends with one line naming the file, exit status 1.
"""
import os
import re
import sys

import h5py
import numpy as np
import pandas as pd


def plain(value):
    """HDF5 attribute -> Python value: bytes to str, numpy scalars to numbers, arrays to lists."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def fail(message):
    """One line on standard error, exit status 1."""
    raise SystemExit(message)


def open_hdf5(path):
    """The file opened for reading, or one line saying why it cannot be."""
    if not os.path.exists(path):
        fail(f"{path}: no such file")
    if os.path.isdir(path):
        fail(f"{path}: is a folder, not a results file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        reason = str(e)
        if "truncated" in reason:
            fail(f"{path}: cannot open the file: damaged or truncated")
        if isinstance(e, PermissionError):
            fail(f"{path}: cannot read the file (permission denied)")
        fail(f"{path}: not an HDF5 file (or damaged)")


def unreadable(e):
    """What h5py could not read, short: the missing object's name when it says one."""
    found = re.search(r"object '([^']*)' doesn't exist", str(e))
    return f"no {found[1]}" if found else str(e).strip("\"'")


def load_runs(path):
    """One row per run: run attributes plus metrics, indexed by run id."""
    rows = []
    with open_hdf5(path) as f:
        if plain(f.attrs.get("format")) != "sobolev-results":
            fail(f"{path}: not a sobolev results file (attribute format)")
        if not isinstance(f.get("runs"), h5py.Group):
            fail(f"{path}: /runs: no such group (a results file keeps its runs there)")
        for run_id, run in f["runs"].items():
            row = {"id": run_id}
            row.update({key: plain(v) for key, v in run.attrs.items()})
            if "metrics" in run:
                row.update({key: float(v) for key, v in run["metrics"].attrs.items()})
            rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else ["id"]).set_index("id")


def load_history(path, run_id):
    """The history of one run: step, each loss term and each weight lambda per logged step."""
    with open_hdf5(path) as f:
        h = f["runs"][run_id]["history"]
        names = plain(h["loss_terms"].attrs["term_names"])
        history = pd.DataFrame(h["loss_terms"][()], columns=[f"loss_{n}" for n in names])
        history.insert(0, "step", h["step"][()])
        if "lambda" in h:
            for j, n in enumerate(names):
                history[f"lambda_{n}"] = h["lambda"][:, j]
    return history


def main(path):
    try:
        runs = load_runs(path)
    except (OSError, KeyError) as e:  # a damaged file: h5py names the object it could not read
        fail(f"{path}: cannot read the runs ({unreadable(e)})")
    print(f"runs: {len(runs)} rows x {runs.shape[1]} columns")
    if "status" in runs.columns:
        print("status: " + ", ".join(f"{n} {s}" for s, n in runs["status"].value_counts().items()))
        completed = runs[runs["status"] == "completed"]
    else:
        completed = runs.iloc[0:0]
    if completed.empty:
        print(f"no completed run in {path}: no mean errors, no best run")
        return
    metrics = [c for c in ("test_value_rmse", "test_grad_rmse") if c in runs.columns]
    scored = completed.dropna(subset=metrics[-1:]) if metrics else completed.iloc[0:0]
    if scored.empty:
        fail(f"{path}: no completed run has metric test_value_rmse or test_grad_rmse")
    print("mean test errors per configuration:")
    print(scored.groupby("configuration")[metrics].mean().sort_values(metrics[-1]).to_string())
    best = scored[metrics[-1]].idxmin()
    try:
        history = load_history(path, best)
    except (OSError, KeyError) as e:
        fail(f"{path}: /runs/{best}/history: missing or incomplete ({unreadable(e)})")
    print(f"history of best run {best}: {len(history)} steps, columns {', '.join(history.columns)}")
    print(history.tail(3).to_string(index=False))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: load_results.py RESULTS.h5")
    main(sys.argv[1])
