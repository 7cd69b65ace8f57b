"""Hand-written ``torch.optim.Optimizer`` subclasses for the labelled corpus.

They are written in the styles real code is written in — a ``step(closure=None)`` that never calls
the closure (the training loop has already run ``loss.backward()``), a step that rejects a closure,
steps that need one (line searches, SAM), a ``step(self)`` without one, float32 or bfloat16 state
inside a float64 model, a quantised buffer, optimizers that skip parameters or ignore gradients —
and are *not* adapted to any particular checker protocol. Their true verdicts are argued in
:mod:`benchmarks.corpus.labels` from the mathematics of what they compute.
"""

from __future__ import annotations

import math

import torch
from torch.optim import Optimizer

__all__ = [
    "ClosureFreeSGD",
    "ClosureFreeAdaGrad",
    "NoClosureMomentumSGD",
    "NoClosureAdam",
    "SAM",
    "SAMTwoClosures",
    "ArmijoGD",
    "MiniLBFGS",
    "PlainStepSGD",
    "PlainStepRMSprop",
    "Float32MomentumSGD",
    "Float32Adam",
    "BF16MomentumSGD",
    "BF16SecondMomentAdam",
    "Int8MomentumSGD",
    "VectorOnlySGD",
    "GlobalClipSGD",
    "CoordinateClipSGD",
    "GroupCounterAdam",
    "DecayOnly",
    "NeverSteps",
    "NesterovSGD",
    "NormalizedSGD",
    "SignSGDPerExample",
    "LionLike",
    "MultiplicativeEG",
    "EGPlusMinus",
    "FactoredSecondMoment",
    "FullMatrixAdaGrad",
    "PerCoordinateLR",
    "CentralizedSGD",
    "ShampooLike",
    "MuonSVD",
    "RowAdaGrad",
    "ColumnNormSGD",
]


# --------------------------------------------------------------------------------------------------
# closure conventions


class ClosureFreeSGD(Optimizer):
    """Plain SGD whose ``step`` accepts a closure for API compatibility but never calls it: the
    training loop calls ``loss.backward()`` before ``step()``."""

    def __init__(self, params, lr=0.005):
        if lr <= 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.add_(p.grad, alpha=-group["lr"])
        return None


class ClosureFreeAdaGrad(Optimizer):
    """Diagonal AdaGrad, ``step(closure=None)`` that never calls the closure."""

    def __init__(self, params, lr=0.05, eps=1e-10):
        super().__init__(params, dict(lr=lr, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["sum"] = torch.zeros_like(p)
                state["sum"].addcmul_(p.grad, p.grad, value=1.0)
                p.addcdiv_(p.grad, state["sum"].sqrt().add_(group["eps"]), value=-group["lr"])
        return None


class NoClosureMomentumSGD(Optimizer):
    """Heavy-ball SGD that refuses a closure."""

    def __init__(self, params, lr=0.003, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            raise ValueError("closure is not supported")
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = torch.clone(p.grad).detach()
                else:
                    buf.mul_(group["momentum"]).add_(p.grad)
                p.add_(buf, alpha=-group["lr"])


class NoClosureAdam(Optimizer):
    """Adam (bias-corrected) that refuses a closure."""

    def __init__(self, params, lr=0.05, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            raise ValueError("closure is not supported")
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = torch.zeros_like(p)
                    st["exp_avg_sq"] = torch.zeros_like(p)
                st["step"] += 1
                st["exp_avg"].lerp_(p.grad, 1 - b1)
                st["exp_avg_sq"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                bc1, bc2 = 1 - b1 ** st["step"], 1 - b2 ** st["step"]
                denom = (st["exp_avg_sq"].sqrt() / math.sqrt(bc2)).add_(group["eps"])
                p.addcdiv_(st["exp_avg"], denom, value=-group["lr"] / bc1)


class SAM(Optimizer):
    """Sharpness-aware minimisation in the common two-step style (after davda54/sam): the caller has
    run ``loss.backward()``; ``step(closure)`` perturbs to w + ρ g/‖g‖ (global L2 norm), re-evaluates
    the gradient with the closure, returns to w and takes an SGD step with the perturbed gradient."""

    def __init__(self, params, lr=0.005, rho=0.05):
        super().__init__(params, dict(lr=lr, rho=rho))

    @torch.no_grad()
    def first_step(self):
        grad_norm = torch.norm(torch.stack([p.grad.norm(p=2) for g in self.param_groups for p in g["params"]
                                            if p.grad is not None]), p=2)
        for group in self.param_groups:
            scale = group["rho"] / (grad_norm + 1e-12)
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.state[p]["old_p"] = p.data.clone()
                p.add_(p.grad * scale)

    @torch.no_grad()
    def second_step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.data = self.state[p]["old_p"]
                p.add_(p.grad, alpha=-group["lr"])

    @torch.no_grad()
    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("SAM requires a closure, but it was not provided")
        closure = torch.enable_grad()(closure)
        self.first_step()
        closure()
        self.second_step()


class SAMTwoClosures(Optimizer):
    """SAM that computes both gradients itself: ``closure()`` at w, then at w + ρ g/‖g‖₂."""

    def __init__(self, params, lr=0.005, rho=0.05):
        super().__init__(params, dict(lr=lr, rho=rho))

    def step(self, closure):
        with torch.enable_grad():
            loss = closure()
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        with torch.no_grad():
            norm = torch.sqrt(sum((p.grad**2).sum() for p in params))
            saved = [p.detach().clone() for p in params]
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=float(group["rho"] / (norm + 1e-12)))
        with torch.enable_grad():
            closure()
        with torch.no_grad():
            for p, w in zip(params, saved, strict=True):
                p.copy_(w).add_(p.grad, alpha=-self.param_groups[0]["lr"])
        return loss


class ArmijoGD(Optimizer):
    """Gradient descent with a backtracking (Armijo) line search on the closure's loss: t starts at
    ``lr`` and halves until f(w − t g) ≤ f(w) − ½ t ‖g‖²."""

    def __init__(self, params, lr=1.0, max_halvings=30):
        super().__init__(params, dict(lr=lr, max_halvings=max_halvings))

    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("ArmijoGD needs a closure that re-evaluates the loss")
        with torch.enable_grad():
            loss = float(closure())
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        grads = [p.grad.detach().clone() for p in params]
        start = [p.detach().clone() for p in params]
        gg = float(sum((g * g).sum() for g in grads))
        t = self.param_groups[0]["lr"]
        for _ in range(self.param_groups[0]["max_halvings"]):
            with torch.no_grad():
                for p, w, g in zip(params, start, grads, strict=True):
                    p.copy_(w - t * g)
            with torch.enable_grad():
                trial = float(closure())
            if trial <= loss - 0.5 * t * gg:
                break
            t *= 0.5
        return loss


class MiniLBFGS(Optimizer):
    """A small L-BFGS: one quasi-Newton step per call from the two-loop recursion over the last
    ``history`` (s, y) pairs (skipping pairs with sᵀy ≤ 1e-10), scaled by sᵀy/yᵀy, the step's
    length capped at ``max_step`` (L2). Needs the closure for the gradient."""

    def __init__(self, params, lr=0.5, history=5, max_step=1.0):
        super().__init__(params, dict(lr=lr, history=history, max_step=max_step))
        self._s, self._y = [], []
        self._prev_flat = None
        self._prev_grad = None

    def _flat(self, tensors):
        return torch.cat([t.reshape(-1) for t in tensors])

    def step(self, closure):
        with torch.enable_grad():
            loss = closure()
        group = self.param_groups[0]
        params = [p for p in group["params"] if p.grad is not None]
        x = self._flat([p.detach() for p in params]).clone()
        g = self._flat([p.grad for p in params]).clone()
        if self._prev_flat is not None:
            s, yv = x - self._prev_flat, g - self._prev_grad
            if float(s @ yv) > 1e-10:
                self._s.append(s)
                self._y.append(yv)
                if len(self._s) > group["history"]:
                    self._s.pop(0)
                    self._y.pop(0)
        q = g.clone()
        alphas = []
        for s, yv in zip(reversed(self._s), reversed(self._y), strict=True):
            a = (s @ q) / (yv @ s)
            alphas.append(a)
            q -= a * yv
        if self._s:
            q *= (self._s[-1] @ self._y[-1]) / (self._y[-1] @ self._y[-1])
        for (s, yv), a in zip(zip(self._s, self._y, strict=True), reversed(alphas), strict=True):
            b = (yv @ q) / (yv @ s)
            q += (a - b) * s
        direction = -group["lr"] * q
        norm = float(direction.norm())
        if norm > group["max_step"]:
            direction *= group["max_step"] / norm
        self._prev_flat, self._prev_grad = x, g
        with torch.no_grad():
            offset = 0
            for p in params:
                k = p.numel()
                p.add_(direction[offset : offset + k].view_as(p))
                offset += k
        return loss


class PlainStepSGD(Optimizer):
    """SGD with momentum whose ``step`` takes no closure at all: ``def step(self)``."""

    def __init__(self, params, lr=0.003, momentum=0.5):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "buf" not in st:
                    st["buf"] = torch.zeros_like(p)
                st["buf"].mul_(group["momentum"]).add_(p.grad)
                p.sub_(group["lr"] * st["buf"])


class PlainStepRMSprop(Optimizer):
    """RMSprop with ``def step(self)`` (no closure parameter)."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "square_avg" not in st:
                    st["square_avg"] = torch.zeros_like(p)
                sq = st["square_avg"]
                sq.mul_(group["alpha"]).addcmul_(p.grad, p.grad, value=1 - group["alpha"])
                p.addcdiv_(p.grad, sq.sqrt().add_(group["eps"]), value=-group["lr"])


# --------------------------------------------------------------------------------------------------
# reduced precision and quantised state inside a float64 model


class Float32MomentumSGD(Optimizer):
    """Heavy-ball SGD computed in float32 (a "mixed precision" optimizer): the gradient is cast with
    ``.float()``, the buffer is float32, the update is cast back with ``.double()``."""

    def __init__(self, params, lr=0.003, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.float()
                st = self.state[p]
                if "buf" not in st:
                    st["buf"] = torch.zeros_like(g)
                st["buf"].mul_(group["momentum"]).add_(g)
                update = st["buf"] * group["lr"]
                p.add_(-update.double())
        return loss


class Float32Adam(Optimizer):
    """Adam whose moments and update are float32 inside a float64 model."""

    def __init__(self, params, lr=0.05, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.float()
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["m"] = torch.zeros_like(g)
                    st["v"] = torch.zeros_like(g)
                st["step"] += 1
                st["m"].mul_(b1).add_(g, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(g, g, value=1 - b2)
                mh = st["m"] / (1 - b1 ** st["step"])
                vh = st["v"] / (1 - b2 ** st["step"])
                p.add_((-group["lr"] * mh / (vh.sqrt() + group["eps"])).double())
        return loss


class BF16MomentumSGD(Optimizer):
    """Heavy-ball SGD whose momentum buffer is stored in bfloat16 (memory-saving style)."""

    def __init__(self, params, lr=0.003, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "momentum_buffer" not in st:
                    st["momentum_buffer"] = torch.zeros_like(p, dtype=torch.bfloat16)
                buf = st["momentum_buffer"]
                buf.mul_(group["momentum"]).add_(p.grad.to(torch.bfloat16))
                p.add_(buf.to(p.dtype), alpha=-group["lr"])
        return loss


class BF16SecondMomentAdam(Optimizer):
    """Adam with its second moment ``exp_avg_sq`` kept in bfloat16."""

    def __init__(self, params, lr=0.05, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = torch.zeros_like(p)
                    st["exp_avg_sq"] = torch.zeros_like(p, dtype=torch.bfloat16)
                st["step"] += 1
                g = p.grad
                st["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
                v = st["exp_avg_sq"].to(p.dtype).mul_(b2).addcmul_(g, g, value=1 - b2)
                st["exp_avg_sq"].copy_(v)
                bc1, bc2 = 1 - b1 ** st["step"], 1 - b2 ** st["step"]
                denom = (st["exp_avg_sq"].to(p.dtype) / bc2).sqrt().add_(group["eps"])
                p.addcdiv_(st["exp_avg"], denom, value=-group["lr"] / bc1)
        return loss


class Int8MomentumSGD(Optimizer):
    """Heavy-ball SGD whose momentum is stored 8-bit: int8 codes with one per-tensor absmax scale
    (dequantised, updated, re-quantised every step)."""

    def __init__(self, params, lr=0.003, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "codes" not in st:
                    st["codes"] = torch.zeros_like(p, dtype=torch.int8)
                    st["scale"] = torch.zeros((), dtype=p.dtype)
                m = st["codes"].to(p.dtype) * st["scale"]
                m.mul_(group["momentum"]).add_(p.grad)
                absmax = m.abs().max().clamp_min(1e-30)
                st["scale"] = absmax / 127.0
                st["codes"] = torch.round(m / st["scale"]).clamp_(-127, 127).to(torch.int8)
                p.add_(st["codes"].to(p.dtype) * st["scale"], alpha=-group["lr"])
        return loss


# --------------------------------------------------------------------------------------------------
# parameters skipped, gradients ignored


class VectorOnlySGD(Optimizer):
    """SGD meant for biases and norm gains: it only updates parameters with ``p.ndim == 1``."""

    def __init__(self, params, lr=0.005):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None or p.ndim != 1:
                    continue
                p.add_(p.grad, alpha=-group["lr"])
        return loss


class DecayOnly(Optimizer):
    """An optimizer that only applies decoupled weight decay, p ← (1 − lr·wd) p, ignoring gradients."""

    def __init__(self, params, lr=0.05, weight_decay=0.1):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                p.mul_(1 - group["lr"] * group["weight_decay"])
        return loss


class NeverSteps(Optimizer):
    """Counts steps (for a scheduler) and evaluates the closure but never changes a parameter."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            group["step"] = group.get("step", 0) + 1
        return loss


# --------------------------------------------------------------------------------------------------
# update rules


class GlobalClipSGD(Optimizer):
    """SGD with the gradients clipped to a total (global) L2 norm ``max_norm`` first, as
    ``torch.nn.utils.clip_grad_norm_`` does."""

    def __init__(self, params, lr=0.05, max_norm=0.2):
        super().__init__(params, dict(lr=lr, max_norm=max_norm))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        if not params:
            return loss
        total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))
        max_norm = self.param_groups[0]["max_norm"]
        coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad * coef, alpha=-group["lr"])
        return loss


class CoordinateClipSGD(Optimizer):
    """SGD with every gradient coordinate clamped to [−clip, clip] (clip_grad_value_-style)."""

    def __init__(self, params, lr=0.05, clip=0.5):
        super().__init__(params, dict(lr=lr, clip=clip))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad.clamp(-group["clip"], group["clip"]), alpha=-group["lr"])
        return loss


class GroupCounterAdam(Optimizer):
    """Adam whose step counter lives in the param group (``group['step']``), not per parameter."""

    def __init__(self, params, lr=0.05, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            group["step"] = group.get("step", 0) + 1
            t = group["step"]
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["m"], st["v"] = torch.zeros_like(p), torch.zeros_like(p)
                st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                step_size = group["lr"] * math.sqrt(1 - b2**t) / (1 - b1**t)
                p.addcdiv_(st["m"], st["v"].sqrt().add_(group["eps"]), value=-step_size)
        return loss


class NesterovSGD(Optimizer):
    """SGD with Nesterov momentum in the PyTorch form: b ← μb + g, p ← p − lr (g + μb)."""

    def __init__(self, params, lr=0.002, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            mu = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                buf = st.setdefault("momentum_buffer", torch.zeros_like(p))
                buf.mul_(mu).add_(p.grad)
                p.add_(p.grad.add(buf, alpha=mu), alpha=-group["lr"])
        return loss


class NormalizedSGD(Optimizer):
    """Normalised gradient descent: p ← p − lr g/‖g‖₂ (per tensor)."""

    def __init__(self, params, lr=0.05, eps=1e-12):
        super().__init__(params, dict(lr=lr, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad / (p.grad.norm() + group["eps"]), alpha=-group["lr"])
        return loss


class SignSGDPerExample(Optimizer):
    """signSGD without momentum: p ← p − lr sign(g)."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(torch.sign(p.grad), alpha=-group["lr"])
        return loss


class LionLike(Optimizer):
    """Lion: u = sign(β₁m + (1−β₁)g); p ← p − lr u; m ← β₂m + (1−β₂)g."""

    def __init__(self, params, lr=0.01, betas=(0.9, 0.99)):
        super().__init__(params, dict(lr=lr, betas=betas))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                m = self.state[p].setdefault("exp_avg", torch.zeros_like(p))
                p.add_(torch.sign(m.mul(b1).add(p.grad, alpha=1 - b1)), alpha=-group["lr"])
                m.mul_(b2).add_(p.grad, alpha=1 - b2)
        return loss


class MultiplicativeEG(Optimizer):
    """Exponentiated-gradient step applied to the weights in place: p ← p ⊙ exp(−lr g)."""

    def __init__(self, params, lr=0.05):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.mul_(torch.exp(-group["lr"] * p.grad))
        return loss


class EGPlusMinus(Optimizer):
    """EG±: the optimizer keeps w = u − v with positive u, v (u = v = init at the start, so w = 0),
    u ← u ⊙ exp(−lr g), v ← v ⊙ exp(lr g), and writes u − v into the parameter."""

    def __init__(self, params, lr=0.05, init=0.1):
        super().__init__(params, dict(lr=lr, init=init))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["u"] = torch.full_like(p, group["init"]) + p.clamp(min=0)
                    st["v"] = torch.full_like(p, group["init"]) + (-p).clamp(min=0)
                st["u"].mul_(torch.exp(-group["lr"] * p.grad))
                st["v"].mul_(torch.exp(group["lr"] * p.grad))
                p.copy_(st["u"] - st["v"])
        return loss


class FactoredSecondMoment(Optimizer):
    """Adafactor-style factored second moment for matrices (row and column EMAs of G⊙G, the estimate
    R Cᵀ / ΣR), per-entry for vectors; update G/√V̂, no momentum, relative RMS clipping at 1."""

    def __init__(self, params, lr=0.02, beta2=0.99, eps=1e-30, clip=1.0):
        super().__init__(params, dict(lr=lr, beta2=beta2, eps=eps, clip=clip))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b2 = group["beta2"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                sq = g * g + group["eps"]
                st = self.state[p]
                if p.ndim >= 2:
                    if not st:
                        st["row"] = torch.zeros(p.shape[:-1], dtype=p.dtype)
                        st["col"] = torch.zeros(p.shape[-1:], dtype=p.dtype)
                    st["row"].mul_(b2).add_(sq.mean(-1), alpha=1 - b2)
                    st["col"].mul_(b2).add_(sq.mean(-2), alpha=1 - b2)
                    v = st["row"][:, None] * st["col"][None, :] / st["row"].sum()
                else:
                    if not st:
                        st["v"] = torch.zeros_like(p)
                    st["v"].mul_(b2).add_(sq, alpha=1 - b2)
                    v = st["v"]
                u = g / v.sqrt()
                rms = u.pow(2).mean().sqrt()
                u.div_(torch.clamp(rms / group["clip"], min=1.0))
                p.add_(u, alpha=-group["lr"])
        return loss


class FullMatrixAdaGrad(Optimizer):
    """Full-matrix AdaGrad on the flattened parameter: G ← G + ggᵀ, p ← p − lr (δI + G)^{-1/2} g."""

    def __init__(self, params, lr=0.05, delta=0.01):
        super().__init__(params, dict(lr=lr, delta=delta))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.reshape(-1)
                st = self.state[p]
                if not st:
                    st["G"] = torch.zeros(g.numel(), g.numel(), dtype=p.dtype)
                st["G"].add_(torch.outer(g, g))
                ev, V = torch.linalg.eigh(st["G"] + group["delta"] * torch.eye(g.numel(), dtype=p.dtype))
                pre = (V * ev.rsqrt()) @ V.T
                p.add_((pre @ g).view_as(p), alpha=-group["lr"])
        return loss


class PerCoordinateLR(Optimizer):
    """SGD with a fixed per-coordinate learning-rate profile: lr_i = lr (1 + i/d) along the last axis."""

    def __init__(self, params, lr=0.002):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.shape[-1]
                prof = 1 + torch.arange(d, dtype=p.dtype) / d
                p.add_(p.grad * prof, alpha=-group["lr"])
        return loss


class CentralizedSGD(Optimizer):
    """SGD with gradient centralisation: each output row of a matrix gradient has its mean over the
    input axis subtracted (g ← g − mean(g, dim=-1))."""

    def __init__(self, params, lr=0.005):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if g.ndim > 1:
                    g = g - g.mean(dim=tuple(range(1, g.ndim)), keepdim=True)
                p.add_(g, alpha=-group["lr"])
        return loss


class ShampooLike(Optimizer):
    """Two-sided Shampoo for matrices: L ← L + GGᵀ, R ← R + GᵀG, update (L + εI)^{-1/4} G (R + εI)^{-1/4}
    (matrix roots by float64 eigh)."""

    def __init__(self, params, lr=0.05, eps=1e-4):
        super().__init__(params, dict(lr=lr, eps=eps))

    @staticmethod
    def _root(A, eps):
        ev, V = torch.linalg.eigh(A + eps * torch.eye(A.shape[0], dtype=A.dtype))
        return (V * ev.clamp_min(eps).pow(-0.25)) @ V.T

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                G = p.grad.reshape(p.shape[0], -1)
                st = self.state[p]
                if not st:
                    st["L"] = torch.zeros(G.shape[0], G.shape[0], dtype=p.dtype)
                    st["R"] = torch.zeros(G.shape[1], G.shape[1], dtype=p.dtype)
                st["L"].add_(G @ G.T)
                st["R"].add_(G.T @ G)
                upd = self._root(st["L"], group["eps"]) @ G @ self._root(st["R"], group["eps"])
                p.add_(upd.view_as(p), alpha=-group["lr"])
        return loss


class MuonSVD(Optimizer):
    """Muon with the exact polar factor: momentum M ← μM + G, update U Vᵀ from a float64 SVD of M,
    keeping singular values above 1e-10·σ_max, scaled by √max(1, rows/cols)."""

    def __init__(self, params, lr=0.02, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                buf = st.setdefault("momentum_buffer", torch.zeros_like(p))
                buf.mul_(group["momentum"]).add_(p.grad)
                M = buf.reshape(p.shape[0], -1).double()
                U, S, Vh = torch.linalg.svd(M, full_matrices=False)
                if S.numel() == 0 or float(S[0]) == 0.0:
                    continue
                keep = S > 1e-10 * S[0]  # noqa: SIM300 (S is a tensor, not a constant)
                ortho = U[:, keep] @ Vh[keep, :]
                scale = max(1.0, M.shape[0] / M.shape[1]) ** 0.5
                p.add_(ortho.to(p.dtype).view_as(p), alpha=-group["lr"] * scale)
        return loss


class RowAdaGrad(Optimizer):
    """AdaGrad with one accumulator per output row: a_k ← a_k + Σ_i G_ki², G_k ← G_k/√(a_k + ε)."""

    def __init__(self, params, lr=0.05, eps=1e-10):
        super().__init__(params, dict(lr=lr, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                G = p.grad.reshape(p.shape[0], -1)
                acc = self.state[p].setdefault("row_sum", torch.zeros(p.shape[0], dtype=p.dtype))
                acc.add_((G * G).sum(1))
                p.add_((G / (acc + group["eps"]).sqrt()[:, None]).view_as(p), alpha=-group["lr"])
        return loss


class ColumnNormSGD(Optimizer):
    """Column-normalised update: each input column of the gradient is scaled to unit L2 norm,
    G[:, j] / (‖G[:, j]‖₂ + ε)."""

    def __init__(self, params, lr=0.02, eps=1e-8):
        super().__init__(params, dict(lr=lr, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                G = p.grad.reshape(p.shape[0], -1)
                p.add_((G / (G.norm(dim=0, keepdim=True) + group["eps"])).view_as(p), alpha=-group["lr"])
        return loss
