"""The words of a verdict: every sentence :mod:`invariance.pipeline` puts in a Result's message.

The pipeline decides (with :mod:`invariance.judge`) and hands this module numbers, reports and runs;
nothing here decides anything. The searches' own records (``search.property.Searched``,
``search.distribution.LawTest``, ``search.run.Excusal``) are read by attribute and typed ``Any``: the
searches word their reports with this module, so it cannot import them.
Property names are worded by :data:`NAMES`; deviations by
:func:`deviation_words` (``n/a`` where none was measured, ``∞ (one side failed)`` where one side did).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from invariance import judge
from invariance.render.numbers import fmt_dev, fmt_num, fmt_p
from invariance.verdict import ExcusedBy, Reason, Scaling, Shortfall, StateFit, Symmetry, Verdict

if TYPE_CHECKING:
    from invariance.contract import Domain, Learner
    from invariance.probe.call import Caller
    from invariance.result.model import PropertyReport

NAMES = {"orthogonal": "generic", "pm1": "±1 twin", "signed-permutation": "signed-permutation",
         "permutation": "permutation", "output-orthogonal": "output (orthogonal V)",
         "output-signed-permutation": "output (signed-permutation V)",
         "output-permutation": "output (permutation V)"}

#: why a randomised learner that passed both per-seed searches needs no law test
SEED_BY_SEED = ("randomised, but equal seed by seed: both sides of every example drew from the same seed (one "
                "seed per example), so no test of the law is needed")


#: why a verdict: the outcomes it rests on (judge.Judgement.reason)
REASONS = {
    Reason.BOTH_PASS: "no violation on generic data or on ±1 Gram twins",
    Reason.GENERIC_FAILS: "violates on generic data, but no violation on ±1 Gram twins",
    Reason.TWINS_FAIL: "passes the generic search but violates on ±1 Gram twins, which are rotations of each other",
    Reason.BOTH_FAIL: "violates on generic data and on ±1 Gram twins",
    Reason.LAW_CHANGES_ON_TWINS: "the law of its predictions changes on ±1 Gram twins",
    Reason.LAW_CHANGES_ON_GENERIC: "the law changes on generic data, not on ±1 twins",
    Reason.LAW_SHIFT_EXCLUDED:
        f"no two-sample test rejects, and each excludes a KS shift of {judge.MIN_SHIFT:g} or more",
}

#: how a state tensor compared (judge.state_transform), as the sentence "KEY at step S …" ends
STATE_FIT = {
    StateFit.SCALAR: "a scalar must be equal on both sides",
    StateFit.NOT_WEIGHT_SHAPED: "not shaped like the weight",
    StateFit.TRANSFORMS: "transforms like the weight",
    StateFit.SCALAR_IN_DISGUISE: "equal on both sides with all entries equal (a scalar in disguise)",
    StateFit.BREAKS: "does not transform like the weight",
}


def evidence_words(ev: judge.Evidence) -> str | None:
    """Why a passed search does not carry its verdict (None when it does)."""
    if ev.short is None:
        return None
    if ev.short is Shortfall.UNSTABLE:
        return (f"on {ev.unstable} of {ev.usable} usable examples rounding-level perturbations moved the predictions "
                f"by ≥ {judge.UNSTABLE_NOISE:g} (relative), and those deviations were excused: "
                "the learner's answer is set by its arithmetic, not by the data, "
                "so no verdict can be read from it")
    if ev.short is Shortfall.NOTHING_DRAWN:
        return "no example could be drawn"
    if ev.short is Shortfall.FEW_USABLE:
        return f"only {ev.usable} of {ev.examples} examples were usable (at least {judge.MIN_USABLE:.0%} are needed)"
    lo, hi = ev.d_range
    return f"none of the {ev.drawn} examples with d in {lo}–{hi} was usable"


def scaling_words(scaling: Scaling, slope: float | None) -> str:
    """What the angle scaling of a counterexample says (judge.scaling_of)."""
    if scaling is Scaling.LARGE_ROTATION_ONLY:
        return f"no deviation above {judge.FLOOR:g} under small Givens rotations: the violation needs a large rotation"
    if scaling is Scaling.STRUCTURAL:
        return f"structural: deviation grows like θ^{slope:.2f} for small angles"
    if scaling is Scaling.HIGHER_ORDER:
        return f"structural, higher order: deviation grows like θ^{slope:.2f}"
    shown = "n/a" if slope is None else f"{slope:.2f}"
    return f"does not scale with θ (slope {shown}): a discontinuity (threshold, stopping rule) or precision noise"


def excusal_words(e: Any) -> str:
    """A deviation judged rounding, and what excused it (search.run.Excusal)."""
    what = {
        ExcusedBy.EXAMPLE_PROBES:
            f"this example's measured rounding sensitivity {e.noise:.1e} "
            "(round trip through a Haar V and a rounding-level jitter, on both sides)",
        ExcusedBy.GAUSSIAN_PROBES:
            f"the learner's measured rounding sensitivity {e.noise:.1e} "
            "on a Gaussian problem of the same size (exact ±1 twins are not perturbed)",
        ExcusedBy.FAILURE_PROBES:
            "a rounding-level round trip of the side that failed, which then answered: only one side "
            "failed, and rounding decides which (an exactly degenerate input on one side)",
        ExcusedBy.PRECISION:
            (f"the {e.precision} rounding allowance {judge.ALLOWANCE:g}·u·√max(d, n) "
             f"(u = 2^{int(np.log2(judge.UNIT_ROUNDOFF[e.precision]))}), relative to the predictions"
             if e.precision in judge.ALLOWANCE_PRECISIONS else f"the floor {judge.FLOOR:g}"),
        ExcusedBy.EXACT_ARITHMETIC:
            (f"the distance {e.noise:.1e} of either side from the same learner in exact "
             f"(float64) arithmetic ({judge.EXACT_FACTOR:g}× that is rounding)"),
        ExcusedBy.PERMUTATION_CONTROL:
            (f"the twin controls: a rounding-level jitter of the labels alone moves the "
             f"predictions on the same twins by {e.noise:.1e}, and a column permutation of "
             "Gaussian data of this size moves them only by rounding; the learner's answer on "
             "this exact data is set by its arithmetic"),
    }[ExcusedBy(e.by)]
    if e.by == ExcusedBy.FAILURE_PROBES:
        return f"a one-sided failure (d={e.d}, n={e.n}, m={e.m}) excused by {what}"
    return (f"deviation {e.deviation:.1e} (d={e.d}, n={e.n}, m={e.m}) excused by {what}: "
            f"threshold {e.threshold:.1e}")


def deviation_words(x: float | None) -> str:
    if x is None:
        return "n/a"
    if not np.isfinite(x):
        return "∞ (one side failed)"
    return fmt_dev(x)


def shrink_cut(budget: int) -> str:
    return (f"shrinking stopped at its budget of {budget} evaluations; the counterexample is the smallest "
            "violation found by then")


def refused_words(refused: list) -> tuple[str, ...]:
    """The three smallest distinct refused shapes, each with the learner's first words about it."""
    first: dict = {}
    for d, n, m, why in refused:
        first.setdefault((d, n, m), why)
    return tuple(f"d={d}, n={n}, m={m} ({first[d, n, m]})" for d, n, m in sorted(first)[:3])


def precision_suggestion(lower: str, allowance: float) -> str:
    return (f"the deviation does not scale with θ and sits within {lower} rounding (allowance {allowance:.1e} "
            f"here): if the learner computes in {lower}, ask at that precision: --precision {lower}")


def permutation_control(set_by_arithmetic: bool, dev: float) -> str:
    """The permutation control beside a twin violation, read by :func:`invariance.judge.set_by_arithmetic`."""
    if set_by_arithmetic:
        return (f"a mere column permutation of the same ±1 data moves the predictions by {dev:.1e} too: on this "
                "exact, degenerate data (ties, singular matrices) the learner's answer is set by its arithmetic "
                "order or a tie-break, not by the Gram matrix alone")
    return (f"a column permutation of the same ±1 data moves the predictions by only {dev:.1e}: the twin difference "
            "follows the data's coordinates (a per-coordinate rule), not the learner's arithmetic")


def skipped(exc: Exception) -> str:
    return f"skipped: {exc}"


def fatal(run: Any) -> str:
    """A learner failure during a search, with the input it failed on."""
    c = run.fatal_case
    return run.fatal if c is None else f"in the {run.name} search (d={c.d}, n={c.n}, m={c.m}): {run.fatal}"


def narrowing_hint(shapes: list[tuple[int, int, int, bool]]) -> str:
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


def does_not_learn(learner: Learner) -> str:
    stuck = (" (an optimizer that never moves this model's parameters, or never receives a gradient)"
             if learner.options.get("description") else "")
    return ("its predictions do not depend on the training data: trained on other data of the same shape it predicts "
            f"exactly the same{stuck}, so any invariance verdict would be vacuous; make it learn, then check it again")


def exact_beside_computed(exact_message: str, diagnosis: str, exact_note: str | None, precision: str,
                          computed: dict) -> str:
    """The message of a reduced-precision learner judged by its exact-arithmetic twin, the learner as it
    computes beside it."""
    head = exact_message if not diagnosis or exact_message.startswith(diagnosis) else f"{diagnosis}: {exact_message}"
    dev = computed["deviation"]
    outcome = computed["verdict"] or computed["diagnosis"]
    words = (f"{outcome} (generic deviations up to {deviation_words(dev.get('orthogonal'))}, ±1 twins up to "
             f"{deviation_words(dev.get('pm1'))}, judged against each side's distance from the exact run)")
    return f"{head}; exact arithmetic: {exact_note}; as computed in {precision}: {words}"


def output_skipped(learner: Learner, caller: Caller) -> str:
    """Why a learner with several outputs has no output symmetry, where the output side was not searched."""
    if learner.outputs is None:
        return ""
    if caller.profile.positive_labels:
        return ("; output side not searched: the learner takes labels 1 + |y| only, and 1 + |YVᵀ| is not "
                "(1 + |Y|)Vᵀ, so no map of the targets can be compared (output_symmetry null)")
    if caller.profile.randomized:
        return "; output side not searched: randomised learners have no output law test yet (output_symmetry null)"
    return ""


def _non_finite_counts(reports: Sequence[PropertyReport]) -> tuple[str, dict]:
    """The NaN/inf counts per search in words, and the smallest (shrunk) input that triggers them, of the
    reports that saw any."""
    hit = [(r, r.non_finite) for r in reports if r.non_finite]
    counts = "; ".join(f"{nf['count'] + nf['one_sided']} of {r.examples} {NAMES[r.name]} examples"
                       + (f" ({nf['one_sided']} on one side only)" if nf["one_sided"] else "")
                       for r, nf in hit)
    return counts, min((nf for _, nf in hit), key=lambda nf: (nf["d"], nf["n"], nf["m"]))


def diverged_warning(reports: Sequence[PropertyReport]) -> tuple[str, ...]:
    """NaN/inf seen beside a verdict that rests on violations found on finite outputs: counts per search
    and the smallest input that triggers it, shrunk (docs/design.md#evidence)."""
    if not any(r.non_finite for r in reports):
        return ()
    counts, c = _non_finite_counts(reports)
    return (f"the learner returned NaN/inf on {counts}; the smallest input that triggers it has d={c['d']}, "
            f"n={c['n']}, m={c['m']}; the verdict rests on the violations found on finite outputs",)


def non_finite(searched: Sequence[Any]) -> str:
    counts, c = _non_finite_counts([s.report for s in searched])
    shapes = [(d, n, m, ok) for x in searched for d, n, m, ok in x.run.shapes]
    return (f"returned NaN/inf on valid input: the smallest input that triggers it has "
            f"d={c['d']}, n={c['n']}, m={c['m']} (shrunk); {counts}. Fix the learner; {narrowing_hint(shapes)}")


def _skipped_words(r: PropertyReport) -> str:
    """Why examples of a search could not be compared, by cause: refused (raised alike on both sides), NaN/inf
    on both sides, NaN/inf on one side; a NaN is not a refusal."""
    refused, both, one = r.skipped_by_cause
    causes = [f"{refused} refused on both sides" + (f" ({', '.join(r.refused[:3])})" if r.refused else "")
              if refused > 0 else "",
              f"{both} NaN/inf on both sides" if both else "", f"{one} NaN/inf on one side" if one else ""]
    said = "; ".join(c for c in causes if c)
    return f"; {r.skips} of {r.examples} examples could not be compared: {said}" if r.skips and said else ""


def inconclusive(verdict: Verdict, short: list[PropertyReport], searched: Sequence[Any],
                 limited: Sequence[Any] = ()) -> str:
    parts = [f"inconclusive: the evidence would say {verdict.value}, but it does not carry it"]
    for s in limited:
        c = s.run.non_finite
        assert c is not None  # a search limited by one-sided NaN/inf has recorded its smallest input
        parts.append(f"{NAMES[s.run.name]} search: on {s.run.one_sided_non_finite} of {s.run.examples} examples one "
                     f"side returned NaN/inf where the other answered (smallest d={c.d}, n={c.n}, m={c.m}), so its "
                     "pass cannot be claimed")
    if not short:
        return "; ".join(parts + ["make the learner stay finite on these inputs, "
                                  "or narrow the question (--max-d, --min-n, --n-above-d)"])
    for r in short:
        parts.append(f"{NAMES[r.name]} search: {r.evidence}{_skipped_words(r)}")
    # the unstable-rounding rule, not refusals
    if all(r.usable and (r.evidence or "").startswith("on ") for r in short):
        parts.append("the learner's answer moves with rounding: fix its numerics (an arbitrary eigenbasis, a chaotic "
                     "iteration, a near-singular solve), or ask at a coarser --precision")
    else:
        shapes = [sh for s in searched if s.run.name in {r.name for r in short} for sh in s.run.shapes]
        parts.append(narrowing_hint(shapes))
    return "; ".join(parts)


def verdict_message(verdict: Verdict, why: str, orth: PropertyReport, pm1: PropertyReport, cx, caller: Caller,
                    domain: Domain | None, *, outputs: Sequence[PropertyReport] = (),
                    output_symmetry: Symmetry | None = None) -> str:
    profile = caller.profile
    at = "" if profile.precision == "float64" else f" at {profile.precision} precision ({profile.precision_note})"
    if at and caller.learner.exact is None and caller.learner.exact_note:  # no cast could be reached: the allowance
        at = at[:-1] + f"; no exact-arithmetic run: {caller.learner.exact_note})"
    where = "" if domain is None or domain.words is None else f" for {domain.words}"
    parts = [f"{verdict.value}{at}{where}: {why}"]
    for label, r in (("generic data", orth), ("±1 twins", pm1)):
        parts.append(f"{label}: max deviation {deviation_words(r.max_deviation)} over {r.examples} examples")
        if r.excused is not None:
            e = r.excused
            parts.append(f"{label}: {e['count']} deviation(s) above {judge.FLOOR:g} excused, the largest {e['words']}")
    if cx is not None:
        parts.append(f"counterexample ({cx.property}): d={cx.d}, n={cx.n}, m={cx.m}, {cx.U_description}, "
                     f"deviation {deviation_words(cx.deviation)} > threshold {deviation_words(cx.threshold)}")
        if cx.scaling and cx.scaling.get("suggestion"):
            parts.append(cx.scaling["suggestion"])
    if outputs:
        parts.append(_output_words(outputs, output_symmetry, caller.learner.outputs or 1))
    return "; ".join(parts)


def _output_words(reports: Sequence[PropertyReport], symmetry: Symmetry | None, h: int) -> str:
    """The output side in words: the group, and what each output search measured."""
    head = (f"output symmetry {symmetry.value} (H = {h} outputs: Y ↦ YVᵀ gives Ŷ ↦ ŶVᵀ)" if symmetry is not None else
            f"output symmetry undecided (H = {h})")
    words = []
    for r in reports:
        cx = r.counterexample
        if r.note and r.note.startswith("undecided"):
            words.append(f"{NAMES[r.name]}: {r.note}")
        elif cx is not None:
            words.append(f"{NAMES[r.name]}: fails, d={cx.d}, n={cx.n}, m={cx.m}, {cx.V_description}, deviation "
                         f"{deviation_words(cx.deviation)} > threshold {deviation_words(cx.threshold)}")
        else:
            extra = f" ({r.evidence})" if r.evidence else ""
            words.append(f"{NAMES[r.name]}: max deviation {deviation_words(r.max_deviation)} over {r.examples} "
                         f"examples{extra}")
    return head + ": " + "; ".join(words)


# ------------------------------------------------------------------------ randomised learners: law tests


def law_words(t: Any) -> str:
    """One law test in words: its statistic, adjusted p against its level, and what its size can detect."""
    return (f"KS statistic {fmt_num(t.max_ks_statistic)}, adjusted p {fmt_p(t.p_value)} "
            f"(level {fmt_num(t.level)}, {t.tests} test points), {t.samples} seeds per side "
            f"({t.looks} look{'s' if t.looks > 1 else ''}), "
            f"smallest detectable KS distance {fmt_num(t.detectable_ks)}")


def law_test_name(looks: int, samples: int) -> str:
    return ("two-sample Kolmogorov–Smirnov, Bonferroni over test points, sequential (α split over "
            f"{looks} looks at {samples}, {2 * samples} and {4 * samples} seeds per side)")


def law_sampling_failed(exc: Exception) -> str:
    return f"failed while sampling predictions: {exc}"


def law_inconclusive(tests: dict[str, Any], samples: int) -> str:
    undecided = [k for k, v in tests.items() if v.outcome == "undecided"]
    return ("inconclusive: " + "; ".join(f"{NAMES[k]} law test: {law_words(tests[k])}" for k in tests) +
            f"; neither rejects nor excludes a KS shift of {judge.MIN_SHIFT:g} at the cap of "
            f"{tests[undecided[0]].samples} seeds per side ({', '.join(NAMES[k] for k in undecided)}): "
            f"raise --samples (now {samples}) for a decision")


def law_verdict(verdict: Verdict, reason: Reason, tests: dict[str, Any]) -> str:
    return (f"{verdict.value}: {REASONS[reason]}; "
            + "; ".join(f"{NAMES[k]} law test: {law_words(v)}" for k, v in tests.items()))


def law_note(t: Any) -> str:
    return f"{t.outcome}: {law_words(t)}"
