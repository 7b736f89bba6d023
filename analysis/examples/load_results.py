"""Load a sobolev results file with h5py and pandas (no sobolev needed).

    pip install -r analysis/requirements.txt
    python3 analysis/examples/load_results.py results/quickstart.h5

Builds a DataFrame with one row per run (its attributes: configuration, seed, every experiment key,
status, timings; and every metric), prints the mean test errors per configuration, and loads the
loss history of the best run as a second DataFrame. The layout is docs/results-format.md.
"""
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


def load_runs(path):
    """One row per run: run attributes plus metrics, indexed by run id."""
    rows = []
    with h5py.File(path, "r") as f:
        if plain(f.attrs.get("format")) != "sobolev-results":
            raise SystemExit(f"{path}: not a sobolev results file (attribute format)")
        for run_id, run in f.get("runs", {}).items():
            row = {"id": run_id}
            row.update({key: plain(v) for key, v in run.attrs.items()})
            if "metrics" in run:
                row.update({key: float(v) for key, v in run["metrics"].attrs.items()})
            rows.append(row)
    return pd.DataFrame(rows).set_index("id")


def load_history(path, run_id):
    """The history of one run: step, each loss term and each weight lambda per logged step."""
    with h5py.File(path, "r") as f:
        h = f["runs"][run_id]["history"]
        names = plain(h["loss_terms"].attrs["term_names"])
        history = pd.DataFrame(h["loss_terms"][()], columns=[f"loss_{n}" for n in names])
        history.insert(0, "step", h["step"][()])
        if "lambda" in h:
            for j, n in enumerate(names):
                history[f"lambda_{n}"] = h["lambda"][:, j]
    return history


def main(path):
    runs = load_runs(path)
    print(f"runs: {len(runs)} rows x {runs.shape[1]} columns")
    completed = runs[runs["status"] == "completed"]
    metrics = [c for c in ("test_value_rmse", "test_grad_rmse") if c in runs.columns]
    print("mean test errors per configuration:")
    print(completed.groupby("configuration")[metrics].mean().sort_values(metrics[-1]).to_string())
    best = completed[metrics[-1]].idxmin()
    history = load_history(path, best)
    print(f"history of best run {best}: {len(history)} steps, columns {', '.join(history.columns)}")
    print(history.tail(3).to_string(index=False))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: load_results.py RESULTS.h5")
    main(sys.argv[1])
