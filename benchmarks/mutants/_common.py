"""Shared plumbing for the mutant benchmark: input scaling, the overshoot guard, and the registry of
true verdicts.

Nothing here decides a verdict. ``prep(..., "norm")`` divides inputs by ``max_t ‖x_t‖₂`` (rotation
invariant), ``prep(..., "entry")`` by ``max_{t,i} |x_ti|`` (1 on ±1 data), labels by ``max |y|``.
``guard`` shortens a step that would carry this example's prediction past its label; it reads only
``x·step`` and the residual, so it is invariant whenever the step is equivariant (and on ±1 data
whenever the step is a Gram-determined combination of inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invariance import learner as _declare

INV, PM1, NOT = "invariant", "pm1-invariant", "not-invariant"


@dataclass(frozen=True)
class Truth:
    name: str
    verdict: str
    original: str | None  # None: this is an original (unmutated) learner
    kind: str | None  # the mutation kind (see KINDS in run.py)
    module: str  # file stem, for the TARGET string


#: every learner of the benchmark by name, in definition order
CATALOGUE: dict[str, Truth] = {}


def truth(verdict: str, *, original: str | None = None, kind: str | None = None, precision: str | None = None):
    """Record ``fn``'s true verdict (derived in its docstring) and declare it to invcheck as well, so
    that ``invcheck benchmarks/mutants/mutants_gd.py`` reports a match per learner. ``precision``
    (e.g. "float32") is passed on to the declaration: the arithmetic the verdict holds at, for a
    learner whose reduced precision the checker cannot see from its inputs."""
    assert verdict in (INV, PM1, NOT), verdict

    def register(fn):
        doc = (fn.__doc__ or "").strip().splitlines()
        reason = doc[0] if doc else verdict
        fn = _declare(verdict, reason=reason, **({"precision": precision} if precision else {}))(fn)
        fn.true_verdict = verdict
        fn.original = original
        fn.mutation_kind = kind
        stem = fn.__module__.rsplit(".", 1)[-1].removeprefix("invcheck_user_")
        CATALOGUE[fn.__name__] = Truth(fn.__name__, verdict, original, kind, stem)
        return fn

    return register


def prep(X_train, y_train, X_test, scale: str = "norm", dtype=np.float64):
    """Fresh scaled copies ``(X, y, Xt, out)``: train on X, y; predict ``(Xt @ w) * out``.

    With ``dtype=np.float32`` the inputs are cast to float32 first, as a learner that casts its
    arguments on entry would (so it sees only float32-rounded inputs), then scaled and cast again.
    """
    X = np.array(np.asarray(X_train, dtype=dtype), dtype=np.float64)
    y = np.array(np.asarray(y_train, dtype=dtype), dtype=np.float64).reshape(-1)
    Xt = np.array(np.asarray(X_test, dtype=dtype), dtype=np.float64)
    if scale == "norm":
        sx = float(np.sqrt(np.max(np.einsum("ij,ij->i", X, X)))) if X.size else 0.0
    elif scale == "entry":
        sx = float(np.max(np.abs(X))) if X.size else 0.0
    else:
        raise ValueError(scale)
    sx = sx if sx > 0.0 else 1.0
    sy = float(np.max(np.abs(y))) if y.size else 0.0
    sy = sy if sy > 0.0 else 1.0
    return (X / sx).astype(dtype), (y / sy).astype(dtype), (Xt / sx).astype(dtype), sy


def guard(r: float, x: np.ndarray, step: np.ndarray) -> np.ndarray:
    """``step`` shortened so that the prediction on ``x`` (residual ``r = x·w − y``) stops at the label."""
    delta = float(x @ step)
    if r * delta < 0.0 and abs(r) < abs(delta):
        return step * (-r / delta)
    return step


def batch_guard(r: np.ndarray, Xb: np.ndarray, step: np.ndarray) -> np.ndarray:
    """``step`` shortened to the minimum of the batch's square loss along it (residuals ``r``)."""
    delta = Xb @ step
    rd, dd = float(r @ delta), float(delta @ delta)
    if rd < 0.0 and -rd < dd:
        return step * (-rd / dd)
    return step


def stable_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A⁻¹b`` for a symmetric positive (semi)definite ``A``; least squares if it is singular."""
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(A, b, rcond=None)[0]
