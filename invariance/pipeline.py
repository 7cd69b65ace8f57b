"""One learner through the pipeline: probe → search → judge → result.

:func:`check_learner` probes the learner (a frozen profile, or a diagnosis), searches each property of
:data:`invariance.search.property.PROPERTIES` (generic data, ±1 Gram twins, then the symmetry subgroups
and the output side; a randomised learner that is not equal seed by seed goes to the two-sample tests
of :mod:`invariance.law`), asks :mod:`invariance.judge` for the verdict, words it with
:mod:`invariance.render.messages` and builds the :class:`~invariance.result.Result` with
:mod:`invariance.result.build`. It orchestrates only, and never raises for a misbehaving learner:
that is a diagnosis.
"""

from __future__ import annotations

import time
from dataclasses import replace

from invariance import judge, law
from invariance.contract import Domain, Learner
from invariance.data.strategies import OUTPUT_PROPERTIES
from invariance.errors import MissingDependency
from invariance.probe.call import Caller, Tally
from invariance.probe.profile import probe
from invariance.render import messages
from invariance.result import build
from invariance.result.explain import explained
from invariance.result.model import PropertyReport, Result
from invariance.search.property import INPUT_SUBGROUPS, Searched, first_group, holds, search
from invariance.settings import Budget, CheckConfig
from invariance.verdict import Diagnosis, Symmetry, Verdict

__all__ = ["Budget", "CheckConfig", "check_learner"]


def check_learner(learner: Learner, config: CheckConfig | None = None, *, exact_caller: Caller | None = None) -> Result:
    """Measure and judge ``learner`` (docs/design.md#verdicts)."""
    config = config or CheckConfig()
    t0 = time.perf_counter()
    tally = Tally()
    domain = _domain(learner, config)
    try:
        probed = probe(learner, seed=config.seed, timeout=config.timeout, tally=tally, precision=config.precision,
                       domain=domain)
    except MissingDependency as exc:
        return build.no_verdict(learner, Caller(learner, tally=tally), t0, messages.skipped(exc), skipped=True)
    caller = probed.caller
    if probed.failure is not None:
        f = probed.failure
        return build.no_verdict(learner, caller, t0, f.message, diagnosis=f.kind, detail=f.detail,
                                warnings=build.warnings_of(caller), domain=domain)
    if not judge.learns(probed.dependence):
        return build.no_verdict(learner, caller, t0, messages.does_not_learn(learner),
                                diagnosis=Diagnosis.DOES_NOT_LEARN, warnings=build.warnings_of(caller), domain=domain)
    if learner.exact is not None and config.precision is None and caller.profile.precision != "float64":
        return _exact_beside_computed(learner, caller, config, t0)
    if caller.profile.randomized and not law.equal_seed_by_seed(caller, config.seed):
        return law.in_distribution(learner, caller, config, t0)
    return _searched(learner, caller, config, domain, t0, exact_caller)


def _searched(learner: Learner, caller: Caller, config: CheckConfig, domain: Domain | None, t0: float,
              exact_caller: Caller | None) -> Result:
    """The deterministic path (or a randomised learner searched one seed per example): the two
    properties, the judge's decision, then the symmetry groups of a verdict short of invariant."""
    searched = [search("orthogonal", learner, caller, config, domain, exact=exact_caller)]
    if searched[0].run.fatal is None:
        searched.append(search("pm1", learner, caller, config, domain, exact=exact_caller))
    clean = all(s.run.fatal is None and s.report.passed for s in searched)
    if caller.profile.randomized and not clean:
        return law.in_distribution(learner, caller, config, t0)
    reports = [s.report for s in searched]
    for s in searched:
        if s.run.fatal is not None:
            return build.no_verdict(learner, caller, t0, messages.fatal(s.run), diagnosis=s.run.fatal.kind,
                                    detail=s.run.fatal.detail, warnings=build.warnings_of(caller, reports),
                                    domain=domain)
    orth, pm1 = reports
    deviation = {"orthogonal": orth.max_deviation, "pm1": pm1.max_deviation}
    properties = {r.name: r for r in reports}
    decision = judge.decide(*(_facts(s) for s in searched))
    if decision.diagnosis is Diagnosis.NON_FINITE:
        diverged = [s for s in searched if s.run.name in decision.diverged]
        return build.no_verdict(learner, caller, t0, messages.non_finite(diverged), diagnosis=Diagnosis.NON_FINITE,
                                warnings=build.warnings_of(caller, reports), deviation=deviation,
                                properties=properties, domain=domain)
    judgement = decision.judgement
    if decision.diagnosis is Diagnosis.INCONCLUSIVE:
        short = [r for r in reports if r.name in decision.short]
        limited = [s for s in searched if s.run.name in decision.limited]
        return build.no_verdict(learner, caller, t0, messages.inconclusive(judgement.verdict, short, searched, limited),
                                diagnosis=Diagnosis.INCONCLUSIVE, warnings=build.warnings_of(caller, reports),
                                deviation=deviation, properties=properties, domain=domain)
    # the as-computed run of a learner with an exact twin: its deviations and outcome only; the symmetry
    # groups, the output side and breaks_at are the twin's
    computed_only = exact_caller is not None
    symmetry, output_symmetry, outputs = _groups(judgement.verdict, learner, caller, config, domain, reports,
                                                 computed_only)
    counterexamples = {r.name: r.counterexample for r in reports if r.counterexample is not None}
    primary = counterexamples.get(judgement.primary) if judgement.primary else None
    why = messages.SEED_BY_SEED if caller.profile.randomized else messages.REASONS[judgement.reason]
    result = build.verdict_result(
        learner, caller, t0,
        verdict=judgement.verdict,
        symmetry=symmetry,
        output_symmetry=output_symmetry,
        deviation=deviation,
        counterexample=primary,
        message=messages.verdict_message(judgement.verdict, why, orth, pm1, primary, caller, domain,
                                         outputs=outputs, output_symmetry=output_symmetry)
        + messages.output_skipped(learner, caller),
        properties={r.name: r for r in reports},
        counterexamples=counterexamples,
        warnings=build.warnings_of(caller, reports) + messages.diverged_warning(reports),
        domain=domain,
    )
    return result if computed_only else explained(learner, caller.profile.randomized, result)


def _groups(verdict: Verdict, learner: Learner, caller: Caller, config: CheckConfig, domain: Domain | None,
            reports: list[PropertyReport], computed_only: bool) -> tuple[Symmetry | None, Symmetry | None, list]:
    """The input symmetry group (the subgroups searched when the orthogonal group fails) and the output
    side's group, their reports appended to ``reports``; the output reports are returned for the message."""
    held: dict[str, bool] = {}
    if verdict is not Verdict.INVARIANT and not computed_only:
        _, subgroups = first_group(INPUT_SUBGROUPS, learner, caller, config, domain, undecided_stops=False)
        reports += subgroups
        held = {r.name: holds(r) for r in subgroups}
    symmetry = judge.symmetry_of(held.get("signed-permutation"), held.get("permutation"),
                                 orthogonal_ok=verdict is Verdict.INVARIANT)
    output_symmetry: Symmetry | None = None
    outputs: list[PropertyReport] = []
    if learner.outputs is not None and not caller.profile.positive_labels and not computed_only:
        output_symmetry, outputs = first_group(tuple(OUTPUT_PROPERTIES), learner, caller, config, domain)
        reports += outputs
    return symmetry, output_symmetry, outputs


def _facts(s: Searched) -> judge.PropertyFacts:
    return judge.PropertyFacts(violated=not s.report.passed, non_finite=s.run.non_finite_count,
                               one_sided_non_finite=s.run.one_sided_non_finite, short=s.report.evidence is not None)


def _exact_beside_computed(learner: Learner, caller: Caller, config: CheckConfig, t0: float) -> Result:
    """A reduced-precision learner with an exact-arithmetic twin (its low-precision casts rewritten to
    float64, Learner.exact): the twin, judged at float64, gives the algorithm's verdict; the learner as it
    computes, judged against its distance from the twin, gives the deviations users see. The result is the
    exact one, with the computed one beside it (Result.computed)."""
    assert learner.exact is not None
    exact = check_learner(replace(learner.exact, expected=learner.expected, reason=learner.reason), config)
    computed = check_learner(replace(learner, exact=None, exact_note=None), config,
                             exact_caller=Caller(learner.exact, timeout=config.timeout, tally=caller.tally,
                                                 profile=replace(caller.profile, precision="float64")))
    summary = {
        "precision": caller.profile.precision,
        "precision_note": caller.profile.precision_note,
        "verdict": None if computed.verdict is None else computed.verdict.value,
        "diagnosis": None if computed.diagnosis is None else computed.diagnosis.value,
        "deviation": dict(computed.deviation),
        "message": computed.message,
    }
    diagnosis = exact.diagnosis.value if exact.diagnosis is not None and exact.verdict is None else ""
    message = messages.exact_beside_computed(exact.message, diagnosis, learner.exact_note, caller.profile.precision,
                                             summary)
    return replace(exact, message=message, computed=summary, exact_verdict=exact.verdict,
                   precision="float64", precision_note=f"exact arithmetic ({learner.exact_note})",
                   evaluations=exact.evaluations + computed.evaluations, seconds=time.perf_counter() - t0)


def _domain(learner: Learner, config: CheckConfig) -> Domain | None:
    """The inputs both the question (options) and the learner's declaration allow; None for all of them."""
    if config.domain is None and learner.domain is None:
        return None
    return (config.domain or Domain()).narrowed(learner.domain)

