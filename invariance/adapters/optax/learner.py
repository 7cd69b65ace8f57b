"""An optax factory as a :class:`~invariance.contract.Learner`: options checked, the transformation
built once (a bad ``--opt`` is a usage error now), its working precision read from a jaxpr."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from invariance.adapters.defaults import FALLBACK_LR, own_lr
from invariance.adapters.optax.exact import exact_step, exact_variant
from invariance.adapters.optax.options import OptaxOptions
from invariance.adapters.optax.precision import update_precision
from invariance.adapters.optax.protocol import fit_predict_for, transformation
from invariance.contract import Learner
from invariance.errors import UsageError

__all__ = ["learner_from_optax"]


def learner_from_optax(factory: Callable, *, name: str, target: str, options: Mapping[str, Any]) -> Learner:
    """A learner from an optax factory. Its working precision is read from the jaxpr of one update
    (:func:`~.precision.update_precision`); where it is coarser than float64, :attr:`Learner.exact` is the
    same learner with the casts rewritten to float64 by a jaxpr interpreter (:func:`~.exact.exact_step`),
    or None with :attr:`Learner.exact_note` saying why."""
    opts = OptaxOptions.from_options(options)
    if opts.lr is None:  # optax's aliases require learning_rate: the factory's own default, else 0.05
        opts = replace(opts, lr=own_lr(factory, "learning_rate")[0] or FALLBACK_LR)
    where = _where(factory, name)
    tx0 = _first_transformation(factory, opts, where)
    recorded = {"description": opts.description(where), **opts.as_dict()}
    precision, note = update_precision(tx0, opts, where) if tx0 is not None else (None, None)
    exact, exact_note = None, None
    if precision is not None:
        ok, exact_note = exact_variant(tx0, opts, precision, where)
        if ok:
            exact = Learner(name=name, fn=fit_predict_for(factory, opts, where, name, exact_step), target=target,
                            options=recorded, outputs=opts.outputs)
    return Learner(name=name, fn=fit_predict_for(factory, opts, where, name, None), target=target,
                   options=recorded, outputs=opts.outputs, precision=precision, precision_note=note, exact=exact,
                   exact_note=exact_note)


def _where(factory: Callable, name: str) -> str:
    """``optax._src.alias.adam`` and the like (``optax.nadam`` is ``functools.partial(adam, nesterov=True)``)."""
    inner = getattr(factory, "func", factory)
    return (f"{getattr(inner, '__module__', '?')}."
            f"{getattr(factory, '__name__', None) or getattr(inner, '__name__', name)}")


def _first_transformation(factory: Callable, opts: OptaxOptions, where: str) -> Any:
    """The transformation, built once now: a bad ``--opt`` is a usage error before any checking; None where
    it cannot be built from learning_rate alone (arguments without defaults): every call raises that,
    which the checker reports as the learner's diagnosis, with the fix (--opt)."""
    try:
        return transformation(factory, opts, where)
    except UsageError:
        if opts.optimizer_kwargs:
            raise
        return None
