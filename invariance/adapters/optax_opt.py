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

import inspect
from typing import Any, Callable

import numpy as np

from invariance.adapters.defaults import FALLBACK_LR, layer_outputs, own_lr
from invariance.contract import Learner
from invariance.errors import MissingDependency, UsageError

__all__ = ["is_optax_factory", "learner_from_optax", "DEFAULTS"]

DEFAULTS = {"passes": 3, "lr": None, "batch_size": 1, "optimizer_kwargs": {}, "model": "linear", "outputs": None}


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
    if opts["lr"] is not None and (isinstance(opts["lr"], bool) or not isinstance(opts["lr"], (int, float)) or not opts["lr"] > 0):
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


def learner_from_optax(factory: Callable, *, name: str, target: str, options: dict) -> Learner:
    opts = _validated(options)
    if opts["lr"] is None:  # optax's aliases require learning_rate: the factory's own default, else 0.05
        opts["lr"] = own_lr(factory, "learning_rate")[0] or FALLBACK_LR
    inner = getattr(factory, "func", factory)  # optax.nadam = functools.partial(adam, nesterov=True)
    where = f"{getattr(inner, '__module__', '?')}.{getattr(factory, '__name__', None) or getattr(inner, '__name__', name)}"
    try:
        _transformation(factory, opts, where)  # a bad --opt is a usage error now, not a diagnosis later
    except UsageError:
        if opts["optimizer_kwargs"]:
            raise
        # it cannot be built from learning_rate alone (arguments without defaults): every call raises
        # that, which the checker reports as the learner's diagnosis, with the fix (--opt)
    steps: dict[int, Callable] = {}

    def step_for(d: int):
        if d not in steps:
            jax, jnp, optax = _jax()
            try:
                tx = _transformation(factory, opts, where)
            except UsageError as exc:
                raise TypeError(f"{exc}; give the missing arguments with --opt KEY=VALUE") from None

            def one(W, state, xb, yb):
                r = xb @ W.T - yb  # b × H residuals
                g = r.T @ xb / xb.shape[0]  # ∇ of ½ mean ‖W x − y‖²
                updates, state = tx.update(g, state, W)
                return optax.apply_updates(W, updates), state

            steps[d] = (tx, jax.jit(one))
        return steps[d]

    def fit_predict(X_train, y_train, X_test):
        jax, jnp, optax = _jax()
        X = jnp.asarray(np.asarray(X_train, dtype=np.float64))
        h = opts["outputs"] or 1
        y = jnp.asarray(np.asarray(y_train, dtype=np.float64).reshape(-1, h))
        d = X.shape[1]
        tx, step = step_for(d)
        W = jnp.zeros((h, d), dtype=jnp.float64)
        state = tx.init(W)
        bs = opts["batch_size"]
        for _ in range(opts["passes"]):
            for start in range(0, X.shape[0], bs):
                W, state = step(W, state, X[start : start + bs], y[start : start + bs])
        out = np.asarray(jnp.asarray(np.asarray(X_test, dtype=np.float64)) @ W.T, dtype=np.float64)
        return out if opts["outputs"] else out[:, 0]

    fit_predict.__name__ = name
    fit_predict.__qualname__ = name
    model = f"linear layer, {opts['outputs']} outputs" if opts["outputs"] else "linear neuron"
    desc = f"{where} ({model}, passes={opts['passes']}, lr={opts['lr']}, batch_size={opts['batch_size']}"
    desc += f", {opts['optimizer_kwargs']})" if opts["optimizer_kwargs"] else ")"
    return Learner(name=name, fn=fit_predict, target=target, options={"description": desc, **opts}, outputs=opts["outputs"])
