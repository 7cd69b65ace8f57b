"""The seeded sweep of larger problems that backs up a Hypothesis search that found nothing."""

from __future__ import annotations

import numpy as np

from invariance.data import rotations
from invariance.data.strategies import Case

__all__ = ["sweep_cases"]


def sweep_cases(seed: int, *, property_name: str = "orthogonal", max_d: int | None = None, min_n: int = 1,
                n_above_d: bool = False, outputs: int | None = None) -> list[Case]:
    """A seeded grid of larger problems (d up to 16, n = 1, d/2, d, 2d+3) with Haar and Givens U.

    It backs up a generic search that found nothing (the seeded sample, then Hypothesis when the sample
    found something): violations that need a larger d or n are not missed. Its cases are not shrunk.
    """
    rng = np.random.default_rng([seed, 0x5EEB])
    cases: list[Case] = []
    for d in (1, 2, 3, 4, 6, 8, 12, 16):
        if max_d is not None and d > max_d:
            continue
        low = max(min_n, d + 1 if n_above_d else 1)
        for n in sorted({max(low, k) for k in (1, max(1, d // 2), d, 2 * d + 3)}):
            m = 3
            X = rng.standard_normal((n + m, d))
            if rng.random() < 0.5:
                X = np.round(2 * X)  # small integers: ties and exact zeros
            y = rng.standard_normal(n if outputs is None else (n, outputs))
            Us = [("haar", rotations.haar(rng, d))]
            if d >= 2:
                i, j = sorted(rng.choice(d, 2, replace=False))
                Us.append(("givens", rotations.givens(d, int(i), int(j), float(rng.uniform(0.1, 3.0)))))
            for fam, U in Us:
                cases.append(
                    Case(property_name, X[:n], y, X[n:], U, X[:n] @ U.T, X[n:] @ U.T, fam, "sweep")
                )
    return cases
