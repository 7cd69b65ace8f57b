"""Verdicts that never say more than the evidence shows (docs/design.md#verdicts, #tolerance).

* a pass with too few usable examples is ``inconclusive`` (exit 3) with the counts and the narrower
  question; NaN/inf on valid input is ``non-finite`` with the smallest shape; a narrowed question
  (``--max-d``, ``@learner(domain=...)``) gets its verdict, worded for its domain;
* the precision a verdict holds at: a 1e-2 violation is caught at every precision, a float64 learner
  keeps its 1e-10 floor, a declared precision is used and said;
* every excused deviation is reported with what excused it, and the tables mark it;
* the panel shows the strongest counterexample when the minimal one is marginal.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import invariance
from invariance import Diagnosis, Verdict, learner
from invariance.cli import main
from invariance.render.numbers import deviation_cell

FAST = 40


def _ls(X, y, Xt):
    return Xt @ (np.linalg.pinv(X) @ y)


def refuses_pm1(X_train, y_train, X_test):
    """Least squares that raises on every ±1 input: its ±1 property has no evidence at all."""
    if np.all(np.abs(X_train) == 1):
        raise ValueError("no ±1 data")
    return _ls(X_train, y_train, X_test)


def nan_when_d_ge_10(X_train, y_train, X_test):
    """Least squares, NaN for d ≥ 10: non-finite on valid input."""
    if X_train.shape[1] >= 10:
        return np.full(len(X_test), np.nan)
    return _ls(X_train, y_train, X_test)


@learner("invariant", reason="least squares; meant for d ≤ 9 only", domain={"max_d": 9})
def declared_small(X_train, y_train, X_test):
    return nan_when_d_ge_10(X_train, y_train, X_test)


def plus_1e2(X_train, y_train, X_test):
    """Least squares + 1e-2·x₁: a genuine violation, caught at every precision."""
    return _ls(X_train, y_train, X_test) + 1e-2 * X_test[:, 0]


@learner("invariant", reason="float32 weights: rounding at 2⁻²⁴", precision="float32")
def declared_float32(X_train, y_train, X_test):
    w = (np.linalg.pinv(X_train) @ y_train).astype(np.float32)
    return (X_test @ w.astype(np.float64)).astype(np.float64)


def weak_small_strong_large(X_train, y_train, X_test):
    """Least squares + 5e-10·x₁ (within 10× of the floor) + x₁ when d ≥ 3: the minimal counterexample is
    the marginal one in d = 1, the strongest one needs d ≥ 3."""
    p = _ls(X_train, y_train, X_test) + 5e-10 * X_test[:, 0] * max(1.0, float(np.max(np.abs(y_train), initial=0)))
    if X_train.shape[1] >= 3:
        p = p + X_test[:, 0]
    return p


# ------------------------------------------------------------------------------------------ evidence


def test_a_learner_refusing_every_pm1_input_is_inconclusive(tmp_path, monkeypatch, capsys):
    r = invariance.check(refuses_pm1, max_examples=FAST)
    assert r.verdict is None and r.diagnosis is Diagnosis.INCONCLUSIVE, r.message
    pm1 = r.properties["pm1"]
    assert (pm1.usable, pm1.skips, pm1.examples) == (0, FAST, FAST)
    assert pm1.evidence == f"only 0 of {FAST} examples were usable (at least 50% are needed)"
    assert r.message.startswith("inconclusive: ") and "refused on both sides (d=4" in r.message, r.message
    assert r.failed and not r.properties["orthogonal"].evidence  # the generic side is fine
    (tmp_path / "mine.py").write_text(
        "import numpy as np\n"
        "def refuses_pm1(X, y, Xt):\n"
        "    if np.all(np.abs(X) == 1):\n"
        "        raise ValueError('no ±1 data')\n"
        "    return Xt @ (np.linalg.pinv(X) @ y)\n"
    )
    monkeypatch.chdir(tmp_path)
    code = main(["mine.py:refuses_pm1", "--max-examples", str(FAST), "--json"])
    doc = json.loads(capsys.readouterr().out)["results"][0]
    assert code == 3 and doc["verdict"] is None and doc["diagnosis"] == "inconclusive"
    assert doc["properties"]["pm1"]["usable"] == 0 and doc["properties"]["pm1"]["evidence"].startswith("only 0 of")


def test_nan_on_valid_input_is_non_finite_with_the_smallest_shape():
    r = invariance.check(nan_when_d_ge_10)
    assert r.verdict is None and r.diagnosis is Diagnosis.NON_FINITE, r.message
    assert "the smallest input that triggers it has d=10, n=" in r.message
    nf = r.properties["orthogonal"].non_finite
    assert nf["d"] == 10 and nf["count"] > 0
    assert r.deviation["orthogonal"] < 1e-10  # what was measured before is kept


def test_a_narrowed_question_gets_its_verdict_and_says_where_it_holds():
    asked = invariance.check(nan_when_d_ge_10, max_d=9)
    assert asked.verdict is Verdict.INVARIANT and asked.message.startswith("invariant for d ≤ 9: "), asked.message
    assert asked.to_json()["domain"] == {"max_d": 9, "min_n": None, "n_above_d": False}
    assert all(not p.non_finite and p.skips == 0 for p in asked.properties.values())
    declared = invariance.check(declared_small)
    assert declared.verdict is Verdict.INVARIANT and not declared.mismatch, declared.message
    assert "for d ≤ 9" in declared.message


def test_a_domain_below_the_smallest_twin_is_a_usage_error():
    with pytest.raises(invariance.errors.UsageError, match="max_d must be a whole number ≥ 4"):
        invariance.check(_ls, max_d=3)
    with pytest.raises(invariance.errors.UsageError, match="domain keys are max_d, min_n, n_above_d"):
        learner("invariant", reason="x", domain={"max_dim": 3})


# ----------------------------------------------------------------------------------------- precision


@pytest.mark.parametrize("precision", ["float64", "float32", "tf32", "float16", "bfloat16"])
def test_a_1e_2_violation_is_caught_at_every_precision(precision):
    r = invariance.check(plus_1e2, max_examples=FAST, precision=precision)
    assert r.verdict is Verdict.NOT_INVARIANT and r.precision == precision, r.message
    assert r.precision_note == "asked for"
    cx = r.counterexample
    assert cx.deviation > cx.threshold


def test_the_bfloat16_allowance_excuses_rounding_but_says_so():
    """Least squares with its weights rounded to bfloat16: not invariant at float64, invariant at bfloat16."""

    def bf16_weights(X, y, Xt):
        w = np.linalg.pinv(X) @ y
        bits = w.astype(np.float32).view(np.uint32) & np.uint32(0xFFFF0000)  # truncate to bfloat16
        return Xt @ bits.view(np.float32).astype(np.float64)

    at64 = invariance.check(bf16_weights, max_examples=FAST)
    assert at64.verdict is Verdict.NOT_INVARIANT and at64.precision == "float64", at64.message
    at16 = invariance.check(bf16_weights, max_examples=FAST, precision="bfloat16")
    assert at16.verdict is Verdict.INVARIANT, at16.message
    assert at16.message.startswith("invariant at bfloat16 precision (asked for): ")
    assert at16.properties["orthogonal"].excused["by"] == "precision"
    assert "bfloat16 rounding allowance 8·u·√max(d, n) (u = 2^-8)" in at16.properties["orthogonal"].excused["words"]


def test_a_declared_precision_is_used_and_said():
    r = invariance.check(declared_float32)
    assert r.verdict is Verdict.INVARIANT and (r.precision, r.precision_note) == ("float32", "declared by @learner")
    assert r.message.startswith("invariant at float32 precision (declared by @learner): ")


def test_an_unknown_precision_is_a_usage_error():
    with pytest.raises(invariance.errors.UsageError, match="precision 'fp8' is not one of float64, float32, tf32"):
        invariance.check(_ls, precision="fp8")


# ---------------------------------------------------------------------------------- excused deviations


def test_an_excused_deviation_is_reported_with_what_excused_it(capsys):
    from learners import controls as C

    r = invariance.check(C.least_squares_float32, max_examples=FAST)
    e = r.properties["orthogonal"].excused
    assert r.verdict is Verdict.INVARIANT and e is not None
    assert e["by"] == "example-probes" and e["deviation"] > 1e-10 and e["deviation"] <= e["threshold"]
    assert e["threshold"] == pytest.approx(100 * e["noise"])
    assert f"excused, the largest deviation {e['deviation']:.1e}" in r.message
    doc = r.to_json()
    assert deviation_cell(doc, "orthogonal") == f"{e['deviation']:.1e} excused"
    assert deviation_cell(doc, "orthogonal", short=True).endswith(" ≈")
    nudged = invariance.check(C.least_squares_nudged, max_examples=FAST).to_json()
    assert deviation_cell(nudged, "orthogonal").endswith(" violation")
    assert deviation_cell({"deviation": {"orthogonal": 3e-15}, "properties": {"orthogonal": {"passed": True}}},
                          "orthogonal") == "3.0e-15"


def test_the_table_marks_excused_deviations_and_explains_the_marks(capsys):
    from learners import controls as C
    from rich.console import Console

    from invariance.render.terminal import render_rich

    r = invariance.check(C.least_squares_float32, max_examples=FAST)
    console = Console(width=140, record=True, color_system=None)
    render_rich([r], console)
    text = console.export_text()
    assert " ≈ " in text or " ≈\n" in text or "≈ │" in text
    assert "deviations: ≈ above 1e-10 but excused as rounding (the panel says by what)" in text


# ------------------------------------------------------------------------------ minimal and strongest


def test_the_panel_shows_the_strongest_counterexample_when_the_minimal_one_is_marginal():
    from rich.console import Console

    from invariance.render.terminal import render_rich

    r = invariance.check(weak_small_strong_large)
    cx = r.counterexample
    strong = r.properties[cx.property].strongest
    assert r.verdict is Verdict.NOT_INVARIANT
    assert cx.deviation < 10 * cx.threshold, (cx.d, cx.deviation, cx.threshold)  # the minimal one is marginal …
    assert strong is not None and strong.d >= 3 and strong.deviation > 1e6 * strong.threshold  # … the strongest is not
    assert r.shown_counterexample() is strong
    console = Console(width=140, record=True, color_system=None)
    render_rich([r], console)
    assert "strongest counterexample found" in console.export_text()
    assert r.to_json()["properties"][cx.property]["strongest"]["d"] == strong.d


def test_a_twin_counterexample_that_a_column_permutation_matches_gives_way_to_the_strongest(tmp_path, monkeypatch):
    from learners import controls as C

    """A minimal twin counterexample whose deviation a mere column permutation of its own data matches shows
    arithmetic order, not structure: the panel, pytest's message and --save show the strongest violation
    instead (found on a real learner), and the rule keys on that control (a constructed control)."""
    from dataclasses import replace

    from invariance.judge import set_by_arithmetic

    r = invariance.check(C.standardised_least_squares, max_examples=20)
    assert r.verdict is Verdict.NOT_INVARIANT
    shown = r.shown_counterexample("pm1")
    perm = (shown.notes or {}).get("column_permutation_deviation")
    assert shown.deviation >= 10 * shown.threshold
    assert not (perm is not None and set_by_arithmetic(perm, shown.deviation))
    monkeypatch.chdir(tmp_path)
    from invariance.result.replay import save

    save(r, str(tmp_path / "cx"), {})
    assert json.loads((tmp_path / "cx" / "standardised_least_squares-pm1.json").read_text())["deviation"] == \
        shown.deviation

    from invariance.testing import InvarianceAssertion, InvarianceCase

    case = InvarianceCase("learners.controls:standardised_least_squares", "standardised_least_squares",
                          Verdict.INVARIANT, "declared wrongly, for the message", "pm1", max_examples=20)
    with pytest.raises(InvarianceAssertion) as info:  # pytest's message for the pm1 case
        case.check()
    assert "strongest counterexample found" in str(info.value)
    assert "matched by a mere column permutation of its own data" in str(info.value)

    minimal = r.counterexamples["pm1"]
    strong = r.properties["pm1"].strongest
    assert strong is not None
    big = replace(minimal, deviation=1e-6, threshold=1e-10)  # 10⁴ × its threshold: not marginal
    for perm_dev, expected in ((1e-6, strong), (1e-12, big)):
        cx = replace(big, notes={**big.notes, "column_permutation_deviation": perm_dev})
        forged = replace(r, counterexamples={**r.counterexamples, "pm1": cx})
        assert forged.shown_counterexample("pm1") is (strong if expected is strong else cx)
