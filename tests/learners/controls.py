"""Control learners for the checker, each with the verdict its mathematics dictates.

Plain functions ``f(X_train, y_train, X_test) -> y_hat``; the tests wrap them with
:func:`invariance.registry.as_learner` and cross them with the expected verdict. Every one is
deterministic (no global random state; a "noise" term is derived from the input bytes).
"""

from __future__ import annotations

import zlib

import numpy as np


def _pinv_predict(X, y, Xt):
    return Xt @ (np.linalg.pinv(X) @ y)


def _coordinatewise_regression(X, y, Xt):
    """w_i = Σ_t x_ti y_t / Σ_t x_ti²: invariant under signed permutations; on ±1 data w = Xᵀy/n."""
    den = np.einsum("ti,ti->i", X, X)
    w = np.divide(X.T @ y, den, out=np.zeros(X.shape[1]), where=den > 0)
    return Xt @ w


def _scaled(X, y):
    sx = float(np.max(np.abs(X))) or 1.0
    sy = float(np.max(np.abs(y))) or 1.0
    return X / sx, y / sy, sx, sy


# ------------------------------------------------------------------- positive controls (invariant)


def least_squares(X_train, y_train, X_test):
    """Minimum-norm least squares ŷ = X_test X⁺ y: (XUᵀ)⁺ = U X⁺, so invariant."""
    return _pinv_predict(X_train, y_train, X_test)


def ridge_gd(X_train, y_train, X_test):
    """Ridge (λ = tr(XᵀX)/d + 1e-3, invariant) by GD from w = 0 until ‖∇‖ ≤ 1e-13·‖Xᵀy‖.

    Every iterate is U-equivariant (w_k ∈ span of the rows); the stopping test uses a norm.
    """
    X, y, Xt = X_train, y_train, X_test
    A = X.T @ X
    lam = np.trace(A) / X.shape[1] + 1e-3
    step = 1.0 / (np.linalg.eigvalsh(A)[-1] + lam)
    b = X.T @ y
    tol = 1e-13 * max(float(np.linalg.norm(b)), 1e-300)
    w = np.zeros(X.shape[1])
    for _ in range(200_000):
        g = A @ w + lam * w - b
        if np.linalg.norm(g) <= tol:
            break
        w = w - step * g
    return Xt @ w


def least_squares_rounding_noise(X_train, y_train, X_test):
    """Least squares with a deterministic relative perturbation of 1e-14 keyed on the input bytes."""
    p = _pinv_predict(X_train, y_train, X_test)
    key = zlib.crc32(np.ascontiguousarray(X_train).tobytes() + np.ascontiguousarray(X_test).tobytes())
    eps = 1e-14 * ((key % 2001) / 1000.0 - 1.0)
    return p * (1.0 + eps)


def least_squares_reordered(X_train, y_train, X_test):
    """Least squares through the normal equations of the Gram matrix, sums in reversed order."""
    K = X_train[::-1] @ X_train[::-1].T
    alpha = np.linalg.pinv(K, rcond=1e-12, hermitian=True) @ y_train[::-1]
    return (X_test[:, ::-1] @ X_train[::-1, ::-1].T) @ alpha


def least_squares_float32(X_train, y_train, X_test):
    """Least squares computed in float32: invariant in exact arithmetic; its ~1e-7 rounding is noise."""
    X, y, Xt = (np.asarray(a, dtype=np.float32) for a in (X_train, y_train, X_test))
    return (Xt @ (np.linalg.pinv(X) @ y)).astype(np.float64)


def ridge_gd_float32(X_train, y_train, X_test):
    """Ridge by 300 gradient steps in float32 (a torch-default-dtype model): invariant in exact
    arithmetic, but its rounding accumulates over the steps to ~1e-7 even where one rounding of the
    inputs does not change them in float32. Reported pm1-invariant (8e-8 on a d = 6, n = 1 problem with
    zero measured noise) before the checker learned to probe float32 learners in float32."""
    X, y, Xt = (np.asarray(a, dtype=np.float32) for a in (X_train, y_train, X_test))
    w = np.zeros(X.shape[1], np.float32)
    lr = np.float32(0.5 / max(1.0, float(np.linalg.norm(X, 2)) ** 2 + 0.1))
    for _ in range(300):
        w -= lr * (X.T @ (X @ w - y) + np.float32(0.1) * w)
    return (Xt @ w).astype(np.float64)


def ridge_gd_float32_nudged(X_train, y_train, X_test):
    """The float32 ridge + 1e-4·x₁: must still be caught."""
    return ridge_gd_float32(X_train, y_train, X_test) + 1e-4 * X_test[:, 0]


def kernel_ridge_rbf(X_train, y_train, X_test, *, lam=1e-2):
    """Kernel ridge with k(x, z) = exp(−‖x − z‖² / 2d): a function of distances, so invariant."""
    d = X_train.shape[1]

    def k(A, B):
        sq = np.sum(A * A, 1)[:, None] + np.sum(B * B, 1)[None, :] - 2.0 * A @ B.T
        return np.exp(-np.maximum(sq, 0.0) / (2.0 * d))

    K = k(X_train, X_train)
    alpha = np.linalg.solve(K + lam * np.eye(len(K)), y_train)
    return k(X_test, X_train) @ alpha


def kernel_ridge_squares(X_train, y_train, X_test, *, lam=1e-1):
    """Kernel ridge with k(x, z) = Σ_i x_i² z_i² + x·z: pm1-invariant (on ±1 data k = d + x·z)."""

    def k(A, B):
        return (A * A) @ (B * B).T + A @ B.T

    K = k(X_train, X_train)
    alpha = np.linalg.solve(K + lam * np.eye(len(K)), y_train)
    return k(X_test, X_train) @ alpha


# -------------------------------------------------------------- negative controls (not invariant)


def least_squares_nudged(X_train, y_train, X_test):
    """Least squares + 1e-4·x₁: a small coordinate term, caught on generic data and on twins."""
    return _pinv_predict(X_train, y_train, X_test) + 1e-4 * X_test[:, 0]


def least_squares_float32_nudged(X_train, y_train, X_test):
    """float32 least squares + 1e-4·x₁: the nudge stands far above float32 rounding."""
    return least_squares_float32(X_train, y_train, X_test) + 1e-4 * X_test[:, 0]


def least_squares_cubic(X_train, y_train, X_test):
    """Least squares + 1e-4·Σ x_i³; on ±1 data that is 1e-4·Σ x_i, which twins change: not-invariant."""
    return _pinv_predict(X_train, y_train, X_test) + 1e-4 * np.sum(X_test**3, axis=1)


def least_squares_quartic(X_train, y_train, X_test):
    """Least squares + 1e-4·Σ x_i⁴; on ±1 data that is the constant 1e-4·d: pm1-invariant."""
    return _pinv_predict(X_train, y_train, X_test) + 1e-4 * np.sum(X_test**4, axis=1)


def switches_when_d_large(X_train, y_train, X_test):
    """Least squares for d ≤ 8, coordinatewise regression for d > 8 (pm1-invariant: on ±1 data the
    coordinatewise rule is w = Xᵀy/n)."""
    if X_train.shape[1] > 8:
        return _coordinatewise_regression(X_train, y_train, X_test)
    return _pinv_predict(X_train, y_train, X_test)


def switches_when_n_large(X_train, y_train, X_test):
    """Least squares for n ≤ 12, least squares + 1e-4·x₁ for n > 12: not-invariant."""
    p = _pinv_predict(X_train, y_train, X_test)
    if X_train.shape[0] > 12:
        p = p + 1e-4 * X_test[:, 0]
    return p


def nearest_neighbour_coordinate_ties(X_train, y_train, X_test):
    """1-NN by largest inner product; ties broken by the larger first coordinate, then the earlier row.

    Ties are inner products within 1e-5·d·s² of the largest (s = largest |entry|), first coordinates
    within 1e-5·s: far above any rounding (even float32's), far below the gaps of integer or ±1
    data. Without ties the prediction depends on the Gram matrix only; a tie between rows with
    different first coordinates (±1 data, small integers, repeated rows) is decided by a
    coordinate: not-invariant, visible on degenerate data only.
    """
    out = np.empty(len(X_test))
    s = max(float(np.max(np.abs(X_train))), float(np.max(np.abs(X_test))), 1e-300)
    for j, x in enumerate(X_test):
        ip = X_train @ x
        tied = np.flatnonzero(ip >= ip.max() - 1e-5 * X_train.shape[1] * s * s)
        first = X_train[tied, 0]
        best = tied[np.flatnonzero(first >= first.max() - 1e-5 * s)[0]]
        out[j] = y_train[best]
    return out


def nearest_neighbour_exact_ties(X_train, y_train, X_test):
    """1-NN by largest |inner product|; exact ties broken by the larger first coordinate (docs/design.md#gram-twins's
    example). Not invariant: on ±1 twins the ties are exact on both sides and x₁ decides differently."""
    out = np.empty(len(X_test))
    for j, x in enumerate(X_test):
        ip = np.abs(X_train @ x)
        tied = np.flatnonzero(ip == ip.max())
        out[j] = y_train[tied[np.argmax(X_train[tied, 0])]]
    return out


def adagrad_diag(X_train, y_train, X_test, *, eta=0.3, passes=3):
    """Diagonal AdaGrad, one example per step: w ← w − η g / sqrt(δ + Σ g⊙g), g = (w·x − y) x.
    On ±1 data g⊙g = r²·1: a scalar step size, so pm1-invariant; invariant under signed permutations."""
    X, y, sx, sy = _scaled(X_train, y_train)
    w = np.zeros(X.shape[1])
    s = np.zeros(X.shape[1])
    for _ in range(passes):
        for x, label in zip(X, y, strict=True):
            g = (x @ w - label) * x
            s = s + g * g
            w = w - eta * g / np.sqrt(1e-8 + s)
    return (X_test / sx) @ w * sy


def adagrad_diag_batch(X_train, y_train, X_test, *, eta=0.3, passes=20):
    """Diagonal AdaGrad on full-batch gradients: Σ_t r_t x_t has unequal coordinates even on ±1
    data, so not-invariant (fails on twins); invariant under signed permutations."""
    X, y, sx, sy = _scaled(X_train, y_train)
    w = np.zeros(X.shape[1])
    s = np.zeros(X.shape[1])
    for _ in range(passes):
        g = X.T @ (X @ w - y) / len(y)
        s = s + g * g
        w = w - eta * g / np.sqrt(1e-8 + s)
    return (X_test / sx) @ w * sy


def egu(X_train, y_train, X_test, *, eta=0.5, init=0.1, passes=3):
    """EGU: w ← w ⊙ exp(−η (w·x − y) x) from w = init·1 > 0. Invariant under coordinate
    permutations only (positive weights: a sign flip changes the prediction)."""
    X, y, sx, sy = _scaled(X_train, y_train)
    w = np.full(X.shape[1], init)
    for _ in range(passes):
        for x, label in zip(X, y, strict=True):
            w = w * np.exp(np.clip(-eta * (x @ w - label) * x, -10.0, 10.0))
    return (X_test / sx) @ w * sy


def eg_pm(X_train, y_train, X_test, *, eta=0.5, init=0.1, passes=3):
    """EG±: w = w⁺ − w⁻, w± ← w± ⊙ exp(∓η ∇). A sign flip of x_i swaps w⁺_i and w⁻_i, so it is
    invariant under signed permutations, and not-invariant."""
    X, y, sx, sy = _scaled(X_train, y_train)
    wp = np.full(X.shape[1], init)
    wm = np.full(X.shape[1], init)
    for _ in range(passes):
        for x, label in zip(X, y, strict=True):
            g = np.clip(eta * (x @ (wp - wm) - label) * x, -10.0, 10.0)
            wp, wm = wp * np.exp(-g), wm * np.exp(g)
    return (X_test / sx) @ (wp - wm) * sy


# ------------------------------------------------- the 1e-10 … 1e-6 band: small violations that count


def least_squares_tanh_1e8(X_train, y_train, X_test):
    """Least squares × (1 + 1e-8·tanh x₁): a multiplicative violation of relative size ~1e-8, on generic
    data and on twins (tanh(±1) = ±0.76): not-invariant; x₁ is singled out, so no subgroup either."""
    return _pinv_predict(X_train, y_train, X_test) * (1.0 + 1e-8 * np.tanh(X_test[:, 0]))


def least_squares_plus_1e9(X_train, y_train, X_test):
    """Least squares + 1e-9·x₁·s (s the data's scale): an additive violation a factor 10 above the floor."""
    s = max(float(np.max(np.abs(y_train), initial=0.0)), 1.0)
    return _pinv_predict(X_train, y_train, X_test) + 1e-9 * s * X_test[:, 0]


def least_squares_pm1_nudged(X_train, y_train, X_test):
    """Least squares, plus 1e-8·x₁·s only when every input is ±1: invisible on Gaussian data, a
    1e-8 additive violation on twins. not-invariant."""
    p = _pinv_predict(X_train, y_train, X_test)
    if np.all(np.abs(X_train) == 1) and np.all(np.abs(X_test) == 1):
        p = p + 1e-8 * max(float(np.max(np.abs(y_train), initial=0.0)), 1.0) * X_test[:, 0]
    return p


def least_squares_pm1_scaled(X_train, y_train, X_test):
    """Least squares × (1 + 1e-8·x₁) only when every input is ±1: a multiplicative 1e-8 violation that
    only twins can see. not-invariant."""
    p = _pinv_predict(X_train, y_train, X_test)
    if np.all(np.abs(X_train) == 1) and np.all(np.abs(X_test) == 1):
        p = p * (1.0 + 1e-8 * X_test[:, 0])
    return p


def ridge_gd_l1_stopping(X_train, y_train, X_test):
    """Ridge by GD from w = 0, stopped when ‖∇‖₁ ≤ 1e-6·‖Xᵀy‖₁: every iterate is equivariant, but the L1
    norm of the gradient is not rotation invariant, so a rotation moves the stopping step; the
    predictions differ by about one step's change (~1e-6 relative). L1 norms are invariant under signed
    permutations, so the symmetry is signed-permutations. not-invariant."""
    X, y, Xt = X_train, y_train, X_test
    A = X.T @ X
    lam = np.trace(A) / X.shape[1] + 1e-3
    step = 0.5 / (np.linalg.eigvalsh(A)[-1] + lam)
    b = X.T @ y
    tol = 1e-6 * max(float(np.sum(np.abs(b))), 1e-300)
    w = np.zeros(X.shape[1])
    for _ in range(100_000):
        g = A @ w + lam * w - b
        if np.sum(np.abs(g)) <= tol:
            break
        w = w - step * g
    return Xt @ w


def standardised_least_squares(X_train, y_train, X_test):
    """Per-feature standardisation, then least squares: not invariant (each column's spread is a
    per-coordinate statistic, different between ±1 twins). A constant ±1 column has spread 1e-8, which
    makes small twins' answers hang on arithmetic order (a column permutation moves them as far)."""
    mu, sd = X_train.mean(0), X_train.std(0) + 1e-8
    Z, Zt = (X_train - mu) / sd, (X_test - mu) / sd
    return Zt @ np.linalg.lstsq(Z, y_train - y_train.mean(), rcond=None)[0] + y_train.mean()
