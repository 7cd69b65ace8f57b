"""Diagonal AdaGrad, one example per step: ``w ← w − η g / sqrt(δ + Σ g⊙g)``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Rule, fit_predict

__all__ = ["adagrad_diag", "scale_by_rss"]


def scale_by_rss(eta: float, delta: float) -> Rule:
    """``s ← s + g⊙g``; ``p ← p − η g / sqrt(δ + s)``: one step size per coordinate."""

    def init(params: np.ndarray) -> np.ndarray:
        return np.zeros_like(params)

    def update(grads: np.ndarray, s: np.ndarray, params: np.ndarray):
        s = s + grads * grads
        return -eta * grads / np.sqrt(delta + s), s  # per-coordinate scaling: invariant only on ±1

    return Rule(init, update, stackable=True)


@learner(
    "pm1-invariant",
    reason="on ±1 inputs g⊙g = r²·1, so the per-coordinate scaling is one scalar and the update "
    "is GD with an invariant step size",
    batched=True,
)
def adagrad_diag(
    X_train, y_train, X_test, *, eta: float = 1.0, delta: float = 1e-8, passes: int = 5
) -> np.ndarray:
    """Diagonal AdaGrad, one example per step from ``w = 0``: ``w ← w − η g / sqrt(δ + Σ g⊙g)``.

    pm1-invariant (Warmuth, Kotłowski & Amid, ALT 2021): with ``g = r x`` and ``x ∈ {±1}^d``,
    ``g⊙g = r²·1``, so every coordinate gets the same step size, a function of past residuals only,
    and the update is GD's; on generic inputs the coordinates get different sizes and invariance
    fails. Inputs are scaled by ``max |x_ti|`` (1 on ±1 data) and labels by ``max |y|``.
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    return fit_predict(
        X_train, y_train, X_test, scale_by_rss(eta, delta), p0=np.zeros((1, d)),
        passes=passes, scale="entry",
    )
