"""Gradient descent on the logistic loss with ``w = u⊙v`` (full batch): the sparse side of the
sparse logistic problem."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from invariance import learner

__all__ = ["logistic_uv"]


@learner(
    "not-invariant",
    reason="w = u⊙v couples each weight to itself: the update of w_i is multiplied by u_i² + v_i², "
    "which follows the coordinates, not the inputs' geometry",
)
def logistic_uv(
    X_train, y_train, X_test, *, eta: float = 1.0, init: float = 0.1, passes: int = 100
) -> np.ndarray:
    """``passes`` full-batch GD steps on ``L(u⊙v)`` (mean logistic loss) from ``u = init·1, v = 0``
    (so ``w = 0``); returns the logits ``X_test·(u⊙v)``.

    ``∇_u = v⊙∇L(w)``, ``∇_v = u⊙∇L(w)``. A small ``init`` is the implicit sparsity bias of Ghosh,
    Yu, Warmuth & Bartlett (2026): O(s·log d / n) excess risk on an s-sparse logistic target.
    Labels are read as ±1; inputs are scaled by ``max_t |x_{t,i}|`` (per-entry scale, as EGU's).
    """
    X = np.asarray(X_train, dtype=float)
    y = np.where(np.asarray(y_train, dtype=float).reshape(-1) > 0, 1.0, -1.0)
    scale = float(np.max(np.abs(X))) or 1.0
    Xs = X / scale
    d = X.shape[1]
    u, v = np.full(d, float(init)), np.zeros(d)
    n = max(1, X.shape[0])
    for _ in range(int(passes)):
        w = u * v
        g = (Xs.T @ (-y * expit(-y * (Xs @ w)))) / n
        u, v = u - eta * v * g, v - eta * u * g
    return np.asarray(X_test, dtype=float) @ (u * v / scale)
