"""Tests of invariance.judge: property outcomes → verdict and symmetry (DESIGN §2–3), a pure table."""

from __future__ import annotations

import pytest

from invariance import Symmetry, Verdict
from invariance.judge import judge, symmetry_of
from invariance.result.model import PropertyReport


def report(name: str, passed: bool) -> PropertyReport:
    return PropertyReport(name, passed, 10, 0, 0.0 if passed else 0.5, 0.0, None, 0.0)


@pytest.mark.parametrize(
    "orthogonal, pm1, verdict, primary",
    [
        (True, True, Verdict.INVARIANT, None),
        (False, True, Verdict.PM1_INVARIANT, "orthogonal"),
        (True, False, Verdict.NOT_INVARIANT, "pm1"),  # twins are rotations of each other
        (False, False, Verdict.NOT_INVARIANT, "orthogonal"),
    ],
)
def test_judge(orthogonal, pm1, verdict, primary):
    j = judge(report("orthogonal", orthogonal), report("pm1", pm1))
    assert j.verdict is verdict and j.primary == primary and j.why


@pytest.mark.parametrize(
    "signed, perm, orthogonal_ok, symmetry",
    [
        (None, None, True, Symmetry.ORTHOGONAL),
        (True, None, False, Symmetry.SIGNED_PERMUTATIONS),
        (False, True, False, Symmetry.PERMUTATIONS),
        (False, False, False, Symmetry.NONE),
        (False, None, False, Symmetry.NONE),
    ],
)
def test_symmetry_of(signed, perm, orthogonal_ok, symmetry):
    s = None if signed is None else report("signed-permutation", signed)
    p = None if perm is None else report("permutation", perm)
    assert symmetry_of(s, p, orthogonal_ok=orthogonal_ok) is symmetry
