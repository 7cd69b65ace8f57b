"""JAX/optax optimizers as learners: the same online protocol as the torch adapter, in JAX.

A target such as ``optax:adam`` or ``optax.contrib:muon`` — any factory returning an
``optax.GradientTransformation`` — is called with ``learning_rate`` (``--lr``, default 0.05, as for
torch) plus the ``--opt KEY=VALUE`` keywords. The model is the linear neuron W ∈ R^{1×d} (a matrix,
as torch's ``nn.Linear`` weight, so that matrix optimizers such as Muon apply), or with
``--model layer`` a linear layer W ∈ R^{H×d} (``--outputs H``, targets n×H), zero at the start,
square loss ½‖W x − y‖², one example per step in order, ``passes`` passes, with float64 enabled
(``jax_enable_x64``). The step is ``jax.jit``-compiled once per dimension.

jax and optax are an optional extra (``pip install 'invcheck[optax]'``), imported only here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from invariance.adapters.defaults import FALLBACK_LR, layer_outputs, own_lr
from invariance.contract import Learner
from invariance.errors import MissingDependency, UsageError

__all__ = ["is_optax_factory", "learner_from_optax", "DEFAULTS", "update_precision", "exact_step"]

DEFAULTS: dict[str, Any] = {"passes": 3, "lr": None, "batch_size": 1, "optimizer_kwargs": {}, "model": "linear",
                            "outputs": None}


def _jax():
    try:
        import jax
        import jax.numpy as jnp
        import optax
    except ImportError:
        raise MissingDependency("optax", "optax", "checking a JAX/optax optimizer") from None
    jax.config.update("jax_enable_x64", True)
    return jax, jnp, optax


def is_optax_factory(obj: Any) -> bool:
    """A function from optax (``optax.adam``, ``optax.contrib.muon``, …) or one annotated to return
    an ``optax.GradientTransformation``."""
    if inspect.isclass(obj) or not callable(obj):
        return False
    if str(getattr(obj, "__module__", "") or "").startswith("optax"):
        try:
            return "learning_rate" in inspect.signature(obj).parameters
        except (TypeError, ValueError):
            return False
    try:
        ret = inspect.signature(obj).return_annotation
    except (TypeError, ValueError):
        return False
    return "GradientTransformation" in str(ret)


def _validated(options: dict) -> dict:
    unknown = [k for k in options if k not in DEFAULTS and options[k] is not None
               and k not in ("hidden", "activation", "init", "device", "create_graph")]
    if unknown:
        raise UsageError(f"option {unknown[0]!r} does not apply to an optax optimizer; it takes passes, lr, "
                         "batch_size and --opt KEY=VALUE")
    if options.get("model") not in (None, "linear", "layer"):
        raise UsageError(f"--model {options['model']!r}: the optax adapter trains the linear neuron or a linear layer "
                         "(--model linear|layer)")
    opts = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS and v is not None}}
    opts["outputs"] = layer_outputs(opts["model"], opts["outputs"])
    for key in ("passes", "batch_size"):
        if isinstance(opts[key], bool) or not isinstance(opts[key], int) or opts[key] < 1:
            raise UsageError(f"--{key.replace('_', '-')} must be a positive integer, got {opts[key]!r}")
    if opts["lr"] is not None and (isinstance(opts["lr"], bool) or not isinstance(opts["lr"], (int, float))
                                   or not opts["lr"] > 0):
        raise UsageError(f"--lr must be a positive number, got {opts['lr']!r}")
    return opts


def _transformation(factory: Callable, opts: dict, where: str):
    jax, jnp, optax = _jax()
    try:
        tx = factory(learning_rate=opts["lr"], **opts["optimizer_kwargs"])
    except TypeError as exc:
        given = ", ".join(f"{k}={v!r}" for k, v in opts["optimizer_kwargs"].items()) or "no --opt"
        raise UsageError(f"{where}(learning_rate={opts['lr']}, {given}) rejected: {exc}") from None
    if not (hasattr(tx, "init") and hasattr(tx, "update")):
        raise UsageError(f"{where} returned {type(tx).__name__}, not an optax GradientTransformation")
    return tx


def _one_step(tx):
    """One online step of the linear model, ``(W, state, xb, yb) -> (W, state)``: ∇ of ½ mean ‖W x − y‖²,
    then ``tx.update`` and ``optax.apply_updates``."""
    jax, jnp, optax = _jax()

    def one(W, state, xb, yb):
        r = xb @ W.T - yb  # b × H residuals
        g = r.T @ xb / xb.shape[0]  # ∇ of ½ mean ‖W x − y‖²
        updates, state = tx.update(g, state, W)
        return optax.apply_updates(W, updates), state

    return one


# ----------------------------------------------------------------------------- working precision


def _is_coarse(dtype) -> bool:
    """A floating dtype coarser than float64 (float32, bfloat16, float16, the float8 formats)."""
    jax, jnp, optax = _jax()
    try:
        return bool(jnp.issubdtype(dtype, jnp.floating)) and jnp.finfo(dtype).bits < 64
    except (TypeError, ValueError):
        return False


def _precision_name(dtype) -> str:
    name = str(_np_dtype(dtype))
    return name if name in ("float32", "float16", "bfloat16") else "bfloat16"


def _np_dtype(dtype):
    jax, jnp, optax = _jax()
    return jnp.dtype(dtype)


def _counts(aval) -> bool:
    """As in the torch adapter: a coarse floating dtype on more than one element (a float32 scalar is a
    hyperparameter or a count, not the update's working precision)."""
    dtype, shape = getattr(aval, "dtype", None), getattr(aval, "shape", None)
    if dtype is None or shape is None or not _is_coarse(dtype):
        return False
    return int(np.prod(shape)) > 1


def _coarse_in(jaxpr, seen: dict, top: bool = True) -> dict:
    """Every coarse floating dtype in a jaxpr and its sub-jaxprs (pjit, cond, while, scan, custom
    derivatives) → the first place it appears: a primitive's name, or the optimizer's state for an
    input of the top-level update."""
    import jax.extend.core as jc

    for eqn in jaxpr.eqns:
        for v in eqn.outvars:
            if _counts(getattr(v, "aval", None)):
                dt = _np_dtype(v.aval.dtype)
                if eqn.primitive.name == "convert_element_type" and seen.get(dt) != "convert_element_type":
                    seen[dt] = "convert_element_type"  # the cast itself names the place best
                else:
                    seen.setdefault(dt, eqn.primitive.name)
        for sub in jc.jaxprs_in_params(eqn.params):
            _coarse_in(sub, seen, top=False)
    for v in (*jaxpr.constvars, *jaxpr.invars):
        if _counts(getattr(v, "aval", None)):
            seen.setdefault(_np_dtype(v.aval.dtype), "the optimizer's state" if top else "a sub-computation's input")
    return seen


def _coarsest(seen: dict):
    jax, jnp, optax = _jax()
    if not seen:
        return None, None
    dtype = max(seen, key=lambda dt: float(jnp.finfo(dt).eps))
    return dtype, seen[dtype]


def _probe_shapes(opts: dict):
    jax, jnp, optax = _jax()
    h = opts["outputs"] or 1
    return (jax.ShapeDtypeStruct((h, 3), jnp.float64), jax.ShapeDtypeStruct((opts["batch_size"], 3), jnp.float64),
            jax.ShapeDtypeStruct((opts["batch_size"], h), jnp.float64))


def update_precision(tx, opts: dict, where: str) -> tuple[str | None, str | None]:
    """The coarsest floating dtype coarser than float64 (``jax_enable_x64`` is on: the inputs are float64)
    in the jaxpr of one update on a 1×3 weight (and of ``tx.init``): a ``convert_element_type`` to it, or
    any equation or state whose value has it, on more than one element (``optax.adam(…,
    mu_dtype=jnp.bfloat16)`` → bfloat16). (None, None) when all stays in float64 or nothing can be traced."""
    jax, jnp, optax = _jax()
    W, xb, yb = _probe_shapes(opts)
    try:
        state = jax.eval_shape(tx.init, W)
        seen = _coarse_in(jax.make_jaxpr(_one_step(tx))(W, state, xb, yb).jaxpr, {})
        _coarse_in(jax.make_jaxpr(tx.init)(W).jaxpr, seen, top=False)
    except Exception:
        return None, None
    dtype, at = _coarsest(seen)
    if dtype is None:
        return None, None
    name, dt = _precision_name(dtype), str(_np_dtype(dtype))
    also = "" if dt == name else f" (judged at {name}, the coarsest precision invcheck names)"
    return name, f"detected: {where}'s update computes in {dt}{also}, seen in {at}"


# ------------------------------------------------------------------------- exact arithmetic in JAX


class _Unreachable(Exception):
    """A coarse dtype inside a computation the rewrite does not enter."""


def _lift(x):
    """A constant or literal of a coarse floating dtype, as float64."""
    jax, jnp, optax = _jax()
    dtype = getattr(x, "dtype", None)
    if dtype is not None and _is_coarse(dtype):
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

    jax, jnp, optax = _jax()
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
            if params.get(key) is not None and _is_coarse(params[key]):
                params[key] = jnp.float64
    subs = list(jc.jaxprs_in_params(params))
    try:
        out = eqn.primitive.bind(*invals, **params)
    except Exception as exc:
        if any(_coarse_in(sub, {}, top=False) for sub in subs):
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
    jax, jnp, optax = _jax()
    one = _one_step(tx)

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


def exact_variant(tx, opts: dict, precision: str, where: str) -> tuple[bool, str]:
    """(whether the exact rewrite of ``tx`` leaves no coarse dtype, a note): traced on the probe shapes
    and checked as :func:`update_precision` checks the original."""
    jax, jnp, optax = _jax()
    fallback = f"the verdict falls back to the {precision} allowance"
    W, xb, yb = _probe_shapes(opts)
    try:
        init, step = exact_step(tx)
        state = jax.eval_shape(init, W)
        seen = _coarse_in(jax.make_jaxpr(step)(W, state, xb, yb).jaxpr, {})
        _coarse_in(jax.make_jaxpr(init)(W).jaxpr, seen, top=False)
    except _Unreachable as exc:
        return False, f"a {precision} computation inside {exc.args[0]} cannot be rewritten; {fallback}"
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        return False, (f"the update with casts rewritten to float64 fails "
                       f"({type(exc).__name__}{': ' + msg if msg else ''}); {fallback}")
    dtype, at = _coarsest(seen)
    if dtype is not None:
        return False, (f"a {_np_dtype(dtype)} value still appears in {at} under the rewrite: "
                       f"the cast cannot be reached; {fallback}")
    return True, f"casts to {precision} in {where}'s update rewritten to float64 in its jaxpr"


def learner_from_optax(factory: Callable, *, name: str, target: str, options: dict) -> Learner:
    """A learner from an optax factory. Its working precision is read from the jaxpr of one update
    (:func:`update_precision`); where it is coarser than float64, :attr:`Learner.exact` is the same learner
    with the casts rewritten to float64 by a jaxpr interpreter (:func:`exact_step`), or None with
    :attr:`Learner.exact_note` saying why."""
    opts = _validated(options)
    if opts["lr"] is None:  # optax's aliases require learning_rate: the factory's own default, else 0.05
        opts["lr"] = own_lr(factory, "learning_rate")[0] or FALLBACK_LR
    inner = getattr(factory, "func", factory)  # optax.nadam = functools.partial(adam, nesterov=True)
    where = (f"{getattr(inner, '__module__', '?')}."
             f"{getattr(factory, '__name__', None) or getattr(inner, '__name__', name)}")
    try:
        tx0 = _transformation(factory, opts, where)  # a bad --opt is a usage error now, not a diagnosis later
    except UsageError:
        if opts["optimizer_kwargs"]:
            raise
        # it cannot be built from learning_rate alone (arguments without defaults): every call raises
        # that, which the checker reports as the learner's diagnosis, with the fix (--opt)
        tx0 = None

    def fit_predict_for(exact: bool):
        steps: dict[int, Any] = {}  # d -> (init, step)

        def step_for(d: int):
            if d not in steps:
                jax, jnp, optax = _jax()
                try:
                    tx = _transformation(factory, opts, where)
                except UsageError as exc:
                    raise TypeError(f"{exc}; give the missing arguments with --opt KEY=VALUE") from None
                steps[d] = exact_step(tx) if exact else (tx.init, jax.jit(_one_step(tx)))
            return steps[d]

        def fit_predict(X_train, y_train, X_test):
            jax, jnp, optax = _jax()
            X = jnp.asarray(np.asarray(X_train, dtype=np.float64))
            h = opts["outputs"] or 1
            y = jnp.asarray(np.asarray(y_train, dtype=np.float64).reshape(-1, h))
            d = X.shape[1]
            init, step = step_for(d)
            W = jnp.zeros((h, d), dtype=jnp.float64)
            state = init(W)
            bs = opts["batch_size"]
            for _ in range(opts["passes"]):
                for start in range(0, X.shape[0], bs):
                    W, state = step(W, state, X[start : start + bs], y[start : start + bs])
            out = np.asarray(jnp.asarray(np.asarray(X_test, dtype=np.float64)) @ W.T, dtype=np.float64)
            return out if opts["outputs"] else out[:, 0]

        fit_predict.__name__ = name
        fit_predict.__qualname__ = name
        return fit_predict

    model = f"linear layer, {opts['outputs']} outputs" if opts["outputs"] else "linear neuron"
    desc = f"{where} ({model}, passes={opts['passes']}, lr={opts['lr']}, batch_size={opts['batch_size']}"
    desc += f", {opts['optimizer_kwargs']})" if opts["optimizer_kwargs"] else ")"
    options = {"description": desc, **opts}
    precision, note = update_precision(tx0, opts, where) if tx0 is not None else (None, None)
    exact, exact_note = None, None
    if precision is not None:
        ok, exact_note = exact_variant(tx0, opts, precision, where)
        if ok:
            exact = Learner(name=name, fn=fit_predict_for(True), target=target, options=options,
                            outputs=opts["outputs"])
    return Learner(name=name, fn=fit_predict_for(False), target=target, options=options, outputs=opts["outputs"],
                   precision=precision, precision_note=note, exact=exact, exact_note=exact_note)
