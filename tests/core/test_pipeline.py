"""Controls for the checker (invariance.pipeline.check_learner): learners whose verdict the mathematics dictates.

Negative controls must be caught, positive controls must not be flagged, misbehaving learners get a
diagnosis instead of a verdict. Each row of a table is one pytest id. The large-d and large-n
controls run with the default budget, because the default budget is what users trust; the others
use a smaller one to keep the suite fast.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import without_seconds
from learners import controls as C
from learners import misbehaving as M

from invariance import Diagnosis, Symmetry, Verdict
from invariance.contract import Domain, as_learner
from invariance.pipeline import CheckConfig
from invariance.pipeline import check_learner as check

FAST = 40  # max_examples for controls that do not test the default budget

INV, PM1, NOT = Verdict.INVARIANT, Verdict.PM1_INVARIANT, Verdict.NOT_INVARIANT


def run(fn, *, max_examples: int | None = FAST, seed: int = 0, **config):
    learner = as_learner(fn, name=fn.__name__, target=f"tests/learners:{fn.__name__}")
    return check(learner, CheckConfig(seed=seed, max_examples=max_examples, **config))


# (learner, expected verdict, expected symmetry or None when the budget does not pin it, max_examples)
CONTROLS = [
    # ---- positive controls: must not be flagged
    pytest.param(C.least_squares, INV, Symmetry.ORTHOGONAL, FAST, id="min-norm-least-squares"),
    pytest.param(C.ridge_gd, INV, Symmetry.ORTHOGONAL, FAST, id="ridge-by-gd-to-1e-13"),
    pytest.param(C.least_squares_rounding_noise, INV, Symmetry.ORTHOGONAL, FAST, id="least-squares-plus-1e-14-noise"),
    pytest.param(C.least_squares_reordered, INV, Symmetry.ORTHOGONAL, FAST, id="least-squares-reordered-sums"),
    pytest.param(C.least_squares_float32, INV, Symmetry.ORTHOGONAL, FAST, id="least-squares-in-float32"),
    pytest.param(C.ridge_gd_float32, INV, Symmetry.ORTHOGONAL, None, id="ridge-by-300-float32-gd-steps"),
    pytest.param(C.kernel_ridge_rbf, INV, Symmetry.ORTHOGONAL, FAST, id="kernel-ridge-rbf"),
    pytest.param(C.kernel_ridge_squares, PM1, Symmetry.SIGNED_PERMUTATIONS, FAST, id="kernel-squares-pm1-only"),
    pytest.param(M.mutates_inputs, INV, Symmetry.ORTHOGONAL, FAST, id="mutates-its-inputs"),
    pytest.param(M.refuses_d1, INV, Symmetry.ORTHOGONAL, FAST, id="refuses-d1-both-sides"),
    # ---- negative controls: must be caught
    pytest.param(C.least_squares_nudged, NOT, Symmetry.NONE, FAST, id="least-squares-plus-1e-4-x1"),
    pytest.param(C.least_squares_float32_nudged, NOT, Symmetry.NONE, FAST, id="float32-least-squares-plus-1e-4-x1"),
    pytest.param(C.ridge_gd_float32_nudged, NOT, Symmetry.NONE, FAST, id="float32-ridge-gd-plus-1e-4-x1"),
    pytest.param(C.least_squares_cubic, NOT, Symmetry.PERMUTATIONS, None, id="least-squares-plus-1e-4-cubes"),
    pytest.param(C.least_squares_quartic, PM1, Symmetry.SIGNED_PERMUTATIONS, FAST,
                 id="least-squares-plus-1e-4-fourth-powers"),
    pytest.param(C.switches_when_d_large, PM1, Symmetry.SIGNED_PERMUTATIONS, None, id="coordinatewise-when-d-gt-8"),
    pytest.param(C.switches_when_n_large, NOT, Symmetry.NONE, None, id="nudged-when-n-gt-12"),
    pytest.param(C.nearest_neighbour_coordinate_ties, NOT, Symmetry.NONE, None, id="ties-broken-by-a-coordinate"),
    pytest.param(C.adagrad_diag, PM1, Symmetry.SIGNED_PERMUTATIONS, FAST, id="diagonal-adagrad"),
    pytest.param(C.adagrad_diag_batch, NOT, Symmetry.SIGNED_PERMUTATIONS, FAST, id="full-batch-diagonal-adagrad"),
    pytest.param(C.egu, NOT, Symmetry.PERMUTATIONS, FAST, id="egu"),
    pytest.param(C.eg_pm, NOT, Symmetry.SIGNED_PERMUTATIONS, FAST, id="eg-plus-minus"),
    pytest.param(M.refuses_d1_adagrad, PM1, Symmetry.SIGNED_PERMUTATIONS, FAST, id="adagrad-refusing-d1"),
    pytest.param(M.raises_on_negative_corner, PM1, Symmetry.NONE, FAST, id="raises-on-one-side-only"),
    # ---- the 1e-10 … 1e-6 band: small violations, additive and multiplicative, generic and ±1 only
    pytest.param(C.least_squares_tanh_1e8, NOT, Symmetry.NONE, FAST, id="least-squares-times-1-plus-1e-8-tanh-x1"),
    pytest.param(C.least_squares_plus_1e9, NOT, Symmetry.NONE, FAST, id="least-squares-plus-1e-9-x1"),
    pytest.param(C.ridge_gd_l1_stopping, NOT, Symmetry.SIGNED_PERMUTATIONS, FAST, id="ridge-gd-l1-stopping-rule"),
]


@pytest.fixture(scope="module")
def results():
    """Each control is checked once per module; the tests below read the cached results."""
    cache = {}

    def get(fn, max_examples=FAST):
        key = (fn.__name__, max_examples)
        if key not in cache:
            cache[key] = run(fn, max_examples=max_examples)
        return cache[key]

    return get


@pytest.mark.parametrize("fn, verdict, symmetry, max_examples", CONTROLS)
def test_control_gets_the_verdict_its_mathematics_dictates(results, fn, verdict, symmetry, max_examples):
    r = results(fn, max_examples)
    assert r.diagnosis is None, r.message
    assert r.verdict is verdict, r.message
    assert r.symmetry is symmetry, r.message  # pinned for every control
    assert not (verdict is not INV and symmetry is Symmetry.ORTHOGONAL)
    orth, pm1 = r.deviation["orthogonal"], r.deviation["pm1"]
    if verdict is INV:
        assert r.counterexample is None
        limit = 1e-5 if fn in (C.least_squares_float32, C.ridge_gd_float32) else 1e-10  # float32 rounds at ~1e-7
        assert orth is not None and orth <= limit and pm1 is not None and pm1 <= limit
    else:
        cx = r.counterexample
        assert cx is not None
        assert cx.deviation > cx.threshold
        assert r.properties[cx.property].passed is False
        if verdict is PM1:
            assert r.properties["pm1"].passed and not r.properties["orthogonal"].passed
            assert cx.property == "orthogonal"


# ------------------------------------------------------------------------ what the verdicts rest on


@pytest.mark.parametrize("fn", [C.least_squares_nudged, C.least_squares_cubic, C.least_squares_quartic],
                         ids=lambda f: f.__name__)
def test_a_1e_4_coordinate_term_is_caught_on_generic_data(results, fn):
    r = results(fn, None if fn is C.least_squares_cubic else FAST)
    orth = r.properties["orthogonal"]
    assert not orth.passed
    cx = r.counterexamples["orthogonal"]
    assert cx.deviation > 1e-7 and cx.threshold < cx.deviation
    assert cx.noise < 1e-6  # least squares is far from its rounding noise


def test_large_d_violation_is_found_with_the_default_budget(results):
    r = results(C.switches_when_d_large, None)
    cx = r.counterexamples["orthogonal"]
    assert cx.d > 8
    assert r.properties["pm1"].passed  # on ±1 data the coordinatewise rule is w = Xᵀy/n: invariant


def test_large_n_violation_is_found_with_the_default_budget(results):
    r = results(C.switches_when_n_large, None)
    cx = r.counterexamples["orthogonal"]
    assert cx.n > 12


def test_diagonal_adagrad_counterexample_is_two_dimensional(results):
    r = results(C.adagrad_diag)
    cx = r.counterexample
    assert cx.property == "orthogonal" and cx.d == 2
    assert cx.shrunk and (cx.n, cx.m) == (1, 1)
    U = np.asarray(cx.U)
    assert np.allclose(U @ U.T, np.eye(2), atol=1e-12)


def test_egu_counterexample_is_the_reflection_of_the_line(results):
    r = results(C.egu)
    cx = r.counterexample
    assert cx.property == "orthogonal"
    assert (cx.d, cx.n, cx.m) == (1, 1, 1)
    assert np.asarray(cx.U).tolist() == [[-1.0]]
    assert "reflection" in cx.U_description
    assert np.array_equal(cx.X_train_transformed, -cx.X_train)


def test_full_batch_adagrad_fails_on_twins(results):
    r = results(C.adagrad_diag_batch)
    pm1 = r.properties["pm1"]
    assert not pm1.passed
    cx = r.counterexamples["pm1"]
    Z = np.vstack([cx.X_train, cx.X_test])
    Z2 = np.vstack([cx.X_train_transformed, cx.X_test_transformed])
    assert set(np.unique(Z)) <= {-1.0, 1.0}
    assert np.array_equal(Z @ Z.T, Z2 @ Z2.T)
    assert np.allclose(Z @ np.asarray(cx.U).T, Z2, atol=1e-10)


@pytest.mark.parametrize("fn", [C.least_squares_pm1_nudged, C.least_squares_pm1_scaled])
def test_a_1e_8_term_on_pm1_data_only_is_caught_by_the_twins(fn):
    """Additive and multiplicative 1e-8 terms active only when every input is ±1: on twins the noise is
    measured on a Gaussian problem of the same size (not by perturbing the twin, which would switch the
    term off), so 2e-8 stands far above it. (Their symmetry field is not pinned: the subgroup searches
    judge integer data by perturbing it, which switches such a term off — a learner that branches on
    exact ±1 inputs can look signed-permutation invariant there.)"""
    r = run(fn)
    assert r.verdict is NOT and not r.properties["pm1"].passed, r.message
    cx = r.counterexamples["pm1"]
    assert 1e-8 < cx.deviation < 1e-6 or cx.deviation == pytest.approx(2.0, rel=0.01)  # additive: relative to y = 0
    assert cx.threshold < 1e-9


def test_tie_breaking_by_a_coordinate_is_caught_on_twins(results):
    """Invariant whenever no two rows tie; ±1 twins are all ties."""
    r = results(C.nearest_neighbour_coordinate_ties)
    assert not r.properties["pm1"].passed


def test_exact_tie_breaking_by_a_coordinate_is_caught(results):
    r = results(C.nearest_neighbour_exact_ties)
    assert r.properties["pm1"].max_deviation > 0.5  # the twins do differ …
    assert r.verdict is NOT  # … and its noise on Gaussian data of the twins' size leaves nothing to excuse it


def test_float32_learners_are_recognised_by_their_inputs():
    from invariance.probe.profile import probe

    def precision(fn):
        learner = as_learner(fn, name=fn.__name__, target="x")
        probed = probe(learner, seed=0, timeout=10.0)
        assert probed.failure is None and len(probed.answered) == 2
        return probed.caller.profile.precision

    assert precision(C.ridge_gd_float32) == precision(C.least_squares_float32) == "float32"
    assert precision(C.least_squares) == precision(C.ridge_gd) == "float64"


def test_float32_noise_is_measured_in_float32(results):
    """With float64 probes the float32 learner's measured noise was 0 on the counterexample, so 8e-8
    counted as a violation; in float32 it is measured, and stays far below the 1e-4 nudge."""
    ok, nudged = results(C.ridge_gd_float32, None), results(C.ridge_gd_float32_nudged)
    assert ok.verdict is INV and ok.precision == "float32"
    excused = ok.properties["orthogonal"].excused
    assert excused["deviation"] > 1e-9 and excused["by"] == "example-probes"  # there was rounding to excuse …
    assert 1e-10 < excused["noise"] < 1e-5  # … measured by float32 probes
    cx = nudged.counterexamples["orthogonal"]
    assert nudged.verdict is NOT and cx.deviation > 10 * cx.threshold, nudged.message


def test_twin_limit_is_calibrated_by_the_learners_arithmetic():
    """On exact twins a deviation counts above the same threshold as on generic data, 100 × the learner's
    rounding noise — measured on Gaussian data of the same size, since perturbing a twin breaks its ties.
    The float32 learner passes on twins — the calibration carries it — while the exact tie-breaker, whose
    Gaussian-data noise is ~0, is caught."""
    f32 = run(C.ridge_gd_float32)
    assert f32.properties["pm1"].passed and f32.properties["pm1"].max_deviation > 1e-9, f32.message
    assert f32.properties["pm1"].max_noise > 1e-11
    ties = run(C.nearest_neighbour_exact_ties)
    assert not ties.properties["pm1"].passed and ties.verdict is NOT


def test_twin_counterexample_says_whether_a_column_permutation_moves_it_too(results):
    """The permutation control beside a twin violation: the exact tie-breaker moves under a mere column
    permutation of the same data as much as between the twins; full-batch AdaGrad, whose violation is a
    per-coordinate rule and not arithmetic, moves by rounding only."""
    ties = results(C.nearest_neighbour_exact_ties).counterexamples["pm1"].notes
    assert ties["column_permutation_deviation"] > 0.1 and "tie-break" in ties["diagnosis"]
    batch = results(C.adagrad_diag_batch).counterexamples["pm1"].notes
    assert batch["column_permutation_deviation"] < 1e-10 and "per-coordinate" in batch["diagnosis"]


# ---------------------------------------------------------------------------- misbehaving learners


@pytest.mark.parametrize(
    "fn, diagnosis, words, config",
    [
        pytest.param(M.raises_always, Diagnosis.ERROR, ("ValueError", "this learner always fails"), {}, id="raises"),
        pytest.param(M.unseeded_random, Diagnosis.NONDETERMINISTIC, ("rng",), {}, id="unseeded-random"),
        pytest.param(M.returns_nan, Diagnosis.NON_FINITE, ("non-finite",), {}, id="nan"),
        pytest.param(M.wrong_shape, Diagnosis.BAD_SHAPE, ("shape",), {}, id="wrong-shape"),
        pytest.param(M.hangs, Diagnosis.TIMEOUT, ("0.5 s",), {"timeout": 0.5}, id="hangs"),
    ],
)
def test_misbehaving_learner_gets_a_diagnosis_not_a_verdict(fn, diagnosis, words, config):
    r = run(fn, **config)
    assert r.verdict is None and r.symmetry is None and r.counterexample is None
    assert r.diagnosis is diagnosis
    assert r.failed
    for w in words:
        assert w in r.message
    assert "\n" not in r.message
    doc = r.to_json()
    assert doc["verdict"] is None and doc["diagnosis"] == diagnosis.value


def test_a_learner_refusing_one_probe_shape_is_checked_not_diagnosed():
    """Raising on one probe shape (n < d + 1) and answering the other is a refusal: the searches skip
    such inputs on both sides and count them; only raising on every probe is `error`."""
    r = run(M.refuses_n_below_d_plus_1)
    # refusing most of the budget leaves a pass without evidence: inconclusive, with the narrower question
    assert r.diagnosis is Diagnosis.INCONCLUSIVE and r.verdict is None, r.message
    assert "--n-above-d" in r.message and r.properties["orthogonal"].evidence.startswith("only ")
    assert r.properties["orthogonal"].skips > 0 and any("refused" in w for w in r.warnings)
    asked = check(as_learner(M.refuses_n_below_d_plus_1, name="r", target="t:r"),
                  CheckConfig(max_examples=40, domain=Domain(n_above_d=True)))
    assert asked.verdict is INV and asked.properties["orthogonal"].skips == 0, asked.message
    assert ("for n > d" in asked.message
            and asked.to_json()["domain"] == {"max_d": None, "min_n": None, "n_above_d": True})


def test_a_learner_refusing_labels_le_0_gets_positive_labels_and_a_verdict():
    """PoissonRegressor-like: every generic probe raises (y has negative entries), 1 + |y| is accepted.
    Rotations act on X only, so the check runs with 1 + |y|, says so, and shows the labels it used."""
    r = run(M.needs_positive_labels)
    assert r.diagnosis is None and r.verdict is INV, r.message
    assert any("1 + |y|" in w for w in r.warnings)
    nudged = run(lambda X, y, Xt: M.needs_positive_labels(X, y, Xt) * (1 + 1e-4 * Xt[:, 0]))
    assert nudged.verdict is NOT and min(nudged.counterexample.y_train) >= 1.0


def test_a_learner_that_mutates_its_inputs_gets_a_warning(results):
    r = results(M.mutates_inputs)
    assert any("modifies its inputs" in w and "X_train" in w for w in r.warnings)


def test_refusals_on_both_sides_are_counted_as_skips(results):
    r = results(M.refuses_d1)
    assert r.properties["orthogonal"].skips > 0
    assert any("refused" in w for w in r.warnings)
    r = results(M.refuses_d1_adagrad)
    assert r.verdict is PM1 and r.counterexample.d >= 2


def test_a_failure_on_one_side_only_is_a_violation(results):
    r = results(M.raises_on_negative_corner)
    cx = r.counterexamples["orthogonal"]
    assert cx.error is not None and "only the" in cx.error and "ArithmeticError" in cx.error
    assert cx.deviation == float("inf")
    assert (cx.y_hat is None) != (cx.y_hat_transformed is None)
    doc = r.to_json()
    assert doc["deviation"]["orthogonal"] is None  # JSON has no inf; the error says what happened
    assert doc["counterexample"]["error"] == cx.error


# -------------------------------------------------------------------------- determinism and replay


@pytest.mark.parametrize("fn", [C.adagrad_diag_batch, C.least_squares], ids=lambda f: f.__name__)
def test_same_seed_gives_identical_json(results, fn):
    first = results(fn).to_json()
    again = run(fn).to_json()
    assert without_seconds(first) == without_seconds(again)


def test_the_seed_matters():
    a = run(C.least_squares_nudged, seed=0, max_examples=10)
    b = run(C.least_squares_nudged, seed=1, max_examples=10)
    assert a.verdict is not INV and b.verdict is not INV
    assert a.to_json()["counterexamples"]["orthogonal"] != b.to_json()["counterexamples"]["orthogonal"]


def test_replaying_the_counterexample_seed_gives_the_same_counterexample(results):
    cx = results(C.eg_pm).counterexample
    replay = cx.replay_info
    assert replay["seed"] == 0 and "invcheck" in replay["command"] and "--seed 0" in replay["command"]
    again = run(C.eg_pm, seed=replay["seed"]).counterexample
    for name in ("U", "X_train", "y_train", "X_test", "y_hat", "y_hat_transformed"):
        assert np.array_equal(np.asarray(getattr(cx, name)), np.asarray(getattr(again, name))), name
    assert replay.get("reproduce_failure") is None or replay["reproduce_failure"].startswith("@reproduce_failure")
