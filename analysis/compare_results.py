"""Compare two sobolev results files run by run: max relative differences, exit 1 above a tolerance.

    python3 analysis/compare_results.py A.h5 B.h5 [--tolerance 1e-6] [--match id|label] [--rank-by METRIC]

One row per run in both files (paired by run id, or with --match label by label, for files
whose ids differ): the largest |a - b| / max(|a|, |b|) of history/loss_terms,
history/val_loss_terms, history/lambda, the test_* metrics and all metrics; then the maximum of
each column and the configurations ranked by their mean --rank-by metric (test_grad_rmse) over
seeds in each file, shown but not judged (near ties may swap). Exits 1 when a difference exceeds
--tolerance, a run's status, steps or history shape differs or a run is in one file only; 2 on
unreadable input. Reads only the documented layout (docs/results-format.md) with h5py.

Two builds that only round differently agree to ~1e-12 for the first ~150 Adam steps; after
that training amplifies rounding (a 1-ulp change of the learning rate does the same), so a tight
check compares short runs (`sobolev run E.yaml --set training.epochs=150`, --tolerance 1e-10)
and full-length runs are compared by their conclusions.
"""
import argparse
import sys
from collections import defaultdict

import h5py
import numpy as np

HISTORY = ["loss_terms", "val_loss_terms", "lambda"]


def max_rel(a, b):
    """Largest |a - b| / max(|a|, |b|) over the elements; inf when shapes or NaN positions differ."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
        return np.inf
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    finite = np.isfinite(a) & np.isfinite(b)
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(np.where(finite, a, 0.0) - np.where(finite, b, 0.0))
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=finite & (scale > 0))
    rel[~finite] = np.where(a[~finite] == b[~finite], 0.0, np.inf)
    return float(rel.max()) if rel.size else 0.0


def compare_run(ra, rb):
    """Max relative difference per quantity of one run; None when the quantity is in neither."""
    row = {}
    for name in HISTORY:
        ina, inb = name in ra["history"], name in rb["history"]
        row[name] = max_rel(ra["history"][name][()], rb["history"][name][()]) if ina and inb else (
            np.inf if ina != inb else None)
    ma, mb = ra["metrics"].attrs, rb["metrics"].attrs
    rel = {k: max_rel(ma[k], mb[k]) if k in ma and k in mb else np.inf for k in set(ma) | set(mb)}
    row["test_metrics"] = max((v for k, v in rel.items() if k.startswith("test_")), default=None)
    row["all_metrics"] = max(rel.values(), default=None)
    return row


def bad_input(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def open_results(path):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        bad_input(f"{path}: cannot open as HDF5 ({e.__class__.__name__}: {str(e).split('(')[0].strip()})")
    if f.attrs.get("format") != "sobolev-results":
        bad_input(f"{path}: attribute format is {f.attrs.get('format')!r}, expected 'sobolev-results'")
    return f


def keyed_runs(f, match, path):
    """The file's runs by run id, or by label (which must then be unique)."""
    if match == "id":
        return dict(f["runs"].items())
    runs = {}
    for run in f["runs"].values():
        label = str(run.attrs["label"])
        if label in runs:
            bad_input(f"{path}: label {label!r} names two runs; match by id")
        runs[label] = run
    return runs


def ranking(f, metric):
    """Configurations by their mean metric over the completed seeds, best first."""
    groups = defaultdict(list)
    for run in f["runs"].values():
        if run.attrs["status"] == "completed" and metric in run["metrics"].attrs:
            groups[run.attrs["configuration"] or "(single configuration)"].append(float(run["metrics"].attrs[metric]))
    return sorted(((np.mean(v), c) for c, v in groups.items()))


def fmt(x):
    return "-" if x is None else f"{x:.2e}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--tolerance", type=float, default=1e-6, help="largest relative difference accepted (1e-6)")
    p.add_argument("--match", choices=["id", "label"], default="id", help="pair runs by run id (default) or label")
    p.add_argument("--rank-by", default="test_grad_rmse", help="metric ranking the configurations (test_grad_rmse)")
    args = p.parse_args()
    fa, fb = open_results(args.a), open_results(args.b)
    runs_a, runs_b = keyed_runs(fa, args.match, args.a), keyed_runs(fb, args.match, args.b)
    ids_a, ids_b = set(runs_a), set(runs_b)
    common = sorted(ids_a & ids_b, key=lambda i: str(runs_a[i].attrs["label"]))
    if not common:
        bad_input(f"{args.a}, {args.b}: no run {args.match} in both files")
    failed = False
    columns = HISTORY + ["test_metrics", "all_metrics"]
    worst = dict.fromkeys(columns)
    print(f"{'run (A)':<16}  {'label':<44}" + "".join(f"  {c:>14}" for c in columns))
    for rid in common:
        ra, rb = runs_a[rid], runs_b[rid]
        label, rid = str(ra.attrs["label"]), ra.name.rsplit("/", 1)[-1]
        if ra.attrs["status"] != rb.attrs["status"] or ra.attrs["steps"] != rb.attrs["steps"]:
            print(f"{rid}  {label:<44}  status/steps differ: {ra.attrs['status']}/{ra.attrs['steps']} "
                  f"vs {rb.attrs['status']}/{rb.attrs['steps']}")
            failed = True
            continue
        if ra.attrs["status"] != "completed":
            print(f"{rid}  {label:<44}  {ra.attrs['status']} in both")
            continue
        row = compare_run(ra, rb)
        for c in columns:
            if row[c] is not None:
                worst[c] = row[c] if worst[c] is None else max(worst[c], row[c])
        failed |= any(v is not None and v > args.tolerance for v in row.values())
        print(f"{rid}  {label:<44}" + "".join(f"  {fmt(row[c]):>14}" for c in columns))
    print(f"{'max':<16}  {f'({len(common)} runs)':<44}" + "".join(f"  {fmt(worst[c]):>14}" for c in columns))
    for only, path in ((ids_a - ids_b, args.a), (ids_b - ids_a, args.b)):
        if only:
            print(f"{len(only)} run(s) only in {path}: {', '.join(sorted(only))}")
            failed = True
    rank_a, rank_b = ranking(fa, args.rank_by), ranking(fb, args.rank_by)
    same = [c for _, c in rank_a] == [c for _, c in rank_b]
    print(f"\nconfigurations by mean {args.rank_by} ({'same order' if same else 'ORDER DIFFERS'}):")
    for i in range(max(len(rank_a), len(rank_b))):
        left = f"{rank_a[i][0]:.4g}  {rank_a[i][1]}" if i < len(rank_a) else ""
        right = f"{rank_b[i][0]:.4g}  {rank_b[i][1]}" if i < len(rank_b) else ""
        print(f"  {i + 1:>2}. {left:<50} | {right}")
    print(f"\n{'FAIL' if failed else 'OK'}: tolerance {args.tolerance:g}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
