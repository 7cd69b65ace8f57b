"""Learners for tests/core/test_evidence_first.py: the paper's multiplicative updates with a fixed step (they
overflow on some inputs and violate invariance on others), norm-only and sign-of-residual updates that
are invariant in exact arithmetic but jump at an exact fit, coordinate controls, and learners that do
not learn."""

from __future__ import annotations

import numpy as np


def egu_fixed_step(X, y, Xt, eta=0.5, passes=3):
    """EGU, w ← w·exp(−2η x (x·w − y)), w₀ = 1/d, weights capped at 1e300: not invariant (a per-coordinate
    multiplicative rule); overflows to NaN on some inputs."""
    w = np.ones(X.shape[1]) / X.shape[1]
    with np.errstate(all="ignore"):
        for _ in range(passes):
            for x, t in zip(X, y, strict=True):
                w = np.minimum(w * np.exp(-2 * eta * x * (x @ w - t)), 1e300)
    return Xt @ w


def feature_scaled_gd(X, y, Xt, eta=0.5, passes=3):
    """w ← w − η w (x·w − y) x, w₀ = 1/d (GD on the spindly reparameterisation): not invariant; diverges on
    some inputs."""
    w = np.ones(X.shape[1]) / X.shape[1]
    with np.errstate(all="ignore"):
        for _ in range(passes):
            for x, t in zip(X, y, strict=True):
                w = w - eta * w * (x @ w - t) * x
    return Xt @ w


def nan_above_9(X, y, Xt):
    """Min-norm least squares, NaN whenever d ≥ 10: invariant where it answers, no verdict overall."""
    if X.shape[1] >= 10:
        return np.full(len(Xt), np.nan)
    return Xt @ (np.linalg.pinv(X) @ y)


def ls_nan_on_one_coordinate(X, y, Xt):
    """Least squares that returns NaN when the first test coordinate exceeds 2: its only difference under
    a rotation is one side diverging, so no verdict (never `invariant`)."""
    if np.any(Xt[:, 0] > 2.0):
        return np.full(len(Xt), np.nan)
    return Xt @ (np.linalg.pinv(X) @ y)


def normalised_gd(X, y, Xt, eta=0.3, passes=3):
    """w ← w − η g/‖g‖₂ with g = (x·w − y)x (no step when g = 0): norms only, invariant in exact arithmetic;
    at an exact fit g is 0 on one side and ~1e-17 on the other, and the normalisation makes that a step."""
    w = np.zeros(X.shape[1])
    for _ in range(passes):
        for x, t in zip(X, y, strict=True):
            g = (x @ w - t) * x
            n = np.linalg.norm(g)
            if n > 0:
                w = w - eta * g / n
    return Xt @ w


def sign_of_residual_gd(X, y, Xt, eta=0.3, passes=3):
    """w ← w − η sign(x·w − y) x: the step is ±x, invariant in exact arithmetic; sign(0) vs sign(1e-17) at an
    exact fit."""
    w = np.zeros(X.shape[1])
    for _ in range(passes):
        for x, t in zip(X, y, strict=True):
            w = w - eta * np.sign(x @ w - t) * x
    return Xt @ w


def sign_gd(X, y, Xt, eta=0.3, passes=3):
    """w ← w − η sign(g) entrywise, g = (x·w − y)x: signs per coordinate; on ±1 data sign(g) = sign(r)·x, so
    pm1-invariant."""
    w = np.zeros(X.shape[1])
    for _ in range(passes):
        for x, t in zip(X, y, strict=True):
            w = w - eta * np.sign((x @ w - t) * x)
    return Xt @ w


def constant(X, y, Xt):
    """Predicts 1 whatever it is trained on: does not learn."""
    return np.ones(len(Xt))


def test_norms(X, y, Xt):
    """‖x‖₂ of each test point: rotation invariant, but independent of the training data: does not learn."""
    return np.linalg.norm(Xt, axis=1)


def mean_label(X, y, Xt):
    """The mean training label: ignores every input, but depends on the training data: invariant."""
    return np.full(len(Xt), float(np.mean(y)))


def _bf16(a):
    """Round to bfloat16's 8 significant bits (by truncating a float32's low 16 bits)."""
    a32 = np.asarray(a, dtype=np.float32)
    return (a32.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32).astype(np.float64)


def ls_in_bfloat16(X, y, Xt):
    """Least squares whose predictions are rounded to bfloat16: invariant up to bfloat16 rounding."""
    return _bf16(Xt @ (np.linalg.pinv(X) @ y))


def ls_with_small_coordinate_term(X, y, Xt):
    """Least squares + 0.01·tanh(x₁), rounded to bfloat16: a structural violation of ~1e-2, inside the
    bfloat16 allowance 8·2⁻⁸·√max(d, n) ≥ 0.03, growing like θ with the angle."""
    return _bf16(Xt @ (np.linalg.pinv(X) @ y) + 0.01 * np.tanh(Xt[:, 0]))


def ridge_plus_integer_coordinate(X, y, Xt, c=0.05):
    """Ridge (λ = 0.1) plus c·x_test[0] whenever every input is an exact integer: invariant on generic data,
    a coordinate rule on ±1 twins (deviation 2c where x_test[0] flips)."""
    w = np.linalg.solve(X.T @ X + 0.1 * np.eye(X.shape[1]), X.T @ y)
    exact = np.all(X == np.round(X)) and np.all(Xt == np.round(Xt))  # noqa: SIM300 (X is a matrix, not a constant)
    return Xt @ w + (c * Xt[:, 0] if exact else 0.0)


def linf_normalised_gd(X, y, Xt, passes=3):
    """Online GD on g/‖g‖∞ with step 0.3/√t, labels scaled by max |y|: pm1-invariant (one ±1 example per
    step: g/‖g‖∞ = sign(r)·x); at an exact fit the residual that should be 0 is ±2e-16 by rounding, below a
    one-ulp jitter of the unscaled labels."""
    s = max(float(np.max(np.abs(y))), 1e-300) if len(y) else 1.0
    w, t = np.zeros(X.shape[1]), 0
    for _ in range(passes):
        for x, target in zip(X, y / s, strict=True):
            t += 1
            g = x * (x @ w - target)
            n = np.max(np.abs(g))
            if n > 0:
                w = w - (0.3 / np.sqrt(t)) * g / n
    return (Xt @ w) * s


def gd_step_one(X, y, Xt, passes=100):
    """Online GD with step 1 on raw inputs: invariant, diverges once ‖x‖² > 2; on its way to overflow its
    finite predictions reach 1e100 on one twin and 0 on the other."""
    w = np.zeros(X.shape[1])
    with np.errstate(all="ignore"):
        for _ in range(passes):
            for x, target in zip(X, y, strict=True):
                w = w - (x @ w - target) * x
    return Xt @ w
