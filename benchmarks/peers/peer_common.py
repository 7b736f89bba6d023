"""What the PyTorch and JAX peers share: cases, data, checks, timing and output.

A peer module supplies `VARIANTS` ({mode: [name, ...]}, or a function of the case giving it) and `build(data, mode, variant)`, returning
an object with `gradient()` -> (losses [T], gradient) at the initial parameters (gradient: [T, P]
per term or [P] fused, flattened as W0, b0, W1, b1, ... row-major), `step()` (one training step:
gradient(s), weighted sum, Adam update), `sync()` (wait for queued work) and `params()` ([P]).
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np

MODES = ("fused", "per-term")
# sobolev's activations; each peer implements all of them with its own library functions.
ACTIVATIONS = ("tanh", "sin", "softplus", "sigmoid", "gelu", "silu")
LR, BETA1, BETA2, EPS = 1e-4, 0.9, 0.999, 1e-8

# Tolerances of the checks (relative, in the 2-norm of the whole vector).
TOL_GRAD = 1e-10
TOL_LOSS = 1e-12
TOL_UPDATE = 1e-8


def fail(message, code=1):
    print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
    sys.exit(code)


def parse_args(peer):
    p = argparse.ArgumentParser(description=f"The training step of `sobolev bench` in {peer}.")
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--cases", default=os.path.join(here, "..", "cases.json"))
    p.add_argument("--only", help="comma-separated case names (default: all)")
    p.add_argument("--mode", choices=MODES + ("both",), default="both")
    p.add_argument("--seconds", type=float, default=2.0, help="timed seconds per case and mode")
    p.add_argument("--trial-seconds", type=float, default=0.3,
                   help="timed seconds per formulation when choosing the fastest")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0, help="seed of the data and initial weights")
    p.add_argument("--variant", help="time this formulation only (needs one case and one mode)")
    p.add_argument("--select-only", action="store_true",
                   help="check and choose the fastest formulation, do not time it further")
    p.add_argument("--no-check", action="store_true", help="skip the correctness checks")
    p.add_argument("--check-out", help="write the checked figures of the case to this .npz")
    args = p.parse_args()
    if args.threads < 1:
        fail(f"--threads must be at least 1, got {args.threads}", 2)
    if args.seconds <= 0 or args.trial_seconds <= 0:
        fail("--seconds and --trial-seconds must be positive", 2)
    return args


def pin_threads(n):
    """Thread counts for BLAS, OpenMP, PyTorch and XLA; call before importing torch or jax."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    multi = "true" if n > 1 else "false"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_cpu_multi_thread_eigen={multi}"
                               f" intra_op_parallelism_threads={n}").strip()


def load_cases(path, only):
    try:
        with open(path) as f:
            cases = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{path}: {e}", 2)
    if not isinstance(cases, list):
        fail(f"{path}: expected a list of cases, got {type(cases).__name__}", 2)
    for c in cases:
        check_case(path, c)
    if only:
        names = [c["name"] for c in cases]
        wanted = only.split(",")
        for w in wanted:
            if w not in names:
                fail(f"{path}: no case named '{w}' (have {', '.join(names)})", 2)
        cases = [c for c in cases if c["name"] in wanted]
    return cases


def check_case(path, c):
    name = c.get("name", "?") if isinstance(c, dict) else "?"
    if not isinstance(c, dict):
        fail(f"{path}: case {c!r} is not an object", 2)
    for key in ("name", "inputs", "outputs", "hidden", "batch", "activation"):
        if key not in c:
            fail(f"{path}: case '{name}' lacks key '{key}'", 2)
    for key in ("inputs", "outputs", "batch"):
        if not (isinstance(c[key], int) and c[key] >= 1):
            fail(f"{path}: case '{name}': {key} must be a positive integer, got {c[key]!r}", 2)
    h = c["hidden"]
    if not (isinstance(h, list) and h and all(isinstance(n, int) and n >= 1 for n in h)):
        fail(f"{path}: case '{name}': hidden must be a list of positive integers, got {h!r}", 2)
    if c.get("order", 1) not in (1, 2):
        fail(f"{path}: case '{name}': order must be 1 or 2, got {c['order']!r}", 2)
    if c["activation"] not in ACTIVATIONS:
        fail(f"{path}: case '{name}': activation {c['activation']!r} (have {', '.join(ACTIVATIONS)})", 2)


def widths(case):
    return [case["inputs"]] + case["hidden"] + [case["outputs"]]


def make_data(case, seed):
    """x, y, dY ~ U(-1, 1) and Glorot-uniform weights, zero biases, all float64 from one seed."""
    rng = np.random.default_rng(seed)
    B, d, m = case["batch"], case["inputs"], case["outputs"]
    x = rng.uniform(-1, 1, (B, d))
    y = rng.uniform(-1, 1, (B, m))
    dY = rng.uniform(-1, 1, (B, m, d))
    params = []
    n = widths(case)
    for n_in, n_out in zip(n[:-1], n[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        params.append(rng.uniform(-limit, limit, (n_out, n_in)))
        params.append(np.zeros(n_out))
    data = {"x": x, "y": y, "dY": dY, "params": params, "order": case.get("order", 1),
            "activation": case["activation"]}
    if data["order"] == 2:
        # Order 2: symmetric Hessian targets d2Y ~ U(-1, 1) [B, m, d, d] (drawn last: the order-1 data
        # stay those of the same seed), and the pairs (j, k), j <= k, row-major: one term each.
        upper = rng.uniform(-1, 1, (B, m, d, d))
        data["d2Y"] = np.triu(upper) + np.swapaxes(np.triu(upper, 1), 2, 3)
        data["pairs"] = np.triu_indices(d)
    return data


def term_count(data):
    """T = 1 + d (value, gradient terms), plus d (d + 1) / 2 Hessian-pair terms at order 2."""
    d = data["x"].shape[1]
    return 1 + d + (d * (d + 1) // 2 if data["order"] == 2 else 0)


def targets(data):
    """The loss targets after x: y, dY, and at order 2 the pairs' Hessian entries d2Y[:, :, j, k] [B, m, D]."""
    if data["order"] == 1:
        return data["y"], data["dY"]
    jj, kk = data["pairs"]
    return data["y"], data["dY"], data["d2Y"][:, :, jj, kk]


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), np.finfo(float).tiny))


def peak_rss_bytes():
    # VmHWM is this program's own peak: getrusage's ru_maxrss keeps the peak of the process image
    # before exec, here the Python runner that started us (it set a floor under small cases).
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def time_steps(stepper, seconds, min_steps=3):
    """(mean seconds per step over at least `seconds` and `min_steps` steps, steps, best chunk's
    seconds per step, CPU seconds per wall second: about the threads used) after one warm-up
    step (the JIT compile)."""
    stepper.step()
    stepper.sync()
    # Wait for the steps only in chunks of about 0.05 s: JAX dispatches asynchronously.
    t0 = time.perf_counter()
    stepper.step()
    stepper.sync()
    one = max(time.perf_counter() - t0, 1e-7)
    if min_steps <= 1 and one >= seconds:  # one step outlasts a trial: it is the trial
        return one, 1, one, float("nan")
    chunk = max(1, int(0.05 / one))
    steps, best, t0, cpu0 = 0, float("inf"), time.perf_counter(), time.process_time()
    while True:
        t1 = time.perf_counter()
        for _ in range(chunk):
            stepper.step()
        stepper.sync()
        steps += chunk
        now = time.perf_counter()
        best = min(best, (now - t1) / chunk)
        if now - t0 >= seconds and steps >= min_steps:
            return (now - t0) / steps, steps, best, (time.process_time() - cpu0) / (now - t0)


def check(case, data, modes, build, variants, out_path):
    """Every formulation against the first per-term one: losses, per-term gradients, their sum
    against every fused gradient, one Adam update per mode. Exits on a mismatch."""
    name = case["name"]
    variants = variants(case) if callable(variants) else variants
    ref = build(data, "per-term", variants["per-term"][0])
    losses, G = ref.gradient()
    g_sum = G.sum(axis=0)
    figures = {"losses": losses, "per_term": G, "fused": g_sum}

    def expect(what, err, tol):
        if not err <= tol:
            fail(f"case '{name}': {what} differ by {err:.3e} relative (tolerance {tol:g})")

    for mode in modes:
        for v in variants[mode]:
            s = build(data, mode, v)
            l, g = s.gradient()
            expect(f"{mode} '{v}' losses", rel(l, losses), TOL_LOSS)
            if mode == "per-term":
                expect(f"per-term '{v}' term gradients", rel(g, G), TOL_GRAD)
            else:
                expect(f"fused '{v}' gradient and the sum of per-term gradients", rel(g, g_sum), TOL_GRAD)
            if v == variants[mode][0]:
                p0 = s.params()
                s.step()
                s.sync()
                figures[f"update_{mode.replace('-', '_')}"] = s.params() - p0
    if len(modes) == 2:
        expect("fused and per-term Adam updates", rel(figures["update_fused"], figures["update_per_term"]),
               TOL_UPDATE)
    if out_path:
        np.savez(out_path, **figures)
    return figures


def emit(record):
    print(json.dumps(record), flush=True)


def main(peer, version, variants, build, args):
    cases = load_cases(args.cases, args.only)
    modes = MODES if args.mode == "both" else (args.mode,)
    if args.variant and (len(cases) != 1 or len(modes) != 1):
        fail("--variant needs one case (--only) and one mode (--mode)", 2)
    by_case = variants if callable(variants) else (lambda case: variants)
    if args.variant and args.variant not in by_case(cases[0])[modes[0]]:
        fail(f"no {modes[0]} formulation '{args.variant}' (have {', '.join(by_case(cases[0])[modes[0]])})", 2)
    for case in cases:
        variants = by_case(case)
        data = make_data(case, args.seed)
        if not args.no_check:
            figures = check(case, data, modes, build, variants, args.check_out)
            print(f"{peer} {case['name']}: checked {', '.join(m + ' ' + '/'.join(variants[m]) for m in modes)}; "
                  f"losses {' '.join(f'{v:.6g}' for v in figures['losses'])}", file=sys.stderr)
        for mode in modes:
            chosen, trials = args.variant, {}
            if not chosen:
                for v in variants[mode]:
                    try:
                        # the best chunk: the least disturbed by other processes on a busy machine
                        trials[v] = time_steps(build(data, mode, v), args.trial_seconds, 1)[2]
                    except (RuntimeError, MemoryError) as e:  # e.g. out of memory: skip this one
                        trials[v] = f"failed: {str(e).splitlines()[0][:200]}"
                    print(f"{peer} {case['name']} {mode} {v}: {trials[v]}", file=sys.stderr)
                timed = {v: t for v, t in trials.items() if isinstance(t, float)}
                if not timed:
                    fail(f"case '{case['name']}' {mode}: every formulation failed")
                chosen = min(timed, key=timed.get)
                emit({"peer": peer, "version": version, "case": case["name"], "mode": mode,
                      "kind": "select", "variant": chosen, "trials": trials})
            if args.select_only:
                continue
            per_step, steps, best, cpu = time_steps(build(data, mode, chosen), args.seconds)
            emit({"peer": peer, "version": version, "case": case["name"], "mode": mode, "kind": "result",
                  "variant": chosen, "seconds_per_step": per_step, "steps": steps, "best_chunk_seconds_per_step": best,
                  "cpu_per_wall": cpu,
                  "peak_rss_bytes": peak_rss_bytes(), "threads": args.threads})
