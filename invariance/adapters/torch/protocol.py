"""The training protocol: the paper's online protocol, run as a training loop runs it
(docs/design.md#contracts).

Zero weights (an MLP's first layer Gaussian), square loss ½(ŷ − y)², ``batch_size`` examples per step in
order, ``passes`` passes, float64. Before every step the gradient is computed (zero_grad, forward,
backward — by hand for the linear models), then ``step(closure)`` where ``step`` takes a closure (it
recomputes the same gradient), else ``step()``.
"""

from __future__ import annotations

import contextlib
import inspect
import random
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from invariance.adapters.torch.exact import exact_mode
from invariance.adapters.torch.model import build_model, build_optimizer, manual_seed, torch_module
from invariance.adapters.torch.options import CLOSURE_NONE, CLOSURE_PASSED, CLOSURE_REJECTED, Options, TorchOptions

__all__ = ["train_predict", "train_predict_info", "RunInfo", "run", "run_context", "seeded_globals", "step"]

#: called after every step with the optimizer and the first weight (state replay)
OnStep = Callable[[Any, Any], None]


@dataclass
class RunInfo:
    """What one run found out, filled as it runs: the optimizer, and the closure protocol its first step
    used (:data:`~invariance.adapters.torch.options.CLOSURE_PASSED`, …)."""

    optimizer: Any = None
    closure: str | None = None


def train_predict(optimizer_cls: Any, X: np.ndarray, y: np.ndarray, Xt: np.ndarray,
                  opts: Options, seed: int | None) -> np.ndarray:
    """Train ``opts.model`` with ``optimizer_cls`` on (X, y) online, return predictions on Xt.

    The optimizer protocol, as a training loop runs it: ``optimizer.train()`` before the training steps
    and ``optimizer.eval()`` before predicting when it has them (schedule-free optimizers predict at
    their averaged point); before every step the gradient is computed (zero_grad, forward, backward —
    by hand for the linear models), then ``step(closure)`` (the closure recomputes the same gradient),
    or ``step()`` where ``step`` takes no closure or ``opts.closure`` says it rejects one; with
    ``create_graph`` the gradient comes from autograd with ``backward(create_graph=True)``
    (Hessian-vector products); with ``global_rng`` the run happens with torch's, NumPy's and Python's
    global generators forked and seeded by ``seed`` (optimizers that draw from them — random Hessian
    probes, Kron's preconditioner updates — become randomised learners); with ``exact`` it runs with
    every cast to a floating dtype coarser than float64 rewritten to float64 (:mod:`.exact`).
    """
    torch = torch_module()
    opts = TorchOptions.of(opts)
    with run_context(torch, opts, seed):
        return run(torch, optimizer_cls, X, y, Xt, opts, seed)


def train_predict_info(cls: Any, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, opts: TorchOptions,
                       info: RunInfo) -> np.ndarray:
    """:func:`train_predict` at seed 0 that also fills ``info``: the optimizer, and the closure protocol
    used."""
    torch = torch_module()
    with run_context(torch, opts, 0):
        return run(torch, cls, X, y, Xt, opts, 0, info=info)


@contextlib.contextmanager
def run_context(torch: Any, opts: TorchOptions, seed: int | None) -> Iterator[None]:
    """The arithmetic a run needs: exact (:func:`~invariance.adapters.torch.exact.exact_mode`) where
    ``opts.exact``, then the global generators seeded with ``seed`` where ``opts.global_rng``."""
    with exact_mode() if opts.exact else contextlib.nullcontext():
        if opts.global_rng:
            with seeded_globals(torch, int(seed) if seed is not None else 0):
                yield
        else:
            yield


@contextlib.contextmanager
def seeded_globals(torch: Any, seed: int) -> Iterator[None]:
    """torch's, NumPy's legacy and Python's global generators seeded with ``seed`` for the block and
    restored afterwards (forked): an optimizer drawing from them is reproducible per seed and leaves
    the caller's streams untouched."""
    np_state, py_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=[]):
        manual_seed(torch, seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


def run(torch: Any, optimizer_cls: Any, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, opts: TorchOptions,
        seed: int | None, *, info: RunInfo | None = None, on_step: OnStep | None = None) -> np.ndarray:
    """One training run and its predictions on ``Xt``, in whatever context the caller set
    (:func:`run_context`); ``on_step(optimizer, weight)`` after every step."""
    gen = torch.Generator().manual_seed(int(seed) if seed is not None else 0)
    model = build_model(torch, X.shape[1], opts, gen)
    optimizer = build_optimizer(optimizer_cls, model, opts)
    if info is not None:
        info.optimizer = optimizer
    modes = callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))
    Xt_ = torch.as_tensor(Xt, dtype=torch.float64, device=opts.device)
    if modes:
        optimizer.train()
    _train(torch, model, optimizer, X, y, opts, info, on_step)
    if opts.create_graph:
        for p in model.parameters():  # a gradient with a graph refers back to its parameter: break the cycle
            p.grad = None
    if modes:
        optimizer.eval()
    with torch.no_grad():
        return predictions(model, Xt_, opts).detach().cpu().numpy().astype(np.float64)


def predictions(model: Any, X: Any, opts: TorchOptions) -> Any:
    """The model's output on ``X``: n×H where :attr:`TorchOptions.multi_output`, else a vector (the first
    column of an n×1 output)."""
    out = model(X)
    if opts.multi_output or out.ndim == 1:
        return out
    return out[:, 0]


def _train(torch: Any, model: Any, optimizer: Any, X: np.ndarray, y: np.ndarray, opts: TorchOptions,
           info: RunInfo | None, on_step: OnStep | None) -> None:
    """``passes`` passes over (X, y) in order, ``batch_size`` examples a step."""
    X_ = torch.as_tensor(X, dtype=torch.float64, device=opts.device)
    y_ = torch.as_tensor(y, dtype=torch.float64, device=opts.device)
    params = list(model.parameters())
    w = params[0]
    bs = opts.batch_size
    for _ in range(opts.passes):
        for start in range(0, len(y), bs):
            xb, yb = X_[start : start + bs], y_[start : start + bs]
            closure = _closure(torch, model, optimizer, params, opts, xb, yb)
            closure()  # the gradient, before the step, as a training loop computes it
            used = step(optimizer, closure, opts.closure)
            if info is not None and info.closure is None:
                info.closure = used
            if on_step is not None:
                on_step(optimizer, w)


def _closure(torch: Any, model: Any, optimizer: Any, params: list, opts: TorchOptions, xb: Any,
             yb: Any) -> Callable[[], Any]:
    """The closure of one step: the gradient of the batch's loss into ``.grad``, returning the loss;
    its first call after the precomputed gradient reuses it (:class:`_Reusing`)."""
    w = params[0]
    if opts.by_hand and opts.model == "layer":
        return _Reusing(_layer_gradient(torch, w, xb, yb), params).as_function()
    if opts.by_hand:
        return _Reusing(_neuron_gradient(torch, w, xb, yb), params).as_function()
    return _autograd_gradient(torch, model, optimizer, params, opts, xb, yb)


def _layer_gradient(torch: Any, w: Any, xb: Any, yb: Any) -> Callable[[], Any]:
    """∇ of ½ mean ‖W x − y‖², by hand."""

    def closure() -> Any:
        with torch.no_grad():
            r = xb @ w.T - yb
            w.grad = r.T @ xb / len(xb)
            return 0.5 * (r**2).sum(1).mean()

    return closure


def _neuron_gradient(torch: Any, w: Any, xb: Any, yb: Any) -> Callable[[], Any]:
    """∇ of ½ mean (w·x − y)², by hand: autograd would triple the cost of a step."""

    def closure() -> Any:
        with torch.no_grad():
            r = xb @ w[0] - yb
            w.grad = (r[:, None] * xb).mean(0, keepdim=True)
            return 0.5 * (r**2).mean()

    return closure


def _autograd_gradient(torch: Any, model: Any, optimizer: Any, params: list, opts: TorchOptions, xb: Any,
                       yb: Any) -> Callable[[], Any]:
    """zero_grad, forward, ``backward(create_graph=…)``, reusing the precomputed gradient (:class:`_Reusing`)."""
    def backward() -> Any:
        optimizer.zero_grad()
        with torch.enable_grad(), warnings.catch_warnings():
            # torch warns that a graph-carrying .grad forms a reference cycle; the adapter clears every
            # .grad after training (run)
            warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
            out = predictions(model, xb, opts)
            loss = 0.5 * ((out - yb) ** 2).reshape(len(xb), -1).sum(1).mean()
            loss.backward(create_graph=bool(opts.create_graph))
        return loss

    return _Reusing(backward, params).as_function()


class _Reusing:
    """A closure whose first call after the precomputed gradient returns that gradient's loss while no
    parameter and no gradient has changed since (a recomputation would give the same numbers at twice the
    cost of a step); every other call recomputes. "Changed" is read from the tensors' versions and
    identities and, since a write through ``.data`` bumps no version, from a copy of their values."""

    def __init__(self, backward: Callable[[], Any], params: list):
        self.backward, self.params = backward, params
        self.key: tuple | None = None
        self.values: list = []
        self.loss: Any = None

    def _state(self) -> tuple:
        return tuple((p._version, p.data_ptr(), id(p.grad), None if p.grad is None else p.grad._version)
                     for p in self.params)

    def _copies(self) -> list:
        return [t.detach().clone() for p in self.params for t in (p, p.grad) if t is not None]

    def _unchanged(self) -> bool:
        if self.key is None or self._state() != self.key:
            return False
        now = [t.detach() for p in self.params for t in (p, p.grad) if t is not None]
        return len(now) == len(self.values) and all(a.equal(b) for a, b in zip(now, self.values, strict=True))

    def __call__(self) -> Any:
        if self._unchanged():
            self.key, self.values = None, []
            return self.loss
        self.loss = self.backward()
        self.key = self._state()
        self.values = self._copies()
        return self.loss

    def as_function(self) -> Callable[[], Any]:
        def closure() -> Any:
            return self()

        return closure


def _takes_closure(optimizer: Any) -> bool:
    """Whether ``optimizer.step`` takes a closure; read once per optimizer (a signature costs as much
    as a small step)."""
    known = getattr(optimizer, "_invcheck_takes_closure", None)
    if known is not None:
        return bool(known)
    try:
        params = inspect.signature(optimizer.step).parameters
        takes = "closure" in params or any(p.kind is p.VAR_POSITIONAL for p in params.values())
    except (TypeError, ValueError):
        takes = True
    with contextlib.suppress(AttributeError, TypeError):  # __slots__ or a frozen object: read it every step
        optimizer._invcheck_takes_closure = takes
    return takes


def step(optimizer: Any, closure: Callable[[], Any], protocol: str | None = None) -> str:
    """One training step, the way users train: the gradient is already in ``.grad`` (the caller ran
    the closure: zero_grad, forward, backward); then ``step(closure)`` where ``step`` takes one (L-BFGS,
    SAM-style and AliG re-evaluate it: calling it again recomputes the same gradient), ``step()`` where it
    takes none or rejects one. Returns the protocol used."""
    if protocol != CLOSURE_REJECTED and _takes_closure(optimizer):
        optimizer.step(closure)
        return CLOSURE_PASSED
    optimizer.step()
    return CLOSURE_REJECTED if protocol == CLOSURE_REJECTED else CLOSURE_NONE
