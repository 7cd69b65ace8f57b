"""Wrapper optimizers around a base, as instance factories any process can load by name.

A wrapper (Lookahead, SAM, …) cannot train alone: it takes a base optimizer. The atlas tries each one
around torch's SGD, then Adam (:func:`base_for`), as the row ``invariance.report.wrapped:NAME`` where
NAME is ``CLASS_around_BASE__MODULE`` (the module's dots written ``__``): the module's ``__getattr__`` turns such
a name back into a factory ``f(params, lr=1e-3)``, so a worker process re-loads it from its target
alone. Two ways of taking a base are known:

* an **instance**: ``Wrapper(base(params, lr=lr))`` — the first parameter is ``optimizer``
  (``base_optimizer``, ``opt``, …), as torch_optimizer's and pytorch_optimizer's Lookahead;
* a **class**: ``Wrapper(params, base_optimizer=Base, lr=lr)`` — SAM and its kin, which build the base
  themselves from the same parameters.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from typing import Any

from invariance.errors import one_line

__all__ = ["BASES", "wrapper_style", "model_level", "factory_name", "base_for"]

#: the documented bases, in the order they are tried
BASES = ("SGD", "Adam")
#: names of a first parameter that takes an optimizer instance
_INSTANCE_NAMES = ("optimizer", "base_optimizer", "inner_optimizer", "opt", "optim")
#: names of a first parameter that takes the model (a model-level optimizer)
_MODEL_NAMES = ("model", "module", "net", "network")


def _params(cls: Any) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return []


def wrapper_style(cls: Any) -> str | None:
    """"instance" (its first parameter takes an optimizer), "class" (it takes ``base_optimizer`` beside
    ``params``), or None: not a wrapper."""
    ps = _params(cls)
    if not ps:
        return None
    if ps[0].name in _INSTANCE_NAMES:
        return "instance"
    if ps[0].name == "params" and any(p.name == "base_optimizer" for p in ps[1:]):
        return "class"
    return None


def model_level(cls: Any) -> bool:
    """Whether it takes the model rather than its parameters (its first parameter is ``model``, …)."""
    ps = _params(cls)
    return bool(ps) and ps[0].name in _MODEL_NAMES


def factory_name(module: str, cls: str, base: str) -> str:
    return f"{cls}_around_{base}__{module.replace('.', '__')}"


def _factory(module: str, cls_name: str, base: str) -> Callable[..., Any]:
    import torch

    cls = getattr(importlib.import_module(module), cls_name)
    base_cls = getattr(torch.optim, base)
    style = wrapper_style(cls)

    def make(params: Any, lr: float = 1e-3) -> Any:
        if style == "class":
            return cls(params, base_optimizer=base_cls, lr=lr)
        return cls(base_cls(params, lr=lr))

    make.__name__ = make.__qualname__ = f"{cls_name}({base})"
    make.__doc__ = f"{module}.{cls_name} around torch.optim.{base} (lr 1e-3): a wrapper row of the atlas."
    return make


@functools.cache  # asked by the atlas's row list and again by the row's reason
def base_for(module: str, cls_name: str) -> tuple[str | None, str]:
    """The first base of :data:`BASES` the wrapper trains with — built on a 1×2 parameter and stepped
    twice without an error — and words for the row: (base, why) or (None, why not)."""
    import torch

    tried = []
    for base in BASES:
        try:
            _two_steps(torch, _factory(module, cls_name, base))
            return base, f"around torch.optim.{base}"
        except Exception as exc:  # noqa: BLE001 - the next base, or the reason for none
            tried.append(f"{base}: {one_line(exc, 80)}")
    return None, "no base trains: " + "; ".join(tried)


def _two_steps(torch: Any, make: Callable[..., Any]) -> None:
    """Build ``make`` on a 1×2 parameter and take two steps (with a closure where ``step`` takes one)."""
    p = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    opt = make([p])

    def closure() -> Any:
        opt.zero_grad()
        loss = (p.sum() - 1.0).pow(2)
        loss.backward()
        return loss

    for _ in range(2):
        closure()
        try:
            opt.step(closure)
        except TypeError:  # a step that takes no closure
            opt.step()


def __getattr__(name: str) -> Callable[..., Any]:
    head, _, module = name.partition("__")
    cls, _, base = head.rpartition("_around_")
    if not cls or base not in BASES or not module:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return _factory(module.replace("__", "."), cls, base)
    except (ImportError, AttributeError) as exc:  # the wrapped package is gone or renamed: no such row here
        raise AttributeError(f"{name}: {type(exc).__name__}: {exc}") from None
