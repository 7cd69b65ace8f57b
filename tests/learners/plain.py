"""A module with plain learner functions only (no registration)."""

from __future__ import annotations

import numpy as np


def mean_predictor(X_train, y_train, X_test):
    return np.full(len(X_test), float(np.mean(y_train)))


def ridge(X_train, y_train, X_test, lam=1.0):
    d = X_train.shape[1]
    return X_test @ np.linalg.solve(X_train.T @ X_train + lam * np.eye(d), X_train.T @ y_train)


def helper(x):
    """Not a learner: one parameter."""
    return x


def _private(X_train, y_train, X_test):
    return np.zeros(len(X_test))
