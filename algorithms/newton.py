"""Online Newton step: ``A ← A + g gᵀ``, ``w ← w − (1/γ) A⁻¹ g`` from ``A = εI``, ``w = 0``."""

from __future__ import annotations

import numpy as np

from invariance import learner

from ._loop import Rule, fit_predict

__all__ = ["newton", "online_newton"]


def online_newton(eta: float, eps: float) -> Rule:
    """``A ← A + g gᵀ``; ``p ← p − η A⁻¹ g`` (``η = 1/γ``), ``A⁻¹`` kept by Sherman–Morrison."""

    def init(params: np.ndarray) -> np.ndarray:
        return np.eye(params.size) / eps  # A⁻¹ for A = εI

    def update(grads: np.ndarray, Ainv: np.ndarray, params: np.ndarray):
        g = grads.reshape(-1)
        Ag = Ainv.dot(g)
        step = Ag / (1.0 + g.dot(Ag))  # (A + g gᵀ)⁻¹ g: a full, rotation-equivariant preconditioner
        return (-eta * step).reshape(params.shape), Ainv - step[:, None] * Ag

    return Rule(init, update)


@learner(
    "invariant",
    reason="A = εI + Σ g gᵀ transforms as U A Uᵀ when inputs are rotated, so A⁻¹g rotates with g",
)
def newton(
    X_train, y_train, X_test, *, eta: float = 1.0, eps: float = 1e-3, passes: int = 3
) -> np.ndarray:
    """Online Newton step (Hazan et al.), one example per step: ``w ← w − η A⁻¹ g``, ``η = 1/γ``.

    ``A = εI + Σ_s g_s g_sᵀ`` over the gradients so far, this one included. Inputs are scaled by
    ``max_t ‖x_t‖`` and labels by ``max |y|``, so ``ε`` and ``η`` are dimensionless. Invariant: with
    rotated inputs every gradient is ``U g`` and ``A`` becomes ``U A Uᵀ``, so the step is ``U``
    times the step (Warmuth, Kotłowski & Amid, ALT 2021, list online Newton among the invariant
    algorithms). With the small default ``ε`` the first steps are long and the loop's overshoot
    guard cuts them at the label (an invariant scalar), which makes the method close to a projection
    in the ``A`` metric.
    """
    d = np.shape(X_train)[1]
    return fit_predict(
        X_train, y_train, X_test, online_newton(eta, eps), p0=np.zeros((1, d)),
        passes=passes, scale="norm",
    )
