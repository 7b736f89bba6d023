"""Test errors of plain L2, first- and second-order Sobolev training over seeds, per training-set
size, from one or more sobolev results files (runs on a data file with Hessians, d2Y).

    python3 analysis/orders_table.py RESULTS.h5 [RESULTS.h5 ...] [--metric rmse|rel_l2] [--median]

Prints a Markdown table: per number of training samples, training (plain L2: lambda_grad = 0;
first order: lambda_grad > 0, loss.order 1; second order: loss.order 2) and epochs the mean +- std over seeds
of the test value, gradient and Hessian errors and of the training time; then, seed by seed, each
order's errors against the next lower order's (geometric mean of the ratios, and how many seeds
the higher order wins). The training-set size of
a run on a data file with problem.split fraction is round(f_train n), n the file's sample count,
recovered from the test set's size; runs of different problems (problem.file or problem.name)
get a table each: n_test = n - round(f_train n) - round(f_val n). Reads only the
documented layout (docs/results-format.md) with h5py.
"""
import argparse
from collections import defaultdict

import h5py
import numpy as np

ARMS = ["plain L2", "first order", "second order"]


def arm(attrs):
    order = int(attrs["loss.order"]) if "loss.order" in attrs else 1
    if order == 2:
        return "second order"
    return "plain L2" if float(attrs["loss.lambda_grad"]) == 0 else "first order"


def train_samples(run):
    a = run.attrs
    if str(a["problem.name"]) != "dataset":
        return int(a["problem.train_samples"])
    tf, vf = float(a["problem.train_fraction"]), float(a["problem.validation_fraction"])
    n_test = run["test/X"].shape[0]
    n = int(round(n_test / (1 - tf - vf)))
    # The exact n: the one whose split leaves n_test test samples.
    n = next(k for k in range(n - 3, n + 4) if k - max(1, round(tf * k)) - round(vf * k) == n_test)
    return max(1, int(round(tf * n)))


MEDIAN = False


def ms(values):
    v = np.asarray(values, dtype=float)
    cell = f"{v.mean():.3g} +- {v.std(ddof=1) if v.size > 1 else 0:.2g}"
    return cell + (f" ({np.median(v):.3g})" if MEDIAN else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="+")
    p.add_argument("--metric", default="rmse", choices=["rmse", "rel_l2"])
    p.add_argument("--median", action="store_true", help="also the median over seeds, in parentheses")
    args = p.parse_args()
    global MEDIAN
    MEDIAN = args.median
    groups = defaultdict(lambda: defaultdict(list))   # problem -> (samples, arm, epochs) -> [metrics dict]
    for path in args.files:
        with h5py.File(path, "r") as f:
            for run in f["runs"].values():
                if run.attrs["status"] != "completed":
                    continue
                m = run["metrics"].attrs
                key = (train_samples(run), arm(run.attrs), int(run.attrs["training.epochs"]))
                problem = str(run.attrs["problem.file"] if "problem.file" in run.attrs else run.attrs["problem.name"])
                groups[problem][key].append(dict(
                    value=float(m[f"test_value_{args.metric}"]), grad=float(m[f"test_grad_{args.metric}"]),
                    hess=float(m[f"test_hess_{args.metric}"]) if f"test_hess_{args.metric}" in m else np.nan,
                    time=float(run.attrs["train_time"]), seed=int(run.attrs["seed"])))
    name = "RMSE" if args.metric == "rmse" else "rel. L2"
    for problem in sorted(groups):
        if len(groups) > 1:
            print(f"\n### {problem}\n")
        table(groups[problem], name)


def table(rows, name):
    print(f"| samples | training | epochs | seeds | test value {name} | test gradient {name} | test Hessian {name} | training time (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (n, a, e) in sorted(rows, key=lambda k: (k[0], ARMS.index(k[1]), k[2])):
        rs = rows[(n, a, e)]
        print(f"| {n} | {a} | {e} | {len(rs)} | {ms([r['value'] for r in rs])} | {ms([r['grad'] for r in rs])} | "
              f"{ms([r['hess'] for r in rs])} | {ms([r['time'] for r in rs])} |")

    paired(rows, name)


def paired(rows, name):
    """Seed by seed (same training and test sets): how often, and by what geometric-mean factor,
    each training beats the next lower order at the same samples (the lower order at each of its
    epoch budgets: a longer one compares at equal training time)."""
    print(f"\nSeed by seed (the same training and test sets), the lower order's test {name} over the higher's: "
          "geometric mean of the ratios over seeds (the seeds where the higher order is better)\n")
    print("| samples | comparison (epochs) | seeds | value | gradient | Hessian |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (n, a, e) in sorted(rows, key=lambda k: (k[0], ARMS.index(k[1]), k[2])):
        i = ARMS.index(a)
        for (n2, a2, e2) in sorted(rows, key=lambda k: k[2]):
            if i == 0 or n2 != n or a2 != ARMS[i - 1]:
                continue
            lo = {r["seed"]: r for r in rows[(n2, a2, e2)]}
            hi = {r["seed"]: r for r in rows[(n, a, e)]}
            seeds = sorted(set(lo) & set(hi))
            cells = []
            for key in ("value", "grad", "hess"):
                ratios = np.array([lo[s][key] / hi[s][key] for s in seeds])
                cells.append(f"{np.exp(np.mean(np.log(ratios))):.2g}x ({int(np.sum(ratios > 1))}/{len(seeds)})")
            print(f"| {n} | {a2} ({e2}) / {a} ({e}) | {len(seeds)} | " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
