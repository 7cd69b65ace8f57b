"""Many problems trained at once (docs/design.md#batched-fits): one optimizer instance, one parameter
tensor (or one model's tensors) per problem, all in one param group, stepped together.

Each problem runs the protocol of :mod:`.protocol` — its own model, its examples in order, ``passes``
passes — and a problem that has run out of steps keeps ``grad = None``, which optimizers skip. Before
every step one closure computes the gradient of every problem still running (zero_grad, each problem's
forward and backward, or the linear gradients by hand), with the same arithmetic as a run of its own.

That is only the same learner where the optimizer treats its parameters independently. Where it couples
them — a global gradient-norm clip, SAM's global norm, a counter shared by a group, a preconditioner over
all parameters, a step size from the loss — a batched run differs. :func:`probe_batching` therefore
compares the two paths on a mixed-shape group once per learner, and the learner batches only when every
prediction agrees bit for bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from invariance.adapters.torch.model import OPTIMIZER_DEFAULTS, build_model, construct, short_name, torch_module
from invariance.adapters.torch.options import TorchOptions
from invariance.adapters.torch.protocol import _Reusing, predictions, run, run_context, step
from invariance.errors import one_line
from invariance.probe.stacks import gap

__all__ = ["BatchProfile", "fit_many", "probe_batching", "PROBE_SHAPES"]

Problem = tuple[np.ndarray, np.ndarray, np.ndarray]

#: (n, d, scale) of the probe group: mixed shapes and numbers of steps (one problem of a single example,
#: one of 25 steps for couplings that act every few steps) and scales (one ×10, for a global clip)
PROBE_SHAPES = ((5, 3, 1.0), (2, 6, 1.0), (7, 2, 10.0), (4, 4, 1.0), (1, 5, 1.0), (6, 1, 1.0), (25, 2, 1.0))


@dataclass(frozen=True)
class BatchProfile:
    """Whether a learner's fits may be batched (:func:`probe_batching`), and the words that say why."""

    batched: bool
    why: str


def fit_many(optimizer_cls: Any, problems: Sequence[Problem], rngs: Sequence[Any] | None = None, *,
             opts: TorchOptions) -> list[np.ndarray]:
    """The predictions on every problem, trained together; for a randomised learner ``rngs[i]`` gives
    problem i its seed exactly as a call of its own draws it (its model's initialisation)."""
    torch = torch_module()
    seeds = [None if r is None else int(r.integers(2**63 - 1)) for r in (rngs or [None] * len(problems))]
    with run_context(torch, opts, 0):
        return _run_many(torch, optimizer_cls, problems, opts, seeds)


def _run_many(torch: Any, optimizer_cls: Any, problems: Sequence[Problem], opts: TorchOptions,
              seeds: Sequence[int | None]) -> list[np.ndarray]:
    models = [build_model(torch, X.shape[1], opts, torch.Generator().manual_seed(int(s) if s is not None else 0))
              for (X, _, _), s in zip(problems, seeds, strict=True)]
    params = [list(m.parameters()) for m in models]
    flat = [p for ps in params for p in ps]
    kwargs = {**OPTIMIZER_DEFAULTS.get(short_name(optimizer_cls), {}), **opts.optimizer_kwargs}
    optimizer = construct(optimizer_cls, iter(flat), opts, kwargs)  # an iterator, as model.parameters() is
    modes = callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))
    data = [(torch.as_tensor(X, dtype=torch.float64, device=opts.device),
             torch.as_tensor(y, dtype=torch.float64, device=opts.device)) for X, y, _ in problems]
    bs = opts.batch_size
    # the batches of every problem in the order its own run takes them: passes × ⌈n / bs⌉ steps
    plans = [[(X_[s: s + bs], y_[s: s + bs]) for _ in range(opts.passes) for s in range(0, len(y_), bs)]
             for X_, y_ in data]
    if modes:
        optimizer.train()
    for t in range(max(len(p) for p in plans)):
        active = [i for i, plan in enumerate(plans) if t < len(plan)]
        closure = _group_closure(torch, models, optimizer, params, flat, opts, active, [plans[i][t] for i in active])
        closure()  # the gradients, before the step, as a training loop computes them
        step(optimizer, closure, opts.closure)
    if opts.create_graph:
        for p in flat:
            p.grad = None
    if modes:
        optimizer.eval()
    out = []
    with torch.no_grad():
        for model, (_, _, Xt) in zip(models, problems, strict=True):
            Xt_ = torch.as_tensor(Xt, dtype=torch.float64, device=opts.device)
            pred = predictions(model, Xt_, opts)
            out.append(pred.detach().cpu().numpy().astype(np.float64))
    return out


def _group_closure(torch: Any, models: list, optimizer: Any, params: list[list], flat: list, opts: TorchOptions,
                   active: list[int], batches: list[tuple[Any, Any]]) -> Callable[[], Any]:
    """The closure of one group step: every running problem's gradient into its ``.grad`` (the finished
    ones' set to None), returning the summed loss; reused like a single run's (:class:`_Reusing`)."""
    layer = opts.model == "layer"
    lengths = {len(xb) for xb, _ in batches}

    def by_hand() -> Any:
        residuals = []
        with torch.no_grad():
            for p in flat:
                p.grad = None
            for i, (xb, yb) in zip(active, batches, strict=True):
                w = params[i][0]
                if layer:
                    r = xb @ w.T - yb
                    w.grad = r.T @ xb / len(xb)
                else:
                    r = xb @ w[0] - yb
                    w.grad = (r[:, None] * xb).mean(0, keepdim=True)
                residuals.append(r)
            # the summed loss, Σ ½·mean‖r‖² over the problems, in a few operations for the whole group where
            # every batch has one length (else problem by problem): only an optimizer that reads the loss
            # sees it, and such an optimizer couples the problems anyway (the probe runs it one by one)
            if len(lengths) == 1:
                return (torch.cat(residuals) ** 2).sum() * (0.5 / len(batches[0][0]))
            return sum(0.5 * (r**2).reshape(len(r), -1).sum(1).mean() for r in residuals)

    def autograd() -> Any:
        optimizer.zero_grad()
        total = 0.0
        with torch.enable_grad(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
            losses = []
            for i, (xb, yb) in zip(active, batches, strict=True):
                out = predictions(models[i], xb, opts)
                losses.append(0.5 * ((out - yb) ** 2).reshape(len(xb), -1).sum(1).mean())
            # one backward pass for the group: the sum hands each problem's loss the gradient 1 exactly, so
            # every .grad is the one its own backward gives (the probe checks it bit for bit)
            torch.stack(losses).sum().backward(create_graph=bool(opts.create_graph))
            for loss in losses:
                total = total + loss.detach()
        for i in set(range(len(models))) - set(active):
            for p in params[i]:
                p.grad = None
        return total

    # the running problems' tensors: a finished one has no gradient and (the probe showed) is never moved
    return _Reusing(by_hand if opts.by_hand else autograd, [p for i in active for p in params[i]]).as_function()


def _probe_group(opts: TorchOptions) -> list[Problem]:
    rng = np.random.default_rng(0xBA7C)
    out = []
    for n, d, scale in PROBE_SHAPES:
        ys = (n, opts.outputs or 1) if opts.multi_output else n
        X, y = scale * rng.standard_normal((n, d)), scale * rng.integers(-3, 4, ys).astype(np.float64)
        out.append((X, y, rng.standard_normal((3, d))))
    return out


def probe_batching(optimizer_cls: Any, opts: TorchOptions) -> BatchProfile:
    """Whether the learner's fits may be batched: it does not draw from the global generators, and on the
    probe group (:data:`PROBE_SHAPES`) the batched predictions equal the one-by-one predictions bit for bit
    (each problem with its own seed where the learner is randomised)."""
    if opts.global_rng:
        return BatchProfile(False, "one by one: it draws from the global generators, seeded per fit")
    torch = torch_module()
    group = _probe_group(opts)
    # a randomised learner (an MLP's initialisation) gets a seed per problem, as its calls do
    seeds = [1000 + i if opts.randomized else None for i in range(len(group))]
    with run_context(torch, opts, 0), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            alone = [run(torch, optimizer_cls, X, y, Xt, opts, s) for (X, y, Xt), s in zip(group, seeds, strict=True)]
        except Exception as exc:  # noqa: BLE001 - the checks will diagnose it on their own inputs
            return BatchProfile(False, f"one by one: its own runs raise on the probe group ({one_line(exc)})")
        try:
            together = _run_many(torch, optimizer_cls, group, opts, seeds)
        except Exception as exc:  # noqa: BLE001 - any failure means: do not batch
            return BatchProfile(False, f"one by one: a batched run raised {one_line(exc)}")
    if not all(np.all(np.isfinite(a)) for a in alone):
        return BatchProfile(False, "one by one: its own runs diverge on the probe group (NaN/inf), which then "
                                   "shows nothing about batching")
    worst = max(gap(a, b) for a, b in zip(alone, together, strict=True))
    if worst != 0.0:
        return BatchProfile(False, f"one by one: the optimizer couples its parameters (batched and one-by-one "
                                   f"predictions differ by up to {worst:.1e} on the probe group)")
    return BatchProfile(True, f"batched: {len(group)} mixed-shape problems trained together give the one-by-one "
                              "predictions bit for bit")
