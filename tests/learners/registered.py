"""A module that registers learners with ``@invariance.learner`` (and defines one plain helper)."""

from __future__ import annotations

import numpy as np

import invariance


@invariance.learner("invariant", reason="w = X⁺y depends on the data through inner products only")
def min_norm(X_train, y_train, X_test):
    return X_test @ (np.linalg.pinv(X_train) @ y_train)


@invariance.learner("not-invariant", reason="reads the first coordinate", name="first-coordinate")
def first_coordinate(X_train, y_train, X_test):
    return X_test[:, 0] * float(np.mean(y_train))


def unregistered(X_train, y_train, X_test):
    """Not registered: a module that registers learners yields only those."""
    return np.zeros(len(X_test))


NOT_A_LEARNER = 3


class Estimator:
    """A class that is not a learner."""
