"""Which precision an optax update works at: the coarsest floating dtype in the jaxpr of one update
(``jax_enable_x64`` is on: the inputs are float64)."""

from __future__ import annotations

import numpy as np

from invariance.adapters.optax.options import OptaxOptions
from invariance.adapters.optax.protocol import jax_modules, one_step

__all__ = ["is_coarse", "np_dtype", "coarse_in", "coarsest", "probe_shapes", "update_precision"]


def is_coarse(dtype) -> bool:
    """A floating dtype coarser than float64 (float32, bfloat16, float16, the float8 formats)."""
    jax, jnp, optax = jax_modules()
    try:
        return bool(jnp.issubdtype(dtype, jnp.floating)) and jnp.finfo(dtype).bits < 64
    except (TypeError, ValueError):
        return False


def _precision_name(dtype) -> str:
    name = str(np_dtype(dtype))
    return name if name in ("float32", "float16", "bfloat16") else "bfloat16"


def np_dtype(dtype):
    jax, jnp, optax = jax_modules()
    return jnp.dtype(dtype)


def _counts(aval) -> bool:
    """As in the torch adapter: a coarse floating dtype on more than one element (a float32 scalar is a
    hyperparameter or a count, not the update's working precision)."""
    dtype, shape = getattr(aval, "dtype", None), getattr(aval, "shape", None)
    if dtype is None or shape is None or not is_coarse(dtype):
        return False
    return int(np.prod(shape)) > 1


def coarse_in(jaxpr, seen: dict, top: bool = True) -> dict:
    """Every coarse floating dtype in a jaxpr and its sub-jaxprs (pjit, cond, while, scan, custom
    derivatives) → the first place it appears: a primitive's name, or the optimizer's state for an
    input of the top-level update."""
    import jax.extend.core as jc

    for eqn in jaxpr.eqns:
        for v in eqn.outvars:
            if _counts(getattr(v, "aval", None)):
                dt = np_dtype(v.aval.dtype)
                if eqn.primitive.name == "convert_element_type" and seen.get(dt) != "convert_element_type":
                    seen[dt] = "convert_element_type"  # the cast itself names the place best
                else:
                    seen.setdefault(dt, eqn.primitive.name)
        for sub in jc.jaxprs_in_params(eqn.params):
            coarse_in(sub, seen, top=False)
    for v in (*jaxpr.constvars, *jaxpr.invars):
        if _counts(getattr(v, "aval", None)):
            seen.setdefault(np_dtype(v.aval.dtype), "the optimizer's state" if top else "a sub-computation's input")
    return seen


def coarsest(seen: dict):
    jax, jnp, optax = jax_modules()
    if not seen:
        return None, None
    dtype = max(seen, key=lambda dt: float(jnp.finfo(dt).eps))
    return dtype, seen[dtype]


def probe_shapes(opts: OptaxOptions):
    jax, jnp, optax = jax_modules()
    h = opts.outputs or 1
    return (jax.ShapeDtypeStruct((h, 3), jnp.float64), jax.ShapeDtypeStruct((opts.batch_size, 3), jnp.float64),
            jax.ShapeDtypeStruct((opts.batch_size, h), jnp.float64))


def update_precision(tx, opts: OptaxOptions, where: str) -> tuple[str | None, str | None]:
    """The coarsest floating dtype coarser than float64 (``jax_enable_x64`` is on: the inputs are float64)
    in the jaxpr of one update on a 1×3 weight (and of ``tx.init``): a ``convert_element_type`` to it, or
    any equation or state whose value has it, on more than one element (``optax.adam(…,
    mu_dtype=jnp.bfloat16)`` → bfloat16). (None, None) when all stays in float64 or nothing can be traced."""
    jax, jnp, optax = jax_modules()
    W, xb, yb = probe_shapes(opts)
    try:
        state = jax.eval_shape(tx.init, W)
        seen = coarse_in(jax.make_jaxpr(one_step(tx))(W, state, xb, yb).jaxpr, {})
        coarse_in(jax.make_jaxpr(tx.init)(W).jaxpr, seen, top=False)
    except Exception:
        return None, None
    dtype, at = coarsest(seen)
    if dtype is None:
        return None, None
    name, dt = _precision_name(dtype), str(np_dtype(dtype))
    also = "" if dt == name else f" (judged at {name}, the coarsest precision invcheck names)"
    return name, f"detected: {where}'s update computes in {dt}{also}, seen in {at}"
