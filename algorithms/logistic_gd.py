"""Gradient descent on the logistic loss from ``w = 0`` (full batch): the invariant side of the
sparse logistic problem."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from invariance import learner

__all__ = ["logistic_gd"]


@learner(
    "invariant",
    reason="from w = 0 every full-batch gradient Σ_t ℓ'(y_t w·x_t) y_t x_t is a combination of the "
    "inputs whose coefficients depend on inner products only: rotating the inputs rotates w",
)
def logistic_gd(X_train, y_train, X_test, *, eta: float = 1.0, passes: int = 100) -> np.ndarray:
    """``passes`` full-batch steps ``w ← w − η ∇L(w)`` on ``L(w) = mean_t log(1 + exp(−y_t w·x_t))``
    from ``w = 0``; returns the logits ``X_test·w``.

    Labels are read as ±1 (``y > 0`` is +1). Inputs are scaled by ``max_t ‖x_t‖`` (a rotation
    leaves it unchanged), so η ≤ 4 keeps every step below the loss's curvature bound ¼‖x‖².
    Stopping after ``passes`` steps is the early stopping of Ghosh, Yu, Warmuth & Bartlett (2026):
    any rotation-invariant learner has excess risk Ω((d − 1)/n) on their s-sparse problem.
    """
    X = np.asarray(X_train, dtype=float)
    y = np.where(np.asarray(y_train, dtype=float).reshape(-1) > 0, 1.0, -1.0)
    scale = float(np.max(np.linalg.norm(X, axis=1))) or 1.0
    Xs = X / scale
    w = np.zeros(X.shape[1])
    n = max(1, X.shape[0])
    for _ in range(int(passes)):
        margin = y * (Xs @ w)
        w -= eta * (Xs.T @ (-y * expit(-margin))) / n
    return np.asarray(X_test, dtype=float) @ (w / scale)
