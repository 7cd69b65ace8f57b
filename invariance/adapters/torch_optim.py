"""``torch.optim`` optimizers as learners: the paper's online protocol (docs/design.md#contracts).

Default model: a linear neuron ``nn.Linear(d, 1, bias=False)`` with zero weights, square loss
½(ŷ − y)², one example per step in order, ``passes`` passes, float64. Options: passes, lr, batch
size, optimizer keyword arguments, ``model="layer"``: a linear layer W ∈ R^{H×d} (``outputs`` = H,
zero weights, loss ½‖Wx − y‖², targets n×H: the learner then has H outputs and the checker asks the
output side too), and ``model="mlp"``: a network with a fully connected input layer
(hidden width, activation) whose first layer is initialised Gaussian by default (rotation invariant in
distribution); ``init="uniform"`` keeps torch's default i.i.d. uniform initialisation, which is not.
An MLP learner is randomised: it takes ``rng`` and seeds a private ``torch.Generator`` from it.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import inspect
import random
import warnings
from typing import Any

import numpy as np

from invariance.adapters.defaults import (
    FALLBACK_LR,
    fallback_source,
    layer_outputs,
    lr_defaults_to_none,
    own_lr,
    takes_lr,
)
from invariance.contract import Learner
from invariance.errors import MissingDependency, UsageError

__all__ = ["learner_from_optimizer", "DEFAULTS", "train_predict", "trace_states", "breaks_at", "step_precision",
           "closure_protocol", "exact_variant"]

DEFAULTS: dict[str, Any] = {
    "passes": 3,
    "lr": None,  # None: the optimizer's own default learning rate (adapters.defaults.own_lr)
    "batch_size": 1,
    "model": "linear",
    "hidden": 16,
    "activation": "tanh",
    "init": "gaussian",
    "device": "cpu",
    "optimizer_kwargs": {},
    "create_graph": None,  # None: detected (needs_create_graph)
    "outputs": None,  # H for --model layer (default DEFAULT_OUTPUTS)
}
_MODELS = ("linear", "layer", "mlp")
_ACTIVATIONS = ("tanh", "relu", "identity")
#: per-optimizer keyword defaults of the adapter (override with --opt KEY=VALUE). L-BFGS's own
#: defaults (20 inner iterations, 100 pairs of history) make one online step cost ~2000 dot products;
#: the online protocol needs one quasi-Newton step per example. Neither choice bears on invariance.
OPTIMIZER_DEFAULTS = {"LBFGS": {"max_iter": 1, "history_size": 10}}
_INITS = ("gaussian", "uniform", "orthogonal")


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - exercised only without torch
        raise MissingDependency("torch", "torch", "checking a torch.optim optimizer") from None
    return torch


def _validated(options: dict) -> dict:
    opts = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    for key in ("passes", "batch_size", "hidden"):
        if not isinstance(opts[key], int) or opts[key] < 1:
            raise UsageError(f"--{key.replace('_', '-')} must be a positive integer, got {opts[key]!r}")
    if opts["lr"] is not None and not (isinstance(opts["lr"], (int, float)) and opts["lr"] > 0):
        raise UsageError(f"--lr must be a positive number, got {opts['lr']!r}")
    if opts["activation"] not in _ACTIVATIONS:
        raise UsageError(f"--activation {opts['activation']!r} is not one of {', '.join(_ACTIVATIONS)}")
    if opts["init"] not in _INITS:
        raise UsageError(f"--init {opts['init']!r} is not one of {', '.join(_INITS)}")
    if opts["model"] not in _MODELS:
        raise UsageError(f"--model {opts['model']!r} is not one of {', '.join(_MODELS)}")
    opts["outputs"] = layer_outputs(opts["model"], opts["outputs"])
    if opts["create_graph"] not in (None, True, False):
        raise UsageError(f"create_graph must be true or false, got {opts['create_graph']!r}")
    return opts


def _signature(make) -> dict:
    """The keyword parameters of an optimizer class's ``__init__`` or of an instance factory."""
    try:
        target = make.__init__ if inspect.isclass(make) else make
        return dict(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return {}


def _construct(make, params, opts: dict, kwargs: dict):
    """``make(params, lr=…, **kwargs)``; lr only where it is set (a factory or optimizer without one
    gets none)."""
    lr = {} if opts["lr"] is None else {"lr": opts["lr"]}
    return make(params, **lr, **kwargs)


def _validate_optimizer_kwargs(torch, cls: type, opts: dict) -> None:
    """Reject a mistyped or invalid ``--opt KEY=VALUE`` before any checking starts (exit code 2).

    Unknown keywords are found from the signature (with close matches suggested); values are tried by
    building the optimizer once on a dummy 1×2 parameter. An optimizer that cannot be built even
    without the extra keywords is left alone: it fails on the first call and gets a diagnosis.
    """
    kwargs = opts["optimizer_kwargs"]
    if not kwargs:
        return
    where = _where(cls)
    for reserved, fix in (("lr", "set the learning rate with --lr"),
                          ("params", "the adapter passes the model's parameters")):
        if reserved in kwargs:
            raise UsageError(f"--opt {reserved}=… is not allowed for {where}: {fix}")
    params = _signature(cls)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if params and not takes_any:
        known = [k for k in params if k not in ("self", "params", "lr")]
        for key in kwargs:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else f"; it takes {', '.join(known)}"
                raise UsageError(f"--opt {key}=…: {where} has no keyword argument {key!r}{hint}")

    def build(**kw):
        dummy = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
        return _construct(cls, [dummy], opts, kw)

    try:
        build()
    except Exception:
        return  # not about the keywords: the first call will fail and be diagnosed
    try:
        build(**kwargs)
    except Exception as exc:
        given = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise UsageError(
            f"--opt {given} rejected by {where}: {type(exc).__name__}{': ' + msg if msg else ''} "
            "(values are parsed as JSON, e.g. --opt betas=[0.9,0.99] --opt amsgrad=true)"
        ) from None


def _build(torch, d: int, opts: dict, gen):
    nn = torch.nn
    dev, dt = opts["device"], torch.float64

    def linear(n_in: int, n_out: int):
        # skip_init: no draw from torch's global generator (every weight is set below), so that a draw
        # seen during a run is the optimizer's (uses_global_rng)
        return torch.nn.utils.skip_init(nn.Linear, n_in, n_out, bias=False, dtype=dt, device=dev)

    if opts["model"] in ("linear", "layer"):
        model = linear(d, opts["outputs"] or 1)
        with torch.no_grad():
            model.weight.zero_()
        return model
    h = opts["hidden"]
    first = linear(d, h)
    second = linear(h, 1)
    with torch.no_grad():
        if opts["init"] == "gaussian":  # N(0, 1/d) entries: W U has the same law as W for orthogonal U
            first.weight.copy_(torch.randn(h, d, generator=gen, dtype=dt) / np.sqrt(d))
        elif opts["init"] == "orthogonal":
            nn.init.orthogonal_(first.weight, generator=gen)
        else:  # torch's default: kaiming-uniform, i.i.d. uniform entries (not rotation invariant in law)
            bound = 1.0 / np.sqrt(d)
            first.weight.copy_((torch.rand(h, d, generator=gen, dtype=dt) * 2 - 1) * bound)
        second.weight.copy_(torch.randn(1, h, generator=gen, dtype=dt) / np.sqrt(h))
    act = {"tanh": nn.Tanh(), "relu": nn.ReLU(), "identity": nn.Identity()}[opts["activation"]]
    return nn.Sequential(first, act, second)


#: how an optimizer's ``step`` is called, decided once per learner on the probe problem
#: (:func:`closure_protocol`); the gradient is always computed before the step, as a training loop does
CLOSURE_PASSED, CLOSURE_REJECTED, CLOSURE_NONE = "passed", "rejected: plain step()", "none"


def _takes_closure(optimizer) -> bool:
    try:
        params = inspect.signature(optimizer.step).parameters
    except (TypeError, ValueError):
        return True
    return "closure" in params or any(p.kind is p.VAR_POSITIONAL for p in params.values())


def _step(optimizer, closure, protocol: str | None = None) -> str:
    """One training step, the way users train: the gradient is already in ``.grad`` (the caller ran
    the closure: zero_grad, forward, backward); then ``step(closure)`` where ``step`` takes one (L-BFGS,
    SAM-style and AliG re-evaluate it: calling it again recomputes the same gradient), ``step()`` where it
    takes none or rejects one. Returns the protocol used."""
    if protocol != CLOSURE_REJECTED and _takes_closure(optimizer):
        optimizer.step(closure)
        return CLOSURE_PASSED
    optimizer.step()
    return CLOSURE_REJECTED if protocol == CLOSURE_REJECTED else CLOSURE_NONE


def train_predict(optimizer_cls, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, opts: dict,
                  seed: int | None) -> np.ndarray:
    """Train ``opts['model']`` with ``optimizer_cls`` on (X, y) online, return predictions on Xt.

    The optimizer protocol, as a training loop runs it: ``optimizer.train()`` before the training steps
    and ``optimizer.eval()`` before predicting when it has them (schedule-free optimizers predict at
    their averaged point); before every step the gradient is computed (zero_grad, forward, backward —
    by hand for the linear models), then ``step(closure)`` (the closure recomputes the same gradient),
    or ``step()`` where ``step`` takes no closure or ``opts['closure']`` says it rejects one; with
    ``create_graph`` the gradient comes from autograd with ``backward(create_graph=True)``
    (Hessian-vector products); with ``global_rng`` the run happens with torch's, NumPy's and Python's
    global generators forked and seeded by ``seed`` (optimizers that draw from them — random Hessian
    probes, Kron's preconditioner updates — become randomised learners); with ``exact`` it runs with
    every cast to a floating dtype coarser than float64 rewritten to float64 (:class:`_Exact`).
    """
    torch = _torch()
    with _Exact() if opts.get("exact") else contextlib.nullcontext():
        if opts.get("global_rng"):
            with _seeded_globals(torch, int(seed) if seed is not None else 0):
                return _train_predict(torch, optimizer_cls, X, y, Xt, opts, seed)
        return _train_predict(torch, optimizer_cls, X, y, Xt, opts, seed)


@contextlib.contextmanager
def _seeded_globals(torch, seed: int):
    """torch's, NumPy's legacy and Python's global generators seeded with ``seed`` for the block and
    restored afterwards (forked): an optimizer drawing from them is reproducible per seed and leaves
    the caller's streams untouched."""
    np_state, py_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


def _snapshot(optimizer, w) -> dict[str, np.ndarray]:
    """The weight and every entry of the optimizer's state for it, as float64 arrays (in state order)."""
    out = {}
    for key, value in optimizer.state.get(w, {}).items():
        if hasattr(value, "detach"):
            out[str(key)] = value.detach().to("cpu").double().numpy().copy()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[str(key)] = np.asarray(float(value))
    out["weight"] = w.detach().to("cpu").double().numpy().copy()
    return out


def _train_predict(torch, optimizer_cls, X, y, Xt, opts, seed, trace: list | None = None,
                   info: dict | None = None) -> np.ndarray:
    gen = torch.Generator().manual_seed(int(seed) if seed is not None else 0)
    dev = opts["device"]
    model = _build(torch, X.shape[1], opts, gen)
    kwargs = {**OPTIMIZER_DEFAULTS.get(_short(optimizer_cls), {}), **opts["optimizer_kwargs"]}
    optimizer = _construct(optimizer_cls, model.parameters(), opts, kwargs)
    if info is not None:
        info["optimizer"] = optimizer
    modes = callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))
    Xt_ = torch.as_tensor(Xt, dtype=torch.float64, device=dev)
    X_ = torch.as_tensor(X, dtype=torch.float64, device=dev)
    y_ = torch.as_tensor(y, dtype=torch.float64, device=dev)
    bs = opts["batch_size"]
    by_hand = opts["model"] in ("linear", "layer") and not opts.get("create_graph")
    layer = opts["model"] == "layer"
    protocol = opts.get("closure")
    params = list(model.parameters())
    w = params[0]
    if modes:
        optimizer.train()
    for _ in range(opts["passes"]):
        for start in range(0, len(y), bs):
            xb, yb = X_[start : start + bs], y_[start : start + bs]

            if by_hand and layer:  # ∇ of ½ mean ‖W x − y‖², by hand

                def closure(xb=xb, yb=yb):
                    with torch.no_grad():
                        r = xb @ w.T - yb
                        w.grad = r.T @ xb / len(xb)
                        return 0.5 * (r**2).sum(1).mean()

            elif by_hand:  # ∇ of ½ mean (w·x − y)², by hand: autograd would triple the cost of a step

                def closure(xb=xb, yb=yb):
                    with torch.no_grad():
                        r = xb @ w[0] - yb
                        w.grad = (r[:, None] * xb).mean(0, keepdim=True)
                        return 0.5 * (r**2).mean()

            else:

                def backward(xb=xb, yb=yb):
                    optimizer.zero_grad()
                    with torch.enable_grad(), warnings.catch_warnings():
                        # torch warns that a graph-carrying .grad forms a reference cycle; the adapter
                        # clears every .grad after training (below)
                        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
                        out = model(xb) if layer else model(xb)[:, 0]
                        loss = 0.5 * ((out - yb) ** 2).reshape(len(xb), -1).sum(1).mean()
                        loss.backward(create_graph=bool(opts.get("create_graph")))
                    return loss

                closure = _Reusing(backward, params).as_function()

            closure()  # the gradient, before the step, as a training loop computes it
            used = _step(optimizer, closure, protocol)
            if info is not None:
                info.setdefault("closure", used)
            if trace is not None:
                trace.append(_snapshot(optimizer, w))
    if opts.get("create_graph"):
        for p in model.parameters():  # a gradient with a graph refers back to its parameter: break the cycle
            p.grad = None
    if modes:
        optimizer.eval()
    with torch.no_grad():
        out = model(Xt_) if layer else model(Xt_)[:, 0]
        return out.detach().cpu().numpy().astype(np.float64)


class _Reusing:
    """An autograd closure whose first call after the precomputed gradient returns that gradient's loss
    while no parameter and no gradient has changed since (a recomputation would give the same numbers at
    twice the cost of a step); every other call recomputes."""

    def __init__(self, backward, params):
        self.backward, self.params, self.key, self.loss = backward, params, None, None

    def _state(self):
        return tuple((p._version, p.data_ptr(), id(p.grad), None if p.grad is None else p.grad._version)
                     for p in self.params)

    def __call__(self):
        if self.key is not None and self._state() == self.key:
            self.key = None
            return self.loss
        self.loss = self.backward()
        self.key = self._state()
        return self.loss

    def as_function(self):
        def closure():
            return self()

        return closure


def _probe_problem(opts: dict) -> tuple[np.ndarray, np.ndarray]:
    """The 4×3 Gaussian problem the load-time probes train on (create_graph, global RNG, precision);
    4×H targets for a layer."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 3)), rng.standard_normal(4)
    if opts.get("outputs"):
        y = np.column_stack([y] + [rng.standard_normal(4) for _ in range(opts["outputs"] - 1)])
    return X, y


_REJECTIONS = (ValueError, TypeError, NotImplementedError, RuntimeError)


def _rejects_closure(exc: BaseException) -> bool:
    """An exception by which ``step(closure)`` refuses the closure (``ValueError: closure is not
    supported``): one of the usual types, naming the closure."""
    return isinstance(exc, _REJECTIONS) and "closure" in str(exc).lower()


def _first_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}{': ' + msg[:100] if msg else ''}"


def closure_protocol(cls, opts: dict) -> tuple[str, float | None, str | None]:
    """How the learner calls ``step`` and, where the optimizer's ``lr`` defaults to None, whether it
    needs the adapter's: ``(closure, lr, why)`` decided once on the probe problem, the gradient already
    in ``.grad`` before every step.

    ``closure`` is :data:`CLOSURE_PASSED` (``step(closure)``), :data:`CLOSURE_NONE` (``step`` takes none:
    ``step()``) or :data:`CLOSURE_REJECTED` (``step(closure)`` raises naming the closure, while ``step()``
    trains: plain ``step()`` from then on). ``lr`` is ``opts['lr']``, or :data:`FALLBACK_LR` where
    ``opts['lr']`` is None, the optimizer's ``lr`` defaults to None, and training fails without one but
    not with it (an lr required in substance: asserted positive, compared with 0); ``why`` then says
    what failed. Where nothing trains, the signature decides and the first call gets the diagnosis."""
    X, y = _probe_problem(opts)
    lrs = [opts["lr"]]
    if opts["lr"] is None and lr_defaults_to_none(cls):
        lrs.append(FALLBACK_LR)
    graphs = [opts["create_graph"]] if opts.get("create_graph") is not None else [False, True]
    failed = None
    for lr in lrs:
        for graph in graphs:
            run = {**opts, "lr": lr, "passes": 1, "create_graph": graph, "global_rng": True}
            info: dict = {}
            try:
                train_predict_info(cls, X, y, X[:1], {**run, "closure": CLOSURE_PASSED}, info)
                return info.get("closure", CLOSURE_PASSED), lr, None if lr == opts["lr"] else failed
            except Exception as exc:
                failed = failed or _first_line(exc)
                if not _rejects_closure(exc):
                    continue
            try:
                train_predict_info(cls, X, y, X[:1], {**run, "closure": CLOSURE_REJECTED}, {})
                return CLOSURE_REJECTED, lr, None if lr == opts["lr"] else failed
            except Exception:
                continue
    return CLOSURE_PASSED, opts["lr"], None


def train_predict_info(cls, X, y, Xt, opts: dict, info: dict) -> np.ndarray:
    """:func:`train_predict` that also fills ``info``: the optimizer, and the closure protocol used."""
    torch = _torch()
    with (_Exact() if opts.get("exact") else contextlib.nullcontext(),
          _seeded_globals(torch, 0) if opts.get("global_rng") else contextlib.nullcontext()):
        return _train_predict(torch, cls, X, y, Xt, opts, 0, info=info)


def needs_create_graph(cls: type, opts: dict) -> bool:
    """True when the optimizer fails on plain gradients and trains once they carry a graph
    (``backward(create_graph=True)``: AdaHessian, Sophia-H and other Hessian-vector optimizers)."""
    X, y = _probe_problem(opts)
    try:
        train_predict(cls, X, y, X[:1], {**opts, "passes": 1, "create_graph": False}, 0)
        return False
    except Exception:
        pass
    try:
        train_predict(cls, X, y, X[:1], {**opts, "passes": 1, "create_graph": True, "global_rng": True}, 0)
        return True
    except Exception:
        return False


def uses_global_rng(cls: type, opts: dict) -> bool:
    """True when a training run on a 4×3 problem draws from a global generator — torch's, NumPy's
    legacy or Python's state moves (a draw whose effect the run happens to hide still counts: Sophia-H
    clips its random Hessian estimate away on such a problem). Such an optimizer is run with the
    generators forked and seeded from the learner's rng (:func:`_seeded_globals`)."""
    torch = _torch()
    X, y = _probe_problem(opts)
    with _seeded_globals(torch, 0):
        before: tuple[Any, Any, Any] = (torch.random.get_rng_state(), np.random.get_state()[1].copy(),  # type: ignore[index]
                                        random.getstate())
        try:
            train_predict(cls, X, y, X, {**opts, "passes": 2, "global_rng": False}, 0)
        except Exception:
            return False
        after: tuple[Any, Any, Any] = (torch.random.get_rng_state(), np.random.get_state()[1],  # type: ignore[index]
                                       random.getstate())
    return not (torch.equal(before[0], after[0]) and np.array_equal(before[1], after[1]) and before[2] == after[2])


def _coarse_dtypes(torch) -> dict:
    """Floating dtypes coarser than float64 → the precision invcheck judges them at (float8 formats, which
    it has no name for, at bfloat16, the coarsest it has)."""
    out = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}
    for name in dir(torch):
        if name.startswith("float8_") and isinstance(getattr(torch, name), torch.dtype):
            out[getattr(torch, name)] = "bfloat16"
    return out


def _counts(torch, t, coarse) -> bool:
    """Whether tensor ``t`` carries the update's working precision: a floating dtype coarser than the
    float64 inputs, on more than one element. A 0-dim float32 tensor is torch's own bookkeeping (Adam's
    ``step`` counter, ``_get_value``, a learning-rate tensor), not the update: the probe's parameters
    have at least 3 entries, so a tensor derived from a parameter or its gradient has more than one.
    An all-zero tensor rounds nothing (FlashAdamW creates its moments as float32 zeros, then stores
    them in the parameter's dtype): it does not count until a value reaches it."""
    if not (isinstance(t, torch.Tensor) and t.dtype in coarse and t.numel() > 1):
        return False
    return _nonzero(t)


def _nonzero_eager(t) -> bool:
    try:
        return bool(t.count_nonzero() > 0)
    except Exception:  # a tensor without data (meta, fake): count it
        return True


_NONZERO: list = []


def _nonzero(t) -> bool:
    """:func:`_nonzero_eager`, run outside any ``torch.compile`` trace (a clean graph break in a compiled
    step under the watch, instead of a data-dependent-branch warning)."""
    if not _NONZERO:
        disable = getattr(getattr(_torch(), "_dynamo", None), "disable", None)
        _NONZERO.append(disable(_nonzero_eager) if disable is not None else _nonzero_eager)
    return _NONZERO[0](t)


def _tensors(torch, values):
    for v in values:
        if isinstance(v, torch.Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from (t for t in v if isinstance(t, torch.Tensor))


def _watch(torch):
    """A ``TorchFunctionMode`` recording, per coarse dtype, the first function whose inputs or outputs
    carry it (:func:`_counts`); ``.seen`` maps dtype → function name."""
    from torch.overrides import TorchFunctionMode

    coarse = _coarse_dtypes(torch)

    class _Watch(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.seen: dict = {}

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            for t in _tensors(torch, (*args, *kwargs.values(), *outs)):
                if _counts(torch, t, coarse):
                    self.seen.setdefault(t.dtype, getattr(func, "__name__", None) or str(func))
            return out

    return _Watch()


#: integer dtypes of quantized state (8-bit Adam, FlashAdamW): the precision they hold a value at
_QUANTIZED = {"int8": "bfloat16", "uint8": "bfloat16", "int16": "float16", "uint16": "float16"}


def _unit(torch, dtype) -> float:
    """The rounding unit of a coarse dtype (an integer dtype of quantized state: 2⁻⁽ᵇⁱᵗˢ⁻¹⁾)."""
    if dtype.is_floating_point:
        return float(torch.finfo(dtype).eps)
    return 2.0 ** -(torch.iinfo(dtype).bits - 1)


def _precision_of(torch, dtype) -> str:
    name = str(dtype).replace("torch.", "")
    return _coarse_dtypes(torch).get(dtype) or _QUANTIZED[name]


def _coarsest(torch, seen: dict) -> tuple:
    """(dtype, where) of the coarsest dtype in ``seen`` (largest rounding unit), or (None, None)."""
    if not seen:
        return None, None
    dtype = max(seen, key=lambda dt: _unit(torch, dt))
    return dtype, seen[dtype]


def _state_dtypes(torch, optimizer, seen: dict) -> None:
    """Add the optimizer's state tensors of a coarse dtype to ``seen`` (state written by a kernel the mode
    does not see: a compiled step, a C extension), and state quantized to 8 or 16-bit integers (an
    8-bit optimizer's moments), on more than one element."""
    coarse = _coarse_dtypes(torch)
    quantized = {getattr(torch, n) for n in _QUANTIZED if hasattr(torch, n)}
    for state in getattr(optimizer, "state", {}).values():
        for key, value in (state.items() if isinstance(state, dict) else ()):
            for t in _tensors(torch, (value,)):
                if _counts(torch, t, coarse) or (t.dtype in quantized and t.numel() > 1):
                    seen.setdefault(t.dtype, f"the optimizer's state {str(key)!r}")


def _watched_run(cls, opts: dict, exact: bool = False) -> tuple[dict, set]:
    """Train once on the probe problem under :func:`_watch` (and under :func:`_Exact` when ``exact``):
    (the coarse dtypes seen, dtype → where; the (function, dtype) casts the rewrite met)."""
    torch = _torch()
    X, y = _probe_problem(opts)
    info: dict = {}
    watch = _watch(torch)
    mode = _Exact(record=True) if exact else None
    run = {**opts, "passes": 1, "exact": False}
    with (watch, (mode or contextlib.nullcontext()),
          _seeded_globals(torch, 0) if run.get("global_rng") else contextlib.nullcontext()):
        _train_predict(torch, cls, X, y, X[:1], run, 0, info=info)
    seen = dict(watch.seen)
    if "optimizer" in info:
        _state_dtypes(torch, info["optimizer"], seen)
    return seen, (mode.rewritten if mode is not None else set())


def _its(where: str) -> str:
    return where.replace("the optimizer's", "its")


def _where_seen(where: str) -> str:
    return where if where.startswith("the optimizer's") else f"{where}()"


def step_precision(cls: type, opts: dict) -> tuple[str | None, str | None]:
    """The coarsest floating dtype that feeds an optimizer's update, watched with a ``TorchFunctionMode``
    on a 4×3 problem (every input and output of every torch function, then the optimizer's state): a
    dtype coarser than the float64 inputs on more than one element (:func:`_counts`) — float32 included
    (a step on float32 copies: ``grad.float()``, foreach and fused kernels, compiled steps). Returns
    ("float32" | "float16" | "bfloat16", a note saying where it was seen), or (None, None) when everything
    stays in float64 (or the optimizer cannot train on that problem: it is diagnosed later). Muon
    orthogonalises its update by Newton–Schulz in bfloat16: its verdict holds at that precision."""
    torch = _torch()
    try:
        seen, _ = _watched_run(cls, opts)
    except Exception:
        return None, None
    dtype, where = _coarsest(torch, seen)
    if dtype is None:
        return None, None
    return _precision_of(torch, dtype), f"detected: {_describe(torch, cls, dtype, where)}"


def _describe(torch, cls, dtype, where: str) -> str:
    """"Adam's step computes in torch.bfloat16, seen in to()" and the like."""
    name, dt = _precision_of(torch, dtype), str(dtype).replace("torch.", "")
    if not dtype.is_floating_point:
        return (f"{_short(cls)} keeps {_its(where)} quantized to torch.{dt} "
                f"(judged at {name})")
    also = "" if dt == name else f" (judged at {name}, the coarsest precision invcheck names)"
    return f"{_short(cls)}'s step computes in torch.{dt}{also}, seen in {_where_seen(where)}"


# ------------------------------------------------------------------------------- exact arithmetic


def _exact_mode_class():
    torch = _torch()
    from torch.overrides import TorchFunctionMode

    coarse = _coarse_dtypes(torch)
    T = torch.Tensor
    to_methods = {T.float: torch.float32, T.half: torch.float16, T.bfloat16: torch.bfloat16}
    type_names = {"torch.FloatTensor": torch.float32, "torch.HalfTensor": torch.float16,
                  "torch.BFloat16Tensor": torch.bfloat16}
    type_names.update({k.replace("torch.", "torch.cuda."): v for k, v in list(type_names.items())})
    # factories whose result without dtype= is torch's default dtype (float32): given float64 instead
    default_float = {torch.zeros, torch.ones, torch.empty, torch.eye, torch.rand, torch.randn, torch.empty_strided}
    # factories whose result dtype depends on the data (int data stays int): re-made in float64 when the
    # default dtype came out
    default_maybe = {torch.tensor, torch.as_tensor, torch.asarray, torch.arange, torch.linspace, torch.logspace,
                     torch.scalar_tensor, torch.full}

    class Exact(TorchFunctionMode):
        """Rewrites every cast to a floating dtype coarser than float64 into float64: ``Tensor.to(dtype)``,
        ``.to(device, dtype)``, ``.to(other)`` (other coarse), ``.float()``, ``.half()``, ``.bfloat16()``,
        ``.type(…)``, ``.type_as(other)``, any ``dtype=`` keyword (``torch.zeros_like(p,
        dtype=torch.bfloat16)``, ``torch.tensor(…, dtype=…)``) and a factory that would return torch's
        default dtype, float32 (``torch.eye(n)``, ``torch.tensor([0.5])``). Where the original cast would have made a
        new tensor and the rewritten one would return its input, the input is cloned (no aliasing the
        original did not have). With ``record``, ``.rewritten`` collects the (function, dtype) pairs met
        (a set that stops changing after the first step: a compiled step is not recompiled for it)."""

        def __init__(self, record: bool = False):
            super().__init__()
            self.record = record
            self.rewritten: set = set()

        def _note(self, func, dtype):
            if self.record:
                key = (getattr(func, "__name__", None) or str(func), dtype)
                if key not in self.rewritten:
                    self.rewritten.add(key)

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = dict(kwargs or {})
            asked = None  # the coarse dtype the original call asked for
            if func in to_methods and args and isinstance(args[0], T):
                asked = to_methods[func]
                func, args = T.to, (args[0], torch.float64)
            elif func is T.type and len(args) >= 2 or (func is T.type and "dtype" in kwargs):
                want = args[1] if len(args) >= 2 else kwargs["dtype"]
                dt = type_names.get(want) if isinstance(want, str) else want
                if dt in coarse:
                    asked = dt
                    func, args = T.to, (args[0], torch.float64)
                    kwargs.pop("dtype", None)
            elif func is T.type_as and len(args) >= 2 and isinstance(args[1], T) and args[1].dtype in coarse:
                asked = args[1].dtype
                func, args = T.to, (args[0], torch.float64)
            elif func is T.to:
                new = [args[0]] if args else []
                for a in args[1:]:
                    if isinstance(a, torch.dtype) and a in coarse:
                        asked, a = a, torch.float64
                    elif isinstance(a, T) and a.dtype in coarse:
                        asked = a.dtype
                        new.extend([a.device, torch.float64])
                        continue
                    new.append(a)
                args = tuple(new)
                other = kwargs.get("other")
                if isinstance(other, T) and other.dtype in coarse:
                    asked = other.dtype
                    kwargs.pop("other")
                    kwargs.update(device=other.device, dtype=torch.float64)
            if func is not T.view and kwargs.get("dtype") in coarse:
                asked = kwargs["dtype"]
                kwargs["dtype"] = torch.float64
            elif kwargs.get("dtype") is None and (func in default_float or func in default_maybe):
                default = torch.get_default_dtype()
                if default in coarse and func in default_float and "out" not in kwargs:
                    asked, kwargs["dtype"] = default, torch.float64
                elif default in coarse and "out" not in kwargs:
                    out = func(*args, **kwargs)
                    if not (isinstance(out, T) and out.dtype == default):
                        return out
                    asked, kwargs["dtype"] = default, torch.float64
            if asked is None:
                return func(*args, **kwargs)
            self._note(func, asked)
            out = func(*args, **kwargs)
            src = args[0] if args and isinstance(args[0], T) else None
            if src is not None and out is src and src.dtype != asked:
                out = out.clone()  # the original cast made a new tensor: keep it new
            return out

    return Exact


_EXACT_CLASS = None


def _Exact(record: bool = False):
    """A fresh exact-arithmetic mode (:func:`_exact_mode_class`)."""
    global _EXACT_CLASS
    if _EXACT_CLASS is None:
        _EXACT_CLASS = _exact_mode_class()
    return _EXACT_CLASS(record)


def exact_variant(cls, opts: dict, precision: str) -> tuple[dict | None, str]:
    """(options of the exact run, how it was made) for an optimizer detected at ``precision``: training
    under :class:`_Exact`, verified on the probe problem to leave no coarse floating tensor; or (None,
    why not) when one remains (a cast inside a compiled kernel, a C extension, NumPy)."""
    torch = _torch()
    fallback = f"the verdict falls back to the {precision} allowance"
    try:
        seen, rewritten = _watched_run(cls, opts, exact=True)
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return None, (f"the run with casts rewritten to float64 fails ({type(exc).__name__}"
                      f"{': ' + msg[:120] if msg else ''}): {fallback}")
    dtype, where = _coarsest(torch, seen)
    if dtype is not None and not dtype.is_floating_point:
        return None, (f"{_its(where)} is still quantized to {dtype} under the rewrite: "
                      f"quantization is no cast to float64; {fallback}")
    if dtype is not None:
        dt = str(dtype)
        return None, (f"a {dt.replace('torch.', '')} tensor still appears in {_where_seen(where)} under the rewrite: "
                      f"the cast cannot be reached; {fallback}")
    casts = sorted({str(dt) for (_, dt) in rewritten})
    funcs = sorted({f for (f, _) in rewritten})
    if not casts:
        how = f"{_short(cls)}'s step run under the float64 rewrite (no cast to rewrite was reached)"
    else:
        how = (f"casts to {', '.join(casts)} in {_short(cls)}'s step rewritten to float64 "
               f"(seen in {', '.join(f + '()' for f in funcs)})")
    return {**opts, "exact": True}, how


def trace_states(optimizer_cls, X: np.ndarray, y: np.ndarray, opts: dict, seed: int | None = None) -> list[dict]:
    """Train as :func:`train_predict` does and return, after every step, the weight and the optimizer's
    state for it (linear model: one weight)."""
    torch = _torch()
    trace: list[dict] = []
    X1 = np.asarray(X, dtype=float)[:1]
    with _Exact() if opts.get("exact") else contextlib.nullcontext():
        if opts.get("global_rng"):
            with _seeded_globals(torch, int(seed) if seed is not None else 0):
                _train_predict(torch, optimizer_cls, X, y, X1, opts, seed, trace)
        else:
            _train_predict(torch, optimizer_cls, X, y, X1, opts, seed, trace)
    return trace


def breaks_at(optimizer_cls, opts: dict, cx) -> dict | None:
    """Replay a counterexample's two training runs step by step and name the first state that stops
    transforming like the weight (W ↦ W·Uᵀ with the counterexample's U: a rotation of the inputs, or
    the orthogonal map relating two ±1 twins; W ↦ V·W for an output map V):
    ``{"step", "key", "deviation", "property", "why"}``, or a dict with ``key`` None and a ``note`` when every
    state transforms (the difference arises in the prediction) or the model is not the linear neuron."""
    from invariance.judge import state_transform

    if opts["model"] == "mlp":
        return {"key": None, "note": "state replay covers the linear neuron and layer only (--model linear|layer)"}
    U = np.asarray(cx.U, dtype=float)
    V = None if getattr(cx, "V", None) is None else np.asarray(cx.V, dtype=float)
    y2 = cx.y_train if V is None else cx.y_train_transformed
    one = trace_states(optimizer_cls, cx.X_train, cx.y_train, opts)
    two = trace_states(optimizer_cls, cx.X_train_transformed, y2, opts)
    for step, (a, b) in enumerate(zip(one, two, strict=False), start=1):
        keys = [k for k in a if k != "weight" and k in b] + ["weight"]
        for key in keys:
            ok, dev, how = state_transform(a[key], b[key], U, V)
            if not ok:
                what = (f"the weight itself at step {step} does not transform, though every state it was "
                        "computed from did" if key == "weight" else f"{key} at step {step} {how}")
                return {"step": step, "key": key, "deviation": dev, "property": cx.property, "why": what}
    return {"key": None, "property": cx.property, "steps": len(one),
            "note": f"every state transforms like the weight over all {len(one)} steps: "
                    "the runs part only in the prediction"}


def _short(make) -> str:
    return (getattr(make, "__name__", None) or getattr(getattr(make, "func", None), "__name__", None)
            or type(make).__name__)


def _where(make) -> str:
    """``torch.optim.adam.Adam`` for a class, ``module.factory`` for a factory, ``partial(Adam, …)``."""
    if isinstance(make, functools.partial):
        kw = ", ".join(f"{k}={v!r}" for k, v in make.keywords.items())
        return f"partial({_where(make.func)}{', ' + kw if kw else ''})"
    return f"{getattr(make, '__module__', '?')}.{getattr(make, '__qualname__', _short(make))}"


def learner_from_optimizer(cls, *, name: str, target: str, options: dict) -> Learner:
    """A learner from a ``torch.optim.Optimizer`` subclass or an instance factory (a function of the
    parameters returning an optimizer: ``functools.partial(Adam, betas=…)``, ``lambda params:
    Lookahead(Adam(params))``, ``def make(params, lr): …``).

    Decided once, on the probe problem: how ``step`` is called (``options['closure']``:
    :func:`closure_protocol`), whether a None lr default is a required lr, whether gradients need a graph,
    whether it draws from the global generators, the working precision (:func:`step_precision`) and,
    for a precision coarser than float64, :attr:`Learner.exact`: the same learner with its casts
    rewritten to float64 (:func:`exact_variant`), or None with :attr:`Learner.exact_note` saying why."""
    opts = _validated(options)
    if opts["lr"] is None:
        opts["lr"], source = own_lr(cls)
    elif not takes_lr(cls):
        raise UsageError(f"--lr {opts['lr']:g}: {_where(cls)} takes no lr (give its step size with --opt KEY=VALUE)")
    else:
        source = "--lr"
    opts["closure"], lr, why = closure_protocol(cls, opts)
    if lr != opts["lr"]:
        opts["lr"], source = lr, fallback_source("lr", why or "it needs one")
    opts["lr_source"] = source
    if opts["create_graph"] is None:
        opts["create_graph"] = needs_create_graph(cls, opts)
    opts["global_rng"] = uses_global_rng(cls, opts)
    if opts["device"] != "cpu":
        torch = _torch()
        if opts["device"].startswith("cuda") and not torch.cuda.is_available():
            raise UsageError(f"--device {opts['device']} asked for, but torch sees no CUDA device; use --device cpu")
    _validate_optimizer_kwargs(_torch(), cls, opts)

    randomized = opts["model"] == "mlp" or opts["global_rng"]

    def fit_predict_for(run: dict):
        if randomized:

            def fit_predict(X_train, y_train, X_test, *, rng: Any = None):
                seed = int(rng.integers(2**63 - 1)) if rng is not None else 0
                return train_predict(cls, X_train, y_train, X_test, run, seed)

        else:

            def fit_predict(X_train, y_train, X_test):  # type: ignore[misc]  # no rng: deterministic
                return train_predict(cls, X_train, y_train, X_test, run, None)

        fit_predict.__name__ = name
        fit_predict.__qualname__ = name
        return fit_predict

    hidden = ("optimizer_kwargs", "create_graph", "global_rng", "lr_source", "closure")
    desc = ", ".join(f"{k}={v}" + (f" ({opts['lr_source']})" if k == "lr" and opts["lr_source"] != "--lr" else "")
                     for k, v in opts.items() if k not in hidden
                     and (opts["model"] == "mlp" or k not in ("hidden", "activation", "init"))
                     and (k != "outputs" or opts["model"] == "layer"))
    if opts["closure"] == CLOSURE_REJECTED:
        desc += ", step(closure) rejected: plain step() after the gradient"
    elif opts["closure"] == CLOSURE_NONE:
        desc += ", step() takes no closure: plain step() after the gradient"
    if opts["create_graph"]:
        desc += ", create_graph=True"
    if opts["global_rng"]:
        desc += ", torch's global RNG forked and seeded per call (randomised)"
    if opts["optimizer_kwargs"]:
        desc += f", {opts['optimizer_kwargs']}"
    precision, note = step_precision(cls, opts)
    options = {"description": f"{_where(cls)} ({desc})", **opts}
    common = dict(name=name, target=target, expected=None, reason=None, randomized=randomized, outputs=opts["outputs"],
                  options=options)
    exact, exact_note = None, None
    if precision is not None:
        exact_opts, exact_note = exact_variant(cls, opts, precision)
        if exact_opts is not None:
            exact = Learner(fn=fit_predict_for(exact_opts), precision=None, precision_note=None,
                            explain=functools.partial(breaks_at, cls, exact_opts), **common)
    return Learner(
        fn=fit_predict_for(opts),
        precision=precision,
        precision_note=note,
        explain=functools.partial(breaks_at, cls, opts),
        exact=exact,
        exact_note=exact_note,
        **common,
    )
