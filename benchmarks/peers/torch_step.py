"""The training step of `sobolev bench` in PyTorch (CPU, float64), fused and per-term.

Formulations (the fastest per case and mode is timed):
  autograd    J by m reverse passes (autograd.grad, create_graph=True), then the double backward:
              one autograd.grad of the weighted sum (fused) or one per term with retain_graph
  batched     as autograd, the T per-term gradients in one call (is_grads_batched=True)
  tangents    value and the d input tangents stacked, one GEMM per layer, then autograd as above
  tangents-batched   tangents with is_grads_batched=True
  func-jacfwd, func-jacrev   torch.func: vmap(jacfwd / jacrev) for J, torch.func.grad (fused) or
              torch.func.jacrev of the loss vector (per-term)
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

VARIANTS = {
    "fused": ["autograd", "tangents", "func-jacfwd", "func-jacrev"],
    "per-term": ["autograd", "batched", "tangents", "tangents-batched", "func-jacfwd", "func-jacrev"],
}


def forward(params, x):
    L = len(params) // 2
    h = x
    for l in range(L):
        z = torch.addmm(params[2 * l + 1], h, params[2 * l].T)
        h = torch.tanh(z) if l < L - 1 else z
    return h


def forward_tangents(params, x):
    """N(x) [B, m] and J [B, m, d]: h and its d tangents as one [B, 1 + d, n] block per layer."""
    B, d = x.shape
    W0, b0 = params[0], params[1]
    z = torch.addmm(b0, x, W0.T)
    Z = W0.T.expand(B, d, -1)  # dz/dx: the same for every sample
    L = len(params) // 2
    for l in range(1, L):
        t = torch.tanh(z)
        hb = torch.cat([t.unsqueeze(1), (1 - t * t).unsqueeze(1) * Z], dim=1)  # [B, 1 + d, n]
        zb = hb @ params[2 * l].T
        z, Z = zb[:, 0] + params[2 * l + 1], zb[:, 1:]
    return z, Z.transpose(1, 2)


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
    if variant.startswith("func-"):
        def f(params, x, y, dY, lam):
            p = tuple(q.detach() for q in params)
            if mode == "fused":
                def total(q):
                    l = functional_losses(variant, q, x, y, dY)
                    return l @ lam, l
                g, l = fgrad(total, has_aux=True)(p)
                return l, list(g)
            G, l = jacrev(lambda q: (functional_losses(variant, q, x, y, dY),) * 2, has_aux=True)(p)
            return l, list(G)
        return f

    def f(params, x, y, dY, lam):
        l = autograd_losses(variant, params, x, y, dY)
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
        self.x, self.y, self.dY = (torch.tensor(data[k]) for k in ("x", "y", "dY"))
        self.lam = torch.ones(data["x"].shape[1] + 1)
        self.fn = gradient_fn(mode, variant)
        # fused=True: one kernel for all arrays, several times faster than foreach here
        self.opt = torch.optim.Adam(self.tensors, lr=pc.LR, betas=(pc.BETA1, pc.BETA2), eps=pc.EPS,
                                    fused=True)

    def gradient(self):
        l, G = self.fn(self.tensors, self.x, self.y, self.dY, self.lam)
        flat = [g.reshape(g.shape[0], -1) if self.mode == "per-term" else g.reshape(-1) for g in G]
        return l.numpy(), torch.cat(flat, dim=-1).detach().numpy()

    def step(self):
        l, G = self.fn(self.tensors, self.x, self.y, self.dY, self.lam)
        with torch.no_grad():
            if self.mode == "per-term":
                # sum_t lambda_t g_t, and the per-term norms a gradient-based scheme would read
                self.norms = sum((g.reshape(g.shape[0], -1) ** 2).sum(dim=1) for g in G)
                G = [torch.tensordot(self.lam, g, dims=1) for g in G]
            for p, g in zip(self.tensors, G):
                p.grad = g
        self.opt.step()

    def sync(self):
        pass  # eager: every call has finished on return

    def params(self):
        return torch.cat([p.detach().reshape(-1) for p in self.tensors]).numpy().copy()


def build(data, mode, variant):
    return Step(data, mode, variant)


if __name__ == "__main__":
    pc.main("PyTorch", torch.__version__, VARIANTS, build, args)
    sys.exit(0)
