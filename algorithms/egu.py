"""Exponentiated gradient, unnormalised: ``w ← w ⊙ exp(−η ∇)`` from ``w₀ = init·1``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Rule, fit_predict

__all__ = ["egu", "exponentiated"]


def exponentiated(eta: float, clip: float = 30.0) -> Rule:
    """``p ← p ⊙ exp(−η ∇_p)`` (exponent capped at ``clip`` so it never overflows)."""

    def init(params: np.ndarray) -> None:
        return None

    def update(grads: np.ndarray, state: None, params: np.ndarray):
        return params * np.expm1(np.minimum(-eta * grads, clip)), state  # multiplicative step

    return Rule(init, update, stackable=True)


@learner(
    "not-invariant",
    reason="the multiplicative step w_i·exp(−η r x_i) acts coordinate by coordinate, so w is not "
    "a combination of inputs; it learns the Hadamard problem in O(log d) examples",
    batched=True,
)
def egu(
    X_train, y_train, X_test, *, eta: float = 0.5, init: float | None = None, passes: int = 5
) -> np.ndarray:
    """EGU (Kivinen & Warmuth), one example per step: ``w ← w ⊙ exp(−η (w·x − y) x)``, ``w₀ > 0``.

    Not invariant, even on ±1 data (Warmuth, Kotłowski & Amid, ALT 2021): the update is
    coordinatewise and multiplicative, and EGU reaches loss near 0 on the Hadamard problem after
    ``O(log d)`` examples, below the ``1 − k/d`` every invariant algorithm must suffer. Invariant
    under coordinate permutations only (weights stay positive, so sign flips matter). Inputs are
    scaled by ``max |x_ti|`` and labels by ``max |y|``; the loop's overshoot guard keeps it finite.

    Starts at ``w₀ = init·1``. Defaults: ``η = 0.5``, ``init = 1/d``, 5 passes. On the Hadamard
    problem with ``d = 128``, ``η = 0.2, init = 1e-3, passes = 10`` gives average loss ≈ 0.03 after
    14 examples and < 0.01 after 21; large ``η`` (≥ 1) interpolates the examples with a spread-out,
    high-loss ``w``.
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    c = 1.0 / d if init is None else init
    return fit_predict(
        X_train, y_train, X_test, exponentiated(eta), p0=np.full((1, d), c),
        passes=passes, scale="entry",
    )
