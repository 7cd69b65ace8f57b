"""Fits in stacks for a learner declared ``@learner(..., batched=True)`` (docs/design.md#batched-fits).

Such a learner takes, besides one problem ``(n, d), (n,), (m, d) -> (m,)``, a stack of problems of one
shape ``(B, n, d), (B, n), (B, m, d) -> (B, m)`` (with H outputs, labels ``(B, n, H)`` and predictions
``(B, m, H)``). The checker groups the problems it fits ahead by shape, calls the learner once per group,
and hands each call its own slice.

A declaration is a claim, so it is measured once per learner, as for torch optimizers: a probe group of
mixed shapes, two or three problems of each, is fitted in stacks and one by one, and the learner is fitted
in stacks only when every prediction agrees bit for bit. Otherwise it runs one by one and its result says
why (``fits``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from invariance.errors import one_line

__all__ = ["PROBE_SHAPES", "forced_one_by_one", "gap", "stacked", "stacking"]

Problem = tuple[np.ndarray, np.ndarray, np.ndarray]

#: (B, n, d, scale) of the probe group: up to 4 problems per shape (a stack of one shows nothing, and a
#: learner may fit small stacks one by one), one example alone, 25 steps, ×10 scales; three test rows each
PROBE_SHAPES = ((4, 5, 3, 1.0), (4, 2, 6, 1.0), (4, 7, 2, 10.0), (2, 1, 5, 1.0), (4, 25, 2, 1.0), (1, 4, 4, 1.0))


def stacked(fn: Callable) -> Callable[..., list]:
    """``batch(problems, rngs) -> [predictions, …]`` (:attr:`Learner.batch`) for a stack-taking ``fn``:
    one call per shape, in the order the problems came."""

    def batch(problems: Sequence[Problem], rngs: Sequence[Any] | None = None) -> list:
        groups: dict[tuple, list[int]] = {}
        for i, (X, y, Xt) in enumerate(problems):
            groups.setdefault((np.shape(X), np.shape(y), np.shape(Xt)), []).append(i)
        out: list[Any] = [None] * len(problems)
        for idx in groups.values():
            stack = [np.stack([problems[i][k] for i in idx]) for k in range(3)]
            preds = np.asarray(fn(*stack))
            if preds.shape[:1] != (len(idx),):
                raise ValueError(f"a stack of {len(idx)} problems gave predictions of shape {preds.shape}")
            for j, i in enumerate(idx):
                out[i] = preds[j]
        return out

    return batch


def _probe_group(outputs: int | None) -> list[Problem]:
    rng = np.random.default_rng(0x57AC)
    out = []
    for b, n, d, scale in PROBE_SHAPES:
        for _ in range(b):
            ys = n if outputs is None else (n, outputs)
            X, y = scale * rng.standard_normal((n, d)), scale * rng.integers(-3, 4, ys).astype(np.float64)
            out.append((X, y, rng.standard_normal((3, d))))
    return out


def forced_one_by_one() -> dict[str, Any] | None:
    """``batch`` and ``batch_note`` of every learner while ``INVCHECK_BATCH=0`` (benchmarks/bench_batched.py:
    the one-by-one path), else None; asked before any batch probe runs, torch's included."""
    if os.environ.get("INVCHECK_BATCH", "1") == "0":
        return {"batch": None, "batch_note": "one by one: INVCHECK_BATCH=0"}
    return None


def stacking(fn: Callable, outputs: int | None = None) -> dict[str, Any]:
    """``batch`` and ``batch_note`` of a learner declared ``batched=True``: its stacks where the probe group
    gives the one-by-one predictions bit for bit, else None and why."""
    forced = forced_one_by_one()
    if forced is not None:
        return forced
    group = _probe_group(outputs)
    batch = stacked(fn)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            alone = [np.asarray(fn(X, y, Xt), dtype=np.float64) for X, y, Xt in group]
        except Exception as exc:  # noqa: BLE001 - the checks will diagnose it on their own inputs
            return {"batch": None, "batch_note": f"one by one: its own runs raise on the probe group ({one_line(exc)})"}
        try:
            together = [np.asarray(p, dtype=np.float64) for p in batch(group)]
        except Exception as exc:  # noqa: BLE001 - a declaration that does not hold: do not stack
            return {"batch": None, "batch_note": f"one by one, although declared batched=True: a stack raised "
                                                 f"{one_line(exc)}"}
    if not all(np.all(np.isfinite(a)) for a in alone):
        return {"batch": None, "batch_note": "one by one: its own runs diverge on the probe group (NaN/inf), "
                                             "which then shows nothing about stacks"}
    worst = max(gap(a, b) for a, b in zip(alone, together, strict=True))
    if worst != 0.0:
        return {"batch": None, "batch_note": f"one by one, although declared batched=True: its stacks and its "
                                             f"own runs differ by up to {worst:.1e} on the probe group"}
    return {"batch": batch, "batch_note": f"batched: declared batched=True, and {len(group)} problems of "
                                          f"{len(PROBE_SHAPES)} shapes fitted in stacks give the one-by-one "
                                          "predictions bit for bit"}


def gap(a: np.ndarray, b: np.ndarray) -> float:
    """The largest absolute difference of two predictions: 0 when equal bit for bit (NaN where both are NaN),
    inf for different shapes or a NaN on one side only."""
    if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
        return float("inf")  # a NaN on one side only is no agreement
    if np.array_equal(a, b, equal_nan=True):
        return 0.0
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
    return float(np.nanmax(d)) if np.isfinite(d).any() else float("inf")
