"""The training step of `sobolev bench` in JAX (CPU, jit, x64), fused and per-term.

Formulations (the fastest per case and mode is timed); the whole step, Adam included, is one jit:
  jacfwd, jacrev   J = vmap(jacfwd / jacrev(net)) per sample
  tangents         value and the d input tangents stacked, one GEMM per layer
and then jax.grad of the weighted sum (fused) or jax.jacrev of the loss vector, the T x P per-term
gradients (per-term). Order 2 (cases with "order": 2, the Hessian-pair terms too): hessian
(vmap(jax.hessian(net)), J by vmap(jacrev)) or tangents2 (value, d first- and d(d+1)/2
second-order tangents stacked, one GEMM per layer).
"""

import sys

import peer_common as pc

args = pc.parse_args("JAX")
pc.pin_threads(args.threads)

import os  # noqa: E402

import jax  # noqa: E402 (after the thread settings)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.special  # noqa: E402
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
# Order 2: jax.hessian (jacfwd over jacrev) per sample, or the stacked second-order tangents.
HESSIANS = ["hessian", "tangents2"]


def VARIANTS(case):
    v = HESSIANS if case.get("order", 1) == 2 else JACOBIANS
    return {"fused": v, "per-term": v}


class Activation:
    """phi (JAX's own function), (phi, phi') and (phi, phi', phi'') from shared pieces, for the
    stacked tangents: sobolev's six activations."""

    def __init__(self, name):
        sqrt_half, inv_sqrt_2pi = 0.5 ** 0.5, (2 * np.pi) ** -0.5
        if name == "tanh":
            self.phi = jnp.tanh
            def d2(z):
                t = jnp.tanh(z)
                p1 = 1 - t * t
                return t, p1, -2 * t * p1
        elif name == "sin":
            self.phi = jnp.sin
            def d2(z):
                s = jnp.sin(z)
                return s, jnp.cos(z), -s
        elif name in ("sigmoid", "softplus", "silu"):
            self.phi = {"sigmoid": jax.nn.sigmoid, "softplus": jax.nn.softplus, "silu": jax.nn.silu}[name]
            def d2(z):
                s = jax.nn.sigmoid(z)
                d = s * (1 - s)
                if name == "sigmoid":
                    return s, d, d * (1 - 2 * s)
                if name == "softplus":
                    return self.phi(z), s, d
                return z * s, s + z * d, d * (2 + z * (1 - 2 * s))
        elif name == "gelu":
            self.phi = lambda z: jax.nn.gelu(z, approximate=False)
            def d2(z):
                cdf = 0.5 * jax.scipy.special.erfc(-sqrt_half * z)
                pdf = inv_sqrt_2pi * jnp.exp(-0.5 * z * z)
                return z * cdf, cdf + z * pdf, pdf * (2 - z * z)
        else:
            raise ValueError(f"activation {name!r}")
        self.d2 = d2
        self.d1 = lambda z: d2(z)[:2]  # jit drops what is not used


ACT = Activation("tanh")  # the case's, set by build()


def forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = ACT.phi(h @ W.T + b)
    W, b = params[-1]
    return h @ W.T + b


def forward_tangents(params, x):
    """N(x) [B, m] and J [B, m, d]: h and its d tangents as one [B, 1 + d, n] block per layer."""
    B, d = x.shape
    W0, b0 = params[0]
    z = x @ W0.T + b0
    Z = jnp.broadcast_to(W0.T, (B, d, W0.shape[0]))
    for W, b in params[1:]:
        t, p1 = ACT.d1(z)
        hb = jnp.concatenate([t[:, None], p1[:, None] * Z], axis=1)
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


def forward_tangents2(params, x, jj, kk):
    """N(x) [B, m], J [B, m, d] and the pairs' Hessian entries [B, m, D]: h, its d first-order
    and D second-order tangents (h''_jk = phi'' z'_j z'_k + phi' z''_jk) as one block per layer."""
    B, d = x.shape
    W0, b0 = params[0]
    z = x @ W0.T + b0
    Z1, Z2 = jnp.broadcast_to(W0.T, (B, d, W0.shape[0])), None
    for W, b in params[1:]:
        t, p1, p2 = ACT.d2(z)
        T2 = p2[:, None] * Z1[:, jj] * Z1[:, kk]
        if Z2 is not None:
            T2 = T2 + p1[:, None] * Z2
        zb = jnp.concatenate([t[:, None], p1[:, None] * Z1, T2], axis=1) @ W.T
        z, Z1, Z2 = zb[:, 0] + b, zb[:, 1:1 + d], zb[:, 1 + d:]
    return z, jnp.swapaxes(Z1, 1, 2), jnp.swapaxes(Z2, 1, 2)


def losses2_fn(variant, jj, kk):
    def net1(p, x1):
        return forward(p, x1[None])[0]

    def losses(params, x, y, dY, Hy):
        if variant == "tangents2":
            out, J, Hp = forward_tangents2(params, x, jj, kk)
        else:
            out = forward(params, x)
            J = jax.vmap(jax.jacrev(net1, argnums=1), in_axes=(None, 0))(params, x)
            Hp = jax.vmap(jax.hessian(net1, argnums=1), in_axes=(None, 0))(params, x)[:, :, jj, kk]
        B = x.shape[0]
        r, E, F = out - y, J - dY, Hp - Hy
        return jnp.concatenate([(0.5 / B) * jnp.sum(r * r)[None], (0.5 / B) * jnp.sum(E * E, axis=(0, 1)),
                                (0.5 / B) * jnp.sum(F * F, axis=(0, 1))])
    return losses


def gradient_fn(mode, variant, pairs=None):
    """(params, data, lam) -> (losses [T], gradient pytree: leaves [..] fused or [T, ..]); data =
    (x, y, dY) or, with the Hessian pairs (order 2), (x, y, dY, Hy)."""
    losses = losses_fn(variant) if pairs is None else losses2_fn(variant, *pairs)
    if mode == "fused":
        def total(params, data, lam):
            l = losses(params, *data)
            return l @ lam, l
        g = jax.grad(total, has_aux=True)
        return lambda *a: g(*a)[::-1]
    G = jax.jacrev(lambda p, data: (losses(p, *data),) * 2, has_aux=True)
    return lambda params, data, lam: G(params, data)[::-1]


def adam(params, state, g):
    m, v, t = state
    t = t + 1
    m = jax.tree.map(lambda m, g: pc.BETA1 * m + (1 - pc.BETA1) * g, m, g)
    v = jax.tree.map(lambda v, g: pc.BETA2 * v + (1 - pc.BETA2) * g * g, v, g)
    c1, c2 = 1 - pc.BETA1 ** t, 1 - pc.BETA2 ** t
    params = jax.tree.map(lambda p, m, v: p - (pc.LR / c1) * m / (jnp.sqrt(v / c2) + pc.EPS), params, m, v)
    return params, (m, v, t)


def step_fn(mode, variant, pairs=None):
    grad = gradient_fn(mode, variant, pairs)

    def step(params, state, data, lam):
        l, G = grad(params, data, lam)
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
        self.data = (jnp.asarray(data["x"]),) + tuple(jnp.asarray(a) for a in pc.targets(data))
        self.lam = jnp.ones(pc.term_count(data))
        pairs = tuple(np.asarray(a) for a in data["pairs"]) if data["order"] == 2 else None
        self.grad = jax.jit(gradient_fn(mode, variant, pairs))
        self.step_jit = step_fn(mode, variant, pairs)
        self.out = None

    def gradient(self):
        l, G = self.grad(self.p, self.data, self.lam)
        leaves = jax.tree.leaves(G)
        if self.mode == "per-term":
            flat = np.concatenate([np.asarray(g).reshape(g.shape[0], -1) for g in leaves], axis=1)
        else:
            flat = np.concatenate([np.asarray(g).reshape(-1) for g in leaves])
        return np.asarray(l), flat

    def step(self):
        self.p, self.state, *self.out = self.step_jit(self.p, self.state, self.data, self.lam)

    def sync(self):
        jax.block_until_ready(self.p)

    def params(self):
        return np.concatenate([np.asarray(a).reshape(-1) for a in jax.tree.leaves(self.p)])


def build(data, mode, variant):
    global ACT
    ACT = Activation(data["activation"])
    return Step(data, mode, variant)


if __name__ == "__main__":
    pc.main("JAX", jax.__version__, VARIANTS, build, args)
    sys.exit(0)
