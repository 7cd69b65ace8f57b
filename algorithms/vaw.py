"""The Vovk–Azoury–Warmuth forecaster: ``ŷ(x) = xᵀ(εI + XᵀX + xxᵀ)⁻¹ Xᵀy``."""

from __future__ import annotations

import numpy as np
import scipy.linalg

from invariance import learner

from ._loop import as_data

__all__ = ["vaw"]


@learner(
    "invariant",
    reason="(εI + XᵀX + xxᵀ) is conjugated by U under x ↦ Ux, so xᵀ(…)⁻¹Xᵀy is unchanged",
)
def vaw(X_train, y_train, X_test, *, eps: float = 1.0) -> np.ndarray:
    """Vovk–Azoury–Warmuth forecaster: for each test ``x``, ``ŷ = xᵀ(εI + XᵀX + xxᵀ)⁻¹ Xᵀy``.

    With ``A = εI + XᵀX`` and Sherman–Morrison this is ``ŷ = xᵀA⁻¹Xᵀy / (1 + xᵀA⁻¹x)``; ``A`` is
    solved by Cholesky (it is positive definite for ``ε > 0``). Invariant: ``εI`` commutes with
    every orthogonal ``U`` and ``(XUᵀ)ᵀ(XUᵀ) = U XᵀX Uᵀ``, so the forecast only sees inner products
    (Warmuth, Kotłowski & Amid, ALT 2021, list VAW among the rotation-invariant algorithms). ``ε``
    is absolute, in the units of ``x²`` (the textbook forecaster with ``a = ε``).
    """
    X, y, Xt = as_data(X_train, y_train, X_test)
    A = X.T @ X
    A[np.diag_indices_from(A)] += eps
    factor = scipy.linalg.cho_factor(A, check_finite=False)
    w = scipy.linalg.cho_solve(factor, X.T @ y, check_finite=False)
    Z = scipy.linalg.cho_solve(factor, Xt.T, check_finite=False)  # A⁻¹ x for every test x
    return (Xt @ w) / (1.0 + np.einsum("ij,ji->i", Xt, Z))
