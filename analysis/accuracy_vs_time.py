"""Accuracy against training time, per configuration over seeds, from one or more sobolev results files.

    python3 analysis/accuracy_vs_time.py RESULTS.h5 [RESULTS.h5 ...] [--group-by problem.file]

Prints Markdown: (1) mean +- std over seeds of the test value and gradient RMSE, the training
time and the time per step; (2) the validation errors at equal training time (at the end of the
fastest configuration of each group) and the time each configuration takes to reach the final
validation gradient RMSE of plain L2 and half-way (in log scale) to the full-Jacobian network's.

Times along a run are step * train_time / steps: every step of a fixed-weight run costs the same.
Validation errors come from history/val_loss_terms (normalised units, docs/results-format.md)
turned into RMSE in original units with the model's output_std and input_std:
value RMSE = sigma_y sqrt(2 L_value); gradient RMSE (one output) from the grad_j terms
= sqrt(mean_j 2 L_grad_j sigma_y^2 / sigma_x_j^2), exact; from the dir_c terms of loss.projections
(one fixed draw of k unit directions per validation sample in standardised inputs, where the
Jacobian error is E' = E sigma_x / sigma_y and E[(E' v)^2] = |E'|^2 / d)
= sigma_y / rms(sigma_x) sqrt(2 sum_c L_dir_c / k), an estimate (exact in expectation when
sigma_x is the same for every input). Reads only the
documented layout with h5py.
"""
import argparse
from collections import defaultdict

import h5py
import numpy as np


def run_curves(run):
    """(times [n], validation value RMSE [n], validation gradient RMSE [n]) of one run."""
    h, model = run["history"], run["model"]
    names = [str(n) for n in run.attrs["term_names"]]
    sy = float(model["output_std"][0])
    sx = np.asarray(model["input_std"][:], dtype=float)
    val = np.asarray(h["val_loss_terms"][:], dtype=float)
    t = np.asarray(h["step"][:], dtype=float) * float(run.attrs["train_time"]) / float(run.attrs["steps"])
    value = sy * np.sqrt(2 * val[:, 0])
    grad_cols = [i for i, n in enumerate(names) if n.startswith("grad_")]
    dir_cols = [i for i, n in enumerate(names) if n.startswith("dir_")]
    if grad_cols:
        grad = np.sqrt(np.mean(2 * val[:, grad_cols] * (sy / sx[None, :]) ** 2, axis=1))
    else:
        # The directions are drawn in standardised inputs: E' = E sigma_x / sigma_y.
        grad = sy / np.sqrt(np.mean(sx ** 2)) * np.sqrt(2 * val[:, dir_cols].sum(axis=1) / len(dir_cols))
    return t, value, grad


def label(run):
    """Configuration without the grouping key: what the tables compare."""
    a = run.attrs
    k = a["loss.projections"] if "loss.projections" in a else None
    lam = float(a["loss.lambda_grad"])
    if k is None:
        return "plain L2" if lam == 0 else "full Jacobian" + ("" if lam == 1 else f", lambda_grad {lam:g}")
    return f"k = {int(k)}" + ("" if lam == 1 else f", lambda_grad {lam:g}")


def at_time(t, y, when):
    """The last logged value at or before `when` (NaN before the first)."""
    i = np.searchsorted(t, when, side="right") - 1
    return y[i] if i >= 0 else np.nan


def first_time(t, y, target):
    """First logged time with y <= target (inf: never)."""
    hit = np.nonzero(y <= target)[0]
    return t[hit[0]] if hit.size else np.inf


def ms(values):
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3g} +- {v.std(ddof=1) if v.size > 1 else 0:.2g}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="+")
    p.add_argument("--group-by", default="problem.file")
    args = p.parse_args()
    runs = defaultdict(lambda: defaultdict(list))   # group -> label -> [record]
    order = []
    for path in args.files:
        with h5py.File(path, "r") as f:
            for run in f["runs"].values():
                if run.attrs["status"] != "completed":
                    continue
                a, m = run.attrs, run["metrics"].attrs
                group = str(a[args.group_by])
                name = label(run)
                if name not in order:
                    order.append(name)
                t, value, grad = run_curves(run)
                runs[group][name].append(dict(
                    seed=int(a["seed"]), test_value=float(m["test_value_rmse"]), test_grad=float(m["test_grad_rmse"]),
                    time=float(a["train_time"]), step_ms=1e3 * float(a["train_time"]) / float(a["steps"]),
                    plan=str(a["jacobian_plan"]), mode=str(a["gradient_mode_used"]), t=t, value=value, grad=grad))
    rank = {n: i for i, n in enumerate(["plain L2", "full Jacobian"])}
    for group in sorted(runs):
        configs = sorted(runs[group], key=lambda n: (rank.get(n, 2), n))
        print(f"\n### {args.group_by} = {group}\n")
        print("| training | seeds | test value RMSE | test gradient RMSE | training time (s) | ms per step | step |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for n in configs:
            rs = runs[group][n]
            steps = sorted({f"{r['mode']}, plan {r['plan']}" for r in rs})
            print(f"| {n} | {len(rs)} | {ms([r['test_value'] for r in rs])} | {ms([r['test_grad'] for r in rs])} | "
                  f"{ms([r['time'] for r in rs])} | {ms([r['step_ms'] for r in rs])} | {'; '.join(steps)} |")

        # Equal time: the end of the fastest configuration (mean over its seeds).
        t_eq = min(np.mean([r["time"] for r in runs[group][n]]) for n in configs)
        final = lambda n, key: np.mean([r[key][-1] for r in runs[group][n]])
        target_l2 = final("plain L2", "grad") if "plain L2" in runs[group] else None
        target_mid = None
        if target_l2 is not None and "full Jacobian" in runs[group]:
            target_mid = float(np.sqrt(target_l2 * final("full Jacobian", "grad")))
        print(f"\nValidation RMSE at equal training time t = {t_eq:.3g} s (the fastest configuration's end), and the time "
              f"to reach a validation gradient RMSE of {target_l2:.3g} (plain L2's final) and {target_mid:.3g} "
              f"(the geometric mean of plain L2's and the full Jacobian's final); mean +- std over seeds, "
              f"'never' counts seeds that do not reach it:\n")
        print(f"| training | value RMSE at t | gradient RMSE at t | time to {target_l2:.3g} (s) | time to {target_mid:.3g} (s) |")
        print("| --- | --- | --- | --- | --- |")
        for n in configs:
            rs = runs[group][n]
            cells = [ms([at_time(r["t"], r["value"], t_eq) for r in rs]), ms([at_time(r["t"], r["grad"], t_eq) for r in rs])]
            for target in (target_l2, target_mid):
                times = [first_time(r["t"], r["grad"], target) for r in rs]
                reached = [x for x in times if np.isfinite(x)]
                never = len(times) - len(reached)
                cell = ms(reached) if reached else "-"
                cells.append(cell + (f" ({never} never)" if never else ""))
            print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
