"""Full-matrix AdaGrad: ``G ← G + g gᵀ``, ``w ← w − η G^{-1/2} g`` from ``G = δI``, ``w = 0``."""

from __future__ import annotations

import numpy as np
from scipy.linalg.lapack import dsyevd

from invariance import learner

from ._loop import Rule, fit_predict

__all__ = ["adagrad_full", "scale_by_full_rss"]


def scale_by_full_rss(eta: float, delta: float) -> Rule:
    """``G ← G + g gᵀ``; ``p ← p − η G^{-1/2} g`` with the square root taken by ``eigh``."""

    def init(params: np.ndarray) -> np.ndarray:
        return delta * np.eye(params.size)

    def update(grads: np.ndarray, G: np.ndarray, params: np.ndarray):
        g = grads.reshape(-1)
        G = G + g[:, None] * g
        lam, V, info = dsyevd(G)  # LAPACK's symmetric eigensolver, without numpy's overhead
        if info != 0:
            lam, V = np.linalg.eigh(G)
        step = V.dot(V.T.dot(g) / np.sqrt(lam))  # G^{-1/2} g: a matrix function, so equivariant
        return (-eta * step).reshape(params.shape), G

    return Rule(init, update)


@learner(
    "invariant",
    reason="G = δI + Σ g gᵀ becomes U G Uᵀ under rotated inputs and (UGUᵀ)^{-1/2} = U G^{-1/2} Uᵀ",
)
def adagrad_full(
    X_train, y_train, X_test, *, eta: float = 1.0, delta: float = 1e-4, passes: int = 2
) -> np.ndarray:
    """Full-matrix AdaGrad, one example per step: ``w ← w − η (δI + Σ g gᵀ)^{-1/2} g``.

    Inputs are scaled by ``max_t ‖x_t‖`` and labels by ``max |y|`` (dimensionless ``η``, ``δ``).
    Invariant: the preconditioner is a matrix function of ``Σ g gᵀ``, which rotates as ``U(·)Uᵀ``
    (Warmuth, Kotłowski & Amid, ALT 2021: full-matrix AdaGrad is rotation invariant, unlike its
    diagonal version). ``eigh`` of a rotated ``G`` differs only by rounding, amplified by at most
    ``sqrt(λ_max/δ)``; ``δ = 1e-4`` keeps that below 1e-11 in the tests.
    """
    d = np.shape(X_train)[1]
    return fit_predict(
        X_train, y_train, X_test, scale_by_full_rss(eta, delta), p0=np.zeros((1, d)),
        passes=passes, scale="norm",
    )
