"""Tests of invariance.judge, the one module that turns numbers into decisions (a pure table)."""

from __future__ import annotations

import itertools

import pytest

from invariance import Symmetry, Verdict, judge


@pytest.mark.parametrize(
    "orthogonal, pm1, verdict, primary",
    [
        (True, True, Verdict.INVARIANT, None),
        (False, True, Verdict.PM1_INVARIANT, "orthogonal"),
        (True, False, Verdict.NOT_INVARIANT, "pm1"),  # twins are rotations of each other
        (False, False, Verdict.NOT_INVARIANT, "orthogonal"),
    ],
)
def test_verdict_of(orthogonal, pm1, verdict, primary):
    j = judge.verdict_of(orthogonal, pm1)
    assert j.verdict is verdict and j.primary == primary and j.why


@pytest.mark.parametrize(
    "p_orth, p_pm1, verdict, primary",
    [
        (0.5, 0.5, Verdict.INVARIANT_IN_DISTRIBUTION, None),
        (1e-5, 0.5, Verdict.PM1_INVARIANT, "orthogonal"),
        (0.5, 1e-5, Verdict.NOT_INVARIANT, "pm1"),
        (1e-5, 1e-5, Verdict.NOT_INVARIANT, "orthogonal"),
        (0.0099, 0.0101, Verdict.PM1_INVARIANT, "orthogonal"),  # at α = 0.01: strictly below rejects
    ],
)
def test_law_verdict(p_orth, p_pm1, verdict, primary):
    j = judge.law_verdict(p_orth, p_pm1, 0.01)
    assert j.verdict is verdict and j.primary == primary


def test_implied_outcomes_are_verdict_of_read_backwards():
    """IMPLIED (what the pytest gate checks per property) can never disagree with verdict_of."""
    for declared, implied in judge.IMPLIED.items():
        for orth, pm1 in itertools.product((True, False), repeat=2):
            consistent = all(v is None or v == got for v, got in ((implied["orthogonal"], orth), (implied["pm1"], pm1)))
            assert consistent == (judge.verdict_of(orth, pm1).verdict is declared), (declared, orth, pm1)


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
    assert judge.symmetry_of(signed, perm, orthogonal_ok=orthogonal_ok) is symmetry


def test_example_rule_with_literal_numbers():
    """Floor 1e-10; generic data: above 100 × the measured noise; twins above max(1e-6, 100 × noise)."""
    assert judge.noise_needed(1e-10, exact_inputs=False) is None
    assert judge.noise_needed(2e-10, exact_inputs=False) == "example"
    assert judge.noise_needed(5e-7, exact_inputs=True) == "example"  # at or below 1e-6 the probes decide
    assert judge.noise_needed(2e-6, exact_inputs=True) == "gaussian"
    assert judge.judge_example(2e-10, 1e-13, kind="example").violation  # threshold max(1e-10, 1e-11)
    assert not judge.judge_example(2e-10, 1e-11, kind="example").violation  # threshold 1e-9
    assert judge.judge_example(2e-10, 1e-11, kind="example").threshold == pytest.approx(1e-9)
    assert not judge.judge_example(9e-7, 1e-16, kind="gaussian").violation  # under 1e-6
    assert judge.judge_example(2e-6, 1e-16, kind="gaussian").violation
    assert not judge.judge_example(2e-6, 1e-7, kind="gaussian").violation  # 100 × 1e-7 = 1e-5
    assert judge.sensitivity(1e-15, 1e-8) == pytest.approx(1e-9)  # the 2⁻²⁴ probe weighs 0.1


def test_scaling_words():
    assert judge.scaling_diagnosis(1.02, True).startswith("structural:")
    assert judge.scaling_diagnosis(2.1, True).startswith("structural, higher order")
    assert judge.scaling_diagnosis(0.2, True).startswith("does not scale")
    assert judge.scaling_diagnosis(None, False).startswith("no deviation above")


def test_bound_rule_has_one_definition():
    """The 0.05 margin of the curve rule lives in judge.BOUND_MARGIN and nowhere else in the package."""
    import pathlib
    import re

    root = pathlib.Path(judge.__file__).parent
    hits = [p for p in root.rglob("*.py") if re.search(r"(margin|MARGIN)\s*[:=][^=\n]*0\.05", p.read_text())]
    assert [p.name for p in hits] == ["judge.py"]
    flags = judge.curve_flags(verdict="invariant", declared=None, d=8, ks=[1, 4, 8], mean=[0.8, 0.44, 0.0], bound=[0.875, 0.5, 0.0])
    assert [f.kind for f in flags] == ["contradiction"]  # 0.44 < 0.5 − 0.05
    flags = judge.curve_flags(verdict="invariant", declared=None, d=8, ks=[1, 4, 8], mean=[0.85, 0.46, 0.0], bound=[0.875, 0.5, 0.0])
    assert flags == ()
