"""One property searched end to end: seeded sample, Hypothesis, sweep, shrink, and its report.

:data:`PROPERTIES` is the table of the properties a deterministic learner is searched on — which cases
each draws (its Hypothesis strategy and its seeded NumPy sample), under which domain, with which share
of the budget. :func:`search` runs one row of it and returns the run (the judge's facts) and its
:class:`~invariance.result.model.PropertyReport`. :func:`first_group` runs rows in order until one
holds: the input subgroups and the output side are both that loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from invariance import judge
from invariance.contract import Domain, Learner
from invariance.data.strategies import orthogonal_cases, output_cases, twin_cases
from invariance.probe.call import Caller, CallError
from invariance.probe.noise import angle_scaling, column_permutation_deviation
from invariance.render import messages
from invariance.result import build
from invariance.result.model import PropertyReport
from invariance.search.hypothesis import search_property
from invariance.search.run import Outcome, PropertyRun
from invariance.search.sample import generic_sample, output_sample, twin_sample
from invariance.search.shrink import post_shrink, shrink_non_finite
from invariance.search.sweep import sweep_cases
from invariance.settings import Budget, CheckConfig
from invariance.verdict import Symmetry

__all__ = ["PROPERTIES", "Searched", "Spec", "first_group", "holds", "limits_of", "search"]

#: generic data is drawn with at most this many columns (the sweep goes beyond it)
GENERIC_MAX_D = 16


@dataclass(frozen=True)
class Spec:
    """One property: its cases (Hypothesis strategy and seeded sample, from the domain's limits), the
    budget field that sets its examples, whether the sweep of larger problems backs a pass, whether it
    draws generic data (at most :data:`GENERIC_MAX_D` columns), and the group its pass shows."""

    strategy: Callable[..., Any]
    sample: Callable[..., Any]
    examples: Callable[[Budget], int]
    generic: bool = True
    sweep: bool = False
    group: Symmetry | None = None


def _generic(families: tuple[str, ...] | None = None) -> tuple[Callable, Callable]:
    def strategy(name: str, lim: dict):
        fam: dict[str, Any] = {} if families is None else {"families": families, "property_name": name}
        return orthogonal_cases(**fam, **lim)

    def sample(name: str, seed: int, count: int, lim: dict):
        fam: dict[str, Any] = {} if families is None else {"families": families, "property_name": name}
        return generic_sample(seed, count, **fam, **lim)

    return strategy, sample


def _output() -> tuple[Callable, Callable]:
    return (lambda name, lim: output_cases(property_name=name, **lim),
            lambda name, seed, count, lim: output_sample(seed, count, property_name=name, **lim))


PROPERTIES: dict[str, Spec] = {
    "orthogonal": Spec(*_generic(), examples=lambda b: b.orthogonal, sweep=True, group=Symmetry.ORTHOGONAL),
    "pm1": Spec(lambda name, lim: twin_cases(**lim), lambda name, seed, count, lim: twin_sample(seed, count, **lim),
                examples=lambda b: b.pm1, generic=False),
    "signed-permutation": Spec(*_generic(("signed-permutation",)), examples=lambda b: b.symmetry,
                               group=Symmetry.SIGNED_PERMUTATIONS),
    "permutation": Spec(*_generic(("permutation",)), examples=lambda b: b.symmetry, group=Symmetry.PERMUTATIONS),
    "output-orthogonal": Spec(*_output(), examples=lambda b: b.orthogonal, group=Symmetry.ORTHOGONAL),
    "output-signed-permutation": Spec(*_output(), examples=lambda b: b.symmetry, group=Symmetry.SIGNED_PERMUTATIONS),
    "output-permutation": Spec(*_output(), examples=lambda b: b.symmetry, group=Symmetry.PERMUTATIONS),
}

#: the input subgroups tried, largest first, when the orthogonal group fails
INPUT_SUBGROUPS = ("signed-permutation", "permutation")


@dataclass(frozen=True)
class Searched:
    run: PropertyRun
    report: PropertyReport


def limits_of(domain: Domain | None, outputs: int | None, *, generic: bool = False) -> dict:
    """The domain (and the number of outputs) as the strategies' keyword arguments; generic data is
    capped at :data:`GENERIC_MAX_D` columns."""
    d = domain or Domain()
    max_d = min(GENERIC_MAX_D, d.max_d or GENERIC_MAX_D) if generic else d.max_d
    return {"max_d": max_d, "min_n": d.min_n or 1, "n_above_d": d.n_above_d, "outputs": outputs}


def holds(report: PropertyReport) -> bool:
    """A symmetry search shows the group only when it passed on enough usable examples."""
    return report.passed and report.evidence is None


def search(name: str, learner: Learner, caller: Caller, config: CheckConfig, domain: Domain | None, *,
           exact: Caller | None = None) -> Searched:
    """One property: the seeded NumPy sample first; once it holds a violation, Hypothesis finds one again
    and shrinks it. With an example database Hypothesis leads, so that earlier failures replay first. A
    passed property is backed by the sweep of larger problems where its row says so."""
    spec = PROPERTIES[name]
    t0 = time.perf_counter()
    limits = limits_of(domain, learner.outputs)
    lim = limits_of(domain, learner.outputs, generic=True) if spec.generic else limits
    examples = spec.examples(config.effective_budget)
    run = PropertyRun(name, caller, config.seed, min_n=limits["min_n"], n_above_d=limits["n_above_d"], exact=exact)
    outcome, shrunk, blob = _find(run, spec.strategy(name, lim), spec.sample(name, config.seed, examples, lim),
                                  examples, learner, config)
    if outcome is None and spec.sweep and config.effective_budget.sweep and run.fatal is None:
        outcome, shrunk = _sweep(run, name, config.seed, limits), False
    if outcome is None and run.fatal is None and run.allowed is not None and run.allowed.case.family != "gram-twin":
        outcome = _structural_allowance(run)
        shrunk = shrunk and outcome is None
    return Searched(run, _report(run, outcome, shrunk, blob, learner, config, time.perf_counter() - t0))


def _find(run: PropertyRun, strategy, sample, examples: int, learner: Learner, config: CheckConfig):
    """The violation (or None), whether Hypothesis shrank it, and Hypothesis's database blob."""
    def hypothesis():
        return search_property(run, strategy, max_examples=examples, seed=config.seed, database=config.database,
                               key=f"{learner.target}::{run.name}")

    if config.database:
        outcome, blob = hypothesis()
        return outcome, True, blob
    found = _first_violation(run, sample)
    if found is None:
        return None, True, None
    outcome, blob = hypothesis()
    if outcome is None and run.fatal is None:
        run.note = ("found by the seeded sample; Hypothesis did not find it again within its budget, so only "
                    "the greedy pass (columns, rows) shrank it")
        return post_shrink(run, found), False, blob
    return outcome, True, blob


#: the first batch of a seeded sample a batching learner fits ahead; each next one doubles, up to the last
FIRST_BATCH, LAST_BATCH = 4, 64


def _first_violation(run: PropertyRun, cases) -> Outcome | None:
    """Evaluate ``cases`` in order until one is a violation (or the search ends), fitting them ahead in
    growing batches where the learner batches (:meth:`PropertyRun.prefetch`): the same evaluations, in
    the same order, as one by one."""
    cases = list(cases)
    start, size = 0, FIRST_BATCH
    try:
        while start < len(cases):
            chunk = cases[start:start + size]
            run.prefetch(chunk)
            for case in chunk:
                if run.evaluate(case):
                    return run.last
                if run.fatal is not None:
                    return None
            start, size = start + len(chunk), min(2 * size, LAST_BATCH)
        return None
    finally:
        run.caller.forget_prefetched()


def _sweep(run: PropertyRun, name: str, seed: int, limits: dict) -> Outcome | None:
    found = _first_violation(run, sweep_cases(seed, property_name=name, **limits))
    if found is not None:
        run.note = "found by the seeded sweep of larger problems; Hypothesis did not reach it, so it is not shrunk"
    return found


def _structural_allowance(run: PropertyRun) -> Outcome | None:
    """The largest deviation a precision's allowance excused, when it grows with the angle: an allowance
    never excuses a structural deviation."""
    assert run.allowed is not None
    scaling = angle_scaling(run.caller_for(run.allowed.case), run.allowed.case)
    if not judge.is_structural(scaling.get("slope")):
        return None
    run.last = run.strongest = run.allowed
    run.note = (f"the largest deviation the {run.precision} allowance excused grows with the angle "
                f"(θ^{scaling['slope']:.2f}): a structural violation at every precision, not rounding")
    return run.allowed


def _report(run: PropertyRun, outcome: Outcome | None, shrunk: bool, blob, learner: Learner, config: CheckConfig,
            seconds: float) -> PropertyReport:
    cx = strongest = None
    if outcome is not None:
        cx = _counterexample(outcome, run, learner, config, shrunk=shrunk, blob=blob)
        strong = _strongest(run, outcome)
        if strong is not None:
            strongest = _counterexample(strong, run, learner, config, shrunk=False, blob=None)
    evidence = None if outcome is not None else judge.evidence_of(run.shapes, run.unstable)
    nf = None if run.non_finite is None else shrink_non_finite(run.caller_for(run.non_finite), run.non_finite)
    return PropertyReport(
        name=run.name,
        passed=outcome is None,
        examples=run.examples,
        skips=run.skips,
        max_deviation=run.max_deviation if run.examples else None,
        max_noise=run.max_noise,
        counterexample=cx,
        seconds=seconds,
        note=run.note if not (run.shrink_cut and shrunk and outcome is not None) else "; ".join(
            w for w in (run.note, messages.shrink_cut(run.shrink_budget or 0)) if w),
        usable=run.examples - run.skips,
        evidence=None if evidence is None else messages.evidence_words(evidence),
        refused=messages.refused_words(run.refused),
        non_finite=None if nf is None else {"d": nf[0], "n": nf[1], "m": nf[2], "count": run.non_finite_count,
                                            "one_sided": run.one_sided_non_finite},
        excused=None if run.excused is None else {**run.excused.to_json(), "count": run.excused_count},
        strongest=strongest,
        shrink=None if run.found_at is None or run.shrink_budget is None else {
            "evaluations": run.shrink_spent, "budget": run.shrink_budget, "stopped_by_budget": run.shrink_cut},
    )


def _strongest(run: PropertyRun, minimal: Outcome) -> Outcome | None:
    """The strongest violation the search saw (largest deviation ÷ threshold), when it is stronger than the
    minimal one, shrunk by the same greedy pass only while it keeps half its strength."""
    best = run.strongest
    ratio = lambda o: o.deviation / o.threshold  # noqa: E731
    if best is None or best is minimal or minimal.error is not None or best.error is not None:
        return None
    if ratio(best) <= ratio(minimal):
        return None
    target = judge.STRONG_KEEPS * ratio(best)
    last = run.last
    strong = post_shrink(run, best, keep=lambda o: o.error is None and ratio(o) >= target)
    run.last = last
    return strong


def _counterexample(outcome: Outcome, run: PropertyRun, learner: Learner, config: CheckConfig, *, shrunk: bool, blob):
    """The counterexample with what is measured beside it: the angle scaling (generic data) or the
    permutation control (twins), each worded by render."""
    case = outcome.case
    caller = run.caller_for(case)
    scaling = notes = None
    if outcome.error is None and run.name == "orthogonal":
        scaling = angle_scaling(caller, case)
        if "scaling" in scaling:  # the judge's reading of the slope, in words
            scaling["diagnosis"] = messages.scaling_words(scaling.pop("scaling"), scaling["slope"])
        if scaling.get("applicable") and not judge.is_structural(scaling.get("slope")):
            lower = judge.suggest_precision(outcome.deviation, case.d, case.n, caller.profile.precision)
            if lower is not None:
                scaling["suggestion"] = messages.precision_suggestion(lower, judge.allowance(lower, case.d, case.n))
    if (outcome.error is None and case.family == "gram-twin" and outcome.y_hat is not None
            and outcome.y_hat_t is not None):
        try:
            dev = column_permutation_deviation(caller, case, outcome.y_hat, outcome.y_hat_t)
            notes = {"column_permutation_deviation": dev,
                     "diagnosis": messages.permutation_control(judge.set_by_arithmetic(dev, outcome.deviation), dev)}
        except CallError as exc:
            notes = {"column_permutation_deviation": None,
                     "diagnosis": f"the learner failed on a column permutation of the twin: {exc}"}
    return build.counterexample(outcome, caller=caller, shrunk=shrunk,
                                replay=build.replay_info(learner, config, blob=blob), scaling=scaling, notes=notes)


def first_group(names: Sequence[str], learner: Learner, caller: Caller, config: CheckConfig, domain: Domain | None,
                *, undecided_stops: bool = True) -> tuple[Symmetry | None, list[PropertyReport]]:
    """Search ``names`` in order (largest group first) until one holds (passed on enough usable examples):
    that row's group, and every report; none holding gives :attr:`Symmetry.NONE`. With
    ``undecided_stops`` (the output side) a search that cannot decide stops the loop with the group
    undecided (None): a learner failure or NaN/inf, noted on its report, or a pass on too few usable
    examples. Without it (the input subgroups) such a search simply does not hold."""
    reports: list[PropertyReport] = []
    for name in names:
        s = search(name, learner, caller, config, domain)
        reports.append(s.report)
        why = s.run.fatal or (s.run.non_finite is not None and "it returned NaN/inf")
        if undecided_stops and why:
            reports[-1] = replace(s.report, note=f"undecided: {why}")
            return None, reports
        if undecided_stops and s.report.passed and not holds(s.report):
            return None, reports
        if holds(s.report):
            return PROPERTIES[name].group, reports
    return Symmetry.NONE, reports
