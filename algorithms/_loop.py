"""The one training loop every iterative learner in :mod:`algorithms` shares.

Square loss ``½(ŷ − y)²`` on a linear predictor ``ŷ = x·w`` whose weights come from parameters
through a :class:`Parametrisation` ``w = φ(p)``. The parameters move by an update :class:`Rule`, an
optax-style ``(init, update)`` pair; a learner is one rule plus one parametrisation, so the line
that decides its rotation invariance is the one line its module adds (the per-coordinate scaling of
diagonal AdaGrad, the multiplicative step of EGU, the ``u⊙u`` of the spindly net).

What the loop itself does is the same for every learner and never decides a verdict: each piece
below is a function of rotation-invariant quantities (``scale="entry"``: of quantities invariant
under signed permutations and constant on ±1 data, so it keeps pm1-invariance too):

* **Scaling.** Inputs are divided by one scalar ``s_x`` and labels by ``s_y = max |y_t|``, so that
  hyperparameters are dimensionless; predictions are scaled back. ``scale="norm"`` takes
  ``s_x = max_t ‖x_t‖₂`` (rotation invariant: the one to use for invariant learners);
  ``scale="entry"`` takes ``s_x = max_{t,i} |x_ti|`` (invariant under signed permutations, and equal
  to 1 on ±1 data).
* **Order.** One example per step, rows in the given order, for ``passes`` passes; with
  ``batch=True`` each pass is one step on the full-batch (mean) gradient instead.
* **Stacks.** ``fit_predict`` also takes stacks of same-shape problems, ``(B, n, d)``, ``(B, n)``,
  ``(B, m, d)``, and returns ``(B, m)``: every problem steps at once, with the arithmetic of a run of
  its own bit for bit (every inner product goes to the BLAS dot, as alone; checked once per learner by
  the checker's probe). That needs a rule that acts entry by entry
  (``Rule.stackable``); a learner built on one declares ``@learner(..., batched=True)`` and the
  checker fits its problems in stacks (docs/design.md#batched-fits).
* **Overshoot guard.** If a step would move the (linearised) predictions past the minimum of the
  step's loss along the step direction, it is shortened to that minimum:
  ``α = min(1, −⟨r, δ⟩ / ⟨δ, δ⟩)`` with ``r`` the residuals and ``δ = X_b J Δp`` the first-order
  change of the predictions. ``α`` depends on inner products of predictions only, so it is invariant
  whenever the rule is; it keeps multiplicative and spindly updates finite on inputs up to |10|. A
  step that is already short enough is left exactly as the rule made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np

__all__ = [
    "IDENTITY",
    "Parametrisation",
    "Rule",
    "as_data",
    "fit_predict",
    "sgd",
]


class InitFn(Protocol):
    def __call__(self, params: np.ndarray) -> Any:
        """The rule's initial state for parameters ``params`` (shape ``(k, d)``)."""


class UpdateFn(Protocol):
    def __call__(self, grads: np.ndarray, state: Any, params: np.ndarray) -> tuple[np.ndarray, Any]:
        """``(updates, new_state)``: the loop sets ``params ← params + updates``."""


class Rule(NamedTuple):
    """An update rule: ``state = init(params)``; ``updates, state = update(grads, state, params)``.

    Mirrors optax's ``GradientTransformation``; the loop applies ``params ← params + updates``.
    ``stackable``: ``init`` and ``update`` act entry by entry (any state shared by all entries is a
    scalar such as a step count), so they run unchanged on parameters of shape ``(B, k, d)``.
    """

    init: InitFn
    update: UpdateFn
    stackable: bool = False


class Parametrisation(NamedTuple):
    """``w = weights(p)`` for parameters ``p`` of shape ``(k, d)``, combined coordinatewise.

    ``vjp(p, g)`` pulls a gradient ``g = ∇_w`` (shape ``(d,)``) back to ``∇_p`` (shape ``(k, d)``);
    ``jvp(p, dp)`` pushes a parameter step forward to the first-order change of ``w`` (shape
    ``(d,)``). All three also take a leading stack axis (``p`` of shape ``(B, k, d)``, ``g`` of
    ``(B, d)``): index with ``p[..., i, :]`` and ``g[..., None, :]``.
    """

    weights: Callable[[np.ndarray], np.ndarray]
    vjp: Callable[[np.ndarray, np.ndarray], np.ndarray]
    jvp: Callable[[np.ndarray, np.ndarray], np.ndarray]


IDENTITY = Parametrisation(
    weights=lambda p: p[..., 0, :],  # w = p: a linear neuron
    vjp=lambda p, g: g[..., None, :],
    jvp=lambda p, dp: dp[..., 0, :],
)


def sgd(eta: float) -> Rule:
    """Plain gradient step ``p ← p − η ∇_p``."""

    def init(params: np.ndarray) -> None:
        return None

    def update(grads: np.ndarray, state: None, params: np.ndarray) -> tuple[np.ndarray, None]:
        return -eta * grads, state

    return Rule(init, update, stackable=True)


def as_data(
    X_train: Any, y_train: Any, X_test: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 arrays ``(n, d)``, ``(n,)``, ``(m, d)`` (views where possible; never written to); for a
    stack of problems ``(B, n, d)``, ``(B, n)``, ``(B, m, d)``."""
    X = np.asarray(X_train, dtype=np.float64)
    y = np.asarray(y_train, dtype=np.float64)
    y = y.reshape(len(y), -1) if X.ndim == 3 else y.reshape(-1)
    Xt = np.asarray(X_test, dtype=np.float64)
    return X, y, Xt


def _scales(X: np.ndarray, y: np.ndarray, scale: str) -> tuple[float, float]:
    if scale == "norm":
        sx = float(np.sqrt(np.max(np.einsum("ij,ij->i", X, X)))) if X.size else 0.0
    elif scale == "entry":
        sx = float(np.max(np.abs(X))) if X.size else 0.0
    else:
        raise ValueError(f"scale={scale!r} is not one of 'norm', 'entry'")
    sy = float(np.max(np.abs(y))) if y.size else 0.0
    return (sx if sx > 0.0 else 1.0), (sy if sy > 0.0 else 1.0)


def _dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-by-row inner products of two stacks ``(B, d)``, each the value ``a[i].dot(b[i])`` gives bit for
    bit (NumPy's matmul hands each pair to the BLAS dot, as ``ndarray.dot`` does; ``einsum`` sums in
    another order)."""
    return (a[:, None, :] @ b[:, :, None])[:, 0, 0]


#: below this many problems a stack is fitted one problem at a time (the stacked step's fixed cost is
#: that of about this many single steps)
MIN_STACK = 4


def fit_predict(
    X_train: Any,
    y_train: Any,
    X_test: Any,
    rule: Rule,
    *,
    p0: np.ndarray,
    param: Parametrisation = IDENTITY,
    passes: int = 1,
    batch: bool = False,
    scale: Literal["norm", "entry"] = "norm",
    guard: bool = True,
) -> np.ndarray:
    """Train ``param`` from ``p0`` (scaled units, shape ``(k, d)``) by ``rule``; predict X_test.

    On a stack of problems (``X_train`` of shape ``(B, n, d)``) every problem is trained at once, each
    with the predictions a call of its own gives, bit for bit; ``rule`` must be stackable."""
    X, y, Xt = as_data(X_train, y_train, X_test)
    if X.ndim == 3:
        if batch or not rule.stackable:
            raise ValueError("a stack of problems needs one example per step and a stackable rule (Rule.stackable)")
        if len(X) < MIN_STACK:
            return np.stack([fit_predict(X[b], y[b], Xt[b], rule, p0=p0, param=param, passes=passes, scale=scale,
                                         guard=guard) for b in range(len(X))]) if len(X) else np.zeros(Xt.shape[:2])
        scales = [_scales(X[b], y[b], scale) for b in range(len(X))]  # each problem's own, as alone
        sx = np.array([a for a, _ in scales])
        sy = np.array([b for _, b in scales])
        X = X / sx[:, None, None]
        y = y / sy[:, None]
        p1 = np.asarray(p0, dtype=np.float64).reshape(-1, X.shape[2])
        p = _stacked_steps(X, y, np.tile(p1, (len(X), 1, 1)), rule, param, int(passes), guard)  # C order, as alone
        return (Xt @ param.weights(p)[:, :, None])[..., 0] * (sy / sx)[:, None]
    sx, sy = _scales(X, y, scale)
    X = X / sx
    y = y / sy
    p = np.array(p0, dtype=np.float64).reshape(-1, X.shape[1])
    if batch:
        p = _batch_steps(X, y, p, rule, param, int(passes), guard)
    else:
        p = _online_steps(X, y, p, rule, param, int(passes), guard)
    return (Xt @ param.weights(p)) * (sy / sx)


def _online_steps(X, y, p, rule, param, passes, guard):
    """One example per step, in order; scalars stay Python floats (this is the hot path)."""
    weights, vjp, jvp = param
    update = rule.update
    state = rule.init(p)
    rows = list(zip(X, y.tolist(), strict=True))
    for _ in range(passes):
        for x, label in rows:
            r = float(x.dot(weights(p))) - label  # residual (a Python float: cheaper)
            updates, state = update(vjp(p, r * x), state, p)
            if guard:
                delta = float(x.dot(jvp(p, updates)))  # first-order change of this prediction
                if r * delta < 0.0 and abs(r) < abs(delta):  # would overshoot the label
                    updates = updates * (-r / delta)
            p = p + updates
    return p


def _stacked_steps(X, y, p, rule, param, passes, guard):
    """:func:`_online_steps` on a stack, operation for operation: ``X`` ``(B, n, d)``, ``y`` ``(B, n)``,
    ``p`` ``(B, k, d)``."""
    weights, vjp, jvp = param
    update = rule.update
    state = rule.init(p)
    for _ in range(passes):
        for t in range(X.shape[1]):
            x = X[:, t, :]
            r = _dots(x, weights(p)) - y[:, t]
            updates, state = update(vjp(p, r[:, None] * x), state, p)
            if guard:
                delta = _dots(x, jvp(p, updates))
                with np.errstate(divide="ignore", invalid="ignore"):
                    cut = (r * delta < 0.0) & (np.abs(r) < np.abs(delta))
                    if cut.any():
                        factor = np.where(cut, -r / delta, 1.0)[:, None, None]
                        updates = np.where(cut[:, None, None], updates * factor, updates)
            p = p + updates
    return p


def _batch_steps(X, y, p, rule, param, passes, guard):
    """One step per pass on the mean gradient of all examples."""
    weights, vjp, jvp = param
    state = rule.init(p)
    for _ in range(passes):
        r = X.dot(weights(p)) - y
        updates, state = rule.update(vjp(p, X.T.dot(r) / len(y)), state, p)
        if guard:
            delta = X.dot(jvp(p, updates))
            rd, dd = float(r.dot(delta)), float(delta.dot(delta))
            if rd < 0.0 and -rd < dd:  # would overshoot the line minimum
                updates = updates * (-rd / dd)
        p = p + updates
    return p
