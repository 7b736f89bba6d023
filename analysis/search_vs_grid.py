"""A search scheduler's pick against the full grid: validation error and epochs trained.

    python3 analysis/search_vs_grid.py GRID.h5 SEARCH.h5 [SEARCH.h5 ...] [--metric validation_value_rmse]

GRID.h5 is the experiment trained without search.scheduler (every run to the full budget); each
SEARCH.h5 the same experiment with a scheduler (the same run ids). The search's pick is its best
trial at the full budget by --metric; its compute is the sum over trials of the last budget
reached (search_budgets: a promoted trial continues from its checkpoint), against every grid run
at the full budget. Reads only the documented layout (docs/results-format.md) with h5py.
"""
import argparse
import h5py


def runs(path, metric):
    out = {}
    with h5py.File(path, "r") as f:
        for rid, g in f["runs"].items():
            status = g.attrs["status"]
            budgets = g.attrs.get("search_budgets")
            out[rid] = dict(status=status.decode() if isinstance(status, bytes) else str(status),
                            value=float(g["metrics"].attrs[metric]), label=str(g.attrs["label"]),
                            epochs=int(budgets[-1]) if budgets is not None else None)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("grid")
    p.add_argument("searches", nargs="+")
    p.add_argument("--metric", default="validation_value_rmse")
    a = p.parse_args()
    grid = runs(a.grid, a.metric)
    ranked = sorted(grid, key=lambda k: grid[k]["value"])
    best = ranked[0]
    full = max(r["epochs"] or 0 for path in a.searches for r in runs(path, a.metric).values())
    total = len(grid) * full
    print(f"grid: {len(grid)} runs, best {a.metric} {grid[best]['value']:.4g} ({grid[best]['label']}), {total} epochs")
    for path in a.searches:
        s = runs(path, a.metric)
        done = {k: v for k, v in s.items() if v["status"] == "completed"}
        pick = min(done, key=lambda k: done[k]["value"])
        spent = sum(v["epochs"] for v in s.values())
        same = "the grid run's bits" if s[pick]["value"] == grid[pick]["value"] else f"grid run: {grid[pick]['value']:.4g}"
        print(f"{path}: pick {s[pick]['value']:.4g} = {s[pick]['value'] / grid[best]['value']:.3f} x the grid's best "
              f"({s[pick]['label']}, rank {ranked.index(pick) + 1} of {len(grid)}, {same}); "
              f"{spent} epochs = {100 * spent / total:.1f}% of the grid's; {len(done)} trials at the full budget")


if __name__ == "__main__":
    main()
