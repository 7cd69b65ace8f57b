"""Minimum-norm least squares: ``w = X⁺ y``, predict ``X_test w``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import as_data

__all__ = ["least_squares"]


@learner(
    "invariant",
    reason="w = X⁺y = Xᵀ(XXᵀ)⁺y, so x_test·w depends on the data only through inner products "
    "(the Gram matrix)",
)
def least_squares(X_train, y_train, X_test, *, rcond: float = 1e-10) -> np.ndarray:
    """Minimum-norm least squares ``w = pinv(X) y`` (singular values below ``rcond·σ_max`` dropped).

    Invariant: the pseudo-inverse is equivariant, ``(XUᵀ)⁺ = U X⁺``, so
    ``X_test Uᵀ U X⁺ y = X_test X⁺ y`` (Warmuth, Kotłowski & Amid, ALT 2021: on the Hadamard problem
    it sits on ``1 − k/d``). The cut-off is relative to ``σ_max`` and the singular values are
    rotation invariant, so the rank decision is too; ``1e-10`` sits far from both rounding noise
    (~1e-16) and generic conditioning.
    """
    X, y, Xt = as_data(X_train, y_train, X_test)
    w, *_ = np.linalg.lstsq(X, y, rcond=rcond)
    return Xt @ w
