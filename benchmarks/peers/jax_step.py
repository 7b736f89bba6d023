"""The training step of `sobolev bench` in JAX (CPU, jit, x64), fused and per-term.

Formulations (the fastest per case and mode is timed); the whole step, Adam included, is one jit:
  jacfwd, jacrev   J = vmap(jacfwd / jacrev(net)) per sample
  tangents         value and the d input tangents stacked, one GEMM per layer
and then jax.grad of the weighted sum (fused) or jax.jacrev of the loss vector, the T x P per-term
gradients (per-term).
"""

import sys

import peer_common as pc

args = pc.parse_args("JAX")
pc.pin_threads(args.threads)

import os  # noqa: E402

import jax  # noqa: E402 (after the thread settings)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")


def start_xla(threads):
    """XLA's CPU client sizes its compute thread pool by the CPUs the process may run on, whatever
    the flags say (two busy threads measured on 2 cores): create it while the process may run on
    `threads` CPUs only, then let every thread run anywhere again (not pinned to a busy core)."""
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, sorted(allowed)[:threads])
    jnp.zeros(1).block_until_ready()
    for tid in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(tid), allowed)


start_xla(args.threads)

JACOBIANS = ["jacfwd", "jacrev", "tangents"]
VARIANTS = {"fused": JACOBIANS, "per-term": JACOBIANS}


def forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(h @ W.T + b)
    W, b = params[-1]
    return h @ W.T + b


def forward_tangents(params, x):
    """N(x) [B, m] and J [B, m, d]: h and its d tangents as one [B, 1 + d, n] block per layer."""
    B, d = x.shape
    W0, b0 = params[0]
    z = x @ W0.T + b0
    Z = jnp.broadcast_to(W0.T, (B, d, W0.shape[0]))
    for W, b in params[1:]:
        t = jnp.tanh(z)
        hb = jnp.concatenate([t[:, None], (1 - t * t)[:, None] * Z], axis=1)
        zb = hb @ W.T
        z, Z = zb[:, 0] + b, zb[:, 1:]
    return z, jnp.swapaxes(Z, 1, 2)


def losses_fn(jacobian):
    def net1(p, x1):
        return forward(p, x1[None])[0]

    def losses(params, x, y, dY):
        if jacobian == "tangents":
            out, J = forward_tangents(params, x)
        else:
            jac = jax.jacfwd if jacobian == "jacfwd" else jax.jacrev
            out, J = forward(params, x), jax.vmap(jac(net1, argnums=1), in_axes=(None, 0))(params, x)
        B = x.shape[0]
        r, E = out - y, J - dY
        return jnp.concatenate([(0.5 / B) * jnp.sum(r * r)[None], (0.5 / B) * jnp.sum(E * E, axis=(0, 1))])
    return losses


def gradient_fn(mode, variant):
    """(params, x, y, dY, lam) -> (losses [T], gradient pytree: leaves [..] fused or [T, ..])."""
    losses = losses_fn(variant)
    if mode == "fused":
        def total(params, x, y, dY, lam):
            l = losses(params, x, y, dY)
            return l @ lam, l
        g = jax.grad(total, has_aux=True)
        return lambda *a: g(*a)[::-1]
    G = jax.jacrev(lambda p, x, y, dY: (losses(p, x, y, dY),) * 2, has_aux=True)
    return lambda params, x, y, dY, lam: G(params, x, y, dY)[::-1]


def adam(params, state, g):
    m, v, t = state
    t = t + 1
    m = jax.tree.map(lambda m, g: pc.BETA1 * m + (1 - pc.BETA1) * g, m, g)
    v = jax.tree.map(lambda v, g: pc.BETA2 * v + (1 - pc.BETA2) * g * g, v, g)
    c1, c2 = 1 - pc.BETA1 ** t, 1 - pc.BETA2 ** t
    params = jax.tree.map(lambda p, m, v: p - (pc.LR / c1) * m / (jnp.sqrt(v / c2) + pc.EPS), params, m, v)
    return params, (m, v, t)


def step_fn(mode, variant):
    grad = gradient_fn(mode, variant)

    def step(params, state, x, y, dY, lam):
        l, G = grad(params, x, y, dY, lam)
        norms = None
        if mode == "per-term":
            # sum_t lambda_t g_t, and the per-term norms a gradient-based scheme would read
            norms = sum(jnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in jax.tree.leaves(G))
            G = jax.tree.map(lambda g: jnp.tensordot(lam, g, axes=1), G)
        params, state = adam(params, state, G)
        return params, state, l, norms
    return jax.jit(step, donate_argnums=(0, 1))


class Step:
    def __init__(self, data, mode, variant):
        self.mode = mode
        p = [jnp.asarray(a) for a in data["params"]]
        self.p = [(p[i], p[i + 1]) for i in range(0, len(p), 2)]
        zeros = jax.tree.map(jnp.zeros_like, self.p)
        self.state = (zeros, jax.tree.map(jnp.zeros_like, self.p), jnp.zeros((), jnp.int64))
        self.data = tuple(jnp.asarray(data[k]) for k in ("x", "y", "dY"))
        self.lam = jnp.ones(data["x"].shape[1] + 1)
        self.grad = jax.jit(gradient_fn(mode, variant))
        self.step_jit = step_fn(mode, variant)
        self.out = None

    def gradient(self):
        l, G = self.grad(self.p, *self.data, self.lam)
        leaves = jax.tree.leaves(G)
        if self.mode == "per-term":
            flat = np.concatenate([np.asarray(g).reshape(g.shape[0], -1) for g in leaves], axis=1)
        else:
            flat = np.concatenate([np.asarray(g).reshape(-1) for g in leaves])
        return np.asarray(l), flat

    def step(self):
        self.p, self.state, *self.out = self.step_jit(self.p, self.state, *self.data, self.lam)

    def sync(self):
        jax.block_until_ready(self.p)

    def params(self):
        return np.concatenate([np.asarray(a).reshape(-1) for a in jax.tree.leaves(self.p)])


def build(data, mode, variant):
    return Step(data, mode, variant)


if __name__ == "__main__":
    pc.main("JAX", jax.__version__, VARIANTS, build, args)
    sys.exit(0)
