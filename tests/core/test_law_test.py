"""The sequential two-sample law test itself (docs/design.md#randomised-learners; invariance.search.distribution).

tests/core/test_randomised.py checks verdicts of single learners. Here the *test* is checked as a test:
its false-alarm rate across seeds on a law that is exactly rotation invariant (with and without the
Bonferroni adjustment), that every outcome is backed by the numbers it reports, that a small but real
change of law that the first look misses is found by a later one (and never excluded), and that seeds
that diverge are part of the law, not a non-finite diagnosis.

All learners are NumPy random-feature regressions (fast); the whole file runs in about 25 s on 2 cores.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from helpers import learner_in_file
from learners.random_features import features, rf_gaussian, rf_rademacher
from scipy import stats

import invariance.search.distribution as D
from invariance import judge
from invariance.data.strategies import Case
from invariance.pipeline import CheckConfig
from invariance.pipeline import check_learner as check
from invariance.probe.call import Caller, Profile

ALPHA = 0.01


def _caller(fn) -> Caller:
    return Caller(learner_in_file(fn), profile=Profile(randomized=True))


def _binom_sf(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) ≥ k)."""
    return float(stats.binom.sf(k - 1, n, p))


def _smallest_safe_count(n: int, p: float = ALPHA, risk: float = 1e-3) -> int:
    """The smallest k with P(Binomial(n, p) ≥ k) < risk: a count of k or more false alarms is evidence
    (at risk level ``risk``) that the per-test level exceeds p."""
    return next(k for k in range(n + 2) if _binom_sf(k, n, p) < risk)


# ------------------------------------------------------------------------------------ false alarms

#: seeds per side of the first look in the false-alarm sweeps (looks at 25, 50 and 100 seeds per side).
#: At this size no test can end "excluded" (that needs D + D*(n) ≤ 0.3 and D*(100) = 0.286 with 6 test
#: points), so every test that does not reject runs all three looks: the most chances to reject falsely
#: the sequential design allows, i.e. the worst case for the false-alarm count.
SWEEP_SAMPLES = 25
#: data seeds of the sweep on the real fixed problems; 2 properties each
SWEEP_SEEDS = 80
SWEEP_TESTS = 2 * SWEEP_SEEDS
#: a correct implementation: P(≥ 8 of 160 | level 0.01) = 2.3e-4 < 1e-3, so at most 7 rejections
SWEEP_BOUND = _smallest_safe_count(SWEEP_TESTS) - 1


@pytest.fixture(scope="module")
def invariant_sweep():
    """test_property of rf_gaussian (cos(Wx + b) features, W ~ N(0, 1/d): W Uᵀ has the law of W, so both
    sides have *exactly* one law) on distribution_cases(i) for i < SWEEP_SEEDS, both properties. The
    learner seeds of test i are drawn from 2i (orthogonal) and 2i + 1 (pm1): disjoint pools for all
    tests (the pipeline's seed / seed + 1 would make pm1 at i share its learner seeds with the
    orthogonal test at i + 1). Besides each result, the smallest KS p-value of every look is recorded
    (the KS call is wrapped, not changed), from which the decisions of the ablated tests follow."""
    caller = _caller(rf_gaussian)
    real, looks = D.stats, []

    def ks_2samp(a, b):
        res = real.ks_2samp(a, b)
        looks.append((len(a), float(res.pvalue)))
        return res

    out = []
    mp = pytest.MonkeyPatch()
    mp.setattr(D, "stats", types.SimpleNamespace(ks_2samp=ks_2samp))
    try:
        for i in range(SWEEP_SEEDS):
            cases = D.distribution_cases(i)
            for prop, s in (("orthogonal", 2 * i), ("pm1", 2 * i + 1)):
                looks.clear()
                r = D.test_property(caller, cases[prop], SWEEP_SAMPLES, s, alpha=ALPHA)
                per_look: dict[int, float] = {}
                for n, p in looks:
                    per_look[n] = min(p, per_look.get(n, 1.0))
                out.append((prop, cases[prop], r, [per_look[n] for n in sorted(per_look)]))
    finally:
        mp.undo()
    return out


def test_false_alarm_rate_on_an_invariant_law(invariant_sweep):
    """160 law tests (80 data seeds × 2 properties, 25/50/100 seeds per side) of a law that is exactly
    rotation invariant. Each test has level ≤ α = 0.01 (Bonferroni over its T = 6 test points, α/3 per
    look, union bound over the 3 looks) and the tests use disjoint seeds, so the number of rejections
    is stochastically below Binomial(160, 0.01): P(≥ 7) = 1.2e-3, P(≥ 8) = 2.3e-4. The bound is
    therefore 7: a correct implementation fails this test with probability < 1e-3.

    Measured: 0 rejections of 160 (at 100 seeds per side, rf_gaussian over 600 such tests: 6, i.e. the
    real rate is close to α: the union bound is nearly tight when the test points and looks are far
    from perfectly correlated; at 25 seeds per side 3 of 800, the exact KS p-values being coarser).

    What this bound catches, and what it does not (rates measured over 800 tests at 25 seeds per
    side): an implementation *without the Bonferroni adjustment* rejects 3.9 % of invariant laws on
    these 6-point problems — 8 of these 160 (so 8 > 7 here, but only by chance: at 3.9 %,
    P(≥ 8 of 160) ≈ 0.29, so it is not asserted here; see the next test, whose 24-point problems
    separate it reliably). One that tests *each look at α* instead of α/3 rejects 1.5 % (4 of these
    160): a false-alarm count cannot tell that from α at any affordable size;
    test_every_outcome_is_backed_by_its_numbers pins level == α/3 literally instead."""
    assert len(invariant_sweep) == SWEEP_TESTS
    assert SWEEP_BOUND == 7 and _binom_sf(SWEEP_BOUND + 1, SWEEP_TESTS, ALPHA) < 1e-3
    rejected = [(prop, r.p_value, r.looks) for prop, _, r, _ in invariant_sweep if r.outcome == "rejected"]
    assert len(rejected) <= SWEEP_BOUND, rejected
    # what the ablations would have decided on the same data (documented above, not asserted)
    no_bonferroni = sum(any(p < ALPHA / 3 for p in looks) for *_, looks in invariant_sweep)
    alpha_per_look = sum(any(p * r.tests < ALPHA for p in looks) for _, _, r, looks in invariant_sweep)
    assert no_bonferroni >= len(rejected) and alpha_per_look >= len(rejected)
    # nothing could be excluded at this size: every non-rejected test ran all three looks
    assert all(r.outcome == "undecided" and r.looks == D.LOOKS
               for _, _, r, _ in invariant_sweep if r.outcome != "rejected")


#: test points of the one Gaussian problem of the Bonferroni ablation (n = 6, d = 4, U = H₄/2)
WIDE_POINTS = 24
WIDE_SEEDS = 100
#: at most 5 rejections of 100: P(≥ 6 | Binomial(100, 0.01)) = 5.3e-4
WIDE_BOUND = _smallest_safe_count(WIDE_SEEDS) - 1


def _wide_case(seed: int) -> Case:
    rng = np.random.default_rng([seed, 0x1DE])
    n, d = 6, 4
    X = rng.standard_normal((n + WIDE_POINTS, d))
    U = D.FARTHEST_FROM_CUBE[d]
    return Case("orthogonal", X[:n], rng.standard_normal(n), X[n:], U, X[:n] @ U.T, X[n:] @ U.T, "farthest-from-cube",
                "gaussian")


def _wide_rejections() -> list[tuple[int, float]]:
    caller = _caller(rf_gaussian)
    out = []
    for i in range(WIDE_SEEDS):
        r = D.test_property(caller, [_wide_case(i)], SWEEP_SAMPLES, i, alpha=ALPHA)
        assert r.tests == WIDE_POINTS and r.outcome in ("rejected", "undecided")
        if r.outcome == "rejected":
            out.append((i, r.p_value))
    return out


def test_the_bound_separates_bonferroni_from_no_bonferroni(monkeypatch):
    """One invariant-law problem with T = 24 test points (rf_gaussian, 25/50/100 seeds per side),
    100 data seeds. Bound as above: at most 5 rejections of 100 (P(≥ 6 | Binomial(100, 0.01)) = 5.3e-4).

    The real test: measured 2 of 100 (over 1000 seeds: 10, i.e. 1.0 % — right at α, which the union
    bound allows: 24 test points far apart are nearly independent). Then the same test with the
    Bonferroni adjustment dropped — every KS p-value divided by T, so the "adjusted" p is
    min(1, (min p / T)·T) = min p, compared with α/3 as before: measured 13 % over 1000 seeds, here 16
    of 100 rejections (P(≥ 6 | 13 %) = 0.993), far above the bound. So the bound that a correct
    implementation keeps with probability > 0.999 is broken by one without Bonferroni. (On the 6-point
    fixed problems the gap is too small for an affordable sweep: see
    test_false_alarm_rate_on_an_invariant_law.) Testing each look at α instead of α/3 (alpha=0.03
    here) rejects 3 of these 100 (about 3 %): within the bound, as expected — that mutation is caught
    by the literal level check of test_every_outcome_is_backed_by_its_numbers, not by counting."""
    assert WIDE_BOUND == 5
    correct = _wide_rejections()
    assert len(correct) <= WIDE_BOUND, correct

    real = D.stats

    def unadjusted(a, b):
        res = real.ks_2samp(a, b)
        return types.SimpleNamespace(pvalue=float(res.pvalue) / WIDE_POINTS, statistic=float(res.statistic))

    monkeypatch.setattr(D, "stats", types.SimpleNamespace(ks_2samp=unadjusted))
    broken = _wide_rejections()
    assert len(broken) > WIDE_BOUND, broken
    assert {i for i, _ in correct} <= {i for i, _ in broken}


# ------------------------------------------------------------------------------ outcomes and numbers

#: a randomised learner whose law changes under rotation: W's first column scaled by 1 + EPS
EPS = 0.2


def rf_tilted(X_train, y_train, X_test, *, rng):
    """cos(Wx + b) features with W ~ N(0, 1/d) except its first column, scaled by 1 + EPS: the law of
    W is not rotation invariant (W Uᵀ has covariance U Σ Uᵀ ≠ Σ), by a small amount. Largest true KS
    shift over the test points of distribution_cases(s) (3000 seeds per side), s = 0…11: generic
    0.20, 0.20, 0.12, 0.23, 0.29, 0.21, 0.26, 0.19, 0.14, 0.18, 0.27, 0.26; twins 0.09, 0.13, 0.16,
    0.18, 0.09, 0.27, 0.16, 0.20, 0.21, 0.08, 0.18, 0.08 — below what 100 seeds per side detect
    (D*(100) = 0.29 at level α/3/6), above what 400 do (0.14)."""
    d = X_train.shape[1]
    W = rng.standard_normal((32, d)) / np.sqrt(d)
    W[:, 0] *= 1.0 + EPS
    return features(X_train, y_train, X_test, W, rng.uniform(0, 2 * np.pi, 32))


def _assert_backed(r: D.LawTest, cases: list[Case], first: int, *, alpha: float = ALPHA) -> None:
    """The numbers of one law-test result justify its outcome (docs/design.md#randomised-learners)."""
    assert D.LOOKS == 3 and r.level == alpha / 3
    assert r.cases_skipped == 0 and r.tests == sum(c.m for c in cases) == 6
    assert r.p_value == min(1.0, r.p_min_unadjusted * r.tests)  # Bonferroni, literally
    assert 1 <= r.looks <= 3 and r.samples == first * 2 ** (r.looks - 1)
    level_per_point = r.level / r.tests
    c = math.sqrt(-math.log(level_per_point / 2) / 2)
    assert r.detectable_ks == pytest.approx(c * math.sqrt(2 / r.samples), rel=1e-12)
    # the smallest unadjusted p is the KS p-value of the worst test point, recomputed from its samples
    p, case, A, B = r.worst
    assert len(A) == len(B) == r.samples and p == r.p_min_unadjusted
    assert min(stats.ks_2samp(A[:, j], B[:, j]).pvalue for j in range(case.m)) == pytest.approx(p, rel=1e-12)
    assert r.max_ks_statistic >= max(stats.ks_2samp(A[:, j], B[:, j]).statistic for j in range(case.m)) - 1e-12
    if r.outcome == "rejected":
        assert r.p_value < r.level
    else:
        assert r.p_value >= r.level
    if r.outcome == "excluded":
        assert r.max_ks_statistic + r.detectable_ks <= judge.MIN_SHIFT
    if r.outcome == "undecided":
        assert r.looks == D.LOOKS and r.max_ks_statistic + r.detectable_ks > judge.MIN_SHIFT


def test_every_outcome_is_backed_by_its_numbers(invariant_sweep):
    """Every result — the 160 of the false-alarm sweep (undecided, or rejected) and, at 100 seeds per
    side, rf_gaussian (excluded after 2 or 3 looks), rf_rademacher (rejected at the first look) and
    rf_tilted (rejected at a later look) — reports numbers that justify its outcome: level == α/3,
    p_value == min(1, p_min_unadjusted · tests) with tests == 6, p_min_unadjusted == the KS p-value
    recomputed from the worst test point's samples, detectable_ks == c·√(2/n) with c = √(−ln(α/(3T)/2)/2);
    rejected ⇔ p_value < level; excluded ⇒ max KS + detectable ≤ MIN_SHIFT (0.3); undecided ⇒ the
    last look and neither. A mutated Bonferroni factor, per-look level or detectable distance fails here."""
    for _, cases, r, _ in invariant_sweep:
        _assert_backed(r, cases, SWEEP_SAMPLES)
    seen = {(r.outcome, r.looks) for *_, r, _ in invariant_sweep}
    for seed in range(3):
        cases = D.distribution_cases(seed)
        for prop in ("orthogonal", "pm1"):
            r = D.test_property(_caller(rf_gaussian), cases[prop], 100, seed, alpha=ALPHA)
            _assert_backed(r, cases[prop], 100)
            assert r.outcome == "excluded", r
            seen.add((r.outcome, r.looks))
    cases = D.distribution_cases(0)["orthogonal"]
    r = D.test_property(_caller(rf_rademacher), cases, 100, 0, alpha=ALPHA)
    _assert_backed(r, cases, 100)
    assert r.outcome == "rejected" and r.looks == 1
    seen.add((r.outcome, r.looks))
    cases = D.distribution_cases(3)["orthogonal"]
    r = D.test_property(_caller(rf_tilted), cases, 100, 3, alpha=ALPHA)
    _assert_backed(r, cases, 100)
    assert r.outcome == "rejected" and r.looks == 2
    seen.add((r.outcome, r.looks))
    # every outcome and a decision at every look were exercised
    assert {"rejected", "excluded", "undecided"} <= {o for o, _ in seen} and {1, 2, 3} <= {k for _, k in seen}, seen


# ------------------------------------------------------------------------------ a marginal violation

#: config seed → (looks of the generic law test, looks of the twin law test), all "rejected", measured.
#: At seed 3 each property's outcome over 30 other learner-seed pools (data fixed): generic rejected
#: 30/30 (8 at the first look, 17 at the second, 5 at the third), twins rejected 30/30 (6, 21, 3).
MARGINAL = {3: (2, 2), 6: (2, 3), 7: (2, 2)}


@pytest.mark.parametrize("seed", sorted(MARGINAL))
def test_a_small_change_of_law_needs_a_later_look_and_is_never_excluded(seed):
    """rf_tilted's law changes by a KS distance of about 0.2 (see its docstring: below the 0.29 that
    100 seeds per side detect): the first look (100 seeds per side) rejects neither property, the
    second or third (200, 400) does. The verdict is never invariant-in-distribution, neither law test
    excludes, and the number of looks is the measured one (a later look was needed: at the first,
    neither rejection nor exclusion)."""
    result = check(learner_in_file(rf_tilted), CheckConfig(seed=seed, samples=100))
    assert result.verdict is not None and result.verdict.value != "invariant-in-distribution", result.message
    dist = result.distribution
    for prop in ("orthogonal", "pm1"):
        assert dist[prop]["outcome"] != "excluded", result.message
    looks = (dist["orthogonal"]["looks"], dist["pm1"]["looks"])
    assert looks == MARGINAL[seed], result.message
    assert all(dist[p]["outcome"] == "rejected" and dist[p]["samples"] == 100 * 2 ** (dist[p]["looks"] - 1)
               for p in ("orthogonal", "pm1")), result.message
    assert result.verdict.value == "not-invariant", result.message  # twins are rotations of each other


# ------------------------------------------------------------------------------------ diverging seeds

DIVERGING = 0.1


def rf_gaussian_diverging(X_train, y_train, X_test, *, rng):
    """rf_gaussian, except that one seed in ten 'diverges' (all predictions NaN): the same on both
    sides of a rotation, so its law — NaN with probability 0.1, else rf_gaussian's — is invariant.
    (The probe's own seeds 12345, 1 and 2 draw u = 0.23, 0.51, 0.26, so the probe sees finite
    predictions; see the report of this file for what happens when they do not.)"""
    if rng.random() < DIVERGING:
        return np.full(len(X_test), np.nan)
    return rf_gaussian(X_train, y_train, X_test, rng=rng)


def test_seeds_that_sometimes_diverge_are_part_of_the_law():
    """A learner whose seeds sometimes return NaN is not diagnosed non-finite: the diverged seeds enter
    the law test as an atom (+inf) that both sides show, the check ends with a verdict
    (invariant-in-distribution, measured: both properties excluded after 3 looks), and a warning per
    property names how many of the seeds drawn diverged (about 10 % of the 2 × 3 × 400 seeds; measured
    230 and 239 at seed 0)."""
    result = check(learner_in_file(rf_gaussian_diverging), CheckConfig(seed=0, samples=100))
    assert result.diagnosis is None and result.verdict is not None, result.message
    assert result.verdict.value == "invariant-in-distribution", result.message
    for prop in ("orthogonal", "pm1"):
        law = result.distribution[prop]
        drawn = 2 * 3 * law["samples"]
        diverged = law["non_finite_seeds"]
        assert abs(diverged - DIVERGING * drawn) <= 5 * math.sqrt(drawn * DIVERGING * (1 - DIVERGING)), law
        assert law["outcome"] == "excluded", law
        warning = [w for w in result.warnings if w.startswith(f"{prop}:") and "NaN/inf" in w]
        assert len(warning) == 1 and f"{diverged} of the seeds drawn" in warning[0], result.warnings
