"""What a torch learner trains: the model (linear neuron, linear layer, MLP, a network of your own) and the
optimizer on its parameters, built the same way for every run; and the names an optimizer is shown by."""

from __future__ import annotations

import difflib
import functools
import inspect
from typing import Any

import numpy as np

from invariance.adapters.torch.options import TorchOptions
from invariance.errors import MissingDependency, UsageError, one_line

__all__ = ["torch_module", "short_name", "where", "OPTIMIZER_DEFAULTS", "construct", "build_model",
           "build_optimizer", "model_factory", "own_model", "validate_optimizer_kwargs"]

#: per-optimizer keyword defaults of the adapter (override with --opt KEY=VALUE). L-BFGS's own
#: defaults (20 inner iterations, 100 pairs of history) make one online step cost ~2000 dot products;
#: the online protocol needs one quasi-Newton step per example. Neither choice bears on invariance.
OPTIMIZER_DEFAULTS = {"LBFGS": {"max_iter": 1, "history_size": 10}}


def torch_module() -> Any:
    """The ``torch`` module, imported on first use (:class:`MissingDependency` without it)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - exercised only without torch
        raise MissingDependency("torch", "torch", "checking a torch.optim optimizer") from None
    return torch


def short_name(make: Any) -> str:
    return (getattr(make, "__name__", None) or getattr(getattr(make, "func", None), "__name__", None)
            or type(make).__name__)


def where(make: Any) -> str:
    """``torch.optim.adam.Adam`` for a class, ``module.factory`` for a factory, ``partial(Adam, …)``."""
    if isinstance(make, functools.partial):
        kw = ", ".join(f"{k}={v!r}" for k, v in make.keywords.items())
        return f"partial({where(make.func)}{', ' + kw if kw else ''})"
    return f"{getattr(make, '__module__', '?')}.{getattr(make, '__qualname__', short_name(make))}"


def _signature(make: Any) -> dict:
    """The keyword parameters of an optimizer class's ``__init__`` or of an instance factory."""
    try:
        target = make.__init__ if inspect.isclass(make) else make
        return dict(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return {}


def construct(make: Any, params: Any, opts: TorchOptions, kwargs: dict) -> Any:
    """``make(params, lr=…, **kwargs)``; lr only where it is set (a factory or optimizer without one
    gets none)."""
    lr = {} if opts.lr is None else {"lr": opts.lr}
    return make(params, **lr, **kwargs)


def build_optimizer(make: Any, model: Any, opts: TorchOptions) -> Any:
    """The optimizer on ``model``'s parameters: the adapter's keyword defaults, then the user's."""
    kwargs = {**OPTIMIZER_DEFAULTS.get(short_name(make), {}), **opts.optimizer_kwargs}
    return construct(make, model.parameters(), opts, kwargs)


def build_model(torch: Any, d: int, opts: TorchOptions, gen: Any) -> Any:
    """Zero weights for the linear neuron and layer; an MLP's weights drawn from ``gen``; a network of
    your own from its factory (:func:`own_model`)."""
    if opts.custom:
        return own_model(torch, d, opts, int(gen.initial_seed()))
    nn = torch.nn
    dt = torch.float64

    def linear(n_in: int, n_out: int) -> Any:
        # an nn.Linear(n_in, n_out, bias=False) built without its initialisation: no draw from torch's global
        # generator (every weight is set below), so that a draw seen during a run is the optimizer's
        # (probes.uses_global_rng). The same module as torch.nn.utils.skip_init makes, at 1/17 of its cost
        # (it builds on the meta device and moves): a check builds thousands of these
        layer = nn.Linear.__new__(nn.Linear)
        nn.Module.__init__(layer)
        layer.in_features, layer.out_features = n_in, n_out
        layer.weight = nn.Parameter(torch.empty(n_out, n_in, dtype=dt, device=opts.device))
        layer.register_parameter("bias", None)
        return layer

    if opts.model in ("linear", "layer"):
        model = linear(d, opts.outputs or 1)
        with torch.no_grad():
            model.weight.zero_()
        return model
    h = opts.hidden
    first = linear(d, h)
    second = linear(h, 1)
    with torch.no_grad():
        if opts.init == "gaussian":  # N(0, 1/d) entries: W U has the same law as W for orthogonal U
            first.weight.copy_(torch.randn(h, d, generator=gen, dtype=dt) / np.sqrt(d))
        elif opts.init == "orthogonal":
            nn.init.orthogonal_(first.weight, generator=gen)
        else:  # torch's default: kaiming-uniform, i.i.d. uniform entries (not rotation invariant in law)
            bound = 1.0 / np.sqrt(d)
            first.weight.copy_((torch.rand(h, d, generator=gen, dtype=dt) * 2 - 1) * bound)
        second.weight.copy_(torch.randn(1, h, generator=gen, dtype=dt) / np.sqrt(h))
    act = {"tanh": nn.Tanh(), "relu": nn.ReLU(), "identity": nn.Identity()}[opts.activation]
    return nn.Sequential(first, act, second)


def model_factory(spec: str) -> Any:
    """The factory ``spec`` names (``FILE.py:FACTORY`` or ``module:FACTORY``, a path relative to the folder
    it is asked from); a :class:`UsageError` (one line) where it cannot be imported or is not callable."""
    import os

    return _factory_in(spec, os.getcwd())


@functools.cache
def _factory_in(spec: str, cwd: str) -> Any:
    from invariance.targets import resolve

    obj = resolve(spec, what="--model")
    if not callable(obj):
        raise UsageError(f"--model {spec} is a {type(obj).__name__}, not a factory; give a function "
                         "factory(d, outputs) that returns a torch.nn.Module")
    return obj


def manual_seed(torch: Any, seed: int) -> None:
    """``torch.manual_seed(seed)``. That call also seeds every accelerator's generator, or records a stack
    trace to seed it when it starts (0.2 ms a call, and a check seeds thousands of fits); where no accelerator
    is available only the CPU generator exists, and it alone is seeded. (Asking whether one is available
    starts a CUDA build's driver on a machine with a GPU; seeding there is ``torch.manual_seed`` as before.)"""
    seed = int(seed)
    if torch.accelerator.is_available():
        torch.manual_seed(seed)
    else:
        torch.default_generator.manual_seed(seed)


def own_model(torch: Any, d: int, opts: TorchOptions, seed: int) -> Any:
    """``factory(d, outputs)`` with torch's global generator seeded by ``seed`` (forked: the caller's stream is
    untouched) and float64 as torch's default dtype (so that ``nn.Linear`` and the like are built and
    initialised in float64, not rounded through float32), moved to the run's device. Raises what the factory
    raises, and a ``TypeError`` for anything but a ``torch.nn.Module``."""
    factory = model_factory(opts.model)
    default = torch.get_default_dtype()
    cuda = [torch.device(opts.device).index or 0] if opts.device.startswith("cuda") else []
    with torch.random.fork_rng(devices=cuda):
        manual_seed(torch, seed)
        torch.set_default_dtype(torch.float64)
        try:
            model = factory(d, opts.outputs or 1)
        finally:
            torch.set_default_dtype(default)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"--model {opts.model} returned a {type(model).__name__}, not a torch.nn.Module")
    return model.to(dtype=torch.float64, device=opts.device)


def validate_optimizer_kwargs(torch: Any, cls: Any, opts: TorchOptions) -> None:
    """Reject a mistyped or invalid ``--opt KEY=VALUE`` before any checking starts (exit code 2).

    Unknown keywords are found from the signature (with close matches suggested); values are tried by
    building the optimizer once on a dummy 1×2 parameter. An optimizer that cannot be built even
    without the extra keywords is left alone: it fails on the first call and gets a diagnosis.
    """
    kwargs = opts.optimizer_kwargs
    if not kwargs:
        return
    _check_keywords(cls, kwargs)

    def build(**kw: Any) -> Any:
        dummy = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
        return construct(cls, [dummy], opts, kw)

    try:
        build()
    except Exception:
        return  # not about the keywords: the first call will fail and be diagnosed
    try:
        build(**kwargs)
    except Exception as exc:
        given = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        raise UsageError(
            f"--opt {given} rejected by {where(cls)}: {one_line(exc)} "
            "(values are parsed as JSON, e.g. --opt betas=[0.9,0.99] --opt amsgrad=true)"
        ) from None


def _check_keywords(cls: Any, kwargs: dict) -> None:
    """Reserved keywords (lr, params), then, where the signature lists its keywords, unknown ones."""
    for reserved, fix in (("lr", "set the learning rate with --lr"),
                          ("params", "the adapter passes the model's parameters")):
        if reserved in kwargs:
            raise UsageError(f"--opt {reserved}=… is not allowed for {where(cls)}: {fix}")
    params = _signature(cls)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if params and not takes_any:
        known = [k for k in params if k not in ("self", "params", "lr")]
        for key in kwargs:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else f"; it takes {', '.join(known)}"
                raise UsageError(f"--opt {key}=…: {where(cls)} has no keyword argument {key!r}{hint}")
