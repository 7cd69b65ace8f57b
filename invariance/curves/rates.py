"""Rates read off measured curves of the follow-up problems: how the excess risk scales with n and d.

The claims of the follow-up papers are rates. On ``noisy``: least squares' σ²d/(n − d − 1) against
the sparse learners' σ²·log d / n. On ``logistic``: a rotation-invariant learner's excess risk is
Ω((d − 1)/n) (Ghosh, Yu, Warmuth & Bartlett, ICML 2026) while GD on u⊙v reaches O(s·log d / n). A rate in n
is read as ``n × excess`` over the tail n ∈ [2d, 4d] (flat when the excess falls like 1/n); its growth in d as
the least-squares slope of log(n × excess) against log d over the measured dimensions — beside the same slope
of the two rates' d-factors, (d − 1) and s·log d, over the same dimensions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from invariance.curves.experiment import Curves

__all__ = ["TAIL", "n_excess", "log_slope", "rate_slopes", "ratio_to_reference"]

TAIL = (2, 4)  # n ∈ [2d, 4d]


def n_excess(curves: Curves, tail: tuple[int, int] = TAIL) -> np.ndarray:
    """Per learner, the mean over the measured n ∈ [tail₀·d, tail₁·d] of n × (mean excess risk at n)."""
    ks = np.asarray(curves.ks)
    keep = (ks >= tail[0] * curves.d) & (ks <= tail[1] * curves.d)
    if not keep.any():
        return np.full(len(curves.targets), np.nan)
    return (curves.mean()[:, keep] * ks[keep]).mean(axis=1)


def log_slope(ds: Sequence[float], values: Sequence[float]) -> float | None:
    """The least-squares slope of log(values) against log(ds); None with < 2 positive finite points."""
    x, y = np.log(np.asarray(ds, dtype=float)), np.asarray(values, dtype=float)
    ok = np.isfinite(y) & (y > 0)
    if ok.sum() < 2:
        return None
    return float(np.polyfit(x[ok], np.log(y[ok]), 1)[0])


def rate_slopes(ds: Sequence[int], s: int, problem: str = "logistic") -> dict[str, float | None]:
    """The slopes in log d, over ``ds``, of the d-factor of n × each rate on n ∈ [2d, 4d]: on
    ``logistic`` (d − 1) and s·log d; on ``noisy`` least squares' σ²d/(n − d − 1) (n × it averaged over
    the tail, ≈ 1.6·d) and the sparse σ²·log d / n."""
    if problem == "noisy":
        tail = [sum(n * d / (n - d - 1) for n in range(TAIL[0] * d, TAIL[1] * d + 1)) / ((TAIL[1] - TAIL[0]) * d + 1)
                for d in ds]
        return {"σ²d/(n − d − 1)": log_slope(ds, tail), "σ²·log d / n": log_slope(ds, [math.log(d) for d in ds])}
    return {
        "(d − 1)/n": log_slope(ds, [d - 1 for d in ds]),
        "s·log d / n": log_slope(ds, [s * math.log(d) for d in ds]),
    }


def ratio_to_reference(curves: Curves, from_n: float = 1.5) -> np.ndarray:
    """Per learner, the mean over measured n ≥ from_n·d (where the reference is defined) of
    measured ÷ reference: 1 for least squares on ``noisy``."""
    ks = np.asarray(curves.ks)
    ref = curves.bound
    keep = (ks >= from_n * curves.d) & np.isfinite(ref) & (ref > 0)
    if not keep.any():
        return np.full(len(curves.targets), np.nan)
    return (curves.mean()[:, keep] / ref[keep]).mean(axis=1)
