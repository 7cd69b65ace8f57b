"""Judging: property outcomes → verdict and symmetry (DESIGN §2). Pure, no measuring, no printing."""

from __future__ import annotations

from dataclasses import dataclass

from invariance.result.model import PropertyReport
from invariance.verdict import Symmetry, Verdict

__all__ = ["Judgement", "judge", "symmetry_of"]


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    primary: str | None  # the property whose counterexample is shown first
    why: str


def judge(orthogonal: PropertyReport, pm1: PropertyReport) -> Judgement:
    """``invariant`` needs both searches clean; a generic-data violation with clean twins is
    ``pm1-invariant``; a twin violation is ``not-invariant`` whatever the generic search said,
    since twins are themselves rotations of each other (DESIGN §3)."""
    if orthogonal.passed and pm1.passed:
        return Judgement(Verdict.INVARIANT, None, "no violation on generic data or on ±1 Gram twins")
    if pm1.passed:
        return Judgement(
            Verdict.PM1_INVARIANT, "orthogonal", "violates on generic data, but no violation on ±1 Gram twins"
        )
    if orthogonal.passed:
        return Judgement(
            Verdict.NOT_INVARIANT,
            "pm1",
            "passes the generic search but violates on ±1 Gram twins, which are rotations of each other",
        )
    return Judgement(Verdict.NOT_INVARIANT, "orthogonal", "violates on generic data and on ±1 Gram twins")


def symmetry_of(signed: PropertyReport | None, perm: PropertyReport | None, *, orthogonal_ok: bool) -> Symmetry:
    if orthogonal_ok:
        return Symmetry.ORTHOGONAL
    if signed is not None and signed.passed:
        return Symmetry.SIGNED_PERMUTATIONS
    if perm is not None and perm.passed:
        return Symmetry.PERMUTATIONS
    return Symmetry.NONE
