"""Online gradient descent on a linear neuron from ``w = 0``: ``w ← w − η ∇``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import fit_predict, sgd

__all__ = ["gd"]


@learner(
    "invariant",
    reason="from w = 0 every step adds a multiple of an input, so w stays in span(x_t) with "
    "coefficients that depend on inner products only",
    batched=True,
)
def gd(X_train, y_train, X_test, *, eta: float = 1.0, passes: int = 5) -> np.ndarray:
    """Online gradient descent, one example per step from ``w = 0``: ``w ← w − η (w·x − y) x``.

    Inputs are scaled by ``max_t ‖x_t‖`` (so ``η ≤ 1`` never overshoots an example; ``η = 1``
    projects onto the longest example's constraint). Invariant: ``w = Σ_t a_t x_t`` with ``a_t`` a
    function of the inner products ``x_s·x_t`` and the labels, so rotating every input rotates ``w``
    and leaves ``x_test·w`` unchanged (Warmuth, Kotłowski & Amid, ALT 2021, Hadamard curve
    ``1 − k/d``).
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    return fit_predict(
        X_train, y_train, X_test, sgd(eta), p0=np.zeros((1, d)), passes=passes, scale="norm"
    )
