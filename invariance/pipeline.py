"""One learner through the pipeline: probe → search → judge → result.

:func:`check_learner` probes the learner (a frozen profile, or a diagnosis), searches each property
(generic data, ±1 Gram twins, then the symmetry subgroups; the two-sample tests for a randomised
learner), asks :mod:`invariance.judge` for the verdict and builds the :class:`~invariance.result.Result`
with :mod:`invariance.result.build`. It never raises for a misbehaving learner: that is a diagnosis.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from invariance import judge
from invariance.data.rotations import haar
from invariance.data.strategies import Case, orthogonal_cases, twin_cases
from invariance.errors import MissingDependency
from invariance.contract import Learner
from invariance.probe.call import CallError, Caller, Tally
from invariance.probe.noise import angle_scaling, column_permutation_deviation
from invariance.probe.profile import probe, probe_inputs
from invariance.result import build
from invariance.result.model import PropertyReport, Result
from invariance.search.hypothesis import search_property
from invariance.search.run import Outcome, PropertyRun
from invariance.search.sweep import sweep_cases
from invariance.settings import Budget, CheckConfig
from invariance.verdict import Verdict

__all__ = ["Budget", "CheckConfig", "check_learner"]


@dataclass(frozen=True)
class _Searched:
    run: PropertyRun
    report: PropertyReport


def check_learner(learner: Learner, config: CheckConfig | None = None) -> Result:
    """Measure and judge ``learner`` (docs/design.md#verdicts)."""
    config = config or CheckConfig()
    t0 = time.perf_counter()
    tally = Tally()
    try:
        probed = probe(learner, seed=config.seed, timeout=config.timeout, tally=tally)
    except MissingDependency as exc:
        return build.no_verdict(learner, Caller(learner, tally=tally), t0, f"skipped: {exc}", skipped=True)
    caller = probed.caller
    if probed.failure is not None:
        f = probed.failure
        return build.no_verdict(learner, caller, t0, f.message, diagnosis=f.kind, detail=f.detail, warnings=build.warnings_of(caller))
    if caller.profile.randomized and not _invariant_seed_by_seed(caller, config.seed):
        return _in_distribution(learner, caller, config, t0)

    budget = config.effective_budget
    orth = _search("orthogonal", orthogonal_cases(), budget.orthogonal, learner, caller, config, sweep=budget.sweep)
    searched = [orth]
    if orth.run.fatal is None:
        searched.append(_search("pm1", twin_cases(), budget.pm1, learner, caller, config))
    clean = all(s.run.fatal is None for s in searched) and all(s.report.passed for s in searched)
    if caller.profile.randomized and not clean:
        return _in_distribution(learner, caller, config, t0)
    reports = [s.report for s in searched]
    for s in searched:
        if s.run.fatal is not None:
            where = ""
            if s.run.fatal_case is not None:
                c = s.run.fatal_case
                where = f" during the {s.run.name} search (d={c.d}, n={c.n}, m={c.m})"
            return build.no_verdict(learner, caller, t0, f"{s.run.fatal}{where}", diagnosis=s.run.fatal.kind,
                                    detail=s.run.fatal.detail, warnings=build.warnings_of(caller, reports))
    pm1 = searched[1].report
    judgement = judge.verdict_of(orth.report.passed, pm1.passed)
    why = judgement.why
    if caller.profile.randomized:  # both searches passed with one seed per example on both sides
        why = ("randomised, but equal seed by seed: both sides of every example drew from the same seed (one "
               "seed per example), so no test of the law is needed")
    signed = perm = None
    if judgement.verdict is not Verdict.INVARIANT:
        signed = _search("signed-permutation", orthogonal_cases(families=("signed-permutation",), property_name="signed-permutation"),
                         budget.symmetry, learner, caller, config).report
        reports.append(signed)
        if not signed.passed:
            perm = _search("permutation", orthogonal_cases(families=("permutation",), property_name="permutation"),
                           budget.symmetry, learner, caller, config).report
            reports.append(perm)
    symmetry = judge.symmetry_of(signed and signed.passed, perm and perm.passed,
                                 orthogonal_ok=judgement.verdict is Verdict.INVARIANT)
    counterexamples = {r.name: r.counterexample for r in reports if r.counterexample is not None}
    primary = counterexamples.get(judgement.primary) if judgement.primary else None
    return build.verdict_result(
        learner, caller, t0,
        verdict=judgement.verdict,
        symmetry=symmetry,
        deviation={"orthogonal": orth.report.max_deviation, "pm1": pm1.max_deviation},
        counterexample=primary,
        message=_message(judgement.verdict, why, orth.report, pm1, primary),
        properties={r.name: r for r in reports},
        counterexamples=counterexamples,
        warnings=build.warnings_of(caller, reports),
    )


def _invariant_seed_by_seed(caller: Caller, seed: int) -> bool:
    """A cheap look before the per-seed search: on the two probe problems, rotated by a Haar U, does a
    randomised learner give the same predictions on both sides when both draw from the same seed?
    (SGDRegressor, whose seed only shuffles rows, does; an MLP with a random first layer does not, and
    goes straight to the two-sample test.)"""
    rng = np.random.default_rng([seed, 0x5A3E])
    run = PropertyRun("orthogonal", caller, seed)
    for X, y, Xt in probe_inputs(seed):  # a refused shape is skipped on both sides by evaluate
        U = haar(rng, X.shape[1])
        if run.evaluate(Case("orthogonal", X, y, Xt, U, X @ U.T, Xt @ U.T, "haar", "gaussian")) or run.fatal is not None:
            return False
    return True


def _search(name, strategy, examples, learner: Learner, caller: Caller, config: CheckConfig, *, sweep=False) -> _Searched:
    t0 = time.perf_counter()
    run = PropertyRun(name, caller, config.seed)
    outcome, blob = search_property(run, strategy, max_examples=examples, seed=config.seed, database=config.database,
                                    key=f"{learner.target}::{name}")
    shrunk = True
    if outcome is None and sweep and run.fatal is None:
        for case in sweep_cases(config.seed, property_name=name):
            if run.evaluate(case):
                outcome, shrunk = run.last, False
                run.note = "found by the seeded sweep of larger problems; Hypothesis did not reach it, so it is not shrunk"
                break
            if run.fatal is not None:
                break
    cx = None
    if outcome is not None:
        cx = _counterexample(outcome, run, learner, config, shrunk=shrunk, blob=blob)
    report = PropertyReport(
        name=run.name,
        passed=outcome is None,
        examples=run.examples,
        skips=run.skips,
        max_deviation=run.max_deviation if run.examples else None,
        max_noise=run.max_noise,
        counterexample=cx,
        seconds=time.perf_counter() - t0,
        note=run.note,
    )
    return _Searched(run, report)


def _counterexample(outcome: Outcome, run: PropertyRun, learner: Learner, config: CheckConfig, *, shrunk: bool, blob):
    """The counterexample with what is measured beside it: the angle scaling (generic data) or the
    permutation control (twins), each worded by the judge."""
    case = outcome.case
    caller = run.caller_for(case)
    scaling = notes = None
    if outcome.error is None and run.name == "orthogonal":
        scaling = angle_scaling(caller, case)
    if outcome.error is None and case.family == "gram-twin":
        try:
            dev = column_permutation_deviation(caller, case, outcome.y_hat, outcome.y_hat_t)
            notes = {"column_permutation_deviation": dev, "diagnosis": judge.permutation_control_words(dev, outcome.deviation)}
        except CallError as exc:
            notes = {"column_permutation_deviation": None,
                     "diagnosis": f"the learner failed on a column permutation of the twin: {exc}"}
    return build.counterexample(outcome, caller=caller, shrunk=shrunk, replay=build.replay_info(learner, config, blob=blob),
                                scaling=scaling, notes=notes)


def _in_distribution(learner: Learner, caller: Caller, config: CheckConfig, t0: float) -> Result:
    """The two-sample tests of :mod:`invariance.search.distribution`, judged by :func:`judge.law_verdict`."""
    from invariance.search import distribution  # scipy.stats: imported only for randomised learners

    cases = distribution.distribution_cases(config.seed)
    try:
        orth = distribution.test_property(caller, cases["orthogonal"], config.samples, config.seed)
        pm1 = distribution.test_property(caller, cases["pm1"], config.samples, config.seed + 1)
    except CallError as exc:
        return build.no_verdict(learner, caller, t0, f"failed while sampling predictions: {exc}", diagnosis=exc.kind, detail=exc.detail)
    judgement = judge.law_verdict(orth["p_value"], pm1["p_value"], config.alpha)
    tests = {"orthogonal": orth, "pm1": pm1}
    for t in tests.values():
        t["rejected"] = t["p_value"] < config.alpha
    cx = None
    if judgement.primary is not None:
        primary = tests[judgement.primary]
        p, case, A, B = primary["_worst"]
        cx = build.law_counterexample(case, A, B, caller=caller, statistic=primary["max_ks_statistic"], p=p, alpha=config.alpha,
                                      replay=build.replay_info(learner, config, randomized=True))
    public = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in tests.items()}
    dist = {"test": "two-sample Kolmogorov–Smirnov, Bonferroni over test points", "alpha": config.alpha,
            "samples": config.samples, **public}
    reports = {
        k: PropertyReport(k, not v["rejected"], config.samples * 2 * len(cases[k]), 0, v["max_ks_statistic"], v["rounding_noise"],
                          None, 0.0, note=f"adjusted p = {v['p_value']:.3g}")
        for k, v in tests.items()
    }
    verdict = judgement.verdict
    message = (
        f"{verdict.value}: orthogonal two-sample p = {orth['p_value']:.3g}, ±1 twin p = {pm1['p_value']:.3g} "
        f"(α = {config.alpha}, {config.samples} seeds per side, KS, Bonferroni over {orth['tests']} and {pm1['tests']} test points)"
    )
    if verdict is not Verdict.NOT_INVARIANT:
        message += (
            f"; a test that does not reject is not a proof: small differences of law need more seeds "
            f"(--samples {5 * config.samples} has 5× the cost)"
        )
    return build.verdict_result(
        learner, caller, t0,
        verdict=verdict,
        symmetry=judge.symmetry_of(None, None, orthogonal_ok=True) if verdict is Verdict.INVARIANT_IN_DISTRIBUTION else None,
        deviation={"orthogonal": orth["max_ks_statistic"], "pm1": pm1["max_ks_statistic"]},
        counterexample=cx,
        message=message,
        properties=reports,
        counterexamples={} if cx is None else {cx.property: cx},
        warnings=build.warnings_of(caller, law_skips={k: (v["cases_skipped"], len(cases[k])) for k, v in tests.items()}),
        distribution=dist,
    )


def _message(verdict: Verdict, why: str, orth: PropertyReport, pm1: PropertyReport, cx) -> str:
    parts = [f"{verdict.value}: {why}"]
    parts.append(f"generic data: max deviation {_fmt(orth.max_deviation)} over {orth.examples} examples")
    parts.append(f"±1 twins: max deviation {_fmt(pm1.max_deviation)} over {pm1.examples} examples")
    if cx is not None:
        parts.append(
            f"counterexample ({cx.property}): d={cx.d}, n={cx.n}, m={cx.m}, {cx.U_description}, deviation {_fmt(cx.deviation)}"
            f" > threshold {_fmt(cx.threshold)}"
        )
    return "; ".join(parts)


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if not np.isfinite(x):
        return "∞ (one side failed)"
    return f"{x:.1e}"
