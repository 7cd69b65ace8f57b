"""GD with feature-private learning rates ``η_i = η |w_i|``: ``w ← w − η |w|⊙∇``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Rule, fit_predict

__all__ = ["private_lr", "scale_by_params"]


def scale_by_params(eta: float) -> Rule:
    """``p ← p − η |p|⊙∇_p``: each coordinate's learning rate is its own weight (its size)."""

    def init(params: np.ndarray) -> None:
        return None

    def update(grads: np.ndarray, state: None, params: np.ndarray):
        return -eta * np.abs(params) * grads, state  # feature-private learning rate η_i = η |w_i|

    return Rule(init, update, stackable=True)


@learner(
    "not-invariant",
    reason="coordinate i's learning rate η|w_i| is its own weight: the first-order form of EGU's "
    "multiplicative step, coordinatewise, so w is not a combination of inputs",
    batched=True,
)
def private_lr(
    X_train, y_train, X_test, *, eta: float = 0.5, init: float | None = None, passes: int = 5
) -> np.ndarray:
    """GD with feature-private learning rates, one example per step: ``w ← w − η |w|⊙∇``.

    From ``w₀ = init·1 > 0`` (default ``init = 1/d``) this is ``w_i ← w_i (1 − η r x_i)``, EGU's
    ``w_i exp(−η r x_i)`` to first order and GD on the spindly net's flow ``ẇ = −4 w⊙∇``; so it is
    not invariant, even on ±1 data, and learns the Hadamard problem in ``O(log d)`` examples
    (Warmuth, Kotłowski & Amid, ALT 2021). The rate uses ``|w_i|`` so that a weight a large step
    pushes through zero keeps a positive rate (with ``w_i`` itself the step turns into ascent and
    diverges). Invariant under coordinate permutations only. Inputs are scaled by ``max |x_ti|``,
    labels by ``max |y|``. Defaults: ``η = 0.5``, 5 passes.
    """
    d = np.shape(X_train)[-1]  # one problem (n, d), or a stack (B, n, d)
    c = 1.0 / d if init is None else init
    return fit_predict(
        X_train, y_train, X_test, scale_by_params(eta), p0=np.full((1, d), c),
        passes=passes, scale="entry",
    )
