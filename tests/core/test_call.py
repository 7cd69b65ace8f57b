"""Tests of invariance.probe.call: the deviation formula and the safe learner call (Caller)."""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest
from helpers import caller
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from invariance import Diagnosis
from invariance.probe.call import TINY, CallError, deviation

X = np.arange(12.0).reshape(4, 3)
Y = np.array([1.0, 2.0, -1.0, 0.5])
XT = np.ones((2, 3))

finite = st.floats(-1e6, 1e6, allow_nan=False)


# --------------------------------------------------------------------------------------- deviation


def test_deviation_formula():
    a, b, y = np.array([1.0, 2.0]), np.array([1.0, 2.5]), np.array([4.0])
    assert deviation(a, b, y) == pytest.approx(0.5 / 4.0)
    assert deviation(a, b, np.array([0.1])) == pytest.approx(0.5 / 2.5)
    assert deviation(a, a, y) == 0.0


def test_deviation_of_zeros_uses_the_tiny_floor():
    assert deviation(np.zeros(2), np.array([0.0, 1e-13]), np.zeros(3)) == pytest.approx(1e-13 / TINY)
    assert deviation(np.zeros(0), np.zeros(0), Y) == 0.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_deviation_of_non_finite_predictions_is_infinite(bad):
    assert deviation(np.array([1.0, bad]), np.array([1.0, 1.0]), Y) == float("inf")
    assert deviation(np.array([1.0, 1.0]), np.array([bad, 1.0]), Y) == float("inf")


@given(hnp.arrays(np.float64, 3, elements=finite), hnp.arrays(np.float64, 3, elements=finite),
       hnp.arrays(np.float64, 2, elements=finite))
def test_deviation_is_symmetric_scale_free_and_bounded(a, b, y):
    dev = deviation(a, b, y)
    assert dev == deviation(b, a, y)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), float(np.max(np.abs(y))), TINY)
    assert dev == float(np.max(np.abs(a - b))) / scale  # the formula of docs/design.md#tolerance
    assert 0.0 <= dev <= 2.0  # |aᵢ − bᵢ| ≤ |aᵢ| + |bᵢ| ≤ 2·scale, the floor included
    if max(np.max(np.abs(a)), np.max(np.abs(b)), np.max(np.abs(y))) > 1e-6:
        assert deviation(8.0 * a, 8.0 * b, 8.0 * y) == pytest.approx(dev, rel=1e-12, abs=1e-300)


# ------------------------------------------------------------------------------------------- Caller


def test_caller_passes_float64_copies_and_counts():
    seen = []

    def spy(X_train, y_train, X_test):
        seen.append((X_train, y_train, X_test))
        return X_test @ np.ones(X_test.shape[1])

    m = caller(spy)
    Xi = X.astype(np.int64)
    out = m.predict(Xi, Y, XT)
    assert np.array_equal(out, [3.0, 3.0])
    Xa, ya, Xta = seen[0]
    assert Xa.dtype == ya.dtype == Xta.dtype == np.float64
    assert Xa is not Xi and not np.shares_memory(Xa, X) and not np.shares_memory(Xta, XT)
    m.predict(X, Y, XT)
    assert m.evaluations == 2


def test_caller_records_mutation_and_protects_the_caller():
    def mutates(X_train, y_train, X_test):
        X_train[:] = 0.0
        y_train *= 3.0
        return np.zeros(len(X_test))

    m = caller(mutates)
    Xc, Yc = X.copy(), Y.copy()
    m.predict(Xc, Yc, XT)
    assert np.array_equal(Xc, X) and np.array_equal(Yc, Y)
    assert m.mutated == ["X_train", "y_train"]
    m.predict(Xc, Yc, XT)
    assert m.mutated == ["X_train", "y_train"]  # recorded once


def test_caller_accepts_a_column_vector_and_a_list():
    column = caller(lambda X_train, y_train, X_test: np.array([[1.5], [-2.0]])).predict(X, Y, XT)
    assert column.shape == (2,) and column.tolist() == [1.5, -2.0]
    assert caller(lambda X_train, y_train, X_test: [1, 2]).predict(X, Y, XT).tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "out, kind, words",
    [
        pytest.param(np.zeros(3), Diagnosis.BAD_SHAPE, "shape (3,) for 2 test points", id="too-long"),
        pytest.param(np.zeros((2, 2)), Diagnosis.BAD_SHAPE, "shape (2, 2)", id="matrix"),
        pytest.param(np.float64(1.0), Diagnosis.BAD_SHAPE, "shape ()", id="scalar"),
        pytest.param("abc", Diagnosis.BAD_SHAPE, "not numbers", id="string"),
        pytest.param(None, Diagnosis.BAD_SHAPE, "shape ()", id="none"),
        pytest.param(np.array([1.0, np.nan]), Diagnosis.NON_FINITE, "1 non-finite", id="nan"),
        pytest.param(np.array([np.inf, -np.inf]), Diagnosis.NON_FINITE, "2 non-finite", id="inf"),
    ],
)
def test_caller_validates_the_output(out, kind, words):
    with pytest.raises(CallError) as info:
        caller(lambda X_train, y_train, X_test: out).predict(X, Y, XT)
    assert info.value.kind is kind
    assert words in str(info.value)


def test_caller_summarises_an_exception_on_one_line():
    def fails(X_train, y_train, X_test):
        raise np.linalg.LinAlgError("Singular matrix\nsecond line")

    with pytest.raises(CallError) as info:
        caller(fails).predict(X, Y, XT)
    err = info.value
    assert err.kind is Diagnosis.ERROR and err.exc_type == "LinAlgError"
    assert str(err).startswith("LinAlgError: Singular matrix at ")
    assert "test_call.py" in str(err) and "\n" not in str(err)
    assert "Traceback" in err.detail


def test_caller_times_out_a_hanging_learner():
    def hangs(X_train, y_train, X_test):
        while True:
            time.sleep(0.01)

    handler = signal.getsignal(signal.SIGALRM)
    m = caller(hangs, timeout=0.2)
    with pytest.raises(CallError) as info:
        m.predict(X, Y, XT)
    assert info.value.kind is Diagnosis.TIMEOUT
    assert str(info.value).startswith("one call ran past the 0.2 s limit (n=4, d=3, m=2)")
    assert m.evaluations == 1
    # the alarm that interrupted the learner is disarmed and the caller's handler is back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_an_except_clause_in_the_learner_cannot_swallow_the_timeout():
    def stubborn(X_train, y_train, X_test):
        while True:
            try:  # noqa: SIM105 (the learner under test swallows with a literal except clause)
                time.sleep(0.01)
            except Exception:
                pass

    with pytest.raises(CallError) as info:
        caller(stubborn, timeout=0.2).predict(X, Y, XT)
    assert info.value.kind is Diagnosis.TIMEOUT


def test_keyboard_interrupt_is_not_a_learner_error():
    def interrupted(X_train, y_train, X_test):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        caller(interrupted).predict(X, Y, XT)


def test_randomised_learner_gets_a_seeded_generator():
    def noisy(X_train, y_train, X_test, *, rng):
        assert isinstance(rng, np.random.Generator)
        return rng.standard_normal(len(X_test))

    from invariance.probe.call import Profile

    m = caller(noisy, profile=Profile(randomized=True))
    assert m.learner.randomized
    a = m.predict(X, Y, XT, seed=5)
    assert np.array_equal(a, np.random.default_rng(5).standard_normal(2))  # the generator is default_rng(seed)
    assert np.array_equal(a, m.predict(X, Y, XT, seed=5))
    assert not np.array_equal(a, m.predict(X, Y, XT, seed=6))


def test_the_learners_own_warnings_do_not_leak(recwarn):
    def warns(X_train, y_train, X_test):
        import warnings

        warnings.warn("learner warning", RuntimeWarning, stacklevel=1)
        return np.zeros(len(X_test)) / np.ones(len(X_test))

    caller(warns).predict(X, Y, XT)
    assert not [w for w in recwarn if "learner warning" in str(w.message)]
