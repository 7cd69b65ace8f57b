"""Learners that misbehave: each must get a diagnosis (or a warning), never a silent verdict."""

from __future__ import annotations

import time

import numpy as np


def _ls(X, y, Xt):
    return Xt @ (np.linalg.pinv(X) @ y)


def raises_always(X_train, y_train, X_test):
    raise ValueError("this learner always fails")


def unseeded_random(X_train, y_train, X_test):
    """Random without taking ``rng``: identical calls differ."""
    return _ls(X_train, y_train, X_test) + np.random.default_rng().standard_normal(len(X_test))


def returns_nan(X_train, y_train, X_test):
    return np.full(len(X_test), np.nan)


def wrong_shape(X_train, y_train, X_test):
    return np.zeros(len(X_test) + 1)


def hangs(X_train, y_train, X_test):
    while True:
        time.sleep(0.01)


def mutates_inputs(X_train, y_train, X_test):
    """Least squares that scribbles over its inputs afterwards (invariant nonetheless)."""
    out = _ls(X_train, y_train, X_test)
    X_train *= 2.0
    y_train[:] = 0.0
    X_test[:] = 0.0
    return out


def refuses_d1(X_train, y_train, X_test):
    """Least squares that refuses one-dimensional inputs (on both sides alike)."""
    if X_train.shape[1] == 1:
        raise ValueError("needs at least two features")
    return _ls(X_train, y_train, X_test)


def refuses_d1_adagrad(X_train, y_train, X_test):
    """Diagonal AdaGrad that refuses one-dimensional inputs: still pm1-invariant."""
    from learners.controls import adagrad_diag

    if X_train.shape[1] == 1:
        raise ValueError("needs at least two features")
    return adagrad_diag(X_train, y_train, X_test)


def raises_on_negative_corner(X_train, y_train, X_test):
    """Least squares that raises when X_train[0, 0] < −2: a rotation can make one side raise.

    (The checker's probe inputs for seed 0 have X_train[0, 0] = −1.74 and 0.46, so the probe passes.)
    """
    if X_train[0, 0] < -2.0:
        raise ArithmeticError("negative corner")
    return _ls(X_train, y_train, X_test)


def refuses_n_below_d_plus_1(X_train, y_train, X_test):
    """Least squares that insists on n ≥ d + 1 rows: refuses the n = 6, d = 8 probe, answers the other."""
    if X_train.shape[0] < X_train.shape[1] + 1:
        raise ValueError(f"need at least d + 1 = {X_train.shape[1] + 1} rows, got {X_train.shape[0]}")
    return _ls(X_train, y_train, X_test)


def needs_positive_labels(X_train, y_train, X_test):
    """Ridge on log y, like a GLM with a log link: refuses y ≤ 0 (as PoissonRegressor and GammaRegressor
    do), rotation invariant otherwise."""
    if np.any(y_train <= 0):
        raise ValueError("Some value(s) of y are out of the valid range")
    n = X_train.shape[0]
    alpha = np.linalg.solve(X_train @ X_train.T + 0.1 * np.eye(n), np.log(y_train))
    return np.exp(X_test @ X_train.T @ alpha)
