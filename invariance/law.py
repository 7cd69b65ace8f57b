"""Randomised learners through the pipeline (docs/design.md#randomised-learners).

:func:`equal_seed_by_seed` is the cheap look that decides whether a randomised learner can be searched
seed by seed like a deterministic one; :func:`in_distribution` runs the sequential two-sample tests of
:mod:`invariance.search.distribution` on both properties and builds the Result the judge's
:func:`~invariance.judge.law_verdict` calls for.
"""

from __future__ import annotations

import numpy as np

from invariance import judge
from invariance.contract import Learner
from invariance.data.rotations import haar
from invariance.data.strategies import Case
from invariance.probe.call import Caller, CallError
from invariance.probe.profile import probe_inputs
from invariance.render import messages
from invariance.result import build
from invariance.result.model import PropertyReport, Result
from invariance.search.run import PropertyRun
from invariance.settings import CheckConfig
from invariance.verdict import Diagnosis, LawOutcome, Verdict

__all__ = ["equal_seed_by_seed", "in_distribution"]


def equal_seed_by_seed(caller: Caller, seed: int) -> bool:
    """A cheap look before the per-seed search: on the two probe problems, rotated by a Haar U, does a
    randomised learner give the same predictions on both sides when both draw from the same seed?
    (SGDRegressor, whose seed only shuffles rows, does; an MLP with a random first layer does not, and
    goes straight to the two-sample test.)"""
    rng = np.random.default_rng([seed, 0x5A3E])
    run = PropertyRun("orthogonal", caller, seed)
    # a refused shape is skipped on both sides by evaluate
    for X, y, Xt in probe_inputs(seed, None, caller.learner.outputs):
        U = haar(rng, X.shape[1])
        if (run.evaluate(Case("orthogonal", X, y, Xt, U, X @ U.T, Xt @ U.T, "haar", "gaussian"))
                or run.fatal is not None):
            return False
    return True


def in_distribution(learner: Learner, caller: Caller, config: CheckConfig, t0: float) -> Result:
    """The sequential two-sample tests of :mod:`invariance.search.distribution`, judged by :func:`judge.law_verdict`."""
    from invariance.search import distribution  # scipy.stats: imported only for randomised learners

    cases = distribution.distribution_cases(config.seed, learner.outputs)
    try:
        tests = {"orthogonal": distribution.test_property(caller, cases["orthogonal"], config.samples, config.seed,
                                                          alpha=config.alpha),
                 "pm1": distribution.test_property(caller, cases["pm1"], config.samples, config.seed + 1,
                                                   alpha=config.alpha)}
    except CallError as exc:
        return build.no_verdict(learner, caller, t0, messages.law_sampling_failed(exc), diagnosis=exc.kind,
                                detail=exc.detail)
    judgement = judge.law_verdict(tests["orthogonal"].outcome, tests["pm1"].outcome)
    dist = {"test": messages.law_test_name(distribution.LOOKS, config.samples), "alpha": config.alpha,
            "samples": config.samples, "min_shift": judge.MIN_SHIFT, **{k: t.to_json() for k, t in tests.items()}}
    reports = {
        k: PropertyReport(k, t.outcome is not LawOutcome.REJECTED, t.samples * 2 * len(cases[k]), 0,
                          t.max_ks_statistic, t.rounding_noise, None, 0.0, note=messages.law_note(t),
                          usable=t.samples * 2 * (len(cases[k]) - t.cases_skipped))
        for k, t in tests.items()
    }
    deviation = {k: t.max_ks_statistic for k, t in tests.items()}
    warnings = build.warnings_of(caller, law_skips={k: (t.cases_skipped, len(cases[k])) for k, t in tests.items()},
                                 law_diverged={k: t.non_finite_seeds for k, t in tests.items()})
    if judgement is None:
        return build.no_verdict(learner, caller, t0, messages.law_inconclusive(tests, config.samples),
                                diagnosis=Diagnosis.INCONCLUSIVE, deviation=deviation, properties=reports,
                                distribution=dist, warnings=warnings)
    cx = None
    if judgement.primary is not None:
        primary = tests[judgement.primary]
        p, case, A, B = primary.worst
        cx = build.law_counterexample(case, A, B, caller=caller, statistic=primary.max_ks_statistic, p=p,
                                      alpha=config.alpha, replay=build.replay_info(learner, config, randomized=True))
    verdict = judgement.verdict
    return build.verdict_result(
        learner, caller, t0,
        verdict=verdict,
        symmetry=(judge.symmetry_of(None, None, orthogonal_ok=True) if verdict is Verdict.INVARIANT_IN_DISTRIBUTION
                  else None),
        deviation=deviation,
        counterexample=cx,
        message=messages.law_verdict(verdict, judgement.reason, tests) + messages.output_skipped(learner, caller),
        properties=reports,
        counterexamples={} if cx is None else {cx.property: cx},
        warnings=warnings,
        distribution=dist,
    )
