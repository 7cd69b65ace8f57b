"""Tests of invariance.judge.tolerance: rounding is not a violation, a 1e-4 nudge is (docs/design.md#tolerance)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import caller
from learners import controls as C

from invariance.data import rotations
from invariance.data.strategies import Case
from invariance.judge import FLOOR, NOISE_FACTOR, threshold
from invariance.probe.call import Caller, Profile, deviation
from invariance.probe.noise import angle_scaling, rounding_noise
from invariance.verdict import Scaling


def make_case(d=4, n=6, m=2, seed=0, integers=False, U=None) -> Case:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n + m, d))
    if integers:
        X = np.round(2 * X)
    y = rng.standard_normal(n)
    U = rotations.haar(rng, d) if U is None else U
    return Case("orthogonal", X[:n], y, X[n:], U, X[:n] @ U.T, X[n:] @ U.T, "haar", "gaussian")


def both_sides(mt: Caller, case: Case):
    return (
        mt.predict(case.X_train, case.y_train, case.X_test),
        mt.predict(case.X_train_t, case.y_train, case.X_test_t),
    )


def test_threshold():
    assert threshold(0.0) == FLOOR
    assert threshold(1e-14) == FLOOR
    assert threshold(1e-6) == pytest.approx(NOISE_FACTOR * 1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_a_float64_invariant_learner_stays_below_the_floor(seed):
    case = make_case(seed=seed)
    mt = caller(C.least_squares)
    a, b = both_sides(mt, case)
    assert deviation(a, b, case.y_train) < FLOOR
    assert rounding_noise(mt, case, a, b, seed) < 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_float32_rounding_is_measured_and_not_called_a_violation(seed):
    case = make_case(seed=seed)
    # the probe profiles it at float32 (test_pipeline.py)
    mt = caller(C.least_squares_float32, profile=Profile(precision="float32"))
    a, b = both_sides(mt, case)
    dev = deviation(a, b, case.y_train)
    noise = rounding_noise(mt, case, a, b, seed)
    assert noise > 1e-9
    assert rounding_noise(caller(C.least_squares_float32), case, a, b, seed) == 0.0  # float64 probes cannot see it
    assert dev <= threshold(noise), (dev, noise)


@pytest.mark.parametrize("seed", range(5))
def test_a_1e_4_nudge_stands_far_above_the_learners_rounding(seed):
    case = make_case(seed=seed)
    mt = caller(C.least_squares_nudged)
    a, b = both_sides(mt, case)
    dev = deviation(a, b, case.y_train)
    assert dev > 1e-6
    assert dev > threshold(rounding_noise(mt, case, a, b, seed))


def test_rounding_noise_is_a_function_of_its_seed():
    case = make_case()
    mt = caller(C.least_squares_float32)
    a, b = both_sides(mt, case)
    assert rounding_noise(mt, case, a, b, 3) == rounding_noise(mt, case, a, b, 3)


def test_rounding_noise_of_a_learner_that_cannot_take_a_perturbation_is_infinite():
    calls = []

    def fussy(X_train, y_train, X_test):
        calls.append(1)
        if len(calls) > 2:  # answers the two sides, then refuses
            raise ValueError("no more")
        return np.zeros(len(X_test))

    case = make_case()
    mt = caller(fussy)
    a, b = both_sides(mt, case)
    assert rounding_noise(mt, case, a, b, 0) == float("inf")


def test_angle_scaling_of_a_structural_violation_is_linear():
    case = make_case(d=3)
    s = angle_scaling(caller(C.least_squares_nudged), case)
    assert s["applicable"]
    assert s["slope"] == pytest.approx(1.0, abs=0.2)
    assert s["scaling"] is Scaling.STRUCTURAL
    assert len(s["deviations"]) == len(s["angles"])
    assert s["deviations"] == sorted(s["deviations"], reverse=True)


def test_angle_scaling_of_a_discontinuity_does_not_scale():
    """A term that switches on for any non-integer input is the same size at every angle."""

    def integer_detector(X_train, y_train, X_test):
        out = X_test @ (np.linalg.pinv(X_train) @ y_train)
        return out + (1e-3 if np.any(X_train != np.round(X_train)) else 0.0)

    case = make_case(d=3, integers=True)
    s = angle_scaling(caller(integer_detector), case)
    assert s["applicable"]
    assert s["slope"] == pytest.approx(0.0, abs=0.2)
    assert s["scaling"] is Scaling.FLAT


def test_angle_scaling_of_an_invariant_learner_finds_nothing():
    s = angle_scaling(caller(C.least_squares), make_case(d=3))
    assert s["applicable"] and s["slope"] is None
    assert s["scaling"] is Scaling.LARGE_ROTATION_ONLY


def test_angle_scaling_needs_two_dimensions():
    case = make_case(d=1, U=np.array([[-1.0]]))
    s = angle_scaling(caller(C.least_squares_nudged), case)
    assert not s["applicable"] and "d = 1" in s["diagnosis"]


def test_a_distance_from_exact_arithmetic_is_rounding_only_while_small():
    """judge.far_from_exact: at or above 1e-3 (relative), or the precision's allowance where that is larger
    (bfloat16 at max(d, n) = 16: 8·2⁻⁸·4 = 0.125), the computed learner is not its exact twin up to rounding."""
    from invariance import judge
    from invariance.verdict import ExcusedBy

    assert not judge.far_from_exact(9e-4, "float32", 4, 4) and judge.far_from_exact(1e-3, "float32", 4, 4)
    assert not judge.far_from_exact(0.1, "bfloat16", 16, 16) and judge.far_from_exact(0.13, "bfloat16", 16, 16)
    assert judge.far_from_exact(1.2, "float16", 16, 35)
    # the excusals that make an example unstable (the evidence rule) are unchanged by it
    assert not judge.unstable_excuse(ExcusedBy.EXACT_ARITHMETIC, 1.0)
    assert judge.unstable_excuse(ExcusedBy.EXAMPLE_PROBES, 1e-3)
    assert not judge.unstable_excuse(ExcusedBy.EXAMPLE_PROBES, 9e-4)
    assert judge.unstable_excuse(ExcusedBy.PERMUTATION_CONTROL, 0.0)
    assert not judge.unstable_excuse(ExcusedBy.PRECISION, 1.0)
