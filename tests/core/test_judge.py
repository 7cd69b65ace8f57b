"""Tests of invariance.judge, the one module that turns numbers into decisions (a pure table)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from invariance import Symmetry, Verdict, judge
from invariance.render import messages
from invariance.render.flags import contradiction_lines, curve_flags


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
    assert j.verdict is verdict and j.primary == primary and messages.REASONS[j.reason]


@pytest.mark.parametrize(
    "orth, pm1, verdict, primary",
    [
        ("excluded", "excluded", Verdict.INVARIANT_IN_DISTRIBUTION, None),
        ("rejected", "excluded", Verdict.PM1_INVARIANT, "orthogonal"),
        ("excluded", "rejected", Verdict.NOT_INVARIANT, "pm1"),
        ("rejected", "rejected", Verdict.NOT_INVARIANT, "orthogonal"),
        ("undecided", "rejected", Verdict.NOT_INVARIANT, "pm1"),  # a twin rejection needs nothing else
        ("rejected", "undecided", None, None),  # pm1-invariant rests on the twins' law: inconclusive
        ("undecided", "excluded", None, None),
        ("excluded", "undecided", None, None),
        ("undecided", "undecided", None, None),
    ],
)
def test_law_verdict(orth, pm1, verdict, primary):
    j = judge.law_verdict(orth, pm1)
    if verdict is None:
        assert j is None
    else:
        assert j.verdict is verdict and j.primary == primary


def test_sequential_law_test_with_literal_numbers():
    """α split over 3 looks; the detectable KS distance c·√(2/n); a shift of 0.3 is worth caring about."""
    from invariance.search.distribution import LOOKS, detectable_ks

    assert LOOKS == 3 and judge.MIN_SHIFT == 0.3
    # c = √(−ln(level/2)/2): level 0.01/3/6 (Bonferroni over looks and 6 test points) at 200 seeds per side
    assert detectable_ks(200, 0.01 / 3 / 6) == pytest.approx(np.sqrt(-np.log(0.01 / 36) / 2) * np.sqrt(2 / 200))
    assert detectable_ks(200, 0.01 / 18) == pytest.approx(0.2022, abs=1e-3)
    assert detectable_ks(800, 0.01 / 18) == pytest.approx(0.2022 / 2, abs=1e-3)


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
    """Floor 1e-10; above it, 100 × the measured noise — one rule for generic data and twins (a twin's
    noise is measured on a Gaussian problem of its size)."""
    assert judge.FLOOR == 1e-10 and judge.NOISE_FACTOR == 100.0 and judge.F32_WEIGHT == 0.1
    assert judge.noise_needed(1e-10, exact_inputs=False) is None
    assert judge.noise_needed(1e-10, exact_inputs=True) is None
    assert judge.noise_needed(2e-10, exact_inputs=False) == "example"
    assert judge.noise_needed(2e-10, exact_inputs=True) == "gaussian"
    assert judge.judge_example(2e-10, 1e-13, kind="example").violation  # threshold max(1e-10, 1e-11)
    assert not judge.judge_example(2e-10, 1e-11, kind="example").violation  # threshold 1e-9
    assert judge.judge_example(2e-10, 1e-11, kind="example").threshold == pytest.approx(1e-9)
    for kind in ("example", "gaussian"):  # the same numbers give the same answer on both kinds of data
        assert judge.judge_example(1.5e-8, 1e-16, kind=kind).violation  # the 1e-8·tanh control's twin deviation
        assert judge.judge_example(2e-10, 1e-16, kind=kind).threshold == judge.FLOOR
        assert not judge.judge_example(2e-6, 1e-7, kind=kind).violation  # 100 × 1e-7 = 1e-5
    # at float64 both probes perturb at rounding level and count fully; at float32 the 2⁻²⁴ jitter weighs 0.1
    assert judge.sensitivity(1e-15, 1e-8) == pytest.approx(1e-8)
    assert judge.sensitivity(1e-15, 1e-8, "float32") == pytest.approx(1e-9)
    assert judge.jitter_unit("float64") == 2.0**-52 and judge.jitter_unit("float32") == 2.0**-24


def test_precision_allowance_with_literal_numbers():
    """tf32/float16/bfloat16 are judged by 8 · u · √max(d, n); float64 and float32 by their probes."""
    assert judge.allowance("float64", 4, 4) == 0.0 and judge.allowance("float32", 4, 4) == 0.0
    assert judge.allowance("bfloat16", 4, 4) == pytest.approx(8 * 2.0**-8 * 2)  # 6.25e-2
    assert judge.allowance("float16", 1, 9) == pytest.approx(8 * 2.0**-11 * 3)
    assert judge.floor_at("float64", 16, 24) == judge.FLOOR
    assert judge.floor_at("bfloat16", 1, 1) == pytest.approx(8 * 2.0**-8)
    assert judge.noise_needed(1.7e-2, exact_inputs=False, precision="bfloat16", d=4, n=4) is None  # Muon's largest
    assert judge.noise_needed(7e-2, exact_inputs=False, precision="bfloat16", d=4, n=4) == "example"
    assert judge.judge_example(7e-2, 1e-16, kind="example", precision="bfloat16", d=4, n=4).violation
    assert judge.suggest_precision(3.7e-3, 2, 2, "float64") == "float16" or judge.allowance("float16", 2, 2) < 3.7e-3
    assert judge.suggest_precision(1.7e-2, 4, 4, "float64") == "bfloat16"
    assert judge.suggest_precision(0.5, 4, 4, "float64") is None


def test_evidence_rule_with_literal_numbers():
    """A pass carries a verdict with ≥ 50 % usable examples and a usable one in every range of d drawn ≥ 5 times."""
    ok = [(2, 3, 1, True)] * 5 + [(2, 3, 1, False)] * 5
    assert judge.evidence_of(ok).enough
    assert not judge.evidence_of(ok + [(2, 3, 1, False)]).enough  # 5 of 11 < 50 %
    assert "only 5 of 11" in messages.evidence_words(judge.evidence_of(ok + [(2, 3, 1, False)]))
    high = [(12, 3, 1, False)] * 5
    good = [(2, 3, 1, True)] * 20
    assert not judge.evidence_of(good + high).enough  # none of the 5 examples with d in 9–16
    assert "none of the 5 examples with d in 9–16" in messages.evidence_words(judge.evidence_of(good + high))
    assert judge.evidence_of(good + high[:4]).enough  # 4 drawn: too few to promise that range
    assert not judge.evidence_of([]).enough
    assert judge.relied_on(Verdict.INVARIANT) == ("orthogonal", "pm1")
    assert judge.relied_on(Verdict.PM1_INVARIANT) == ("pm1",)
    assert judge.relied_on(Verdict.NOT_INVARIANT) == ()


def test_scaling_words():
    words = lambda slope, usable: messages.scaling_words(judge.scaling_of(slope, usable), slope)  # noqa: E731
    assert words(1.02, True).startswith("structural:")
    assert words(2.1, True).startswith("structural, higher order")
    assert words(0.2, True).startswith("does not scale")
    assert words(None, True).startswith("does not scale")
    assert words(None, False).startswith("no deviation above")


def test_bound_rule_has_one_definition():
    """The 0.05 margin of the curve rule lives in judge.BOUND_MARGIN and nowhere else in the package."""
    import pathlib
    import re

    root = pathlib.Path(judge.__file__).parent
    hits = [p for p in root.rglob("*.py") if re.search(r"(margin|MARGIN)\s*[:=][^=\n]*0\.05", p.read_text())]
    assert [p.name for p in hits] == ["curves.py"]
    flags = curve_flags(verdict="invariant", declared=None, d=8, ks=[1, 4, 8], mean=[0.8, 0.44, 0.0],
                              bound=[0.875, 0.5, 0.0])
    assert [f.kind for f in flags] == ["contradiction"]  # 0.44 < 0.5 − 0.05
    flags = curve_flags(verdict="invariant", declared=None, d=8, ks=[1, 4, 8], mean=[0.85, 0.46, 0.0],
                              bound=[0.875, 0.5, 0.0])
    assert flags == ()


def test_declared_contradictions_use_the_claims_of_the_report():
    """`invcheck curves` and the report confront the same declared verdicts with the bound (judge.CLAIMS):
    a learner declared invariant-in-distribution whose curve dips is listed too (it was left out while
    the curves command kept its own two-verdict table); not-invariant and undeclared learners never are."""
    ks = [1, 4, 8]  # d = 8
    bound = [0.875, 0.5, 0.0]
    dips = [0.5, 0.2, 0.0]
    names = ["a", "b", "c", "e"]
    declared = ["invariant-in-distribution", "pm1-invariant", "not-invariant", None]
    found = judge.declared_contradictions(names, declared, ks, [dips] * 4, bound)
    assert [(n, f.k) for n, f in found] == [("a", 1), ("b", 1)]  # the worst k: 0.5 < 0.875 − 0.05
    assert judge.declared_contradictions(names, declared, ks, [bound] * 4, bound) == []


def test_a_dip_within_the_noise_of_the_mean_is_no_contradiction():
    """The bound is on the expected loss: a mean over few trials may dip by chance. A dip of 0.1 is a
    contradiction of a curve known to 0.01 (allowance 0.05 + 3·0.01 = 0.08), not of one known to 0.05
    (allowance 0.2); with no spread measured (one trial) the margin alone decides, as before; and a dip
    far past the noise (a learner that learns) is caught whatever the spread."""
    ks, bound = [1, 4, 8], [0.875, 0.5, 0.0]
    dip = [0.875, 0.4, 0.0]

    def kinds(mean, se):
        return [f.kind for f in judge.curve_findings(verdict="invariant-in-distribution", declared=None, d=8, ks=ks,
                                                     mean=mean, bound=bound, se=se)]

    assert kinds(dip, 0.01) == ["contradiction"]
    assert kinds(dip, 0.05) == []
    assert kinds(dip, 0.0) == ["contradiction"]
    assert kinds([0.875, 0.05, 0.0], 0.1) == ["contradiction"]  # 0.45 below > 0.05 + 0.3
    assert judge.bound_allowance(0.05, 0.05) == pytest.approx(0.2)
    names, declared = ["noisy", "sure"], ["invariant-in-distribution", "invariant-in-distribution"]
    found = judge.declared_contradictions(names, declared, ks, [dip, dip], bound, ses=[0.05, 0.01])
    assert [n for n, _ in found] == ["sure"]
    (line,) = contradiction_lines(names, declared, ks, [dip, dip], bound, ses=[0.05, 0.01])
    assert line.startswith("sure is declared invariant-in-distribution") and "allowance 0.080" in line
