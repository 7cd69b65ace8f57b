"""The greedy clean-up after Hypothesis' shrinking: drop columns U leaves alone, then rows.

Hypothesis' shrinker can stall on a large d because shrinking d re-aligns every later draw; this pass
cannot enlarge anything, and keeps a step only while the violation persists.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from invariance.data import rotations
from invariance.data.strategies import Case
from invariance.data.twins import is_signed_column_permutation
from invariance.search.run import Outcome, PropertyRun

__all__ = ["post_shrink", "shrink_non_finite"]


def _without(case: Case, *, col: int | None = None, train_row: int | None = None,
             test_row: int | None = None) -> Case | None:
    """``case`` with one column (where U acts trivially on it) or one row removed; None if not allowed."""
    X, Xt, Xs, Xts, U, y = case.X_train, case.X_test, case.X_train_t, case.X_test_t, case.U, case.y_train
    if col is not None:
        if case.family == "gram-twin" or case.d == 1:
            return None
        e = np.eye(case.d)[col]
        if not (np.array_equal(U[col], e) and np.array_equal(U[:, col], e)):
            return None
        keep = np.arange(case.d) != col
        return replace(case, X_train=X[:, keep], X_test=Xt[:, keep], X_train_t=Xs[:, keep], X_test_t=Xts[:, keep],
                       U=U[np.ix_(keep, keep)])
    if train_row is not None:
        if case.n == 1:
            return None
        keep = np.arange(case.n) != train_row
        new = replace(case, X_train=X[keep], y_train=y[keep], X_train_t=Xs[keep],
                      y_train_t=None if case.y_train_t is None else case.y_train_t[keep])
    else:
        if case.m == 1:
            return None
        keep = np.arange(case.m) != test_row
        new = replace(case, X_test=Xt[keep], X_test_t=Xts[keep])
    if case.family == "gram-twin":
        Z = np.vstack([new.X_train, new.X_test])
        Z2 = np.vstack([new.X_train_t, new.X_test_t])
        if is_signed_column_permutation(Z, Z2):
            return None
        new = replace(new, U=rotations.procrustes(Z, Z2))
    return new


def post_shrink(run: PropertyRun, outcome: Outcome, *, max_rounds: int = 3, keep=None) -> Outcome:
    """Drop columns U leaves alone, training rows and test rows while the violation persists (and
    ``keep(outcome)`` holds, when given: the strongest counterexample shrinks only while it stays strong).
    Hypothesis' shrinker can stall on a large d because shrinking d re-aligns every later draw; this pass
    cannot enlarge anything."""
    best = outcome
    for _ in range(max_rounds):
        improved = False
        for kind in ("col", "train_row", "test_row"):
            size = {"col": best.case.d, "train_row": best.case.n, "test_row": best.case.m}[kind]
            for idx in reversed(range(size)):
                smaller = _without(best.case, **{kind: idx})
                if smaller is None:
                    continue
                if (run.evaluate(smaller) and run.last is not None and run.last.case is smaller
                        and (keep is None or keep(run.last))):
                    best, improved = run.last, True
        if not improved:
            break
    run.last = best
    return best




def shrink_non_finite(caller, case: Case, max_rounds: int = 3) -> tuple[int, int, int]:
    """The smallest (d, n, m) the greedy pass reaches from ``case`` while the learner still returns NaN/inf
    on one of its sides: drop a column, a training row or a test row, keeping each removal while the
    predictions stay non-finite (a learner refusing the smaller input ends that removal)."""
    from invariance.probe.call import CallError
    from invariance.verdict import Diagnosis

    def diverges(X, y, Xt) -> bool:
        try:
            caller.predict(X, y, Xt)
        except CallError as exc:
            return exc.kind is Diagnosis.NON_FINITE
        return False

    sides = ((case.X_train, case.y_train, case.X_test), (case.X_train_t, case.y_t, case.X_test_t))
    start = next((s for s in sides if diverges(*s)), None)
    if start is None:
        return case.d, case.n, case.m
    X, y, Xt = start
    for _ in range(max_rounds):
        improved = False
        for axis in ("col", "train", "test"):
            size = {"col": X.shape[1], "train": X.shape[0], "test": Xt.shape[0]}[axis]
            for i in reversed(range(size)):
                if size <= 1:
                    break
                if axis == "col":
                    keep = np.arange(X.shape[1]) != i
                    cand = (X[:, keep], y, Xt[:, keep])
                elif axis == "train":
                    keep = np.arange(X.shape[0]) != i
                    cand = (X[keep], y[keep], Xt)
                else:
                    keep = np.arange(Xt.shape[0]) != i
                    cand = (X, y, Xt[keep])
                if diverges(*cand):
                    X, y, Xt = cand
                    size -= 1
                    improved = True
        if not improved:
            break
    return X.shape[1], X.shape[0], Xt.shape[0]
