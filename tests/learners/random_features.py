"""Random-feature regressions, randomised through their first layer: controls for the two-sample law test
(core/test_randomised.py, core/test_law_test.py)."""

from __future__ import annotations

import numpy as np


def features(X_train, y_train, X_test, W, b):
    F, Ft = np.cos(X_train @ W.T + b), np.cos(X_test @ W.T + b)
    return Ft @ np.linalg.solve(F.T @ F + 1e-3 * np.eye(len(b)), F.T @ y_train)


def rf_gaussian(X_train, y_train, X_test, *, rng):
    """cos(Wx + b) features, W ~ N(0, 1/d): W Uᵀ has the law of W."""
    d = X_train.shape[1]
    return features(X_train, y_train, X_test, rng.standard_normal((32, d)) / np.sqrt(d), rng.uniform(0, 2 * np.pi, 32))


def rf_rademacher(X_train, y_train, X_test, *, rng):
    """W with ±1/√d entries: only signed permutations preserve its law."""
    d = X_train.shape[1]
    return features(X_train, y_train, X_test, rng.choice((-1.0, 1.0), (32, d)) / np.sqrt(d),
                     rng.uniform(0, 2 * np.pi, 32))
