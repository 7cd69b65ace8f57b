"""Gradient descent on the spindly network ``w = u⊙u − v⊙v``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Parametrisation, fit_predict, sgd

__all__ = ["spindly_pm", "SPINDLY_PM"]

_SIGNS = np.array([[1.0], [-1.0]])

SPINDLY_PM = Parametrisation(
    weights=lambda p: p[..., 0, :] * p[..., 0, :] - p[..., 1, :] * p[..., 1, :],  # w = u⊙u − v⊙v
    vjp=lambda p, g: 2.0 * p * (_SIGNS * g[..., None, :]),
    jvp=lambda p, dp: 2.0 * (p[..., 0, :] * dp[..., 0, :] - p[..., 1, :] * dp[..., 1, :]),
)


@learner(
    "not-invariant",
    reason="w = u⊙u − v⊙v couples each weight to itself only: GD on (u, v) is EG±-like and learns "
    "the Hadamard problem in O(log d) examples",
    batched=True,
)
def spindly_pm(
    X_train, y_train, X_test, *, eta: float = 0.25, init: float | None = None, passes: int = 5
) -> np.ndarray:
    """GD on ``ŷ = (u⊙u − v⊙v)·x``, one example a step: ``u ← u − 2η r u⊙x``, ``v ← v + 2η r v⊙x``.

    Starts at ``u₀ = v₀ = sqrt(init)·1`` (``w₀ = 0``; default ``init = 1/(2d)``), ``η = 0.25``, 5
    passes. Not invariant, even on ±1 data (Warmuth, Kotłowski & Amid, ALT 2021): coordinatewise,
    EG±-like in continuous time, and it learns the Hadamard problem in ``O(log d)`` examples.
    Invariant under signed permutations. Inputs are scaled by ``max |x_ti|`` and labels by
    ``max |y|``.
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    c = 0.5 / d if init is None else init
    return fit_predict(
        X_train, y_train, X_test, sgd(eta), p0=np.full((2, d), np.sqrt(c)),
        param=SPINDLY_PM, passes=passes, scale="entry",
    )
