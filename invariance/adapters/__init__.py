"""Adapters that turn objects which are not plain callables into learners.

``adapt`` returns ``None`` for a plain function (the caller wraps it directly). Each adapter module
imports its framework lazily, so checking a NumPy learner never imports torch or scikit-learn.
"""

from __future__ import annotations

import inspect
from typing import Any

from invariance.contract import Learner

__all__ = ["adapt"]


def _is_torch_optimizer_class(obj: Any) -> bool:
    return inspect.isclass(obj) and any(
        c.__name__ == "Optimizer" and c.__module__.startswith("torch.optim") for c in obj.__mro__
    )


def _is_torch_optimizer_factory(obj: Any) -> bool:
    """An instance factory: ``functools.partial`` of an optimizer class, or a function whose first
    parameter is ``params`` (or that is annotated to return an ``Optimizer``). Decided from the object
    and its signature alone: nothing is called and torch is not imported."""
    import functools

    if isinstance(obj, functools.partial):
        return _is_torch_optimizer_class(obj.func)
    if not (inspect.isfunction(obj) or inspect.ismethod(obj)):
        return False
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    first = next(iter(sig.parameters), None)
    return first in ("params", "parameters") or "Optimizer" in str(sig.return_annotation)


def _is_optax_factory(obj: Any) -> bool:
    import functools

    inner = obj.func if isinstance(obj, functools.partial) else obj  # optax.nadam = partial(adam, nesterov=True)
    module = str(getattr(inner, "__module__", "") or "")
    if not module.startswith("optax") and "GradientTransformation" not in str(
            getattr(inner, "__annotations__", {}).get("return", "")):
        return False  # decided without importing jax or optax
    from invariance.adapters.optax import is_optax_factory

    return is_optax_factory(obj)


def _is_sklearn_estimator(obj: Any) -> bool:
    cls = obj if inspect.isclass(obj) else type(obj)
    return hasattr(cls, "fit") and hasattr(cls, "predict") and hasattr(cls, "get_params")


def adapt(obj: Any, *, name: str, target: str, options: dict) -> Learner | None:
    if _is_torch_optimizer_class(obj) or _is_torch_optimizer_factory(obj):
        from invariance.adapters.torch import learner_from_optimizer

        return learner_from_optimizer(obj, name=name, target=target, options=options)
    if _is_optax_factory(obj):
        from invariance.adapters.optax import learner_from_optax

        return learner_from_optax(obj, name=name, target=target, options=options)
    if _is_sklearn_estimator(obj):
        from invariance.adapters.sklearn import learner_from_estimator

        return learner_from_estimator(obj, name=name, target=target, options=options)
    return None
