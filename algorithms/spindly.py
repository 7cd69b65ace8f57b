"""Gradient descent on the spindly network ``w = u⊙u``: ``u ← u − η 2u⊙∇``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Parametrisation, fit_predict, sgd

__all__ = ["spindly", "SPINDLY"]

SPINDLY = Parametrisation(
    weights=lambda u: u[..., 0, :] * u[..., 0, :],  # w = u⊙u
    vjp=lambda u, g: 2.0 * u * g[..., None, :],
    jvp=lambda u, du: 2.0 * u[..., 0, :] * du[..., 0, :],
)


@learner(
    "not-invariant",
    reason="w = u⊙u couples each weight to itself only: GD on u is EGU-like (ẇ = −4w⊙∇) and learns "
    "the Hadamard problem in O(log d) examples",
    batched=True,
)
def spindly(
    X_train, y_train, X_test, *, eta: float = 0.25, init: float | None = None, passes: int = 5
) -> np.ndarray:
    """GD on the spindly network ``ŷ = (u⊙u)·x``, one example per step: ``u ← u − 2η (ŷ − y) u⊙x``.

    Starts at ``u₀ = sqrt(init)·1`` (``w₀ = init·1``). Not invariant, even on ±1 data (Warmuth,
    Kotłowski & Amid, ALT 2021): in continuous time ``ẇ = −4 w⊙∇``, EGU's flow, and it learns the
    Hadamard problem in ``O(log d)`` examples. Invariant under coordinate permutations only.
    Inputs are scaled by ``max |x_ti|``, labels by ``max |y|``.

    Defaults: ``η = 0.25`` (EGU's ``η = 1`` in continuous time), ``init = 1/d``, 5 passes. On ±1
    data with ``init = 1/d`` the overshoot guard cuts every step with ``η ≳ 0.3`` at the label, so
    larger ``η`` changes nothing there. On the Hadamard problem with ``d = 128`` the defaults give
    average loss ≈ 0.05 after 14 examples and ``init = 1e-3, passes = 10`` ≈ 0.003.
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    c = 1.0 / d if init is None else init
    return fit_predict(
        X_train, y_train, X_test, sgd(eta), p0=np.full((1, d), np.sqrt(c)),
        param=SPINDLY, passes=passes, scale="entry",
    )
