"""Evidence: whether a passed search carries the verdict that rests on it (docs/design.md#evidence)."""

from __future__ import annotations

from dataclasses import dataclass

from invariance.judge.tolerance import allowance
from invariance.verdict import ExcusedBy, Shortfall

__all__ = ["MIN_USABLE", "D_RANGES", "MIN_DRAWN", "UNSTABLE_NOISE", "Evidence", "evidence_of", "far_from_exact",
           "unstable_excuse"]

#: the share of a property's examples that must be usable (answered on both sides) for a pass to count
MIN_USABLE = 0.5
#: the ranges of d a search promises to cover: each that held at least MIN_DRAWN examples must hold a usable one
D_RANGES = ((1, 4), (5, 8), (9, 16), (17, 24))
MIN_DRAWN = 5
#: a rounding sensitivity at or above this (relative) means rounding alone moves the predictions visibly;
#: when more than half of a pass's usable examples were excused by such noise, the learner's answer is set
#: by its arithmetic (an arbitrary eigenbasis, chaotic iterations), and the pass carries no verdict
UNSTABLE_NOISE = 1e-3


def unstable_excuse(by: ExcusedBy, noise: float) -> bool:
    """Whether an excused deviation counts as unstable (:func:`evidence_of`): the twin controls' excuse (the
    answer on that data is set by arithmetic), or a probe's rounding sensitivity ≥ :data:`UNSTABLE_NOISE`.
    A precision's allowance and a rounding-level distance from exact arithmetic (:func:`far_from_exact`)
    excuse nothing unstable."""
    if by is ExcusedBy.PERMUTATION_CONTROL:
        return True
    return by not in (ExcusedBy.PRECISION, ExcusedBy.EXACT_ARITHMETIC) and noise >= UNSTABLE_NOISE


def far_from_exact(noise: float, precision: str, d: int, n: int) -> bool:
    """Whether a side's distance ``noise`` from the same learner in exact arithmetic is more than rounding at
    ``precision`` explains: ≥ :data:`UNSTABLE_NOISE`, or the precision's allowance where that is larger
    (bfloat16 and float16 round at 2⁻⁸ and 2⁻¹¹). Two sides that agree exactly differ as computed by at most
    the sum of their distances, so that distance excuses any deviation of an invariant twin, and is rounding
    only while it is small: a cast that changes what the learner does (a float16 overflow that skips a step
    coordinate by coordinate) leaves the computed learner far from its twin, and such an example is judged
    by its own rounding probes instead, as a learner without a twin is."""
    return noise >= max(UNSTABLE_NOISE, allowance(precision, d, n))


@dataclass(frozen=True)
class Evidence:
    """Whether a passed search carries its verdict: ``enough``, and if not, the :class:`Shortfall` with
    the counts behind it (``unstable`` examples; ``drawn`` examples in the range ``d_range``)."""

    enough: bool
    usable: int
    examples: int
    short: Shortfall | None = None
    unstable: int = 0
    drawn: int = 0
    d_range: tuple[int, int] = (0, 0)


def evidence_of(shapes: list[tuple[int, int, int, bool]], unstable: int = 0) -> Evidence:
    """Judge the evidence of a *passed* search from its examples, each (d, n, m, usable). Not enough
    when fewer than :data:`MIN_USABLE` of them were usable, when some range of d in :data:`D_RANGES`
    was drawn at least :data:`MIN_DRAWN` times but none of its examples was usable, or when more than
    half of the usable ones were excused unstably (:func:`unstable_excuse`; ``unstable`` of them)."""
    examples = len(shapes)
    usable = sum(1 for s in shapes if s[3])
    if usable and unstable > 0.5 * usable:
        return Evidence(False, usable, examples, Shortfall.UNSTABLE, unstable=unstable)
    if examples == 0:
        return Evidence(False, 0, 0, Shortfall.NOTHING_DRAWN)
    if usable < MIN_USABLE * examples:
        return Evidence(False, usable, examples, Shortfall.FEW_USABLE)
    for lo, hi in D_RANGES:
        drawn = [s for s in shapes if lo <= s[0] <= hi]
        if len(drawn) >= MIN_DRAWN and not any(s[3] for s in drawn):
            return Evidence(False, usable, examples, Shortfall.RANGE_UNUSABLE, drawn=len(drawn), d_range=(lo, hi))
    return Evidence(True, usable, examples)
