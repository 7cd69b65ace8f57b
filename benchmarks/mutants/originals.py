"""The unmutated learners: five invariant, two pm1-invariant (and two more invariant baselines).

Each is a plain NumPy function ``f(X_train, y_train, X_test) -> y_hat``, deterministic, never writing
to its inputs. Online learners take one example per step, rows in the given order, from ``w = 0``,
and predict ``X_test @ w``. The mutants in the other files copy these bodies and change one thing.
"""

from __future__ import annotations

import numpy as np

try:
    from ._common import INV, PM1, guard, prep, stable_solve, truth
except ImportError:  # loaded by path (invcheck FILE.py:NAME): siblings are importable
    from _common import INV, PM1, guard, prep, stable_solve, truth

PASSES = 3


@truth(INV)
def least_squares(X_train, y_train, X_test):
    """Minimum-norm least squares: invariant, since (XUᵀ)⁺ = U X⁺ so X_test Uᵀ U X⁺ y = X_test X⁺ y.

    ``lstsq`` drops singular values below 1e-10·σ_max; the singular values are rotation invariant,
    so the rank decision is too.
    """
    X, y, Xt = np.asarray(X_train, float), np.asarray(y_train, float), np.asarray(X_test, float)
    w = np.linalg.lstsq(X, y, rcond=1e-10)[0]
    return Xt @ w


@truth(INV)
def ridge(X_train, y_train, X_test, lam=0.1):
    """Ridge regression w = (XᵀX + λI)⁻¹Xᵀy: invariant, since XᵀX + λI ↦ U(XᵀX + λI)Uᵀ and Xᵀy ↦ UXᵀy,
    so w ↦ Uw and x_test·w is unchanged."""
    X, y, Xt = np.asarray(X_train, float), np.asarray(y_train, float), np.asarray(X_test, float)
    A = X.T @ X + lam * np.eye(X.shape[1])
    return Xt @ stable_solve(A, X.T @ y)


@truth(INV)
def gd(X_train, y_train, X_test, eta=0.5):
    """Online GD from w = 0: invariant, since every step adds r_t x_t with r_t = x_t·w − y_t an inner
    product, so w = Σ a_t x_t with Gram-determined a_t; inputs scaled by max ‖x_t‖ (invariant)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            w = w + guard(r, x, -eta * r * x)
    return (Xt @ w) * sy


@truth(INV)
def gd_batch(X_train, y_train, X_test, eta=1.0, steps=30):
    """Full-batch GD from w = 0, 30 steps on the mean square loss: invariant, since the gradient
    Xᵀ(Xw − y)/n ↦ U·(it) when X ↦ XUᵀ and w ↦ Uw, so by induction w_k ↦ Uw_k."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    w = np.zeros(X.shape[1])
    n = len(y)
    for _ in range(steps):
        g = X.T @ (X @ w - y) / n
        w = w - eta * g
    return (Xt @ w) * sy


@truth(INV)
def vaw(X_train, y_train, X_test, eps=1.0):
    """Vovk–Azoury–Warmuth forecaster ŷ = xᵀ(εI + XᵀX + xxᵀ)⁻¹Xᵀy: invariant, since the matrix is
    conjugated by U and Xᵀy, x both rotate by U."""
    X, y, Xt = np.asarray(X_train, float), np.asarray(y_train, float), np.asarray(X_test, float)
    A = X.T @ X + eps * np.eye(X.shape[1])
    w = stable_solve(A, X.T @ y)
    Z = stable_solve(A, Xt.T)
    return (Xt @ w) / (1.0 + np.einsum("ij,ji->i", Xt, Z))


@truth(INV)
def newton(X_train, y_train, X_test, eta=1.0, eps=0.1):
    """Online Newton step w ← w − η A⁻¹g, A = εI + Σ g gᵀ (Sherman–Morrison): invariant, since with
    rotated inputs g ↦ Ug and A⁻¹ ↦ UA⁻¹Uᵀ, so the step rotates with U."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, Ainv = np.zeros(d), np.eye(d) / eps
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            Ag = Ainv @ g
            step = Ag / (1.0 + g @ Ag)
            Ainv = Ainv - np.outer(step, Ag)
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(INV)
def adagrad_full(X_train, y_train, X_test, eta=1.0, delta=1e-4):
    """Full-matrix AdaGrad w ← w − η (δI + Σ g gᵀ)^{-1/2} g: invariant, since G ↦ UGUᵀ and a matrix
    function commutes with conjugation, (UGUᵀ)^{-1/2} = U G^{-1/2} Uᵀ."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "norm")
    d = X.shape[1]
    w, G = np.zeros(d), delta * np.eye(d)
    for _ in range(2):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            G = G + np.outer(g, g)
            lam, V = np.linalg.eigh(G)
            step = V @ ((V.T @ g) / np.sqrt(lam))
            w = w + guard(r, x, -eta * step)
    return (Xt @ w) * sy


@truth(PM1)
def adagrad_diag(X_train, y_train, X_test, eta=0.5, delta=1e-8):
    """Diagonal AdaGrad, one example per step: pm1-invariant. On ±1 rows (scaled by max|x_ti| = 1)
    g = r x has g⊙g = r²·1, so s = Σ g⊙g is a scalar times 1 and the step is GD's with a step size
    that is a function of past residuals; generic rows get per-coordinate sizes (not invariant)."""
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, s = np.zeros(d), np.zeros(d)
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            r = float(x @ w) - t
            g = r * x
            s = s + g * g
            w = w + guard(r, x, -eta * g / np.sqrt(delta + s))
    return (Xt @ w) * sy


@truth(PM1)
def adam(X_train, y_train, X_test, eta=0.1, b1=0.9, b2=0.999, eps=1e-8):
    """Adam, one example per step: pm1-invariant. On ±1 rows g⊙g = r²·1, so v is a scalar times 1 and
    the step is a scalar times m = Σ c_t g_t, a combination of inputs with Gram-determined
    coefficients; generic rows give per-coordinate v (not invariant).

    No overshoot guard: Adam's step is the momentum, not a multiple of this example's residual r, and
    the guard's test r·δ < 0 would let the sign of a rounding-level r (rows that the weights fit
    exactly, common on ±1 data) decide between a full step and none — a discontinuity that makes Gram
    twins differ by rounding alone. Adam's steps are bounded by about η per coordinate anyway.
    """
    X, y, Xt, sy = prep(X_train, y_train, X_test, "entry")
    d = X.shape[1]
    w, m, v = np.zeros(d), np.zeros(d), np.zeros(d)
    k = 0
    for _ in range(PASSES):
        for x, t in zip(X, y, strict=True):
            k += 1
            r = float(x @ w) - t
            g = r * x
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            mhat, vhat = m / (1 - b1**k), v / (1 - b2**k)
            w = w - eta * mhat / (np.sqrt(vhat) + eps)  # no overshoot guard (see docstring)
    return (Xt @ w) * sy


LEARNERS = [least_squares, ridge, gd, gd_batch, vaw, newton, adagrad_full, adagrad_diag, adam]
TRUE = {f.__name__: f.true_verdict for f in LEARNERS}
