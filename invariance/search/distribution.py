"""Randomised learners (docs/design.md#randomised-learners): compare prediction *distributions* with a two-sample test.

For fixed seeded problems (generic Gaussian data rotated by the maps farthest from a signed
permutation, and three ±1 Gram twins: :func:`distribution_cases`) the learner is run ``samples``
times on each side with independent seeds; each test point's two samples are
compared with the two-sample Kolmogorov–Smirnov test, and the smallest p-value is Bonferroni-adjusted
over all test points of the property — a sequential test with three looks (:func:`test_property`),
judged by :func:`invariance.judge.law_outcome` and :func:`invariance.judge.law_verdict`. An invariant law
faces two tests at level α each: a false alarm has probability ≤ 2α.

Rounding is not a violation here either (docs/design.md#tolerance). A learner whose randomness is discrete (a
shuffling order, a tie-breaking feature order) predicts from a few atoms; rotating the data moves each
atom by rounding, and KS, which sees every distinct value as distinct, would read that ~1e-16 shift as a
different law (SGDRegressor, per-seed invariant, was rejected at p ≈ 1e-5). So before the test, pooled
predictions closer than the learner's own rounding sensitivity (measured per case with the probes of
:mod:`invariance.probe.noise`, on the first seeds of each side) are merged into one value.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from invariance.data import rotations, twins
from invariance.data.strategies import Case
from invariance.judge import threshold
from invariance.probe.call import TINY, Caller, CallError
from invariance.probe.noise import probe_noise
from invariance.verdict import Diagnosis, LawOutcome

__all__ = ["LOOKS", "LawTest", "detectable_ks", "distribution_cases", "merge_ties", "test_property"]


#: the rotations of the d = 2 and d = 4 cases: each maps every coordinate axis onto a diagonal, as far
#: from every signed permutation as an orthogonal map gets, so a law that is only cube-symmetric (i.i.d.
#: uniform or Rademacher first-layer entries) changes the most under them (benchmarks/power_uniform_init.py)
_C = np.sqrt(0.5)
FARTHEST_FROM_CUBE = {
    2: np.array([[_C, -_C], [_C, _C]]),
    4: np.array([[1.0, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]) / 2.0,
}


#: the ±1 twins (rows, k switched columns, d, flipped class), two test rows each. Every column is a
#: switched one (d = k): free ±1 columns only dilute the difference. MLPRegressor (Glorot-uniform W₁,
#: full-batch Adam), 200 seeds per side, data seeds 0 and 1: adjusted p = 1.3e-16 and 1.5e-9 with these;
#: 0.67 and 0.53 with the earlier (6, 4, 6), (10, 4, 7), (12, 8, 10), which had 2–3 free columns
TWIN_DESIGNS = ((6, 4, 4, 0), (8, 4, 4, 1), (12, 8, 8, 3))


def distribution_cases(seed: int, outputs: int | None = None) -> dict[str, list[Case]]:
    """Fixed seeded problems: Gaussian (n, d) = (6, 4), (3, 6), (8, 2) with two test points each — U the
    rotation by 45° (d = 2), the normalised Hadamard matrix (d = 4), Haar-random (d = 6) — and the
    three ±1 twins of ``TWIN_DESIGNS`` (6, 8 and 12 rows)."""
    rng = np.random.default_rng([seed, 0xD157])
    orth = []
    for n, d, m in ((6, 4, 2), (3, 6, 2), (8, 2, 2)):
        X = rng.standard_normal((n + m, d))
        y = rng.standard_normal(n if outputs is None else (n, outputs))
        U = rotations.haar(rng, d)  # drawn for every d, so that the data do not depend on which U is used
        family = "haar"
        if d in FARTHEST_FROM_CUBE:
            U, family = FARTHEST_FROM_CUBE[d], "farthest-from-cube"
        orth.append(Case("orthogonal", X[:n], y, X[n:], U, X[:n] @ U.T, X[n:] @ U.T, family, "gaussian"))
    # three fixed non-trivial twins: a single 6-row twin let RandomForestRegressor pass as pm1-invariant
    rng = np.random.default_rng([seed, 0x7311])
    pm1 = []
    for rows, k, d, flip in TWIN_DESIGNS:
        classes = np.arange(rows) % k
        Z, Z2 = twins.switch(1.0 - 2.0 * rng.integers(0, 2, (rows, d)), np.arange(k), classes,
                             1.0 - 2.0 * rng.integers(0, 2, rows), flip)
        U = rotations.procrustes(Z, Z2)
        y = rng.integers(-2, 3, rows - 2 if outputs is None else (rows - 2, outputs)).astype(float)
        pm1.append(Case("pm1", Z[:-2], y, Z[-2:], U, Z2[:-2], Z2[-2:], "gram-twin", "pm1"))
    return {"orthogonal": orth, "pm1": pm1}


#: seeds per side whose predictions are re-computed on rounding-perturbed inputs to set the tie tolerance
CALIBRATION_SEEDS = 3


def _samples(caller: Caller, X, y, Xt, seeds) -> np.ndarray:
    """One row of predictions per seed. A seed whose predictions are NaN/inf (a diverging initialisation)
    is part of the learner's law: its row is +inf, an atom of its own that both sides can show. The
    seeds' fits are made ahead in one batch where the learner batches (:meth:`Caller.prefetch`)."""
    rows = []
    ahead = caller.prefetch([(X, y, Xt)] * len(seeds), [int(s) for s in seeds])
    try:
        for s in seeds:
            try:
                rows.append(caller.predict(X, y, Xt, seed=int(s)).ravel())  # m×H outputs: m·H test values
            except CallError as exc:
                if exc.kind is not Diagnosis.NON_FINITE:
                    raise
                rows.append(np.full(len(Xt) * (caller.learner.outputs or 1), np.inf))
    finally:
        caller.forget_prefetched(ahead)
    return np.stack(rows)


def _rounding_sensitivity(caller: Caller, X, y, Xt, refs: np.ndarray, seeds, rng: np.random.Generator) -> float:
    """Largest relative change of a seed's predictions under the rounding probes of
    :func:`invariance.probe.noise.probe_noise`, the seed held fixed (diverging seeds are left out)."""
    out = 0.0
    for ref, s in zip(refs, seeds, strict=False):
        if not np.all(np.isfinite(ref)):
            continue
        try:
            out = max(out, probe_noise(caller, X, y, Xt, ref, rng, seed=int(s)))
        except CallError as exc:
            if exc.kind is not Diagnosis.NON_FINITE:
                raise
    return out


def merge_ties(a: np.ndarray, b: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """``a`` and ``b`` with every run of pooled values whose consecutive gaps are ≤ ``tol`` replaced by
    the run's smallest value: values that differ by rounding become equal (ties), others are untouched."""
    pooled = np.concatenate([a, b])
    order = np.argsort(pooled, kind="stable")
    v = pooled[order]
    with np.errstate(invalid="ignore"):  # inf − inf between diverged seeds: equal atoms, merged
        starts = np.concatenate([[True], np.diff(v) > tol])
    out = np.empty_like(pooled)
    out[order] = v[starts][np.cumsum(starts) - 1]
    return out[: len(a)], out[len(a) :]


def _refused(caller: Caller, case: Case, seed_a: int, seed_b: int) -> bool:
    """Both sides raise the same exception type on their first seed: the learner refuses this
    problem's shape (too few rows, say). Like the deterministic searches, skip it on both sides."""
    errors = []
    for X, Xt, s in ((case.X_train, case.X_test, seed_a), (case.X_train_t, case.X_test_t, seed_b)):
        try:
            caller.predict(X, case.y_train, Xt, seed=int(s))
        except CallError as exc:
            if exc.kind is Diagnosis.NON_FINITE:
                return False  # a diverging seed is part of the law (see _samples), not a refusal
            if exc.kind is not Diagnosis.ERROR:
                raise
            errors.append(exc.exc_type)
    return len(errors) == 2 and errors[0] == errors[1]


#: looks of the sequential test: the first at ``samples`` seeds per side, then 2× and 4× (the cap)
LOOKS = 3


def detectable_ks(samples: int, level: float) -> float:
    """The smallest two-sample KS distance a test with ``samples`` draws per side rejects at ``level``
    (asymptotic critical value c(level)·√(2/samples), c = √(−ln(level/2)/2))."""
    return float(np.sqrt(-np.log(level / 2.0) / 2.0) * np.sqrt(2.0 / samples))


@dataclass(frozen=True)
class LawTest:
    """One property's sequential two-sample test: its :class:`LawOutcome` and the numbers behind it;
    ``worst`` (the smallest p-value's ``(p, case, A, B)``) builds the counterexample and is not reported."""

    cases_skipped: int
    non_finite_seeds: int
    outcome: LawOutcome
    p_value: float
    level: float
    p_min_unadjusted: float
    tests: int
    samples: int
    looks: int
    max_ks_statistic: float
    detectable_ks: float
    rounding_noise: float
    tie_tolerance: float
    worst: Any = field(default=None, repr=False, compare=False)

    @property
    def rejected(self) -> bool:
        return self.outcome is LawOutcome.REJECTED

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "worst"}
        return {**out, "rejected": self.rejected}


@dataclass
class _Draws:
    """The seeds and predictions of one property's cases, kept across looks."""

    pools: list[np.ndarray]
    A: dict[int, np.ndarray] = field(default_factory=dict)
    B: dict[int, np.ndarray] = field(default_factory=dict)
    noise_of: dict[int, float] = field(default_factory=dict)
    skipped: set[int] = field(default_factory=set)

    def extend(self, caller: Caller, ci: int, case: Case, n: int, samples: int, probe_rng) -> None:
        """Predictions of case ``ci`` on ``n`` seeds per side (the earlier draws kept), and, at the first
        look, the case's rounding sensitivity for the tie tolerance."""
        cap = len(self.pools[ci]) // 2
        seeds_a, seeds_b = self.pools[ci][:n], self.pools[ci][cap : cap + n]
        have = 0 if ci not in self.A else len(self.A[ci])
        newA = _samples(caller, case.X_train, case.y_train, case.X_test, seeds_a[have:])
        newB = _samples(caller, case.X_train_t, case.y_train, case.X_test_t, seeds_b[have:])
        A = newA if ci not in self.A else np.vstack([self.A[ci], newA])
        B = newB if ci not in self.B else np.vstack([self.B[ci], newB])
        self.A[ci], self.B[ci] = A, B
        if ci not in self.noise_of:
            k = min(CALIBRATION_SEEDS, samples)
            self.noise_of[ci] = max(
                _rounding_sensitivity(caller, case.X_train, case.y_train, case.X_test, A[:k], seeds_a[:k], probe_rng),
                _rounding_sensitivity(caller, case.X_train_t, case.y_train, case.X_test_t, B[:k], seeds_b[:k],
                                      probe_rng),
            )


def _ks_tests(A: np.ndarray, B: np.ndarray, case: Case, noise: float) -> list[tuple[float, float]]:
    """(p-value, statistic) of the two-sample KS test at every test value of one case, ties merged."""
    finite = np.concatenate([A[np.isfinite(A)], B[np.isfinite(B)]])
    scale = max(float(np.max(np.abs(finite), initial=0.0)), float(np.max(np.abs(case.y_train), initial=0.0)), TINY)
    out = []
    for j in range(A.shape[1]):  # every test value: m, or m·H for several outputs
        a, b = merge_ties(A[:, j], B[:, j], threshold(noise) * scale)
        with warnings.catch_warnings():  # "exact calculation unsuccessful, switching to asymp": fine
            warnings.simplefilter("ignore", RuntimeWarning)
            res = stats.ks_2samp(a, b)
        out.append((float(res.pvalue), float(res.statistic)))
    return out


def test_property(caller: Caller, cases: list[Case], samples: int, seed: int, *, alpha: float = 0.01,
                  looks: int = LOOKS) -> LawTest:
    """The sequential two-sample test of one property: at look k (``samples``·2ᵏ seeds per side, the
    earlier draws kept) the Bonferroni-adjusted KS p-value is compared with α / ``looks`` (a union
    bound over the looks keeps the whole test at level α). It stops with ``outcome`` "rejected"; or
    "excluded" when the largest KS statistic plus :func:`detectable_ks` at that size stays within
    :data:`invariance.judge.MIN_SHIFT` (no shift worth caring about is compatible with the data); or, after
    the last look, "undecided"."""
    from invariance import judge

    per_look = alpha / looks
    rngs = [np.random.default_rng([seed, 0x5EED, ci]) for ci in range(len(cases))]
    draws = _Draws([r.permutation(2**20)[: 2 * samples * 2 ** (looks - 1)] for r in rngs])
    probe_rng = np.random.default_rng([seed, 0x7135])
    for look in range(looks):
        n = samples * 2**look
        pvals, stats_, worst = [], [], None
        for ci, case in enumerate(cases):
            if look == 0:
                cap = len(draws.pools[ci]) // 2
                if _refused(caller, case, draws.pools[ci][0], draws.pools[ci][cap]):
                    draws.skipped.add(ci)
            if ci in draws.skipped:
                continue
            draws.extend(caller, ci, case, n, samples, probe_rng)
            for p, stat in _ks_tests(draws.A[ci], draws.B[ci], case, draws.noise_of[ci]):
                pvals.append(p)
                stats_.append(stat)
                if worst is None or p < worst[0]:
                    worst = (p, case, draws.A[ci], draws.B[ci])
        if not pvals:
            c = cases[0]
            raise CallError(Diagnosis.ERROR, f"refused every fixed {c.property} problem on both sides (e.g. n={c.n}, "
                                             f"d={c.d}, m={c.m}); the two-sample test has nothing to compare")
        tests = len(pvals)
        p_adj = min(1.0, min(pvals) * tests)
        detectable = detectable_ks(n, per_look / tests)
        outcome = judge.law_outcome(p_adj, per_look, max(stats_), detectable)
        if outcome is not LawOutcome.UNDECIDED:
            break
    noise_max = max(draws.noise_of.values(), default=0.0)
    diverged = sum(int(np.sum(~np.isfinite(M[:, 0]))) for M in list(draws.A.values()) + list(draws.B.values()))
    skipped = draws.skipped
    return LawTest(
        cases_skipped=len(skipped),
        non_finite_seeds=diverged,
        outcome=outcome,
        p_value=p_adj,
        level=per_look,
        p_min_unadjusted=min(pvals),
        tests=tests,
        samples=n,
        looks=look + 1,
        max_ks_statistic=max(stats_),
        detectable_ks=detectable,
        rounding_noise=noise_max,
        tie_tolerance=threshold(noise_max),
        worst=worst,
    )
