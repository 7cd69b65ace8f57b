"""The online protocol in JAX: the linear neuron (or layer) W, zero at the start, square loss
½‖W x − y‖², ``batch_size`` examples per step in order, ``passes`` passes, float64; the step
``jax.jit``-compiled once per dimension."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from invariance.adapters.optax.options import OptaxOptions
from invariance.errors import MissingDependency, UsageError

__all__ = ["jax_modules", "is_optax_factory", "transformation", "one_step", "fit_predict_for"]


def jax_modules() -> tuple[Any, Any, Any]:
    """(jax, jax.numpy, optax), imported on first use with float64 enabled (:class:`MissingDependency`
    without them)."""
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


def transformation(factory: Callable, opts: OptaxOptions, where: str) -> Any:
    """``factory(learning_rate=lr, **optimizer_kwargs)``; a :class:`UsageError` where the factory rejects
    the arguments or returns no GradientTransformation."""
    jax_modules()
    try:
        tx = factory(learning_rate=opts.lr, **opts.optimizer_kwargs)
    except TypeError as exc:
        given = ", ".join(f"{k}={v!r}" for k, v in opts.optimizer_kwargs.items()) or "no --opt"
        raise UsageError(f"{where}(learning_rate={opts.lr}, {given}) rejected: {exc}") from None
    if not (hasattr(tx, "init") and hasattr(tx, "update")):
        raise UsageError(f"{where} returned {type(tx).__name__}, not an optax GradientTransformation")
    return tx


def one_step(tx: Any) -> Callable:
    """One online step of the linear model, ``(W, state, xb, yb) -> (W, state)``: ∇ of ½ mean ‖W x − y‖²,
    then ``tx.update`` and ``optax.apply_updates``."""
    jax, jnp, optax = jax_modules()

    def one(W, state, xb, yb):
        r = xb @ W.T - yb  # b × H residuals
        g = r.T @ xb / xb.shape[0]  # ∇ of ½ mean ‖W x − y‖²
        updates, state = tx.update(g, state, W)
        return optax.apply_updates(W, updates), state

    return one


class _Steps:
    """``(init, step)`` per dimension d, built on first use: jit-compiled, or by ``exact`` (the exact
    rewrite, :func:`~invariance.adapters.optax.exact.exact_step`, passed in by the learner's builder)."""

    def __init__(self, factory: Callable, opts: OptaxOptions, where: str, exact: Callable | None):
        self.factory, self.opts, self.where, self.exact = factory, opts, where, exact
        self.built: dict[int, Any] = {}

    def __call__(self, d: int) -> Any:
        if d not in self.built:
            jax, jnp, optax = jax_modules()
            try:
                tx = transformation(self.factory, self.opts, self.where)
            except UsageError as exc:
                raise TypeError(f"{exc}; give the missing arguments with --opt KEY=VALUE") from None
            self.built[d] = self.exact(tx) if self.exact is not None else (jax.jit(tx.init), jax.jit(one_step(tx)))
        return self.built[d]


def _train_predict(steps: _Steps, opts: OptaxOptions, X_train: Any, y_train: Any, X_test: Any) -> np.ndarray:
    jax, jnp, optax = jax_modules()
    # sliced in NumPy: slicing a JAX array compiles a gather per distinct slice (0.6 of optax:adam's time)
    X = np.asarray(X_train, dtype=np.float64)
    h = opts.outputs or 1
    y = np.asarray(y_train, dtype=np.float64).reshape(-1, h)
    d = X.shape[1]
    init, step = steps(d)
    W = np.zeros((h, d), dtype=np.float64)
    state = init(W)
    bs = opts.batch_size
    for _ in range(opts.passes):
        for start in range(0, X.shape[0], bs):
            W, state = step(W, state, X[start : start + bs], y[start : start + bs])
    # predicted in NumPy: a JAX matmul compiles once per (m, d) shape
    out = np.asarray(X_test, dtype=np.float64) @ np.asarray(W, dtype=np.float64).T
    return out if opts.outputs else out[:, 0]


def fit_predict_for(factory: Callable, opts: OptaxOptions, where: str, name: str,
                    exact: Callable | None) -> Callable:
    """A learner's ``fit_predict(X_train, y_train, X_test)``: the protocol, with the step built by
    ``exact`` (the exact rewrite of a transformation) where given."""
    steps = _Steps(factory, opts, where, exact)

    def fit_predict(X_train, y_train, X_test):
        return _train_predict(steps, opts, X_train, y_train, X_test)

    fit_predict.__name__ = name
    fit_predict.__qualname__ = name
    return fit_predict
