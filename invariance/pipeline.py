"""One learner through the pipeline: probe → search → judge → result.

:func:`check_learner` probes the learner (a frozen profile, or a diagnosis), searches each property
(generic data, ±1 Gram twins, then the symmetry subgroups; the two-sample tests for a randomised
learner), asks :mod:`invariance.judge` for the verdict and builds the :class:`~invariance.result.Result`
with :mod:`invariance.result.build`. It never raises for a misbehaving learner: that is a diagnosis.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from invariance import judge
from invariance.contract import Domain, Learner
from invariance.data.rotations import haar
from invariance.data.strategies import (
    OUTPUT_PROPERTIES,
    Case,
    orthogonal_cases,
    output_cases,
    twin_cases,
)
from invariance.errors import MissingDependency
from invariance.probe.call import Caller, CallError, Tally
from invariance.probe.noise import angle_scaling, column_permutation_deviation
from invariance.probe.profile import probe, probe_inputs
from invariance.render.numbers import fmt_num, fmt_p
from invariance.result import build
from invariance.result.model import PropertyReport, Result
from invariance.search.hypothesis import search_property
from invariance.search.run import Outcome, PropertyRun
from invariance.search.sample import generic_sample, output_sample, twin_sample
from invariance.search.shrink import post_shrink, shrink_non_finite
from invariance.search.sweep import sweep_cases
from invariance.settings import Budget, CheckConfig
from invariance.verdict import Diagnosis, Symmetry, Verdict

#: the group each output property's pass shows
OUTPUT_GROUPS = {"output-orthogonal": Symmetry.ORTHOGONAL, "output-signed-permutation": Symmetry.SIGNED_PERMUTATIONS,
                 "output-permutation": Symmetry.PERMUTATIONS}

__all__ = ["Budget", "CheckConfig", "check_learner"]


@dataclass(frozen=True)
class _Searched:
    run: PropertyRun
    report: PropertyReport


def check_learner(learner: Learner, config: CheckConfig | None = None, *, exact_caller: Caller | None = None) -> Result:
    """Measure and judge ``learner`` (docs/design.md#verdicts)."""
    config = config or CheckConfig()
    t0 = time.perf_counter()
    tally = Tally()
    domain = _domain(learner, config)
    limits = _limits(domain, learner.outputs)
    try:
        probed = probe(learner, seed=config.seed, timeout=config.timeout, tally=tally, precision=config.precision,
                       limits=limits)
    except MissingDependency as exc:
        return build.no_verdict(learner, Caller(learner, tally=tally), t0, f"skipped: {exc}", skipped=True)
    caller = probed.caller
    if probed.failure is not None:
        f = probed.failure
        return build.no_verdict(learner, caller, t0, f.message, diagnosis=f.kind, detail=f.detail,
                                warnings=build.warnings_of(caller), domain=domain)
    if not judge.learns(probed.dependence):
        return build.no_verdict(learner, caller, t0, _does_not_learn_message(learner),
                                diagnosis=Diagnosis.DOES_NOT_LEARN, warnings=build.warnings_of(caller), domain=domain)
    if learner.exact is not None and config.precision is None and caller.profile.precision != "float64":
        return _exact_beside_computed(learner, caller, config, t0)
    if caller.profile.randomized and not _invariant_seed_by_seed(caller, config.seed):
        return _in_distribution(learner, caller, config, t0)

    generic = dict(limits, max_d=min(16, limits["max_d"] or 16))
    budget = config.effective_budget
    orth = _search("orthogonal", orthogonal_cases(**generic), generic_sample(config.seed, budget.orthogonal, **generic),
                   budget.orthogonal, learner, caller, config, sweep=budget.sweep, limits=limits, exact=exact_caller)
    searched = [orth]
    if orth.run.fatal is None:
        searched.append(_search("pm1", twin_cases(**limits), twin_sample(config.seed, budget.pm1, **limits), budget.pm1,
                                learner, caller, config, limits=limits, exact=exact_caller))
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
                                    detail=s.run.fatal.detail, warnings=build.warnings_of(caller, reports),
                                    domain=domain)
    pm1 = searched[1].report
    deviation = {"orthogonal": orth.report.max_deviation, "pm1": pm1.max_deviation}
    properties = {r.name: r for r in reports}
    decision = judge.decide(*(_facts(s) for s in searched))
    diverged = [s for s in searched if s.run.name in decision.diverged]
    if decision.diagnosis is Diagnosis.NON_FINITE:
        return build.no_verdict(learner, caller, t0, _non_finite_message(diverged), diagnosis=Diagnosis.NON_FINITE,
                                warnings=build.warnings_of(caller, reports), deviation=deviation, properties=properties,
                                domain=domain)
    judgement = decision.judgement
    if decision.diagnosis is Diagnosis.INCONCLUSIVE:
        short = [r for r in reports if r.name in decision.short]
        limited = [s for s in searched if s.run.name in decision.limited]
        return build.no_verdict(learner, caller, t0, _inconclusive_message(judgement.verdict, short, searched, limited),
                                diagnosis=Diagnosis.INCONCLUSIVE, warnings=build.warnings_of(caller, reports),
                                deviation=deviation, properties=properties, domain=domain)
    why = judgement.why
    if caller.profile.randomized:  # both searches passed with one seed per example on both sides
        why = ("randomised, but equal seed by seed: both sides of every example drew from the same seed (one "
               "seed per example), so no test of the law is needed")
    signed = perm = None
    computed_only = exact_caller is not None  # the as-computed run of a learner with an exact twin: its
    # deviations and outcome only; the symmetry groups, the output side and breaks_at are the twin's
    if judgement.verdict is not Verdict.INVARIANT and not computed_only:
        fam = ("signed-permutation",)
        signed = _search("signed-permutation",
                         orthogonal_cases(families=fam, property_name="signed-permutation", **generic),
                         generic_sample(config.seed, budget.symmetry, families=fam, property_name="signed-permutation",
                                        **generic),
                         budget.symmetry, learner, caller, config, limits=limits).report
        reports.append(signed)
        if not _holds(signed):
            fam = ("permutation",)
            perm = _search("permutation", orthogonal_cases(families=fam, property_name="permutation", **generic),
                           generic_sample(config.seed, budget.symmetry, families=fam, property_name="permutation",
                                          **generic),
                           budget.symmetry, learner, caller, config, limits=limits).report
            reports.append(perm)
    symmetry = judge.symmetry_of(None if signed is None else _holds(signed), None if perm is None else _holds(perm),
                                 orthogonal_ok=judgement.verdict is Verdict.INVARIANT)
    output_symmetry = None
    if learner.outputs is not None and not caller.profile.positive_labels and not computed_only:
        output_symmetry, outputs = _output_symmetry(learner, caller, config, generic)
        reports += outputs
    counterexamples = {r.name: r.counterexample for r in reports if r.counterexample is not None}
    primary = counterexamples.get(judgement.primary) if judgement.primary else None
    result = build.verdict_result(
        learner, caller, t0,
        verdict=judgement.verdict,
        symmetry=symmetry,
        output_symmetry=output_symmetry,
        deviation=deviation,
        counterexample=primary,
        message=_message(judgement.verdict, why, orth.report, pm1, primary, caller, domain,
                         outputs=[r for r in reports if r.name in OUTPUT_PROPERTIES], output_symmetry=output_symmetry)
        + _output_skipped(learner, caller),
        properties={r.name: r for r in reports},
        counterexamples=counterexamples,
        warnings=build.warnings_of(caller, reports) + _diverged_warning(reports),
        domain=domain,
    )
    return result if computed_only else _explained(learner, caller, result)


def _facts(s: _Searched) -> judge.PropertyFacts:
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
    diagnosis = exact.diagnosis.value if exact.diagnosis is not None else ""
    head = exact.message if exact.verdict is not None or exact.message.startswith(diagnosis) else (
        f"{diagnosis}: {exact.message}")
    message = (f"{head}; exact arithmetic: {learner.exact_note}; as computed in {caller.profile.precision}: "
               f"{_computed_words(summary)}")
    return replace(exact, message=message, computed=summary, exact_verdict=exact.verdict,
                   precision="float64", precision_note=f"exact arithmetic ({learner.exact_note})",
                   evaluations=exact.evaluations + computed.evaluations, seconds=time.perf_counter() - t0)



def _output_skipped(learner: Learner, caller: Caller) -> str:
    """Why a learner with several outputs has no output symmetry, where the output side was not searched."""
    if learner.outputs is None:
        return ""
    if caller.profile.positive_labels:
        return ("; output side not searched: the learner takes labels 1 + |y| only, and 1 + |YVᵀ| is not "
                "(1 + |Y|)Vᵀ, so no map of the targets can be compared (output_symmetry null)")
    if caller.profile.randomized:
        return "; output side not searched: randomised learners have no output law test yet (output_symmetry null)"
    return ""


def _output_symmetry(learner: Learner, caller: Caller, config: CheckConfig,
                     generic: dict) -> tuple[Symmetry | None, list]:
    """The output side of a learner with H outputs: Y ↦ YVᵀ must give Ŷ ↦ ŶVᵀ. V is drawn from O(H),
    then (where that fails) from the signed permutations, then the permutations; each search is shrunk
    like the input ones. The largest group that holds on enough usable examples is ``output_symmetry``;
    a search that cannot decide (too few usable examples, a learner failure) leaves it None."""
    budget = config.effective_budget
    reports = []
    for name in OUTPUT_PROPERTIES:
        examples = budget.orthogonal if name == "output-orthogonal" else budget.symmetry
        searched = _search(name, output_cases(property_name=name, **generic),
                           output_sample(config.seed, examples, property_name=name, **generic),
                           examples, learner, caller, config, limits=generic)
        reports.append(searched.report)
        why = searched.run.fatal or (searched.run.non_finite is not None and "it returned NaN/inf")
        if why:
            reports[-1] = replace(searched.report, note=f"undecided: {why}")
            return None, reports
        if searched.report.passed:
            if searched.report.evidence is not None:
                return None, reports
            return OUTPUT_GROUPS[name], reports
    return Symmetry.NONE, reports


def _explained(learner: Learner, caller: Caller, result: Result) -> Result:
    """The result with ``breaks_at`` when the learner can explain its counterexample (an optimizer
    replays both runs and names the first state that stops transforming like its weight). An
    explanation that fails leaves the verdict alone and says so in ``breaks_at``."""
    if learner.explain is None or not result.counterexamples or caller.profile.randomized:
        return result
    by_property = {}
    for name in ("orthogonal", "pm1", *OUTPUT_PROPERTIES):
        cx = result.counterexamples.get(name)
        if cx is None or cx.error is not None:
            continue
        try:
            by_property[name] = learner.explain(cx)
        except Exception as exc:  # an explanation is extra: it never costs the verdict
            by_property[name] = {"key": None,
                                 "note": f"could not replay the runs state by state: {type(exc).__name__}: {exc}"}
    # the verdict's counterexample first; an input-invariant learner is explained by its output side
    primary = by_property.get(result.counterexample.property) if result.counterexample is not None else None
    if primary is None:
        primary = next(iter(by_property.values()), None)
    if primary is None:
        return result
    return replace(result, breaks_at={**primary, "by_property": by_property})


def _narrowing_hint(shapes: list[tuple[int, int, int, bool]]) -> str:
    """The narrower question the refusals point to: the one domain limit that excludes every refused
    example and keeps every usable one (more rows than columns, at least N rows, at most D columns)."""
    bad = [s for s in shapes if not s[3]]
    good = [s for s in shapes if s[3]]
    fixes = []
    if not good:  # nothing answered: no narrower question is known to have evidence
        return ("the learner answered none of these inputs: make it accept them, or narrow the question to the "
                "inputs it is meant for (--max-d, --min-n, --n-above-d)")
    if bad and all(n <= d for d, n, _, _ in bad) and all(n > d for d, n, _, _ in good):
        fixes.append(("--n-above-d", "'n_above_d': True"))
    min_n = max((n for _, n, _, _ in bad), default=0) + 1
    if bad and min_n <= 20 and all(n >= min_n for _, n, _, _ in good):
        fixes.append((f"--min-n {min_n}", f"'min_n': {min_n}"))
    max_d = min((d for d, _, _, _ in bad), default=0) - 1
    if bad and max_d >= 4 and all(d <= max_d for d, _, _, _ in good):
        fixes.append((f"--max-d {max_d}", f"'max_d': {max_d}"))
    if not fixes:
        return ("make the learner accept these inputs, or narrow the question to the inputs it is meant for "
                "(--max-d, --min-n, --n-above-d)")
    flag, key = fixes[0]
    return (f"if the learner is meant only for such inputs, ask that question: {flag} (or "
            f"@learner(..., domain={{{key}}}))")


def _holds(report: PropertyReport) -> bool:
    """A symmetry search shows the group only when it passed on enough usable examples."""
    return report.passed and report.evidence is None


def _domain(learner: Learner, config: CheckConfig) -> Domain | None:
    """The inputs both the question (options) and the learner's declaration allow; None for all of them."""
    if config.domain is None and learner.domain is None:
        return None
    return (config.domain or Domain()).narrowed(learner.domain)


def _limits(domain: Domain | None, outputs: int | None = None) -> dict:
    """The domain (and the number of outputs) as the strategies' keyword arguments."""
    d = domain or Domain()
    return {"max_d": d.max_d, "min_n": d.min_n or 1, "n_above_d": d.n_above_d, "outputs": outputs}


def _does_not_learn_message(learner: Learner) -> str:
    stuck = (" (an optimizer that never moves this model's parameters, or never receives a gradient)"
             if learner.options.get("description") else "")
    return ("its predictions do not depend on the training data: trained on other data of the same shape it predicts "
            f"exactly the same{stuck}, so any invariance verdict would be vacuous; make it learn, then check it again")


def _computed_words(summary: dict) -> str:
    dev = summary["deviation"]
    outcome = summary["verdict"] or summary["diagnosis"]
    return (f"{outcome} (generic deviations up to {_fmt(dev.get('orthogonal'))}, ±1 twins up to "
            f"{_fmt(dev.get('pm1'))}, judged against each side's distance from the exact run)")


def _non_finite_counts(reports: list[PropertyReport]) -> tuple[str, dict]:
    """The NaN/inf counts per search in words, and the smallest (shrunk) input that triggers them, of the
    reports that saw any."""
    hit = [(r, r.non_finite) for r in reports if r.non_finite]
    counts = "; ".join(f"{nf['count'] + nf['one_sided']} of {r.examples} {_NAMES[r.name]} examples"
                       + (f" ({nf['one_sided']} on one side only)" if nf["one_sided"] else "")
                       for r, nf in hit)
    return counts, min((nf for _, nf in hit), key=lambda nf: (nf["d"], nf["n"], nf["m"]))


def _diverged_warning(reports: list[PropertyReport]) -> tuple[str, ...]:
    """NaN/inf seen beside a verdict that rests on violations found on finite outputs: counts per search
    and the smallest input that triggers it, shrunk (docs/design.md#evidence)."""
    if not any(r.non_finite for r in reports):
        return ()
    counts, c = _non_finite_counts(reports)
    return (f"the learner returned NaN/inf on {counts}; the smallest input that triggers it has d={c['d']}, "
            f"n={c['n']}, m={c['m']}; the verdict rests on the violations found on finite outputs",)


def _non_finite_message(searched: list[_Searched]) -> str:
    counts, c = _non_finite_counts([s.report for s in searched])
    shapes = [(d, n, m, ok) for x in searched for d, n, m, ok in x.run.shapes]
    return (f"returned NaN/inf on valid input: the smallest input that triggers it has "
            f"d={c['d']}, n={c['n']}, m={c['m']} (shrunk); {counts}. Fix the learner; {_narrowing_hint(shapes)}")


_NAMES = {"orthogonal": "generic", "pm1": "±1 twin", "signed-permutation": "signed-permutation",
          "permutation": "permutation", "output-orthogonal": "output (orthogonal V)",
          "output-signed-permutation": "output (signed-permutation V)",
          "output-permutation": "output (permutation V)"}


def _inconclusive_message(verdict: Verdict, short: list[PropertyReport], searched: list[_Searched],
                          limited: Sequence[_Searched] = ()) -> str:
    parts = [f"inconclusive: the evidence would say {verdict.value}, but it does not carry it"]
    for s in limited:
        c = s.run.non_finite
        assert c is not None  # a search limited by one-sided NaN/inf has recorded its smallest input
        parts.append(f"{_NAMES[s.run.name]} search: on {s.run.one_sided_non_finite} of {s.run.examples} examples one "
                     f"side returned NaN/inf where the other answered (smallest d={c.d}, n={c.n}, m={c.m}), so its "
                     "pass cannot be claimed")
    if not short:
        return "; ".join(parts + ["make the learner stay finite on these inputs, "
                                  "or narrow the question (--max-d, --min-n, --n-above-d)"])
    for r in short:
        refused = f"; refused shapes: {', '.join(r.refused[:3])}" if r.refused else ""
        skipped = f"; the learner refused {r.skips} of {r.examples} examples on both sides{refused}" if r.skips else ""
        parts.append(f"{_NAMES[r.name]} search: {r.evidence}{skipped}")
    # the unstable-rounding rule, not refusals
    if all(r.usable and (r.evidence or "").startswith("on ") for r in short):
        parts.append("the learner's answer moves with rounding: fix its numerics (an arbitrary eigenbasis, a chaotic "
                     "iteration, a near-singular solve), or ask at a coarser --precision")
    else:
        shapes = [sh for s in searched if s.run.name in {r.name for r in short} for sh in s.run.shapes]
        parts.append(_narrowing_hint(shapes))
    return "; ".join(parts)


def _invariant_seed_by_seed(caller: Caller, seed: int) -> bool:
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


def _search(name, strategy, sample, examples, learner: Learner, caller: Caller, config: CheckConfig, *, sweep=False,
            limits: dict | None = None, exact: Caller | None = None) -> _Searched:
    """One property: the seeded NumPy ``sample`` first; once it holds a violation, Hypothesis (``strategy``,
    ``examples``) finds one again and shrinks it. With an example database Hypothesis leads, so that
    earlier failures replay first. A passed property is backed by the sweep of larger problems."""
    t0 = time.perf_counter()
    run = PropertyRun(name, caller, config.seed, min_n=(limits or {}).get("min_n", 1),
                      n_above_d=(limits or {}).get("n_above_d", False), exact=exact)
    search = lambda: search_property(run, strategy, max_examples=examples, seed=config.seed,  # noqa: E731
                                     database=config.database, key=f"{learner.target}::{name}")
    shrunk = True
    if config.database:
        outcome, blob = search()
    else:
        outcome = blob = found = None
        for case in sample:
            if run.evaluate(case):
                found = run.last
                break
            if run.fatal is not None:
                break
        if found is not None:
            outcome, blob = search()
            if outcome is None and run.fatal is None:
                outcome, shrunk = post_shrink(run, found), False
                run.note = ("found by the seeded sample; Hypothesis did not find it again within its budget, so only "
                            "the greedy pass (columns, rows) shrank it")
    if outcome is None and sweep and run.fatal is None:
        for case in sweep_cases(config.seed, property_name=name, **(limits or {})):
            if run.evaluate(case):
                outcome, shrunk = run.last, False
                run.note = ("found by the seeded sweep of larger problems; Hypothesis did not reach it, "
                            "so it is not shrunk")
                break
            if run.fatal is not None:
                break
    if outcome is None and run.fatal is None and run.allowed is not None and run.allowed.case.family != "gram-twin":
        scaling = angle_scaling(run.caller_for(run.allowed.case), run.allowed.case)
        if judge.is_structural(scaling.get("slope")):  # an allowance never excuses a deviation growing with θ
            outcome, shrunk = run.allowed, False
            run.last = run.strongest = outcome
            run.note = (f"the largest deviation the {run.precision} allowance excused grows with the angle "
                        f"(θ^{scaling['slope']:.2f}): a structural violation at every precision, not rounding")
    cx = strongest = None
    if outcome is not None:
        cx = _counterexample(outcome, run, learner, config, shrunk=shrunk, blob=blob)
        strong = _strongest(run, outcome)
        if strong is not None:
            strongest = _counterexample(strong, run, learner, config, shrunk=False, blob=None)
    evidence = None if outcome is not None else judge.evidence_of(run.shapes, run.unstable)
    nf = None if run.non_finite is None else shrink_non_finite(run.caller_for(run.non_finite), run.non_finite)
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
        usable=run.examples - run.skips,
        evidence=None if evidence is None or evidence.enough else evidence.why,
        refused=_refused_words(run.refused),
        non_finite=None if nf is None else {"d": nf[0], "n": nf[1], "m": nf[2], "count": run.non_finite_count,
                                            "one_sided": run.one_sided_non_finite},
        excused=None if run.excused is None else {**run.excused.to_json(), "count": run.excused_count},
        strongest=strongest,
    )
    return _Searched(run, report)


def _refused_words(refused: list) -> tuple[str, ...]:
    """The three smallest distinct refused shapes, each with the learner's first words about it."""
    first: dict = {}
    for d, n, m, why in refused:
        first.setdefault((d, n, m), why)
    return tuple(f"d={d}, n={n}, m={m} ({first[d, n, m]})" for d, n, m in sorted(first)[:3])


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
    permutation control (twins), each worded by the judge."""
    case = outcome.case
    caller = run.caller_for(case)
    scaling = notes = None
    if outcome.error is None and run.name == "orthogonal":
        scaling = angle_scaling(caller, case)
        if scaling.get("applicable") and not judge.is_structural(scaling.get("slope")):
            lower = judge.suggest_precision(outcome.deviation, case.d, case.n, caller.profile.precision)
            if lower is not None:
                scaling["suggestion"] = (
                    f"the deviation does not scale with θ and sits within {lower} rounding (allowance "
                    f"{judge.allowance(lower, case.d, case.n):.1e} here): if the learner computes in {lower}, ask "
                    f"at that precision: --precision {lower}")
    if (outcome.error is None and case.family == "gram-twin" and outcome.y_hat is not None
            and outcome.y_hat_t is not None):
        try:
            dev = column_permutation_deviation(caller, case, outcome.y_hat, outcome.y_hat_t)
            notes = {"column_permutation_deviation": dev,
                     "diagnosis": judge.permutation_control_words(dev, outcome.deviation)}
        except CallError as exc:
            notes = {"column_permutation_deviation": None,
                     "diagnosis": f"the learner failed on a column permutation of the twin: {exc}"}
    return build.counterexample(outcome, caller=caller, shrunk=shrunk,
                                replay=build.replay_info(learner, config, blob=blob), scaling=scaling, notes=notes)


def _in_distribution(learner: Learner, caller: Caller, config: CheckConfig, t0: float) -> Result:
    """The sequential two-sample tests of :mod:`invariance.search.distribution`, judged by :func:`judge.law_verdict`."""
    from invariance.search import (
        distribution,  # scipy.stats: imported only for randomised learners
    )

    cases = distribution.distribution_cases(config.seed, learner.outputs)
    try:
        orth = distribution.test_property(caller, cases["orthogonal"], config.samples, config.seed, alpha=config.alpha)
        pm1 = distribution.test_property(caller, cases["pm1"], config.samples, config.seed + 1, alpha=config.alpha)
    except CallError as exc:
        return build.no_verdict(learner, caller, t0, f"failed while sampling predictions: {exc}", diagnosis=exc.kind,
                                detail=exc.detail)
    judgement = judge.law_verdict(orth["outcome"], pm1["outcome"])
    tests = {"orthogonal": orth, "pm1": pm1}
    for t in tests.values():
        t["rejected"] = t["outcome"] == "rejected"
    public = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in tests.items()}
    dist = {"test": "two-sample Kolmogorov–Smirnov, Bonferroni over test points, sequential (α split over "
                    f"{distribution.LOOKS} looks at {config.samples}, {2 * config.samples} and {4 * config.samples} "
                    "seeds per side)",
            "alpha": config.alpha, "samples": config.samples, "min_shift": judge.MIN_SHIFT, **public}
    reports = {
        k: PropertyReport(k, v["outcome"] != "rejected", v["samples"] * 2 * len(cases[k]), 0, v["max_ks_statistic"],
                          v["rounding_noise"], None, 0.0, note=f"{v['outcome']}: {_law_words(v)}",
                          usable=v["samples"] * 2 * (len(cases[k]) - v["cases_skipped"]))
        for k, v in tests.items()
    }
    law_skips = {k: (v["cases_skipped"], len(cases[k])) for k, v in tests.items()}
    deviation = {"orthogonal": orth["max_ks_statistic"], "pm1": pm1["max_ks_statistic"]}
    if judgement is None:
        undecided = [k for k, v in tests.items() if v["outcome"] == "undecided"]
        message = ("inconclusive: " + "; ".join(f"{_NAMES[k]} law test: {_law_words(tests[k])}" for k in tests) +
                   f"; neither rejects nor excludes a KS shift of {judge.MIN_SHIFT:g} at the cap of "
                   f"{tests[undecided[0]]['samples']} seeds per side ({', '.join(_NAMES[k] for k in undecided)}): "
                   f"raise --samples (now {config.samples}) for a decision")
        return build.no_verdict(learner, caller, t0, message, diagnosis=Diagnosis.INCONCLUSIVE, deviation=deviation,
                                properties=reports, distribution=dist,
                                warnings=build.warnings_of(
                                    caller, law_skips=law_skips,
                                    law_diverged={k: v["non_finite_seeds"] for k, v in tests.items()}))
    cx = None
    if judgement.primary is not None:
        primary = tests[judgement.primary]
        p, case, A, B = primary["_worst"]
        cx = build.law_counterexample(case, A, B, caller=caller, statistic=primary["max_ks_statistic"], p=p,
                                      alpha=config.alpha, replay=build.replay_info(learner, config, randomized=True))
    verdict = judgement.verdict
    message = (f"{verdict.value}: {judgement.why}; "
               + "; ".join(f"{_NAMES[k]} law test: {_law_words(v)}" for k, v in tests.items())
               + _output_skipped(learner, caller))
    return build.verdict_result(
        learner, caller, t0,
        verdict=verdict,
        symmetry=(judge.symmetry_of(None, None, orthogonal_ok=True) if verdict is Verdict.INVARIANT_IN_DISTRIBUTION
                  else None),
        deviation=deviation,
        counterexample=cx,
        message=message,
        properties=reports,
        counterexamples={} if cx is None else {cx.property: cx},
        warnings=build.warnings_of(caller, law_skips=law_skips,
                                   law_diverged={k: v["non_finite_seeds"] for k, v in tests.items()}),
        distribution=dist,
    )


def _law_words(t: dict) -> str:
    """One law test in words: its statistic, adjusted p against its level, and what its size can detect."""
    return (f"KS statistic {fmt_num(t['max_ks_statistic'])}, adjusted p {fmt_p(t['p_value'])} "
            f"(level {fmt_num(t['level'])}, {t['tests']} test points), {t['samples']} seeds per side "
            f"({t['looks']} look{'s' if t['looks'] > 1 else ''}), "
            f"smallest detectable KS distance {fmt_num(t['detectable_ks'])}")


def _message(verdict: Verdict, why: str, orth: PropertyReport, pm1: PropertyReport, cx, caller: Caller,
             domain: Domain | None, *, outputs: list | None = None, output_symmetry: Symmetry | None = None) -> str:
    profile = caller.profile
    at = "" if profile.precision == "float64" else f" at {profile.precision} precision ({profile.precision_note})"
    if at and caller.learner.exact is None and caller.learner.exact_note:  # no cast could be reached: the allowance
        at = at[:-1] + f"; no exact-arithmetic run: {caller.learner.exact_note})"
    where = "" if domain is None or domain.words is None else f" for {domain.words}"
    parts = [f"{verdict.value}{at}{where}: {why}"]
    for label, r in (("generic data", orth), ("±1 twins", pm1)):
        parts.append(f"{label}: max deviation {_fmt(r.max_deviation)} over {r.examples} examples")
        if r.excused is not None:
            e = r.excused
            parts.append(f"{label}: {e['count']} deviation(s) above {judge.FLOOR:g} excused, the largest {e['words']}")
    if cx is not None:
        parts.append(
            f"counterexample ({cx.property}): d={cx.d}, n={cx.n}, m={cx.m}, {cx.U_description}, "
            f"deviation {_fmt(cx.deviation)}"
            f" > threshold {_fmt(cx.threshold)}"
        )
        if cx.scaling and cx.scaling.get("suggestion"):
            parts.append(cx.scaling["suggestion"])
    if outputs:
        parts.append(_output_words(outputs, output_symmetry, caller.learner.outputs or 1))
    return "; ".join(parts)


def _output_words(reports: list[PropertyReport], symmetry: Symmetry | None, h: int) -> str:
    """The output side in words: the group, and what each output search measured."""
    head = (f"output symmetry {symmetry.value} (H = {h} outputs: Y ↦ YVᵀ gives Ŷ ↦ ŶVᵀ)" if symmetry is not None else
            f"output symmetry undecided (H = {h})")
    words = []
    for r in reports:
        cx = r.counterexample
        if r.note and r.note.startswith("undecided"):
            words.append(f"{_NAMES[r.name]}: {r.note}")
        elif cx is not None:
            words.append(f"{_NAMES[r.name]}: fails, d={cx.d}, n={cx.n}, m={cx.m}, {cx.V_description}, deviation "
                         f"{_fmt(cx.deviation)} > threshold {_fmt(cx.threshold)}")
        else:
            extra = f" ({r.evidence})" if r.evidence else ""
            words.append(f"{_NAMES[r.name]}: max deviation {_fmt(r.max_deviation)} over {r.examples} examples{extra}")
    return head + ": " + "; ".join(words)


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if not np.isfinite(x):
        return "∞ (one side failed)"
    return f"{x:.1e}"
