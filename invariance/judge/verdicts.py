"""Verdicts: the outcomes of the searches (or of the law tests) → a verdict, its symmetry group, and
whether the evidence carries it (docs/design.md#verdicts, docs/design.md#evidence)."""

from __future__ import annotations

from dataclasses import dataclass

from invariance.verdict import Diagnosis, LawOutcome, Reason, Symmetry, Verdict

__all__ = ["Judgement", "verdict_of", "MIN_SHIFT", "law_verdict", "symmetry_of", "IMPLIED", "relied_on",
           "PropertyFacts", "Decision", "decide", "law_outcome"]


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    primary: str | None  # the property whose counterexample is shown first
    reason: Reason


def verdict_of(orthogonal_passed: bool, pm1_passed: bool) -> Judgement:
    """``invariant`` needs both searches clean; a generic-data violation with clean twins is
    ``pm1-invariant``; a twin violation is ``not-invariant`` whatever the generic search said,
    since twins are themselves rotations of each other (docs/design.md#gram-twins)."""
    if orthogonal_passed and pm1_passed:
        return Judgement(Verdict.INVARIANT, None, Reason.BOTH_PASS)
    if pm1_passed:
        return Judgement(Verdict.PM1_INVARIANT, "orthogonal", Reason.GENERIC_FAILS)
    if orthogonal_passed:
        return Judgement(Verdict.NOT_INVARIANT, "pm1", Reason.TWINS_FAIL)
    return Judgement(Verdict.NOT_INVARIANT, "orthogonal", Reason.BOTH_FAIL)


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
            Reason.LAW_CHANGES_ON_TWINS,
        )
    if orthogonal is LawOutcome.REJECTED:
        if pm1 is LawOutcome.EXCLUDED:
            return Judgement(Verdict.PM1_INVARIANT, "orthogonal", Reason.LAW_CHANGES_ON_GENERIC)
        return None
    if orthogonal is LawOutcome.EXCLUDED and pm1 is LawOutcome.EXCLUDED:
        return Judgement(Verdict.INVARIANT_IN_DISTRIBUTION, None, Reason.LAW_SHIFT_EXCLUDED)
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
#: either. It is :func:`verdict_of` read backwards, so the two cannot disagree (tests/core/test_judge.py).
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


def law_outcome(p_adjusted: float, level: float, ks: float, detectable: float) -> LawOutcome:
    """One look of the sequential law test: "rejected" (adjusted p below the look's level), "excluded" (the
    largest KS statistic plus the distance detectable at this size stays within :data:`MIN_SHIFT`), else
    "undecided"."""
    if p_adjusted < level:
        return LawOutcome.REJECTED
    if ks + detectable <= MIN_SHIFT:
        return LawOutcome.EXCLUDED
    return LawOutcome.UNDECIDED
