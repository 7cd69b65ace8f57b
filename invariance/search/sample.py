"""The seeded NumPy sample: the bulk of every search, drawn without Hypothesis' per-example machinery.

A search first evaluates a seeded sample of cases drawn from the same distributions as the Hypothesis
strategies of :mod:`invariance.data.strategies` (the same sizes, data kinds, rotation families and
twin construction), at ~0.1 ms a case instead of ~2 ms. Hypothesis is kept for what it does best: once
the sample holds a violation, a Hypothesis search finds one again and shrinks it
(docs/design.md#rotations-and-data). Sizes are drawn uniformly here — every d the budget promises is
visited — with the small-number kinds (integers with zeros and ties, ±1, repeated rows) that make
degenerate data.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from invariance.data import rotations, twins
from invariance.data.strategies import DATA_KINDS, FAMILIES, OUTPUT_PROPERTIES, Case

__all__ = ["generic_sample", "output_sample", "twin_sample"]

_SMALL_INTS = np.array([0.0, 1, -1, 2, -2, 3, -3])
_SIMPLE_ANGLES = (math.pi / 2, math.pi / 4, math.pi / 3, math.pi / 6, 1.0, 0.5, 0.1, 2.5)
_FAMILIES_IN_R1 = ("reflection", "signed-permutation")


def _data(rng: np.random.Generator, kind: str, n: int, m: int, d: int, outputs: int | None = None):
    ys = n if outputs is None else (n, outputs)
    if kind == "integers":
        X = _SMALL_INTS[rng.integers(0, len(_SMALL_INTS), (n + m, d))]
        y = _SMALL_INTS[rng.integers(0, len(_SMALL_INTS), ys)]
        return X[:n], y, X[n:]
    if kind == "pm1":
        X = 1.0 - 2.0 * rng.integers(0, 2, (n + m, d))
        return X[:n], _SMALL_INTS[rng.integers(0, len(_SMALL_INTS), ys)], X[n:]
    if kind == "gaussian":
        X = rng.standard_normal((n + m, d)) * (1.0, 3.0, 0.1)[rng.integers(0, 3)]
    elif kind == "orthogonal-rows":
        X = rotations.haar(rng, max(d, n + m))[: n + m, :d] * np.sqrt(d)
    else:  # repeated-rows
        distinct = rng.standard_normal((max(1, (n + m) // 3), d))
        X = distinct[rng.integers(0, len(distinct), n + m)]
    return X[:n], rng.standard_normal(ys), X[n:]


def _orthogonal(rng: np.random.Generator, d: int, families: tuple[str, ...]) -> tuple[np.ndarray, str]:
    usable = [f for f in families if d >= 2 or f in _FAMILIES_IN_R1]
    family = usable[rng.integers(0, len(usable))]
    if family == "reflection":
        v = _SMALL_INTS[rng.integers(0, len(_SMALL_INTS), d)]
        return rotations.householder(v if v.any() else np.eye(d)[0]), family
    if family == "givens":
        i, j = list(itertools.combinations(range(d), 2))[rng.integers(0, d * (d - 1) // 2)]
        k = rng.integers(0, len(_SIMPLE_ANGLES) + 1)
        theta = _SIMPLE_ANGLES[k] if k < len(_SIMPLE_ANGLES) else rng.uniform(1e-3, 2 * math.pi - 1e-3)
        return rotations.givens(d, int(i), int(j), float(theta)), family
    if family in ("signed-permutation", "permutation"):
        perm = rng.permutation(d)
        signs = 1.0 - 2.0 * rng.integers(0, 2, d) if family == "signed-permutation" else np.ones(d)
        if np.array_equal(perm, np.arange(d)) and np.all(signs > 0):
            if d == 1 or family == "signed-permutation":
                signs = np.r_[-1.0, np.ones(d - 1)]
            else:
                perm = np.r_[1, 0, np.arange(2, d)]
        return rotations.signed_permutation(perm, signs), family
    if family == "givens-product":
        U = np.eye(d)
        for _ in range(rng.integers(2, 2 * d + 1)):
            i = int(rng.integers(0, d - 1))
            j = int(rng.integers(i + 1, d))
            U = rotations.givens(d, i, j, float(rng.uniform(1e-3, 2 * math.pi - 1e-3))) @ U
        return U, family
    return rotations.haar(rng, d), family


def generic_sample(seed: int, count: int, *, property_name: str = "orthogonal", max_d: int = 16, max_n: int = 24,
                   max_m: int = 4, min_n: int = 1, n_above_d: bool = False, families: tuple[str, ...] = FAMILIES,
                   kinds: tuple[str, ...] = DATA_KINDS, outputs: int | None = None) -> list[Case]:
    """``count`` cases of generic data and one orthogonal U each, seeded by (``seed``, ``property_name``):
    d uniform in [1, max_d] (from 2 when no family acts on R¹), n in [max(min_n, d + 1 if n_above_d), max_n],
    m in [1, max_m], the data kind and the rotation family uniform over ``kinds`` and ``families``."""
    rng = np.random.default_rng([seed, 0x5A4D, *property_name.encode()])
    low_d = 1 if any(f in _FAMILIES_IN_R1 for f in families) else 2
    out = []
    for _ in range(count):
        d = int(rng.integers(low_d, max_d + 1))
        low = max(min_n, d + 1 if n_above_d else 1)
        n = int(rng.integers(low, max(low, max_n) + 1))
        m = int(rng.integers(1, max_m + 1))
        kind = kinds[rng.integers(0, len(kinds))]
        X, y, Xt = _data(rng, kind, n, m, d, outputs)
        U, family = _orthogonal(rng, d, families)
        out.append(Case(property_name, X, y, Xt, U, X @ U.T, Xt @ U.T, family, kind))
    return out


def output_sample(seed: int, count: int, *, outputs: int, property_name: str = "output-orthogonal", max_d: int = 16,
                  max_n: int = 24, max_m: int = 4, min_n: int = 1, n_above_d: bool = False,
                  kinds: tuple[str, ...] = DATA_KINDS) -> list[Case]:
    """``count`` cases like :func:`invariance.data.strategies.output_cases`: generic data, targets of
    ``outputs`` columns and an orthogonal map V of them from the property's families."""
    rng = np.random.default_rng([seed, 0x0E7, *property_name.encode()])
    out = []
    for _ in range(count):
        d = int(rng.integers(1, max_d + 1))
        low = max(min_n, d + 1 if n_above_d else 1)
        n = int(rng.integers(low, max(low, max_n) + 1))
        m = int(rng.integers(1, max_m + 1))
        kind = kinds[rng.integers(0, len(kinds))]
        X, y, Xt = _data(rng, kind, n, m, d, outputs)
        V, family = _orthogonal(rng, outputs, OUTPUT_PROPERTIES[property_name])
        out.append(Case(property_name, X, y, Xt, np.eye(d), X, Xt, family, kind, y_train_t=y @ V.T, V=V))
    return out


def twin_sample(seed: int, count: int, *, max_extra_d: int = 8, max_rows: int = 24, max_m: int = 4,
                max_d: int | None = None, min_n: int = 1, n_above_d: bool = False,
                outputs: int | None = None) -> list[Case]:
    """``count`` ±1 Gram twins built like :func:`invariance.data.strategies.twin_cases` (k ∈ {4, 8, 16}
    switched columns, up to ``max_extra_d`` free ones, 4–``max_rows`` rows), never a signed column
    permutation of each other."""
    rng = np.random.default_rng([seed, 0x7A1E])
    top = 10**9 if max_d is None else max_d
    ks = [k for k in (4, 8, 16) if k <= top]
    out: list[Case] = []
    while len(out) < count:
        k = ks[rng.integers(0, len(ks))]
        d = k + int(rng.integers(0, min(max_extra_d, top - k) + 1))
        low_n = max(min_n, d + 1 if n_above_d else 1)
        low = max(4, low_n + 1)
        rows = int(rng.integers(low, max(low, max_rows) + 1))
        m = int(rng.integers(1, min(max_m, rows - low_n) + 1))
        n = rows - m
        columns = rng.permutation(d)[:k] if d > k and rng.random() < 0.5 else np.arange(k)
        classes = rng.integers(0, k, rows)
        signs = 1.0 - 2.0 * rng.integers(0, 2, rows)
        flip = int(classes[rng.integers(0, rows)])
        free = 1.0 - 2.0 * rng.integers(0, 2, (rows, d))
        Z, Z2 = twins.switch(free, columns, classes, signs, flip)
        if twins.is_signed_column_permutation(Z, Z2):
            continue
        # a quarter of the twins get y = 0, the simplest labels (where Hypothesis' shrinking ends): a learner
        # that fits them exactly predicts 0 on both twins, so any term it adds stands alone
        ys = n if outputs is None else (n, outputs)
        y = np.zeros(ys) if rng.random() < 0.25 else _SMALL_INTS[rng.integers(0, len(_SMALL_INTS), ys)]
        notes = {"k": k, "switched_columns": sorted(np.asarray(columns).tolist()),
                 "flipped_rows": np.flatnonzero(classes == flip).tolist()}
        out.append(Case("pm1", Z[:n], y, Z[n:], rotations.procrustes(Z, Z2), Z2[:n], Z2[n:], "gram-twin", "pm1", notes))
    return out
