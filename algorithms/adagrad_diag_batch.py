"""Diagonal AdaGrad on full-batch gradients: ``w ← w − η ∇L / sqrt(δ + Σ ∇L⊙∇L)``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import fit_predict
from .adagrad_diag import scale_by_rss

__all__ = ["adagrad_diag_batch"]


@learner(
    "not-invariant",
    reason="a batch gradient Σ r_t x_t of ±1 rows has coordinates of different sizes, so the "
    "per-coordinate scaling is not a scalar even on ±1 data",
)
def adagrad_diag_batch(
    X_train, y_train, X_test, *, eta: float = 1.0, delta: float = 1e-8, passes: int = 50
) -> np.ndarray:
    """Diagonal AdaGrad, one full-batch step a pass: ``w ← w − η ∇L / sqrt(δ + Σ ∇L⊙∇L)``.

    Not invariant, even on ±1 data: ``∇L = (1/n) Σ_t r_t x_t`` mixes rows, so ``∇L⊙∇L`` is not a
    multiple of ``1`` and the coordinates are scaled differently (Warmuth, Kotłowski & Amid, ALT
    2021: the ±1 argument for diagonal AdaGrad needs one example per step). Invariant under signed
    permutations of the coordinates. Same rule as :func:`algorithms.adagrad_diag.adagrad_diag`.
    """
    d = np.shape(X_train)[1]
    return fit_predict(
        X_train, y_train, X_test, scale_by_rss(eta, delta), p0=np.zeros((1, d)),
        passes=passes, batch=True, scale="entry",
    )
