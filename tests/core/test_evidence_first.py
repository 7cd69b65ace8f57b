"""Evidence first (docs/design.md#evidence): a violation found on finite outputs decides its property
whatever diverged elsewhere; NaN/inf only limits what a pass may claim; a twin deviation set by
arithmetic (the twin controls) is excused, a coordinate tie-break is not; a learner whose predictions do
not depend on its training data gets `does-not-learn`, never a verdict or a precision."""

from __future__ import annotations

import numpy as np
import pytest
from learners import controls
from learners import evidence_first as L

import invariance
from invariance import Diagnosis, Verdict, judge
from invariance.verdict import Verdict as V

FAST = 60


def _check(fn, **kw):
    return invariance.check(fn, max_examples=kw.pop("max_examples", FAST), **kw)


@pytest.mark.parametrize("fn", [L.egu_fixed_step, L.feature_scaled_gd], ids=["egu-fixed-step", "feature-scaled-gd"])
def test_a_violation_on_finite_outputs_decides_though_the_learner_diverges_elsewhere(fn):
    r = _check(fn)
    assert r.diagnosis is None and r.verdict is Verdict.NOT_INVARIANT, r.message
    assert r.counterexample is not None and r.counterexample.error is None
    assert np.all(np.isfinite(r.counterexample.y_hat)) and np.all(np.isfinite(r.counterexample.y_hat_transformed))
    diverged = [w for w in r.warnings if "NaN/inf" in w]
    assert len(diverged) == 1 and "smallest input" in diverged[0], r.warnings
    counts = [p.non_finite["count"] + p.non_finite["one_sided"] for p in r.properties.values() if p.non_finite]
    assert counts and all(c > 0 for c in counts)


def test_nan_above_9_and_invariant_below_is_still_no_verdict():
    r = _check(L.nan_above_9)
    assert r.verdict is None and r.diagnosis is Diagnosis.NON_FINITE, r.message
    nf = r.properties["orthogonal"].non_finite
    assert nf["d"] == 10 and nf["n"] == 1 and nf["m"] == 1  # shrunk: NaN needs d = 10 and nothing more
    assert "--max-d 9" in r.message


def test_a_difference_that_is_only_one_side_diverging_is_never_a_verdict():
    r = _check(L.ls_nan_on_one_coordinate)
    assert r.verdict is None and r.diagnosis in (Diagnosis.NON_FINITE, Diagnosis.INCONCLUSIVE), r.message
    assert r.properties["orthogonal"].non_finite["one_sided"] > 0


@pytest.mark.parametrize("fn", [L.normalised_gd, L.sign_of_residual_gd], ids=["g-over-norm-g", "sign-of-residual"])
def test_an_exact_fit_jump_set_by_arithmetic_is_excused_by_the_twin_controls(fn):
    r = _check(fn, max_examples=150)
    assert r.verdict is Verdict.INVARIANT or r.diagnosis is Diagnosis.INCONCLUSIVE, r.message
    excused = r.properties["pm1"].excused
    if r.verdict is Verdict.INVARIANT and excused is not None and excused["by"] == "permutation-control":
        assert excused["noise"] >= excused["deviation"] / judge.PERMUTATION_FACTOR


def test_a_per_coordinate_sign_rule_stays_pm1_invariant():
    """Control: sign(g) entrywise is pm1-invariant, and the twin controls do not make it invariant."""
    r = _check(L.sign_gd, max_examples=150)
    assert r.verdict in (Verdict.PM1_INVARIANT, Verdict.NOT_INVARIANT), r.message
    assert r.verdict is not Verdict.INVARIANT


@pytest.mark.parametrize("fn", [controls.nearest_neighbour_coordinate_ties, controls.nearest_neighbour_exact_ties],
                         ids=["tolerant-ties", "exact-ties"])
def test_a_tie_broken_by_a_coordinate_is_not_excused_by_the_twin_controls(fn):
    """Negative control: the column permutation of the twins moves these too, but a label jitter does not,
    so their twin violations stand."""
    r = invariance.check(fn)
    assert r.verdict is Verdict.NOT_INVARIANT, r.message


@pytest.mark.parametrize("fn", [L.constant, L.test_norms], ids=["constant", "norm-of-x-test"])
def test_a_learner_that_does_not_learn_gets_no_verdict_and_no_precision(fn):
    r = _check(fn)
    assert r.verdict is None and r.diagnosis is Diagnosis.DOES_NOT_LEARN, r.message
    assert r.message.startswith("its predictions do not depend on the training data")
    assert r.precision == "float64" and r.to_json()["diagnosis"] == "does-not-learn"


def test_a_learner_that_ignores_the_inputs_but_not_the_labels_learns():
    r = _check(L.mean_label)
    assert r.verdict is Verdict.INVARIANT, r.message


def test_decide_lets_a_finite_violation_decide_and_nan_limit_only_passes():
    F = judge.PropertyFacts
    # NaN on both properties, violations on both: the verdict stands, with the divergence as a warning
    d = judge.decide(F(True, non_finite=5), F(True, non_finite=2))
    assert d.diagnosis is None and d.judgement.verdict is V.NOT_INVARIANT and d.diverged == ("orthogonal", "pm1")
    # no violation anywhere and NaN somewhere: non-finite
    assert judge.decide(F(False, non_finite=1), F(False)).diagnosis is Diagnosis.NON_FINITE
    # a violation, and a relied-on pass that saw one side diverge: inconclusive
    d = judge.decide(F(True), F(False, one_sided_non_finite=1))
    assert d.diagnosis is Diagnosis.INCONCLUSIVE and d.limited == ("pm1",)
    # both-sided NaN in a relied-on pass with enough evidence: the verdict stands
    d = judge.decide(F(True), F(False, non_finite=3))
    assert d.diagnosis is None and d.judgement.verdict is V.PM1_INVARIANT
    # a short pass relied on: inconclusive; a short pass not relied on: nothing
    assert judge.decide(F(True), F(False, short=True)).short == ("pm1",)
    assert judge.decide(F(False, short=True), F(True)).diagnosis is None


def test_twin_controls_rule():
    assert judge.permutation_excuses(1e-5, 2e-6, 1e-17, judge.FLOOR)
    assert not judge.permutation_excuses(1e-5, 5e-7, 1e-17, judge.FLOOR)  # jitter too small: structural
    assert not judge.permutation_excuses(1e-5, 1.0, 1e-3, judge.FLOOR)  # a coordinate treated specially


def test_the_allowance_is_relative_to_the_predictions():
    # a deviation of 2.3e-4 (relative to labels ~1) of predictions ~1e-3 is 0.23 of the predictions
    assert judge.noise_needed(2.3e-4, exact_inputs=False, precision="bfloat16", d=8, n=8) is None
    assert judge.noise_needed(2.3e-4, exact_inputs=False, precision="bfloat16", d=8, n=8,
                              relative_to_predictions=0.23) == "example"
    assert judge.noise_needed(2.3e-4, exact_inputs=False, precision="bfloat16", d=8, n=8, has_exact=True) == "exact"


def test_an_allowance_never_excuses_a_deviation_that_grows_with_the_angle():
    r = invariance.check(L.ls_with_small_coordinate_term, precision="bfloat16", max_examples=FAST)
    assert r.verdict in (Verdict.PM1_INVARIANT, Verdict.NOT_INVARIANT), r.message
    control = invariance.check(L.ls_in_bfloat16, precision="bfloat16", max_examples=FAST)
    assert control.verdict is Verdict.INVARIANT, control.message


def test_a_coordinate_rule_on_integer_data_is_caught_on_twins():
    """Negative control: invariant on generic data, c·x_test[0] on exact integer data: the twin violation
    stands (a Haar rotation of the twin, which makes its inputs generic, would reproduce it: such a rotation
    is no measure of a twin's rounding, docs/design.md#gram-twins)."""
    r = invariance.check(L.ridge_plus_integer_coordinate)
    assert r.properties["orthogonal"].passed
    assert r.verdict is Verdict.NOT_INVARIANT, r.message


def test_an_exact_fit_sign_flip_below_a_one_ulp_label_jitter_is_excused():
    """L∞-normalised GD at an exact fit: the residual is +1.7e-16 on one twin and −3.3e-16 on the other, and
    a one-ulp jitter of labels the learner divides by 3 cannot flip it; the growing jitter draws can."""
    r = invariance.check(L.linf_normalised_gd, seed=1)
    assert r.verdict is Verdict.PM1_INVARIANT, r.message


def test_predictions_on_their_way_to_overflow_count_as_diverged():
    r = invariance.check(L.gd_step_one, seed=2)
    assert r.verdict is None and r.diagnosis is Diagnosis.NON_FINITE, r.message
    rng = np.random.default_rng(0)
    X = rng.choice((-1.0, 1.0), (6, 16))
    from invariance.contract import as_learner
    from invariance.probe.call import Caller, CallError

    caller = Caller(as_learner(L.gd_step_one, name="gd_step_one", target="t"))
    with pytest.raises(CallError) as info:
        caller.predict(X, rng.standard_normal(6), X[:2])
    assert info.value.kind is Diagnosis.NON_FINITE and "beyond 1e+50" in str(info.value)
    assert judge.diverged_count(np.array([1e49, -2e51, 3.0]), np.array([0.5])) == 1
    assert judge.diverged_count(np.array([1e51]), np.array([100.0])) == 0  # relative to the labels' scale
