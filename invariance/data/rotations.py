"""Orthogonal matrices the search draws (docs/design.md#rotations-and-data), as plain NumPy constructions.

Convention everywhere: a data matrix transforms as ``X ↦ X Uᵀ`` (each row ``x ↦ U x``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "haar",
    "givens",
    "householder",
    "signed_permutation",
    "procrustes",
    "orthogonality_error",
    "describe",
]


def haar(rng: np.random.Generator, d: int) -> np.ndarray:
    """Haar-random element of O(d): QR of a Gaussian with the sign fix (Mezzadri 2007)."""
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def givens(d: int, i: int, j: int, theta: float) -> np.ndarray:
    """Rotation by ``theta`` in the (i, j) coordinate plane."""
    if not (0 <= i < d and 0 <= j < d and i != j):
        raise ValueError(f"Givens plane ({i}, {j}) is not a pair of distinct axes of R^{d}")
    U = np.eye(d)
    c, s = np.cos(theta), np.sin(theta)
    U[i, i] = U[j, j] = c
    U[i, j], U[j, i] = -s, s
    return U


def householder(v: np.ndarray) -> np.ndarray:
    """Reflection ``I − 2 v vᵀ / vᵀv`` through the hyperplane orthogonal to ``v`` (≠ 0)."""
    v = np.asarray(v, dtype=np.float64)
    nv = float(v @ v)
    if nv == 0.0:
        raise ValueError("Householder vector must be non-zero")
    return np.eye(v.size) - (2.0 / nv) * np.outer(v, v)


def signed_permutation(perm: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """``U`` with ``(U x)[perm[k]] = signs[k] · x[k]``: a coordinate permutation with sign flips."""
    d = len(perm)
    U = np.zeros((d, d))
    U[np.asarray(perm), np.arange(d)] = np.asarray(signs, dtype=np.float64)
    return U


def procrustes(Z: np.ndarray, Z2: np.ndarray) -> np.ndarray:
    """The orthogonal ``U`` minimising ‖Z Uᵀ − Z2‖_F (exact when Z Zᵀ = Z2 Z2ᵀ)."""
    A, _, Bt = np.linalg.svd(Z2.T @ Z)
    return A @ Bt


def orthogonality_error(U: np.ndarray) -> float:
    return float(np.max(np.abs(U @ U.T - np.eye(U.shape[0])))) if U.size else 0.0


def describe(U: np.ndarray) -> str:
    """A short human description of ``U`` (recognises the simple shapes the search shrinks to)."""
    d = U.shape[0]
    if d == 1:
        return "[[−1]], the reflection of R¹" if U[0, 0] < 0 else "[[1]], the identity"
    A = np.abs(U)
    if np.allclose(A, np.round(A), atol=1e-12) and np.allclose(A.sum(0), 1) and np.allclose(A.sum(1), 1):
        perm = np.argmax(A, axis=0)
        signs = np.sign(U[perm, np.arange(d)])
        kind = "sign flips" if np.array_equal(perm, np.arange(d)) else "signed permutation"
        if np.all(signs > 0):
            kind = "permutation"
        return f"{kind}: x[k] ↦ x[{perm.tolist()}] with signs {[int(s) for s in signs]}"
    off = np.argwhere(np.abs(U - np.eye(d)) > 1e-12)
    rows = sorted({int(r) for r, _ in off} | {int(c) for _, c in off})
    if len(rows) == 2 and np.linalg.det(U) > 0:
        i, j = rows
        theta = float(np.arctan2(U[j, i], U[i, i]))
        return f"Givens rotation in plane ({i}, {j}) by θ = {theta:.6g} rad ({np.degrees(theta):.4g}°)"
    if np.allclose(U, U.T, atol=1e-12) and abs(np.trace(U) - (d - 2)) < 1e-9:
        w, V = np.linalg.eigh(U)
        v = V[:, np.argmin(w)]
        return f"Householder reflection along v = {np.round(v / np.max(np.abs(v)), 4).tolist()}"
    det = np.linalg.det(U)
    return f"general orthogonal matrix of R^{d} (det {det:+.0f})"
