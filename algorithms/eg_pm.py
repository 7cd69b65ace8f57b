"""EG±: ``w = w⁺ − w⁻``, both halves updated multiplicatively, ``w± ← w± ⊙ exp(∓η ∇)``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Parametrisation, fit_predict
from .egu import exponentiated

__all__ = ["eg_pm", "PLUS_MINUS"]

_SIGNS = np.array([[1.0], [-1.0]])

PLUS_MINUS = Parametrisation(
    weights=lambda p: p[..., 0, :] - p[..., 1, :],  # w = w⁺ − w⁻
    vjp=lambda p, g: _SIGNS * g[..., None, :],
    jvp=lambda p, dp: dp[..., 0, :] - dp[..., 1, :],
)


@learner(
    "not-invariant",
    reason="w⁺ and w⁻ are updated multiplicatively coordinate by coordinate; it learns the "
    "Hadamard problem in O(log d) examples",
    batched=True,
)
def eg_pm(
    X_train, y_train, X_test, *, eta: float = 0.5, init: float | None = None, passes: int = 5
) -> np.ndarray:
    """EG± (Kivinen & Warmuth): ``w = w⁺ − w⁻``, ``w⁺ ← w⁺ ⊙ exp(−η ∇)``, ``w⁻ ← w⁻ ⊙ exp(+η ∇)``.

    Starts at ``w⁺ = w⁻ = init·1`` (so ``w₀ = 0``; default ``init = 1/(2d)``, total mass 1 as for
    :func:`algorithms.egu.egu`), ``η = 0.5``, 5 passes. Not invariant, even on ±1 data (Warmuth,
    Kotłowski & Amid, ALT 2021): the multiplicative updates are coordinatewise and learn the
    Hadamard problem in ``O(log d)`` examples. Invariant under signed permutations. Inputs are
    scaled by ``max |x_ti|`` and labels by ``max |y|``.
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    c = 0.5 / d if init is None else init
    return fit_predict(
        X_train, y_train, X_test, exponentiated(eta), p0=np.full((2, d), c),
        param=PLUS_MINUS, passes=passes, scale="entry",
    )
