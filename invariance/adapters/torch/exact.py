"""Exact arithmetic beside the computed result: a ``TorchFunctionMode`` under which every cast to a
floating dtype coarser than float64 becomes a cast to float64 (docs/design.md#tolerance)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from invariance.adapters.torch.model import torch_module

__all__ = ["exact_mode", "coarse_dtypes"]


def coarse_dtypes(torch: Any) -> dict:
    """Floating dtypes coarser than float64 → the precision invcheck judges them at (float8 formats, which
    it has no name for, at bfloat16, the coarsest it has)."""
    out = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}
    for name in dir(torch):
        if name.startswith("float8_") and isinstance(getattr(torch, name), torch.dtype):
            out[getattr(torch, name)] = "bfloat16"
    return out


@dataclass(frozen=True)
class _Casts:
    """The casts the rewrite knows, and how it rewrites each (:meth:`method`, :meth:`keyword`)."""

    torch: Any
    coarse: dict
    #: ``Tensor.float`` / ``.half`` / ``.bfloat16`` → the dtype they cast to
    to_methods: dict
    #: ``Tensor.type("torch.FloatTensor")`` names → dtypes
    type_names: dict
    #: factories whose result without dtype= is torch's default dtype (float32): given float64 instead
    default_float: frozenset
    #: factories whose result dtype depends on the data (int data stays int): re-made in float64 when
    #: the default dtype came out
    default_maybe: frozenset

    @classmethod
    def of(cls, torch: Any) -> _Casts:
        T = torch.Tensor
        type_names = {"torch.FloatTensor": torch.float32, "torch.HalfTensor": torch.float16,
                      "torch.BFloat16Tensor": torch.bfloat16}
        type_names.update({k.replace("torch.", "torch.cuda."): v for k, v in list(type_names.items())})
        return cls(
            torch=torch,
            coarse=coarse_dtypes(torch),
            to_methods={T.float: torch.float32, T.half: torch.float16, T.bfloat16: torch.bfloat16},
            type_names=type_names,
            default_float=frozenset({torch.zeros, torch.ones, torch.empty, torch.eye, torch.rand, torch.randn,
                                     torch.empty_strided}),
            default_maybe=frozenset({torch.tensor, torch.as_tensor, torch.asarray, torch.arange, torch.linspace,
                                     torch.logspace, torch.scalar_tensor, torch.full}),
        )

    def method(self, func: Any, args: tuple, kwargs: dict) -> tuple[Any, tuple, Any]:
        """(func, args, the coarse dtype asked for or None) with a cast method (``.float()``, ``.type(…)``,
        ``.type_as(other)``, ``.to(…)``) rewritten to ``.to(float64)``; ``kwargs`` is updated in place."""
        T, f64 = self.torch.Tensor, self.torch.float64
        if func in self.to_methods and args and isinstance(args[0], T):
            return T.to, (args[0], f64), self.to_methods[func]
        if func is T.type and (len(args) >= 2 or "dtype" in kwargs):
            want = args[1] if len(args) >= 2 else kwargs["dtype"]
            dt = self.type_names.get(want) if isinstance(want, str) else want
            if dt not in self.coarse:
                return func, args, None
            kwargs.pop("dtype", None)
            return T.to, (args[0], f64), dt
        if func is T.type_as and len(args) >= 2 and isinstance(args[1], T) and args[1].dtype in self.coarse:
            return T.to, (args[0], f64), args[1].dtype
        if func is T.to:
            return self._to(args, kwargs)
        return func, args, None

    def _to(self, args: tuple, kwargs: dict) -> tuple[Any, tuple, Any]:
        """``.to(dtype)``, ``.to(device, dtype)``, ``.to(other)``, ``.to(other=…)`` with a coarse dtype."""
        T, f64, asked = self.torch.Tensor, self.torch.float64, None
        new = [args[0]] if args else []
        for a in args[1:]:
            if isinstance(a, self.torch.dtype) and a in self.coarse:
                asked, a = a, f64
            elif isinstance(a, T) and a.dtype in self.coarse:
                asked = a.dtype
                new.extend([a.device, f64])
                continue
            new.append(a)
        other = kwargs.get("other")
        if isinstance(other, T) and other.dtype in self.coarse:
            asked = other.dtype
            kwargs.pop("other")
            kwargs.update(device=other.device, dtype=f64)
        return T.to, tuple(new), asked

    def factory_default(self, func: Any, kwargs: dict) -> Any:
        """torch's default dtype where it is coarse and ``func`` is a factory that would return it
        (no ``dtype=``, no ``out=``), else None."""
        if kwargs.get("dtype") is not None or "out" in kwargs:
            return None
        if func not in self.default_float and func not in self.default_maybe:
            return None
        default = self.torch.get_default_dtype()
        return default if default in self.coarse else None

    def fresh(self, out: Any, args: tuple, asked: Any) -> Any:
        """``out``, cloned where the original cast made a new tensor and the rewritten one returned
        its input (no aliasing the original did not have)."""
        src = args[0] if args and isinstance(args[0], self.torch.Tensor) else None
        if src is not None and out is src and src.dtype != asked:
            return out.clone()
        return out


@functools.cache
def _exact_mode_class() -> Any:
    torch = torch_module()
    from torch.overrides import TorchFunctionMode

    casts = _Casts.of(torch)

    class Exact(TorchFunctionMode):
        """Rewrites every cast to a floating dtype coarser than float64 into float64: ``Tensor.to(dtype)``,
        ``.to(device, dtype)``, ``.to(other)`` (other coarse), ``.float()``, ``.half()``, ``.bfloat16()``,
        ``.type(…)``, ``.type_as(other)``, any ``dtype=`` keyword (``torch.zeros_like(p,
        dtype=torch.bfloat16)``, ``torch.tensor(…, dtype=…)``) and a factory that would return torch's
        default dtype, float32 (``torch.eye(n)``, ``torch.tensor([0.5])``). Where the original cast would
        have made a new tensor and the rewritten one would return its input, the input is cloned (no
        aliasing the original did not have). With ``record``, ``.rewritten`` collects the (function, dtype)
        pairs met (a set that stops changing after the first step: a compiled step is not recompiled for it)."""

        def __init__(self, record: bool = False):
            super().__init__()
            self.record = record
            self.rewritten: set = set()

        def _note(self, func: Any, dtype: Any) -> None:
            if self.record:
                key = (getattr(func, "__name__", None) or str(func), dtype)
                if key not in self.rewritten:
                    self.rewritten.add(key)

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = dict(kwargs or {})
            func, args, asked = casts.method(func, args, kwargs)
            default = None
            if func is not torch.Tensor.view and kwargs.get("dtype") in casts.coarse:
                asked, kwargs["dtype"] = kwargs["dtype"], torch.float64
            else:
                default = casts.factory_default(func, kwargs)
            if default is not None:
                if func not in casts.default_float:  # data-dependent: only a result of the default dtype
                    out = func(*args, **kwargs)
                    if not (isinstance(out, torch.Tensor) and out.dtype == default):
                        return out
                asked, kwargs["dtype"] = default, torch.float64
            if asked is None:
                return func(*args, **kwargs)
            self._note(func, asked)
            return casts.fresh(func(*args, **kwargs), args, asked)

    return Exact


def exact_mode(record: bool = False) -> Any:
    """A fresh exact-arithmetic mode (the ``Exact`` class of :func:`_exact_mode_class`, made once)."""
    return _exact_mode_class()(record)
