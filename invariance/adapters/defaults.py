"""What an optimizer adapter uses where the user sets nothing: the optimizer's own default learning
rate, and the number of outputs of a layer. Shared by the torch and optax adapters."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from invariance.contract import check_outputs
from invariance.errors import UsageError
from invariance.options import is_factory_model

__all__ = ["FALLBACK_LR", "own_lr", "takes_lr", "lr_defaults_to_none", "fallback_source", "layer_outputs"]

#: the learning rate where an optimizer's ``lr`` (``learning_rate``) is required and has no default
FALLBACK_LR = 0.05


def _parameters(make: Callable) -> dict:
    try:
        return dict(inspect.signature(make.__init__ if inspect.isclass(make) else make).parameters)
    except (TypeError, ValueError):
        return {}


def own_lr(make: Callable, key: str = "lr") -> tuple[float | None, str]:
    """(learning rate, where it comes from) when the user gives none: the optimizer's own numeric
    default (Adam's ``lr=1e-3``); None — pass nothing — where it takes no such keyword or its default
    is not a number (A2Grad's ``lr=None``: the optimizer decides); :data:`FALLBACK_LR` where the keyword
    is required. A default of None can still be a required lr in substance (asserted positive, compared
    with 0): the torch adapter tries a training step without one and passes :data:`FALLBACK_LR` where
    that fails (:func:`lr_defaults_to_none`, :func:`fallback_source`)."""
    params = _parameters(make)
    p = params.get(key)
    if p is None:
        return None, f"none: it takes no {key}"
    if p.default is inspect.Parameter.empty:
        return FALLBACK_LR, f"the adapter's {FALLBACK_LR:g} ({key} is required)"
    if isinstance(p.default, (int, float)) and not isinstance(p.default, bool) and p.default > 0:
        return float(p.default), "its default"
    return None, f"its default ({key}={p.default!r})"


def lr_defaults_to_none(make: Callable, key: str = "lr") -> bool:
    """Whether ``make`` has a ``key`` parameter whose default is None (required or optional: only a
    training step tells)."""
    p = _parameters(make).get(key)
    return p is not None and p.default is None


def fallback_source(key: str, why: str) -> str:
    """Where the lr comes from when a None default turned out to be required: the adapter's, and why."""
    return f"the adapter's {FALLBACK_LR:g} ({key} defaults to None, and training without one fails: {why})"


def takes_lr(make: Callable, key: str = "lr") -> bool:
    """Whether ``make`` accepts ``key`` (by name or through ``**kwargs``)."""
    params = _parameters(make)
    return key in params or any(q.kind is q.VAR_KEYWORD for q in params.values())


def layer_outputs(model: str, outputs: Any) -> int | None:
    """The outputs H of ``--model layer`` (default :data:`~invariance.contract.DEFAULT_OUTPUTS`); None for a
    one-output model, where ``--outputs`` is a usage error."""
    if model == "layer":
        return check_outputs(True if outputs in (None, False) else outputs, "--outputs")
    if is_factory_model(model):  # your own network: H as given, else what its output says (probes.probe_model)
        return None if outputs in (None, False) else check_outputs(outputs, "--outputs")
    if outputs not in (None, False):
        raise UsageError(f"--outputs {outputs} needs --model layer (a weight matrix with one row per output); "
                         f"--model {model} has one output")
    return None
