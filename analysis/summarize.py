"""Mean and median of chosen metrics over seeds, per configuration, from a sobolev results file.

    python3 analysis/summarize.py RESULTS.h5 [metric ...]

Reads only the documented layout (docs/results-format.md) with h5py.
"""
import sys
from collections import defaultdict

import h5py
import numpy as np


def main(path, metrics):
    with h5py.File(path, "r") as f:
        groups = defaultdict(lambda: defaultdict(list))
        for run in f["runs"].values():
            if run.attrs["status"] != "completed":
                continue
            config = run.attrs["configuration"] or "(single configuration)"
            for m in metrics or ["test_value_rmse", "test_grad_rmse"]:
                if m in run["metrics"].attrs:
                    groups[config][m].append(float(run["metrics"].attrs[m]))
    for config in sorted(groups):
        cells = [f"{m} {np.mean(v):.3g} / {np.median(v):.3g} (n={len(v)})" for m, v in groups[config].items()]
        print(f"{config}: " + "; ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
