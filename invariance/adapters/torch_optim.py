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

from invariance.errors import MissingDependency, UsageError
from invariance.adapters.defaults import layer_outputs, own_lr, takes_lr
from invariance.contract import Learner

__all__ = ["learner_from_optimizer", "DEFAULTS", "train_predict", "trace_states", "breaks_at"]

DEFAULTS = {
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
    for reserved, fix in (("lr", "set the learning rate with --lr"), ("params", "the adapter passes the model's parameters")):
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


def _step(optimizer, closure) -> None:
    """``optimizer.step(closure)``; an optimizer whose ``step`` takes no closure gets the gradient from
    ``closure()`` first and a plain ``step()``."""
    try:
        params = inspect.signature(optimizer.step).parameters
    except (TypeError, ValueError):
        params = {"closure": None}
    if "closure" in params or any(p.kind is p.VAR_POSITIONAL for p in params.values()):
        optimizer.step(closure)
    else:
        closure()
        optimizer.step()


def train_predict(optimizer_cls, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, opts: dict, seed: int | None) -> np.ndarray:
    """Train ``opts['model']`` with ``optimizer_cls`` on (X, y) online, return predictions on Xt.

    The optimizer protocol: ``optimizer.train()`` before the training steps and ``optimizer.eval()``
    before predicting when it has them (schedule-free optimizers predict at their averaged point);
    ``step(closure)`` (or ``closure(); step()`` when ``step`` takes none); with ``create_graph`` the
    gradient comes from autograd with ``backward(create_graph=True)`` (Hessian-vector products);
    with ``global_rng`` the run happens with torch's, NumPy's and Python's global generators forked and
    seeded by ``seed`` (optimizers that draw from them — random Hessian probes, Kron's preconditioner
    updates — become randomised learners).
    """
    torch = _torch()
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


def _train_predict(torch, optimizer_cls, X, y, Xt, opts, seed, trace: list | None = None) -> np.ndarray:
    gen = torch.Generator().manual_seed(int(seed) if seed is not None else 0)
    dev = opts["device"]
    model = _build(torch, X.shape[1], opts, gen)
    kwargs = {**OPTIMIZER_DEFAULTS.get(_short(optimizer_cls), {}), **opts["optimizer_kwargs"]}
    optimizer = _construct(optimizer_cls, model.parameters(), opts, kwargs)
    modes = callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))
    Xt_ = torch.as_tensor(Xt, dtype=torch.float64, device=dev)
    X_ = torch.as_tensor(X, dtype=torch.float64, device=dev)
    y_ = torch.as_tensor(y, dtype=torch.float64, device=dev)
    bs = opts["batch_size"]
    by_hand = opts["model"] in ("linear", "layer") and not opts.get("create_graph")
    layer = opts["model"] == "layer"
    w = next(model.parameters())
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

                def closure(xb=xb, yb=yb):
                    optimizer.zero_grad()
                    with torch.enable_grad(), warnings.catch_warnings():
                        # torch warns that a graph-carrying .grad forms a reference cycle; the adapter
                        # clears every .grad after training (below)
                        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
                        out = model(xb) if layer else model(xb)[:, 0]
                        loss = 0.5 * ((out - yb) ** 2).reshape(len(xb), -1).sum(1).mean()
                        loss.backward(create_graph=bool(opts.get("create_graph")))
                    return loss

            _step(optimizer, closure)
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


def _probe_problem(opts: dict) -> tuple[np.ndarray, np.ndarray]:
    """The 4×3 Gaussian problem the load-time probes train on (create_graph, global RNG, precision);
    4×H targets for a layer."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 3)), rng.standard_normal(4)
    if opts.get("outputs"):
        y = np.column_stack([y] + [rng.standard_normal(4) for _ in range(opts["outputs"] - 1)])
    return X, y


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
        before = (torch.random.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())
        try:
            train_predict(cls, X, y, X, {**opts, "passes": 2, "global_rng": False}, 0)
        except Exception:
            return False
        after = (torch.random.get_rng_state(), np.random.get_state()[1], random.getstate())
    return not (torch.equal(before[0], after[0]) and np.array_equal(before[1], after[1]) and before[2] == after[2])


def step_precision(cls: type, opts: dict) -> tuple[str | None, str | None]:
    """The coarsest floating dtype an optimizer's training run produces, watched with a
    ``TorchFunctionMode`` on a 4×3 problem: ("bfloat16" or "float16", a note saying where), or (None, None)
    when everything stays in float64 (or the optimizer cannot train on that problem: it is diagnosed later).
    Muon orthogonalises its update by Newton–Schulz in bfloat16: its verdict holds at that precision."""
    torch = _torch()
    from torch.overrides import TorchFunctionMode

    low = {torch.bfloat16: "bfloat16", torch.float16: "float16"}
    seen: dict[str, str] = {}

    class _Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and t.dtype in low:
                    seen.setdefault(low[t.dtype], getattr(func, "__name__", str(func)))
            return out

    X, y = _probe_problem(opts)
    try:
        with _Watch():
            train_predict(cls, X, y, X[:1], {**opts, "passes": 1}, 0)
    except Exception:
        return None, None
    for dtype in ("bfloat16", "float16"):  # the coarsest first
        if dtype in seen:
            return dtype, f"detected: {_short(cls)}'s step computes in torch.{dtype}, seen in {seen[dtype]}()"
    return None, None


def trace_states(optimizer_cls, X: np.ndarray, y: np.ndarray, opts: dict, seed: int | None = None) -> list[dict]:
    """Train as :func:`train_predict` does and return, after every step, the weight and the optimizer's
    state for it (linear model: one weight)."""
    torch = _torch()
    trace: list[dict] = []
    X1 = np.asarray(X, dtype=float)[:1]
    if opts.get("global_rng"):
        with _seeded_globals(torch, int(seed) if seed is not None else 0):
            _train_predict(torch, optimizer_cls, X, y, X1, opts, seed, trace)
    else:
        _train_predict(torch, optimizer_cls, X, y, X1, opts, seed, trace)
    return trace


def breaks_at(optimizer_cls, opts: dict, cx) -> dict | None:
    """Replay a counterexample's two training runs step by step and name the first state that stops
    transforming like the weight (W ↦ W·Uᵀ with the counterexample's U: a rotation of the inputs, or
    the orthogonal map relating two ±1 twins; W ↦ V·W for an output map V): ``{"step", "key", "deviation", "property", "why"}``, or
    a dict with ``key`` None and a ``note`` when every state transforms (the difference arises in the
    prediction) or the model is not the linear neuron."""
    from invariance.judge import state_transform

    if opts["model"] == "mlp":
        return {"key": None, "note": "state replay covers the linear neuron and layer only (--model linear|layer)"}
    U = np.asarray(cx.U, dtype=float)
    V = None if getattr(cx, "V", None) is None else np.asarray(cx.V, dtype=float)
    y2 = cx.y_train if V is None else cx.y_train_transformed
    one = trace_states(optimizer_cls, cx.X_train, cx.y_train, opts)
    two = trace_states(optimizer_cls, cx.X_train_transformed, y2, opts)
    for step, (a, b) in enumerate(zip(one, two), start=1):
        keys = [k for k in a if k != "weight" and k in b] + ["weight"]
        for key in keys:
            ok, dev, how = state_transform(a[key], b[key], U, V)
            if not ok:
                what = (f"the weight itself at step {step} does not transform, though every state it was "
                        "computed from did" if key == "weight" else f"{key} at step {step} {how}")
                return {"step": step, "key": key, "deviation": dev, "property": cx.property, "why": what}
    return {"key": None, "property": cx.property, "steps": len(one),
            "note": f"every state transforms like the weight over all {len(one)} steps: the runs part only in the prediction"}


def _short(make) -> str:
    return getattr(make, "__name__", None) or getattr(getattr(make, "func", None), "__name__", None) or type(make).__name__


def _where(make) -> str:
    """``torch.optim.adam.Adam`` for a class, ``module.factory`` for a factory, ``partial(Adam, …)``."""
    if isinstance(make, functools.partial):
        kw = ", ".join(f"{k}={v!r}" for k, v in make.keywords.items())
        return f"partial({_where(make.func)}{', ' + kw if kw else ''})"
    return f"{getattr(make, '__module__', '?')}.{getattr(make, '__qualname__', _short(make))}"


def learner_from_optimizer(cls, *, name: str, target: str, options: dict) -> Learner:
    """A learner from a ``torch.optim.Optimizer`` subclass or an instance factory (a function of the
    parameters returning an optimizer: ``functools.partial(Adam, betas=…)``, ``lambda params:
    Lookahead(Adam(params))``, ``def make(params, lr): …``)."""
    opts = _validated(options)
    if opts["lr"] is None:
        opts["lr"], source = own_lr(cls)
    elif not takes_lr(cls):
        raise UsageError(f"--lr {opts['lr']:g}: {_where(cls)} takes no lr (give its step size with --opt KEY=VALUE)")
    else:
        source = "--lr"
    opts["lr_source"] = source
    if opts["create_graph"] is None:
        opts["create_graph"] = needs_create_graph(cls, opts)
    opts["global_rng"] = uses_global_rng(cls, opts)
    if opts["device"] != "cpu":
        torch = _torch()
        if opts["device"].startswith("cuda") and not torch.cuda.is_available():
            raise UsageError(f"--device {opts['device']} asked for, but torch sees no CUDA device; use --device cpu")
    _validate_optimizer_kwargs(_torch(), cls, opts)

    if opts["model"] == "mlp" or opts["global_rng"]:

        def fit_predict(X_train, y_train, X_test, *, rng: Any = None):
            seed = int(rng.integers(2**63 - 1)) if rng is not None else 0
            return train_predict(cls, X_train, y_train, X_test, opts, seed)

    else:

        def fit_predict(X_train, y_train, X_test):
            return train_predict(cls, X_train, y_train, X_test, opts, None)

    fit_predict.__name__ = name
    fit_predict.__qualname__ = name
    desc = ", ".join(f"{k}={v}" + (f" ({opts['lr_source']})" if k == "lr" and opts["lr_source"] != "--lr" else "")
                     for k, v in opts.items() if k not in ("optimizer_kwargs", "create_graph", "global_rng", "lr_source") and (opts["model"] == "mlp" or k not in ("hidden", "activation", "init")) and (k != "outputs" or opts["model"] == "layer"))
    if opts["create_graph"]:
        desc += ", create_graph=True"
    if opts["global_rng"]:
        desc += ", torch's global RNG forked and seeded per call (randomised)"
    if opts["optimizer_kwargs"]:
        desc += f", {opts['optimizer_kwargs']}"
    precision, note = step_precision(cls, opts)
    return Learner(
        name=name,
        fn=fit_predict,
        target=target,
        expected=None,
        reason=None,
        precision=precision,
        precision_note=note,
        randomized=opts["model"] == "mlp" or opts["global_rng"],
        explain=functools.partial(breaks_at, cls, opts),
        outputs=opts["outputs"],
        options={"description": f"{_where(cls)} ({desc})", **opts},
    )
