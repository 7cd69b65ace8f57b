"""Which precision an optimizer's step works at: a ``TorchFunctionMode`` that watches every torch
function's inputs and outputs for a floating dtype coarser than float64, then the optimizer's state
(docs/design.md#tolerance)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from invariance.adapters.torch.exact import coarse_dtypes
from invariance.adapters.torch.model import short_name, torch_module

__all__ = ["watch", "coarsest", "precision_of", "state_dtypes", "describe", "its", "where_seen"]

#: integer dtypes of quantized state (8-bit Adam, FlashAdamW): the precision they hold a value at
_QUANTIZED = {"int8": "bfloat16", "uint8": "bfloat16", "int16": "float16", "uint16": "float16"}


def _counts(torch: Any, t: Any, coarse: dict) -> bool:
    """Whether tensor ``t`` carries the update's working precision: a floating dtype coarser than the
    float64 inputs, on more than one element. A 0-dim float32 tensor is torch's own bookkeeping (Adam's
    ``step`` counter, ``_get_value``, a learning-rate tensor), not the update: the probe's parameters
    have at least 3 entries, so a tensor derived from a parameter or its gradient has more than one.
    An all-zero tensor rounds nothing (FlashAdamW creates its moments as float32 zeros, then stores
    them in the parameter's dtype): it does not count until a value reaches it."""
    if not (isinstance(t, torch.Tensor) and t.dtype in coarse and t.numel() > 1):
        return False
    return _nonzero(t)


def _nonzero_eager(t: Any) -> bool:
    try:
        return bool(t.count_nonzero() > 0)
    except Exception:  # a tensor without data (meta, fake): count it
        return True


@functools.cache
def _nonzero_outside_compile() -> Any:
    disable = getattr(getattr(torch_module(), "_dynamo", None), "disable", None)
    return disable(_nonzero_eager) if disable is not None else _nonzero_eager


def _nonzero(t: Any) -> bool:
    """:func:`_nonzero_eager`, run outside any ``torch.compile`` trace (a clean graph break in a compiled
    step under the watch, instead of a data-dependent-branch warning)."""
    return bool(_nonzero_outside_compile()(t))


def _tensors(torch: Any, values: Iterable[Any]) -> Iterator[Any]:
    for v in values:
        if isinstance(v, torch.Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from (t for t in v if isinstance(t, torch.Tensor))


def watch(torch: Any) -> Any:
    """A ``TorchFunctionMode`` recording, per coarse dtype, the first function whose inputs or outputs
    carry it (:func:`_counts`); ``.seen`` maps dtype → function name."""
    from torch.overrides import TorchFunctionMode

    coarse = coarse_dtypes(torch)

    class _Watch(TorchFunctionMode):
        def __init__(self) -> None:
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


def _unit(torch: Any, dtype: Any) -> float:
    """The rounding unit of a coarse dtype (an integer dtype of quantized state: 2⁻⁽ᵇⁱᵗˢ⁻¹⁾)."""
    if dtype.is_floating_point:
        return float(torch.finfo(dtype).eps)
    return 2.0 ** -(torch.iinfo(dtype).bits - 1)


def precision_of(torch: Any, dtype: Any) -> str:
    """The precision invcheck judges a coarse (or quantized) dtype at."""
    name = str(dtype).replace("torch.", "")
    return coarse_dtypes(torch).get(dtype) or _QUANTIZED[name]


def coarsest(torch: Any, seen: dict) -> tuple[Any, Any]:
    """(dtype, where) of the coarsest dtype in ``seen`` (largest rounding unit), or (None, None)."""
    if not seen:
        return None, None
    dtype = max(seen, key=lambda dt: _unit(torch, dt))
    return dtype, seen[dtype]


def state_dtypes(torch: Any, optimizer: Any, seen: dict) -> None:
    """Add the optimizer's state tensors of a coarse dtype to ``seen`` (state written by a kernel the mode
    does not see: a compiled step, a C extension), and state quantized to 8 or 16-bit integers (an
    8-bit optimizer's moments), on more than one element."""
    coarse = coarse_dtypes(torch)
    quantized = {getattr(torch, n) for n in _QUANTIZED if hasattr(torch, n)}
    for state in getattr(optimizer, "state", {}).values():
        for key, value in (state.items() if isinstance(state, dict) else ()):
            for t in _tensors(torch, (value,)):
                if _counts(torch, t, coarse) or (t.dtype in quantized and t.numel() > 1):
                    seen.setdefault(t.dtype, f"the optimizer's state {str(key)!r}")


def its(where: str) -> str:
    return where.replace("the optimizer's", "its")


def where_seen(where: str) -> str:
    return where if where.startswith("the optimizer's") else f"{where}()"


def describe(torch: Any, cls: Any, dtype: Any, where: str) -> str:
    """"Adam's step computes in torch.bfloat16, seen in to()" and the like."""
    name, dt = precision_of(torch, dtype), str(dtype).replace("torch.", "")
    if not dtype.is_floating_point:
        return (f"{short_name(cls)} keeps {its(where)} quantized to torch.{dt} "
                f"(judged at {name})")
    also = "" if dt == name else f" (judged at {name}, the coarsest precision invcheck names)"
    return f"{short_name(cls)}'s step computes in torch.{dt}{also}, seen in {where_seen(where)}"
