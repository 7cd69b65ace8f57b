"""Randomised learners (DESIGN §6): compare prediction *distributions* with a two-sample test.

For fixed seeded problems (generic Gaussian data with a Haar U, and one ±1 Gram twin) the learner
is run ``samples`` times on each side with independent seeds; each test point's two samples are
compared with the two-sample Kolmogorov–Smirnov test, and the smallest p-value is Bonferroni-adjusted
over all test points of the property. A property is violated when the adjusted p-value < α.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from . import rotations, twins
from .measure import CallError, Meter
from .registry import Learner
from .result import Counterexample, PropertyReport, Result
from .strategies import Case
from .verdict import Symmetry, Verdict

__all__ = ["check_distribution", "distribution_cases"]


def distribution_cases(seed: int) -> dict[str, list[Case]]:
    rng = np.random.default_rng([seed, 0xD157])
    orth = []
    for n, d, m in ((6, 4, 2), (3, 6, 2), (8, 2, 2)):
        X = rng.standard_normal((n + m, d))
        y = rng.standard_normal(n)
        U = rotations.haar(rng, d)
        orth.append(Case("orthogonal", X[:n], y, X[n:], U, X[:n] @ U.T, X[n:] @ U.T, "haar", "gaussian"))
    # a fixed non-trivial ±1 twin: 6 rows, k = 4 switched columns, 2 free columns
    rows, k, d = 6, 4, 6
    classes = np.arange(rows) % k
    Z, Z2 = twins.switch(1.0 - 2.0 * rng.integers(0, 2, (rows, d)), np.arange(k), classes, 1.0 - 2.0 * rng.integers(0, 2, rows), 0)
    U = rotations.procrustes(Z, Z2)
    y = rng.integers(-2, 3, rows - 2).astype(float)
    pm1 = [Case("pm1", Z[:-2], y, Z[-2:], U, Z2[:-2], Z2[-2:], "gram-twin", "pm1")]
    return {"orthogonal": orth, "pm1": pm1}


def _samples(meter: Meter, X, y, Xt, seeds) -> np.ndarray:
    return np.stack([meter.predict(X, y, Xt, seed=int(s)) for s in seeds])


def _test_property(meter: Meter, cases: list[Case], samples: int, alpha: float, seed: int) -> dict:
    pvals, stats_, worst = [], [], None
    seeds = np.random.default_rng([seed, 0x5EED]).permutation(2**20)[: 2 * samples * len(cases)]
    for ci, case in enumerate(cases):
        base = 2 * samples * ci
        A = _samples(meter, case.X_train, case.y_train, case.X_test, seeds[base : base + samples])
        B = _samples(meter, case.X_train_t, case.y_train, case.X_test_t, seeds[base + samples : base + 2 * samples])
        for j in range(case.m):
            res = stats.ks_2samp(A[:, j], B[:, j])
            pvals.append(float(res.pvalue))
            stats_.append(float(res.statistic))
            if worst is None or res.pvalue < worst[0]:
                worst = (float(res.pvalue), case, A, B)
    tests = len(pvals)
    p_adj = min(1.0, min(pvals) * tests)
    return {
        "p_value": p_adj,
        "p_min_unadjusted": min(pvals),
        "tests": tests,
        "max_ks_statistic": max(stats_),
        "rejected": p_adj < alpha,
        "_worst": worst,
    }


def check_distribution(learner: Learner, meter: Meter, config, t0: float) -> Result:
    from .check import _failure

    cases = distribution_cases(config.seed)
    try:
        orth = _test_property(meter, cases["orthogonal"], config.samples, config.alpha, config.seed)
        pm1 = _test_property(meter, cases["pm1"], config.samples, config.alpha, config.seed + 1)
    except CallError as exc:
        return _failure(learner, exc.kind, f"failed while sampling predictions: {exc}", meter, t0, detail=exc.detail)
    if not orth["rejected"]:
        verdict, primary = Verdict.INVARIANT_IN_DISTRIBUTION, None
    elif not pm1["rejected"]:
        verdict, primary = Verdict.PM1_INVARIANT, orth
    else:
        verdict, primary = Verdict.NOT_INVARIANT, orth
    cx = None
    if primary is not None:
        p, case, A, B = primary["_worst"]
        cx = Counterexample(
            property=case.property,
            U=case.U,
            U_description=rotations.describe(case.U) if case.family != "gram-twin" else "Gram twin",
            X_train=case.X_train,
            y_train=case.y_train,
            X_test=case.X_test,
            X_train_transformed=case.X_train_t,
            X_test_transformed=case.X_test_t,
            y_hat=A.mean(axis=0),
            y_hat_transformed=B.mean(axis=0),
            deviation=float(primary["max_ks_statistic"]),
            threshold=config.alpha,
            noise=0.0,
            family=case.family,
            data_kind=case.data_kind,
            shrunk=False,
            replay={"seed": config.seed, "command": f"invcheck {learner.target} --seed {config.seed} --samples {config.samples}"},
            notes={"y_hat": "mean prediction over the seeds of each side", "p_value": p, "deviation": "KS statistic"},
        )
    public = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in (("orthogonal", orth), ("pm1", pm1))}
    dist = {"test": "two-sample Kolmogorov–Smirnov, Bonferroni over test points", "alpha": config.alpha, "samples": config.samples, **public}
    reports = {
        k: PropertyReport(k, not v["rejected"], config.samples * 2 * len(cases[k]), 0, v["max_ks_statistic"], 0.0, None, 0.0,
                          note=f"adjusted p = {v['p_value']:.3g}")
        for k, v in (("orthogonal", orth), ("pm1", pm1))
    }
    message = (
        f"{verdict.value}: orthogonal two-sample p = {orth['p_value']:.3g}, ±1 twin p = {pm1['p_value']:.3g} "
        f"(α = {config.alpha}, {config.samples} seeds per side, KS, Bonferroni over {orth['tests']} and {pm1['tests']} test points)"
    )
    return Result(
        target=learner.target,
        name=learner.name,
        verdict=verdict,
        diagnosis=None,
        expected=learner.expected,
        reason=learner.reason,
        deviation={"orthogonal": orth["max_ks_statistic"], "pm1": pm1["max_ks_statistic"]},
        symmetry=Symmetry.ORTHOGONAL if verdict is Verdict.INVARIANT_IN_DISTRIBUTION else None,
        counterexample=cx,
        evaluations=meter.evaluations,
        seconds=time.perf_counter() - t0,
        message=message,
        properties=reports,
        counterexamples={} if cx is None else {cx.property: cx},
        warnings=(),
        distribution=dist,
    )
