"""The training step of `sobolev bench` in PyTorch (CPU, float64), fused and per-term.

Formulations (the fastest per case and mode is timed):
  autograd    J by m reverse passes (autograd.grad, create_graph=True), then the double backward:
              one autograd.grad of the weighted sum (fused) or one per term with retain_graph
  batched     as autograd, the T per-term gradients in one call (is_grads_batched=True)
  tangents    value and the d input tangents stacked, one GEMM per layer, then autograd as above
  tangents-batched   tangents with is_grads_batched=True
  func-jacfwd, func-jacrev   torch.func: vmap(jacfwd / jacrev) for J, torch.func.grad (fused) or
              torch.func.jacrev of the loss vector (per-term)
Order 2 (cases with "order": 2, the Hessian-pair terms too):
  tangents2(-batched)   value, d first- and d(d+1)/2 second-order tangents stacked, one GEMM per
              layer, then autograd as above
  func-hessian   torch.func: vmap(jacrev) for J and vmap(jacfwd(jacrev)) for the Hessian
"""

import sys

import peer_common as pc

args = pc.parse_args("PyTorch")
pc.pin_threads(args.threads)

import torch  # noqa: E402 (after the thread settings)
from torch.func import grad as fgrad, jacfwd, jacrev, vmap  # noqa: E402

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(args.threads)
torch.set_default_dtype(torch.float64)

VARIANTS_1 = {
    "fused": ["autograd", "tangents", "func-jacfwd", "func-jacrev"],
    "per-term": ["autograd", "batched", "tangents", "tangents-batched", "func-jacfwd", "func-jacrev"],
}
# Order 2 (Hessian-pair terms): the second-order tangents stacked like sobolev's forward, or
# torch.func's Hessian (jacfwd over jacrev) per sample.
VARIANTS_2 = {
    "fused": ["tangents2", "func-hessian"],
    "per-term": ["tangents2", "tangents2-batched", "func-hessian"],
}


def VARIANTS(case):
    return VARIANTS_2 if case.get("order", 1) == 2 else VARIANTS_1


class Activation:
    """phi (torch's own function), (phi, phi') and (phi, phi', phi'') from shared pieces, for the
    stacked tangents: sobolev's six activations (softplus without torch's linear cut-off at 20).
    Eager torch computes what it is asked for, hence d1 beside d2."""

    def __init__(self, name):
        F, sqrt_half, inv_sqrt_2pi = torch.nn.functional, 0.5 ** 0.5, (2 * torch.pi) ** -0.5

        def logistic(z, order):
            s = torch.sigmoid(z)
            if name == "softplus":
                return (self.phi(z), s) if order == 1 else (self.phi(z), s, s * (1 - s))
            d = s * (1 - s)
            if name == "sigmoid":
                return (s, d) if order == 1 else (s, d, d * (1 - 2 * s))
            return (z * s, s + z * d) if order == 1 else (z * s, s + z * d, d * (2 + z * (1 - 2 * s)))

        def gelu(z, order):
            cdf = 0.5 * torch.special.erfc(-sqrt_half * z)
            pdf = inv_sqrt_2pi * torch.exp(-0.5 * z * z)
            return (z * cdf, cdf + z * pdf) if order == 1 else (z * cdf, cdf + z * pdf, pdf * (2 - z * z))

        def tanh(z, order):
            t = torch.tanh(z)
            p1 = 1 - t * t
            return (t, p1) if order == 1 else (t, p1, -2 * t * p1)

        def sin(z, order):
            s = torch.sin(z)
            return (s, torch.cos(z)) if order == 1 else (s, torch.cos(z), -s)

        self.phi, pieces = {"tanh": (torch.tanh, tanh), "sin": (torch.sin, sin),
                            "sigmoid": (torch.sigmoid, logistic), "silu": (F.silu, logistic),
                            "softplus": (lambda z: F.softplus(z, threshold=40), logistic),
                            "gelu": (F.gelu, gelu)}[name]
        self.d1 = lambda z: pieces(z, 1)
        self.d2 = lambda z: pieces(z, 2)


ACT = Activation("tanh")  # the case's, set by build()


def forward(params, x):
    L = len(params) // 2
    h = x
    for l in range(L):
        z = torch.addmm(params[2 * l + 1], h, params[2 * l].T)
        h = ACT.phi(z) if l < L - 1 else z
    return h


def forward_tangents(params, x):
    """N(x) [B, m] and J [B, m, d]: h and its d tangents as one [B, 1 + d, n] block per layer."""
    B, d = x.shape
    W0, b0 = params[0], params[1]
    z = torch.addmm(b0, x, W0.T)
    Z = W0.T.expand(B, d, -1)  # dz/dx: the same for every sample
    L = len(params) // 2
    for l in range(1, L):
        t, p1 = ACT.d1(z)
        hb = torch.cat([t.unsqueeze(1), p1.unsqueeze(1) * Z], dim=1)  # [B, 1 + d, n]
        zb = hb @ params[2 * l].T
        z, Z = zb[:, 0] + params[2 * l + 1], zb[:, 1:]
    return z, Z.transpose(1, 2)


def forward_tangents2(params, x, jj, kk):
    """N(x) [B, m], J [B, m, d] and the pairs' Hessian entries [B, m, D]: h, its d first-order
    and D second-order tangents (h''_jk = phi'' z'_j z'_k + phi' z''_jk) as one block per layer."""
    B, d = x.shape
    W0, b0 = params[0], params[1]
    z = torch.addmm(b0, x, W0.T)
    Z1, Z2 = W0.T.expand(B, d, -1), None  # z'' = 0 at the first layer
    L = len(params) // 2
    for l in range(1, L):
        t, p1, p2 = ACT.d2(z)
        T2 = p2.unsqueeze(1) * Z1[:, jj] * Z1[:, kk]
        if Z2 is not None:
            T2 = T2 + p1.unsqueeze(1) * Z2
        hb = torch.cat([t.unsqueeze(1), p1.unsqueeze(1) * Z1, T2], dim=1)  # [B, 1 + d + D, n]
        zb = hb @ params[2 * l].T
        z, Z1, Z2 = zb[:, 0] + params[2 * l + 1], zb[:, 1:1 + d], zb[:, 1 + d:]
    return z, Z1.transpose(1, 2), Z2.transpose(1, 2)


def losses2_of(out, J, Hp, y, dY, Hy):
    B = out.shape[0]
    E = Hp - Hy
    return torch.cat([losses_of(out, J, y, dY), (0.5 / B) * (E * E).sum(dim=(0, 1))])


def losses2(variant, params, x, y, dY, Hy, jj, kk):
    if variant.startswith("tangents2"):
        return losses2_of(*forward_tangents2(params, x, jj, kk), y, dY, Hy)

    def net1(p, x1):
        return forward(p, x1.unsqueeze(0))[0]

    J = vmap(jacrev(net1, argnums=1), in_dims=(None, 0))(params, x)
    H = vmap(jacfwd(jacrev(net1, argnums=1), argnums=1), in_dims=(None, 0))(params, x)
    return losses2_of(forward(params, x), J, H[:, :, jj, kk], y, dY, Hy)


def gradient_fn2(mode, variant, jj, kk):
    """As gradient_fn, order 2: (params, x, y, dY, Hy, lam) -> (losses [T], gradients)."""
    return gradients_of(mode, variant, lambda v, p, x, y, dY, Hy: losses2(v, p, x, y, dY, Hy, jj, kk))


def losses_of(out, J, y, dY):
    B = out.shape[0]
    r = out - y
    E = J - dY
    return torch.cat([(0.5 / B) * (r * r).sum().reshape(1), (0.5 / B) * (E * E).sum(dim=(0, 1))])


def jacobian_reverse(params, x):
    x = x.detach().requires_grad_(True)
    out = forward(params, x)
    m = out.shape[1]
    rows = [torch.autograd.grad(out[:, o].sum(), x, create_graph=True)[0] for o in range(m)]
    return out, torch.stack(rows, dim=1)


def autograd_losses(variant, params, x, y, dY):
    out, J = forward_tangents(params, x) if variant.startswith("tangents") else jacobian_reverse(params, x)
    return losses_of(out, J, y, dY)


def functional_losses(variant, params, x, y, dY):
    def net1(p, x1):
        return forward(p, x1.unsqueeze(0))[0]

    jac = jacfwd if variant == "func-jacfwd" else jacrev
    J = vmap(jac(net1, argnums=1), in_dims=(None, 0))(params, x)
    return losses_of(forward(params, x), J, y, dY)


def gradient_fn(mode, variant):
    """(params, x, y, dY, lam) -> (losses [T], gradients: per parameter [P_k] or [T, P_k])."""
    return gradients_of(mode, variant, functional_losses if variant.startswith("func-") else autograd_losses)


def gradients_of(mode, variant, losses):
    """(params, *data, lam) -> (losses [T], gradients) of losses(variant, params, *data): one
    gradient of l @ lam (fused) or every term's (per-term), by autograd or torch.func."""
    if variant.startswith("func-"):
        def f(params, *args):
            *data, lam = args
            p = tuple(q.detach() for q in params)
            if mode == "fused":
                def total(q):
                    l = losses(variant, q, *data)
                    return l @ lam, l
                g, l = fgrad(total, has_aux=True)(p)
                return l, list(g)
            G, l = jacrev(lambda q: (losses(variant, q, *data),) * 2, has_aux=True)(p)
            return l, list(G)
        return f

    def f(params, *args):
        *data, lam = args
        l = losses(variant, params, *data)
        if mode == "fused":
            return l.detach(), list(torch.autograd.grad(l @ lam, params))
        T = l.shape[0]
        if variant.endswith("batched"):
            G = torch.autograd.grad(l, params, grad_outputs=torch.eye(T), is_grads_batched=True)
        else:
            per = [torch.autograd.grad(l[t], params, retain_graph=t < T - 1) for t in range(T)]
            G = [torch.stack(gs) for gs in zip(*per)]
        return l.detach(), list(G)
    return f


class Step:
    def __init__(self, data, mode, variant):
        self.mode = mode
        self.tensors = [torch.tensor(a, requires_grad=True) for a in data["params"]]
        self.data = (torch.tensor(data["x"]),) + tuple(torch.tensor(a) for a in pc.targets(data))
        self.lam = torch.ones(pc.term_count(data))
        if data["order"] == 2:
            self.fn = gradient_fn2(mode, variant, *(torch.tensor(a) for a in data["pairs"]))
        else:
            self.fn = gradient_fn(mode, variant)
        # fused=True: one kernel for all arrays, several times faster than foreach here
        self.opt = torch.optim.Adam(self.tensors, lr=pc.LR, betas=(pc.BETA1, pc.BETA2), eps=pc.EPS,
                                    fused=True)

    def gradient(self):
        l, G = self.fn(self.tensors, *self.data, self.lam)
        flat = [g.reshape(g.shape[0], -1) if self.mode == "per-term" else g.reshape(-1) for g in G]
        return l.numpy(), torch.cat(flat, dim=-1).detach().numpy()

    def step(self):
        l, G = self.fn(self.tensors, *self.data, self.lam)
        with torch.no_grad():
            if self.mode == "per-term":
                # sum_t lambda_t g_t, and the per-term norms a gradient-based scheme would read
                self.norms = sum((g.reshape(g.shape[0], -1) ** 2).sum(dim=1) for g in G)
                G = [torch.tensordot(self.lam, g, dims=1) for g in G]
            for p, g in zip(self.tensors, G):
                # fused Adam reads the gradient in the parameter's layout: the tangents' dW_0 comes
                # back transposed (from W0.T.expand), which it would read scrambled
                p.grad = g.contiguous()
        self.opt.step()

    def sync(self):
        pass  # eager: every call has finished on return

    def params(self):
        return torch.cat([p.detach().reshape(-1) for p in self.tensors]).numpy().copy()


def build(data, mode, variant):
    global ACT
    ACT = Activation(data["activation"])
    return Step(data, mode, variant)


if __name__ == "__main__":
    pc.main("PyTorch", torch.__version__, VARIANTS, build, args)
    sys.exit(0)
