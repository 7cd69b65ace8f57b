"""Judging, in one place: every rule that turns measured numbers into a decision.

Nothing here calls a learner, draws data or prints. The probe and the searches *measure* (deviations,
rounding sensitivities, p-values, curves) and ask this module what the numbers mean:

* one example — violation or rounding (:func:`judge_example`), see docs/design.md#tolerance;
* one property's outcomes → a verdict (:func:`verdict_of`) and the symmetry field (:func:`symmetry_of`),
  see docs/design.md#verdicts; the same for the two-sample tests of a randomised learner
  (:func:`law_verdict`), see docs/design.md#randomised-learners;
* what a declared verdict implies for each property (:data:`IMPLIED`), which the pytest gate checks;
* the words for the angle-scaling slope and the permutation control beside a twin violation;
* a learning curve against the bound 1 − k/d (:func:`curve_flags`), see docs/design.md#learning-curves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from invariance.verdict import PRECISIONS, Diagnosis, FlagKind, LawOutcome, Symmetry, Verdict

__all__ = [
    "FLOOR",
    "NOISE_FACTOR",
    "F32_WEIGHT",
    "PRECISIONS",
    "UNIT_ROUNDOFF",
    "ALLOWANCE",
    "ALLOWANCE_PRECISIONS",
    "MIN_DRAWN",
    "UNSTABLE_NOISE",
    "D_RANGES",
    "CONFIRM_PROBES",
    "MIN_USABLE",
    "allowance",
    "floor_at",
    "suggest_precision",
    "Evidence",
    "evidence_of",
    "BOUND_MARGIN",
    "CLAIMS",
    "IMPLIED",
    "Flag",
    "Judgement",
    "ExampleJudgement",
    "sensitivity",
    "jitter_unit",
    "threshold",
    "judge_example",
    "noise_needed",
    "verdict_of",
    "law_verdict",
    "MIN_SHIFT",
    "symmetry_of",
    "relied_on",
    "PropertyFacts",
    "Decision",
    "decide",
    "PERMUTATION_FACTOR",
    "permutation_excuses",
    "JITTER_DRAWS",
    "DIVERGED",
    "diverged_count",
    "learns",
    "allowance_excuses",
    "scaling_diagnosis",
    "is_structural",
    "law_outcome",
    "STRONG_RATIO",
    "STRONG_KEEPS",
    "EXACT_FACTOR",
    "permutation_control_words",
    "curve_flags",
    "declared_contradictions",
]

# ------------------------------------------------------------------------------------------ tolerance

#: relative deviation that is rounding for any float64 learner (sound learners show 1e-16–1e-12)
FLOOR = 1e-10
#: predictions beyond this multiple of the labels' scale max(1, ‖y‖∞) are a run diverging towards overflow,
#: not predictions: what they hold is rounding amplified by the divergence (GD with step 1 on ‖x‖² = 16 gives
#: −7e100 on one ±1 twin and 0 on the other). They count as non-finite, like the NaN/inf such runs end in.
DIVERGED = 1e50


def diverged_count(predictions: np.ndarray, labels: np.ndarray) -> int:
    """How many of ``predictions`` lie beyond :data:`DIVERGED` times the labels' scale."""
    scale = max(1.0, float(np.max(np.abs(labels), initial=0.0)))
    return int(np.sum(np.abs(predictions) > DIVERGED * scale))


#: how far above its own measured rounding sensitivity a deviation must lie to count
NOISE_FACTOR = 100.0
#: weight of the float32-level probe of a learner judged at float32 or coarser: a deviation must exceed
#: 10× the response to a 2⁻²⁴ perturbation (at float64 the jitter is 2⁻⁵² and counts fully)
F32_WEIGHT = 0.1
#: the unit roundoff u = 2⁻ᵗ (t significand bits) of each precision a verdict can hold at
UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24, "tf32": 2.0**-11, "float16": 2.0**-11, "bfloat16": 2.0**-8}
#: a learner computing at tf32, float16 or bfloat16 may deviate by up to ALLOWANCE · u_p · √max(d, n)
#: (rounding errors of a length-s computation grow like √s u); measured: Muon (bfloat16 Newton–Schulz)
#: reaches 4.3 u at d = n = 4. At float64 and float32 the rounding is *measured* by the probes instead
#: (their round trip and jitter reach it); inside a tf32/float16/bfloat16 computation no probe of the
#: float64 inputs does, so the allowance stands in for the measurement.
ALLOWANCE = 8.0
#: the precisions judged by the allowance rather than by probes
ALLOWANCE_PRECISIONS = ("tf32", "float16", "bfloat16")
#: how many independent rounding probes (each: a round trip and a jitter, on both sides) must all fail to
#: explain a deviation before it counts: one probe can miss a near-tie that the rotation happened to break
CONFIRM_PROBES = 3


def allowance(precision: str, d: int, n: int) -> float:
    """The rounding a learner computing at ``precision`` is allowed on a problem of d columns and n rows
    (0 at float64 and float32, whose rounding the probes measure)."""
    if precision not in ALLOWANCE_PRECISIONS:
        return 0.0
    return ALLOWANCE * UNIT_ROUNDOFF[precision] * float(np.sqrt(max(d, n, 1)))


def floor_at(precision: str, d: int, n: int) -> float:
    """The deviation below which nothing needs measuring: :data:`FLOOR` or the precision's allowance."""
    return max(FLOOR, allowance(precision, d, n))


def jitter_unit(precision: str) -> float:
    """The relative size of the probe's jitter: float64 rounding (2⁻⁵²) at float64, 2⁻²⁴ at float32 or coarser."""
    return 2.0**-52 if precision == "float64" else 2.0**-24


def sensitivity(round_trip: float, jitter: float, precision: str = "float64") -> float:
    """A learner's rounding sensitivity on one input from its two probes: the round trip (XVᵀ)V counts
    fully; the response to a :func:`jitter_unit` jitter fully at float64 (both perturb at rounding level)
    and with weight :data:`F32_WEIGHT` at float32 or coarser (2⁻²⁴ is a perturbation, not only rounding)."""
    return max(round_trip, (1.0 if precision == "float64" else F32_WEIGHT) * jitter)


def threshold(noise: float, *, precision: str = "float64", d: int = 1, n: int = 1, kind: str | None = None) -> float:
    """The deviation an example must exceed to be a violation, given its measured noise — one rule for
    generic data and ±1 twins (for a twin the noise is measured on a Gaussian problem of its size). The
    noise of kind ``"exact"`` is the distance of each side's computed predictions from the same learner's
    in exact (float64) arithmetic: two sides that agree exactly differ as computed by at most the sum of
    those distances, so :data:`EXACT_FACTOR` of it is all rounding can explain. The precision's allowance
    is not part of the threshold: it is applied, relative to the predictions, before any noise is measured
    (:func:`noise_needed`)."""
    if kind == "exact":
        return max(FLOOR, EXACT_FACTOR * noise)
    return max(FLOOR, NOISE_FACTOR * noise)


#: a reduced-precision learner's computed deviation is rounding when it is at most this many times the
#: larger distance of either side from the same learner in exact arithmetic (|a − b| ≤ |a − a*| + |b − b*|
#: when a* = b*)
EXACT_FACTOR = 2.0


@dataclass(frozen=True)
class ExampleJudgement:
    violation: bool
    threshold: float


def noise_needed(deviation: float, *, exact_inputs: bool, precision: str = "float64", d: int = 1, n: int = 1,
                 relative_to_predictions: float | None = None, has_exact: bool = False) -> str | None:
    """Which measured noise judging this deviation needs: ``None`` (rounding at this precision: at or below
    :data:`FLOOR`, or within the precision's allowance measured relative to the predictions,
    ``relative_to_predictions`` — the deviation itself when not given), ``"exact"`` (a reduced-precision
    learner with an exact-arithmetic twin: each side's distance from it), ``"gaussian"`` (a ±1 twin: the
    learner's noise on Gaussian data of the same size, since perturbing exact twins would break the ties
    they exist to test) or ``"example"`` (the rounding probes on this example's own inputs).
    ``exact_inputs``: the example is a ±1 Gram twin."""
    if deviation <= FLOOR:
        return None
    if has_exact:
        return "exact"
    rel = deviation if relative_to_predictions is None else max(deviation, relative_to_predictions)
    if allowance_excuses(rel, precision, d, n):
        return None
    return "gaussian" if exact_inputs else "example"


def judge_example(deviation: float, noise: float, *, kind: str | None, precision: str = "float64", d: int = 1,
                  n: int = 1) -> ExampleJudgement:
    """Violation or rounding for one example, given the noise of the ``kind`` :func:`noise_needed` asked for."""
    limit = floor_at(precision, d, n) if kind is None else threshold(noise, precision=precision, d=d, n=n, kind=kind)
    return ExampleJudgement(deviation > limit, limit)


def suggest_precision(deviation: float, d: int, n: int, current: str) -> str | None:
    """The finest precision coarser than ``current`` whose rounding allowance covers ``deviation`` — what
    to suggest when a violation does not scale with θ — or None."""
    coarser = PRECISIONS[PRECISIONS.index(current) + 1:]
    for p in coarser:
        if p in ALLOWANCE_PRECISIONS and p != "tf32" and deviation <= allowance(p, d, n):
            return p
    return None


# ------------------------------------------------------------------------------------------- evidence

#: the share of a property's examples that must be usable (answered on both sides) for a pass to count
MIN_USABLE = 0.5
#: the ranges of d a search promises to cover: each that held at least MIN_DRAWN examples must hold a usable one
D_RANGES = ((1, 4), (5, 8), (9, 16), (17, 24))
MIN_DRAWN = 5
#: a rounding sensitivity at or above this (relative) means rounding alone moves the predictions visibly;
#: when more than half of a pass's usable examples were excused by such noise, the learner's answer is set
#: by its arithmetic (an arbitrary eigenbasis, chaotic iterations), and the pass carries no verdict
UNSTABLE_NOISE = 1e-3


@dataclass(frozen=True)
class Evidence:
    """Whether a passed search carries its verdict: ``enough``, and if not, why (in words)."""

    enough: bool
    usable: int
    examples: int
    why: str | None = None


def evidence_of(shapes: list[tuple[int, int, int, bool]], unstable: int = 0) -> Evidence:
    """Judge the evidence of a *passed* search from its examples, each (d, n, m, usable). Not enough
    when fewer than :data:`MIN_USABLE` of them were usable, when some range of d in :data:`D_RANGES`
    was drawn at least :data:`MIN_DRAWN` times but none of its examples was usable, or when more than
    half of the usable ones were excused by a rounding sensitivity ≥ :data:`UNSTABLE_NOISE`
    (``unstable`` of them)."""
    examples = len(shapes)
    usable = sum(1 for s in shapes if s[3])
    if usable and unstable > 0.5 * usable:
        return Evidence(False, usable, examples,
                        f"on {unstable} of {usable} usable examples rounding-level perturbations moved the predictions "
                        f"by ≥ {UNSTABLE_NOISE:g} (relative), and those deviations were excused: "
                        "the learner's answer is set by its arithmetic, not by the data, "
                        "so no verdict can be read from it")
    if examples == 0:
        return Evidence(False, 0, 0, "no example could be drawn")
    if usable < MIN_USABLE * examples:
        return Evidence(False, usable, examples, f"only {usable} of {examples} examples were usable (at least "
                                                 f"{MIN_USABLE:.0%} are needed)")
    for lo, hi in D_RANGES:
        drawn = [s for s in shapes if lo <= s[0] <= hi]
        if len(drawn) >= MIN_DRAWN and not any(s[3] for s in drawn):
            return Evidence(False, usable, examples,
                            f"none of the {len(drawn)} examples with d in {lo}–{hi} was usable")
    return Evidence(True, usable, examples)


# ------------------------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    primary: str | None  # the property whose counterexample is shown first
    why: str


def verdict_of(orthogonal_passed: bool, pm1_passed: bool) -> Judgement:
    """``invariant`` needs both searches clean; a generic-data violation with clean twins is
    ``pm1-invariant``; a twin violation is ``not-invariant`` whatever the generic search said,
    since twins are themselves rotations of each other (docs/design.md#gram-twins)."""
    if orthogonal_passed and pm1_passed:
        return Judgement(Verdict.INVARIANT, None, "no violation on generic data or on ±1 Gram twins")
    if pm1_passed:
        return Judgement(
            Verdict.PM1_INVARIANT, "orthogonal", "violates on generic data, but no violation on ±1 Gram twins"
        )
    if orthogonal_passed:
        return Judgement(
            Verdict.NOT_INVARIANT,
            "pm1",
            "passes the generic search but violates on ±1 Gram twins, which are rotations of each other",
        )
    return Judgement(Verdict.NOT_INVARIANT, "orthogonal", "violates on generic data and on ±1 Gram twins")


#: the smallest KS distance between the two sides' laws worth caring about: a law test passes only when
#: its data exclude a shift this large (largest KS statistic + the distance detectable at its size ≤ this)
MIN_SHIFT = 0.3


def law_verdict(orthogonal: LawOutcome | str, pm1: LawOutcome | str) -> Judgement | None:
    """A randomised learner's verdict from the outcomes of its two sequential law tests ("rejected",
    "excluded", "undecided"). A twin rejection is a rotation rejection (twins are rotations of each
    other), whatever the Gaussian cases said; a Gaussian rejection with the twins' law excluded is
    ``pm1-invariant``; both excluded is ``invariant-in-distribution``. None when a test the verdict
    rests on is undecided: inconclusive."""
    orthogonal, pm1 = LawOutcome(orthogonal), LawOutcome(pm1)  # also as read back from JSON
    if pm1 is LawOutcome.REJECTED:
        return Judgement(
            Verdict.NOT_INVARIANT,
            "orthogonal" if orthogonal is LawOutcome.REJECTED else "pm1",
            "the law of its predictions changes on ±1 Gram twins",
        )
    if orthogonal is LawOutcome.REJECTED:
        if pm1 is LawOutcome.EXCLUDED:
            return Judgement(Verdict.PM1_INVARIANT, "orthogonal", "the law changes on generic data, not on ±1 twins")
        return None
    if orthogonal is LawOutcome.EXCLUDED and pm1 is LawOutcome.EXCLUDED:
        return Judgement(Verdict.INVARIANT_IN_DISTRIBUTION, None,
                         f"no two-sample test rejects, and each excludes a KS shift of {MIN_SHIFT:g} or more")
    return None


def symmetry_of(signed_passed: bool | None, perm_passed: bool | None, *, orthogonal_ok: bool) -> Symmetry:
    """The largest group tried under which the learner showed no violation (None: not searched)."""
    if orthogonal_ok:
        return Symmetry.ORTHOGONAL
    if signed_passed:
        return Symmetry.SIGNED_PERMUTATIONS
    if perm_passed:
        return Symmetry.PERMUTATIONS
    return Symmetry.NONE


#: what each declared verdict implies for each property: True = must pass, False = must fail, None =
#: either. It is :func:`verdict_of` read backwards, so the two cannot disagree (tests/test_judge.py).
IMPLIED: dict[Verdict, dict[str, bool | None]] = {
    Verdict.INVARIANT: {"orthogonal": True, "pm1": True},
    Verdict.PM1_INVARIANT: {"orthogonal": False, "pm1": True},
    Verdict.NOT_INVARIANT: {"orthogonal": None, "pm1": False},
}


def relied_on(verdict: Verdict) -> tuple[str, ...]:
    """The properties whose *pass* a verdict rests on: each must carry enough usable examples
    (:func:`evidence_of`), or the result is inconclusive. A found violation needs no count."""
    return tuple(k for k, v in IMPLIED.get(verdict, {}).items() if v is True)


@dataclass(frozen=True)
class PropertyFacts:
    """What one searched property found, as far as the decision needs it: a violation found on finite
    outputs (or one side raising), examples on which both sides returned NaN/inf, examples on which
    only one side did, and whether a pass it makes carries enough evidence (:func:`evidence_of`)."""

    violated: bool
    non_finite: int = 0
    one_sided_non_finite: int = 0
    short: bool = False


@dataclass(frozen=True)
class Decision:
    """The outcome of a deterministic check: a :class:`Judgement` (the verdict the violations found
    give) and, when the evidence does not carry it, the diagnosis that replaces it — ``non-finite``
    (NaN/inf and no violation anywhere) or ``inconclusive`` (a pass the verdict rests on is short of
    usable examples, ``short``, or saw one side diverge where the other answered, ``limited``).
    ``diverged``: the properties that saw NaN/inf at all (a warning beside any verdict)."""

    judgement: Judgement
    diagnosis: Diagnosis | None = None
    short: tuple[str, ...] = ()
    limited: tuple[str, ...] = ()
    diverged: tuple[str, ...] = ()


def decide(orthogonal: PropertyFacts, pm1: PropertyFacts) -> Decision:
    """Evidence first (docs/design.md#evidence). A violation found on finite outputs decides its property,
    whatever failed on other inputs: NaN/inf elsewhere only limits what a *passed* property may claim.

    * No violation anywhere and NaN/inf somewhere: ``non-finite`` (the learner diverges on valid input,
      and no verdict can be read from the rest).
    * A pass the verdict rests on (:func:`relied_on`) that saw only one side diverge on some example, or
      that lacks usable examples: ``inconclusive``.
    * Otherwise the verdict stands; NaN/inf seen elsewhere is a warning."""
    facts = {"orthogonal": orthogonal, "pm1": pm1}
    judgement = verdict_of(not orthogonal.violated, not pm1.violated)
    diverged = tuple(k for k, f in facts.items() if f.non_finite or f.one_sided_non_finite)
    if diverged and not (orthogonal.violated or pm1.violated):
        return Decision(judgement, Diagnosis.NON_FINITE, diverged=diverged)
    relied = relied_on(judgement.verdict)
    limited = tuple(k for k in relied if facts[k].one_sided_non_finite)
    short = tuple(k for k in relied if facts[k].short)
    if limited or short:
        return Decision(judgement, Diagnosis.INCONCLUSIVE, short=short, limited=limited, diverged=diverged)
    return Decision(judgement, None, diverged=diverged)


#: a twin deviation is set by arithmetic when a rounding-level jitter of the labels moves the predictions
#: on the same twins by at least 1/PERMUTATION_FACTOR of it (rounding that is amplified once is amplified
#: alike on the twin)
PERMUTATION_FACTOR = 10.0


def permutation_excuses(twin_deviation: float, label_jitter: float, generic_control: float, floor: float) -> bool:
    """Whether a twin deviation is set by arithmetic, not by the data. Both must hold:

    * a rounding-level jitter of the *labels* alone (``label_jitter``; the inputs, and every exact tie in
      them, left alone) moves the predictions on the same twins by at least 1/:data:`PERMUTATION_FACTOR`
      of the twin deviation — the answer on this data is decided by rounding (a residual exactly 0 on one
      side and 1e-17 on the other, then normalised or signed), not by a discrete rule on exact inputs such
      as a tie broken by a coordinate (which a label jitter does not move);
    * a column permutation of a Gaussian problem of that size moves them by no more than rounding
      (``generic_control`` ≤ ``floor``) — the learner treats no coordinate specially where nothing is
      degenerate.

    The column permutation of the twins themselves (shown beside every twin counterexample) does not
    decide: on exact ±1 data a reordered sum is often exact too, and a coordinate tie-break moves with it."""
    return bool(np.isfinite(label_jitter) and label_jitter >= twin_deviation / PERMUTATION_FACTOR
                and np.isfinite(generic_control) and generic_control <= floor)


#: how many rounding-level jitters of the labels the twin control draws before it gives up; draw k moves each
#: label by ±2^(k−52)·max(1, |y|). A jitter moves a sign or normalised step at an exact fit only when it flips
#: the residual's sign, and that residual carries the rounding of an inner product (L∞-normalised GD on a ±1
#: twin: +1.7e-16 on one side, −3.3e-16 on the other, against a one-ulp jitter of 7e-17 after the learner
#: divides its labels by 3), so the draws grow, and stay at rounding level (≤ 2^-45)
JITTER_DRAWS = 8


def allowance_excuses(relative_to_predictions: float, precision: str, d: int, n: int) -> bool:
    """Whether the allowance of a reduced precision covers a deviation, measured relative to the size of
    the predictions themselves (a learner whose predictions are 1e-3 cannot hide a 2e-4 difference in an
    allowance meant for O(1) numbers)."""
    return precision in ALLOWANCE_PRECISIONS and relative_to_predictions <= allowance(precision, d, n)


def learns(dependence: float) -> bool:
    """Whether a learner's predictions depend on its training data: ``dependence`` is the largest
    deviation of its predictions on the same test points when trained on other data (a constant, a
    learner stuck at its initialisation, an optimizer that never received a gradient: 0)."""
    return dependence > FLOOR

# ------------------------------------------------------------------- words for the measured diagnoses


def is_structural(slope: float | None) -> bool:
    """A log-log slope of deviation against θ that says the violation grows with the angle."""
    return slope is not None and slope >= 0.5


#: the panel shows the strongest counterexample when the minimal one is within this factor of its threshold
STRONG_RATIO = 10.0
#: the strongest counterexample is shrunk only while it keeps this share of its strength (deviation ÷ threshold)
STRONG_KEEPS = 0.5


def law_outcome(p_adjusted: float, level: float, ks: float, detectable: float) -> LawOutcome:
    """One look of the sequential law test: "rejected" (adjusted p below the look's level), "excluded" (the
    largest KS statistic plus the distance detectable at this size stays within :data:`MIN_SHIFT`), else
    "undecided"."""
    if p_adjusted < level:
        return LawOutcome.REJECTED
    if ks + detectable <= MIN_SHIFT:
        return LawOutcome.EXCLUDED
    return LawOutcome.UNDECIDED


def scaling_diagnosis(slope: float | None, any_usable: bool) -> str:
    """What the log-log slope of deviation against the Givens angle θ (1e-1 … 1e-4) says: a structural
    violation grows like θ; a threshold, a stopping rule or reduced precision does not."""
    if not any_usable:
        return f"no deviation above {FLOOR:g} under small Givens rotations: the violation needs a large rotation"
    if slope is not None and 0.5 <= slope <= 1.5:
        return f"structural: deviation grows like θ^{slope:.2f} for small angles"
    if slope is not None and slope > 1.5:
        return f"structural, higher order: deviation grows like θ^{slope:.2f}"
    shown = "n/a" if slope is None else f"{slope:.2f}"
    return f"does not scale with θ (slope {shown}): a discontinuity (threshold, stopping rule) or precision noise"


def permutation_control_words(column_permutation_deviation: float, twin_deviation: float) -> str:
    """Reading of the permutation control beside a twin violation: if a mere column permutation of the
    same ±1 data moves the predictions within a factor :data:`NOISE_FACTOR` of the twin difference,
    the learner's answer on this degenerate data is set by arithmetic order or a tie-break."""
    dev = column_permutation_deviation
    if dev * NOISE_FACTOR >= twin_deviation:
        return (
            f"a mere column permutation of the same ±1 data moves the predictions by {dev:.1e} too: on this exact, "
            "degenerate data (ties, singular matrices) the learner's answer is set by its arithmetic order or a "
            "tie-break, not by the Gram matrix alone"
        )
    return (
        f"a column permutation of the same ±1 data moves the predictions by only {dev:.1e}: the twin difference "
        "follows the data's coordinates (a per-coordinate rule), not the learner's arithmetic"
    )


# --------------------------------------------------------------------------------- curves vs the bound

#: how far below 1 − k/d a mean Hadamard curve must dip to contradict an invariance verdict (the
#: allowance for averaging over few trials)
BOUND_MARGIN = 0.05
#: verdicts that put a learner under the 1 − k/d lower bound on the Hadamard problem
CLAIMS = (Verdict.INVARIANT, Verdict.PM1_INVARIANT, Verdict.INVARIANT_IN_DISTRIBUTION)


@dataclass(frozen=True)
class Flag:
    """Something a reader must see: ``contradiction`` (verdict vs curve), ``note`` (allowed but
    worth saying) or ``no-curve`` (the learner failed on the curve problems)."""

    kind: FlagKind
    text: str

    def to_json(self) -> dict:
        return {"kind": FlagKind(self.kind).value, "text": self.text}


def curve_flags(
    *,
    verdict: str | None,
    declared: str | None,
    d: int,
    ks,
    mean,
    bound,
    margin: float = BOUND_MARGIN,
) -> tuple[Flag, ...]:
    """Judge one learner's mean Hadamard curve ``mean`` (at ``ks``, which include d/2) against
    ``bound`` = 1 − k/d.

    A measured or declared verdict in :data:`CLAIMS` with ``min(mean − bound) < −margin`` gives a
    ``contradiction``; a measured ``not-invariant`` with ``min(mean − bound) ≥ −margin`` a ``note``.
    """
    mean, bound = np.asarray(mean, dtype=float), np.asarray(bound, dtype=float)
    gap = mean - bound
    j = int(np.argmin(gap))
    flags = []
    claims = [(how, v) for how, v in (("verdict", verdict), ("declared", declared)) if v in CLAIMS]
    if gap[j] < -margin and claims:
        how, v = claims[0]
        also = f" (declared {declared} too)" if how == "verdict" and declared in CLAIMS and declared != v else ""
        flags.append(Flag(
            FlagKind.CONTRADICTION,
            f"{how} {v}{also}, but the Hadamard loss at k = {ks[j]} is {mean[j]:.3f} < 1 − k/d = {bound[j]:.3f}: "
            "an invariant learner cannot beat the bound",
        ))
    if verdict == "not-invariant" and gap[j] >= -margin:
        half = list(ks).index(d // 2)
        where = "on" if abs(gap[half]) <= margin else "above"
        flags.append(Flag(
            FlagKind.NOTE,
            f"not-invariant, yet its Hadamard curve stays {where} 1 − k/d (k = {ks[half]}: {mean[half]:.3f} vs "
            f"{bound[half]:.3f}; never more than {margin:g} below): its lack of invariance buys nothing here",
        ))
    return tuple(flags)


def declared_contradictions(
    names: list[str], declared: list[str | None], ks, means, bound, *, margin: float = BOUND_MARGIN
) -> list[str]:
    """For ``invcheck curves``: each learner *declared* invariant or pm1-invariant whose mean Hadamard
    curve (a row of ``means``) dips more than ``margin`` below ``bound`` = 1 − k/d, named with the worst k."""
    out = []
    means, bound = np.asarray(means, dtype=float), np.asarray(bound, dtype=float)
    for name, decl, mean in zip(names, declared, means, strict=True):
        if decl not in ("invariant", "pm1-invariant"):
            continue
        gap = mean - bound
        j = int(np.argmin(gap))
        if gap[j] < -margin:
            out.append(
                f"{name} is declared {decl} but its Hadamard loss at k={ks[j]} is {mean[j]:.3f} "
                f"< 1 − k/d = {bound[j]:.3f}"
            )
    return out


# ----------------------------------------------------------------------------------- fitted curves

#: a learner *fits* k examples when its mean training loss is within this of the true parameter's
#: training loss on the same examples (0 on the noise-free problems): a curve of a learner that did
#: not fit shows its optimiser, not what invariance costs
FIT_TOLERANCE = 1e-2
#: tuning scores within this of each other are ties (broken toward the grid's centre): below it,
#: differences in training loss are the optimiser's last digits, not a better fit
FIT_TIE = 1e-4


def fits(train_loss: float, target_loss: float, tolerance: float = FIT_TOLERANCE) -> bool:
    """True when ``train_loss`` (finite) is at most ``target_loss + tolerance``."""
    return bool(np.isfinite(train_loss) and train_loss <= target_loss + tolerance)


def fit_reason(record: dict | None, curated: str | None, train_loss: float | None) -> str:
    """Why a learner did not fit, always a sentence: the curated reason where not fitting is the
    learner's design; else what its tuning record shows (nothing to tune, a borderline choice, or the
    grid's best point and how far above the target it stays)."""
    if curated:
        return curated
    figure = "non-finite" if train_loss is None else f"{train_loss:.3g}"
    if not record:
        return f"not tuned (--no-tune): training loss {figure} at the settings given"
    if not record.get("grid"):
        return (f"nothing to tune (no learning rate or passes) and no known reason: training loss {figure} at its "
                "own settings")
    chosen = ", ".join(f"{k}={_fmt(v)}" for k, v in record.get("chosen", {}).items())
    score = record.get("score")
    best = "non-finite" if score is None else f"{score:.3g}"
    if record.get("fits"):
        return (f"borderline: its chosen point ({chosen}, of {record.get('evaluated')} grid points) fit the tuning "
                f"draws to {best} but not every curve trial")
    grid = ", ".join(f"{k} ∈ {_fmt(min(v))}…{_fmt(max(v))}" for k, v in record["grid"].items())
    return (f"no point of its tuning grid ({grid}; {record.get('evaluated')} points) fits: the best, {chosen}, stays "
            f"{best} above the target's training loss")


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def fit_flag(k: int, train_loss: float | None, target_loss: float, reason: str) -> Flag | None:
    """``did-not-fit`` when the learner's training loss at k (= d/2) stays above the true parameter's
    by more than :data:`FIT_TOLERANCE`; the flag carries the figure and the reason."""
    if train_loss is not None and fits(train_loss, target_loss):
        return None
    figure = "non-finite" if train_loss is None else f"{train_loss:.3g}"
    return Flag(
        FlagKind.DID_NOT_FIT,
        f"did not fit: training loss {figure} at k = {k} (the target's: {target_loss:.3g}; tolerance "
        f"{FIT_TOLERANCE:g}): {reason}",
    )


# ------------------------------------------------------------------------------- where it breaks

#: a state tensor "transforms like the weight" when ‖b − a·Uᵀ‖ ≤ STATE_TOLERANCE·max(‖a‖, ‖b‖, tiny);
#: float64 state after a few steps is exact to ~1e-15 relative, a per-coordinate rule breaks it at O(1)
STATE_TOLERANCE = 1e-9


def state_transform(a: np.ndarray, b: np.ndarray, U: np.ndarray,
                    V: np.ndarray | None = None) -> tuple[bool, float, str]:
    """Does state ``b`` (the transformed run) equal state ``a`` mapped like the weight, ``a·Uᵀ`` (or
    ``V·a·Uᵀ`` when the outputs are mapped by V)? ``(ok, deviation, how)``: a tensor of the weight's
    shape must transform (or be equal on both sides with all its entries equal — a scalar in disguise,
    Adam's second moment on ±1 data); a scalar must be equal; anything else is not judged (ok)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1e-300)
    if a.size == 1 and b.size == 1:
        dev = abs(float(a.reshape(-1)[0]) - float(b.reshape(-1)[0])) / scale
        return dev <= STATE_TOLERANCE, dev, "a scalar must be equal on both sides"
    if a.shape != b.shape or a.shape[-1] != U.shape[0] or (V is not None and (a.ndim != 2 or a.shape[0] != V.shape[0])):
        return True, 0.0, "not shaped like the weight"
    mapped = a @ U.T if V is None else V @ a @ U.T
    dev = float(np.linalg.norm(b - mapped)) / scale
    if dev <= STATE_TOLERANCE:
        return True, dev, "transforms like the weight"
    # a scalar in disguise along the mapped axis: equal entries along the input axis (each row of a
    # layer's state; Adam's second moment on ±1 data), or along the output axis when V maps the outputs
    axis = -1 if V is None else 0
    same = float(np.linalg.norm(b - a)) / scale <= STATE_TOLERANCE
    if same and float(np.max(np.ptp(a, axis=axis))) <= STATE_TOLERANCE * scale:
        return True, 0.0, "equal on both sides with all entries equal (a scalar in disguise)"
    return False, dev, "does not transform like the weight"
