"""Exact arithmetic in JAX: a jaxpr interpreter that evaluates an update with every cast to a coarser
floating dtype rewritten to float64 (docs/design.md#tolerance)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from invariance.adapters.optax.options import OptaxOptions
from invariance.adapters.optax.precision import coarse_in, coarsest, is_coarse, np_dtype, probe_shapes
from invariance.adapters.optax.protocol import jax_modules, one_step
from invariance.errors import one_line

__all__ = ["exact_step", "exact_variant"]


class _Unreachable(Exception):
    """A coarse dtype inside a computation the rewrite does not enter."""


def _lift(x):
    """A constant or literal of a coarse floating dtype, as float64."""
    jax, jnp, optax = jax_modules()
    dtype = getattr(x, "dtype", None)
    if dtype is not None and is_coarse(dtype):
        return jnp.asarray(x, dtype=jnp.float64)
    return x


_DTYPE_PARAMS = ("new_dtype", "dtype", "preferred_element_type", "accumulation_type")
_CALLS = ("pjit", "jit", "closed_call", "core_call", "remat", "checkpoint", "custom_jvp_call", "custom_vjp_call",
          "custom_vjp_call_jaxpr")


def _run_closed(closed, *args):
    import jax.extend.core as jc

    if isinstance(closed, jc.ClosedJaxpr):
        return _interpret(closed.jaxpr, closed.consts, list(args))
    return _interpret(closed, [], list(args))


def _apply(eqn, invals: list) -> list:
    """One equation with every coarse floating dtype in its parameters (a ``convert_element_type`` to
    bfloat16, a ``dot_general`` preferring float32) replaced by float64; calls and control flow are
    entered (pjit inlined, cond/while/scan rebuilt on interpreted bodies)."""
    import jax.extend.core as jc

    jax, jnp, optax = jax_modules()
    name, params = eqn.primitive.name, dict(eqn.params)
    if name == "reduce_precision":
        return [invals[0]]
    if name in _CALLS:
        inner = params.get("jaxpr") or params.get("call_jaxpr") or params.get("fun_jaxpr")
        if inner is not None:
            return _run_closed(inner, *invals)
    if name == "cond":
        branches = [functools.partial(_run_closed, b) for b in params["branches"]]
        return list(jax.lax.switch(invals[0], branches, *invals[1:]))
    if name == "while":
        cn, bn = params["cond_nconsts"], params["body_nconsts"]
        cc, bc, init = invals[:cn], invals[cn : cn + bn], invals[cn + bn :]
        out = jax.lax.while_loop(lambda c: _run_closed(params["cond_jaxpr"], *cc, *c)[0],
                                 lambda c: tuple(_run_closed(params["body_jaxpr"], *bc, *c)), tuple(init))
        return list(out)
    if name == "scan":
        nc, nk = params["num_consts"], params["num_carry"]
        consts, init, xs = invals[:nc], invals[nc : nc + nk], invals[nc + nk :]

        def body(carry, x):
            out = _run_closed(params["jaxpr"], *consts, *carry, *x)
            return tuple(out[:nk]), tuple(out[nk:])

        carry, ys = jax.lax.scan(body, tuple(init), tuple(xs), length=params["length"], reverse=params["reverse"],
                                 unroll=params.get("unroll", 1))
        return [*carry, *ys]
    if name != "bitcast_convert_type":
        for key in _DTYPE_PARAMS:
            if params.get(key) is not None and is_coarse(params[key]):
                params[key] = jnp.float64
    subs = list(jc.jaxprs_in_params(params))
    try:
        out = eqn.primitive.bind(*invals, **params)
    except Exception as exc:
        if any(coarse_in(sub, {}, top=False) for sub in subs):
            raise _Unreachable(name) from exc
        raise
    return list(out) if eqn.primitive.multiple_results else [out]


def _interpret(jaxpr, consts, args) -> list:
    """Evaluate ``jaxpr`` on ``args`` with every coarse floating dtype rewritten to float64
    (:func:`_apply`); traceable (the exact step is ``jax.jit``-compiled)."""
    import jax.extend.core as jc

    env: dict = {}

    def read(v):
        return _lift(v.val) if isinstance(v, jc.Literal) else env[v]

    for v, c in zip(jaxpr.constvars, consts, strict=True):
        env[v] = _lift(c)
    for v, a in zip(jaxpr.invars, args, strict=True):
        env[v] = _lift(a)
    for eqn in jaxpr.eqns:
        outs = _apply(eqn, [read(v) for v in eqn.invars])
        for v, o in zip(eqn.outvars, outs, strict=True):
            if not isinstance(v, jc.DropVar):
                env[v] = o
    return [read(v) for v in jaxpr.outvars]


def exact_step(tx) -> tuple[Callable, Callable]:
    """(init, step) of ``tx`` with every cast to a coarser floating dtype in the traced computation
    rewritten to float64 (literals and constants of such a dtype lifted to float64): ``init(W) -> state``
    and ``step(W, state, xb, yb) -> (W, state)``, both jit-compiled. The update is traced on the float64
    state, so a Python constant that meets the state stays float64; a constant that meets a value cast
    down inside the update is rounded at trace time (bfloat16's 0.8984375 for 0.9) and stays rounded: the
    rewrite sees only the traced program."""
    jax, jnp, optax = jax_modules()
    one = one_step(tx)

    def init(W):
        closed, shape = jax.make_jaxpr(tx.init, return_shape=True)(jax.ShapeDtypeStruct(W.shape, W.dtype))
        leaves = _interpret(closed.jaxpr, closed.consts, [W])
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shape), leaves)

    def step(W, state, xb, yb):
        sds = lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype)  # noqa: E731
        # traced on the state as the exact run holds it (float64 where the original is coarser): a
        # Python constant meeting the state (β₁·μ) stays a float64 constant, and the casts back to the
        # coarse dtype that the update inserts are rewritten below
        closed, shape = jax.make_jaxpr(one, return_shape=True)(sds(W), jax.tree_util.tree_map(sds, state),
                                                               sds(xb), sds(yb))
        leaves = _interpret(closed.jaxpr, closed.consts, jax.tree_util.tree_leaves((W, state, xb, yb)))
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shape), leaves)

    return jax.jit(init), jax.jit(step)


def exact_variant(tx, opts: OptaxOptions, precision: str, where: str) -> tuple[bool, str]:
    """(whether the exact rewrite of ``tx`` leaves no coarse dtype, a note): traced on the probe shapes
    and checked as :func:`update_precision` checks the original."""
    jax, jnp, optax = jax_modules()
    fallback = f"the verdict falls back to the {precision} allowance"
    W, xb, yb = probe_shapes(opts)
    try:
        init, step = exact_step(tx)
        state = jax.eval_shape(init, W)
        seen = coarse_in(jax.make_jaxpr(step)(W, state, xb, yb).jaxpr, {})
        coarse_in(jax.make_jaxpr(init)(W).jaxpr, seen, top=False)
    except _Unreachable as exc:
        return False, f"a {precision} computation inside {exc.args[0]} cannot be rewritten; {fallback}"
    except Exception as exc:
        return False, f"the update with casts rewritten to float64 fails ({one_line(exc, 120)}); {fallback}"
    dtype, at = coarsest(seen)
    if dtype is not None:
        return False, (f"a {np_dtype(dtype)} value still appears in {at} under the rewrite: "
                       f"the cast cannot be reached; {fallback}")
    return True, f"casts to {precision} in {where}'s update rewritten to float64 in its jaxpr"
