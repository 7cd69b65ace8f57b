"""Tests of invariance.targets: every TARGET form of docs/design.md#contracts, and a table of bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import LEARNERS, ROOT
from helpers import BAD

from invariance import UsageError, Verdict
from invariance.targets import load, load_many

X = np.arange(12.0).reshape(4, 3) / 10.0
Y = np.array([1.0, -1.0, 0.5, 2.0])
XT = np.ones((2, 3))


def names(learners):
    return [lrn.name for lrn in learners]


def test_dotted_module_with_registered_learners_yields_only_those():
    ls = load("learners.registered")
    assert names(ls) == ["min_norm", "first-coordinate"]  # declared name wins; unregistered is left out
    assert [lrn.target for lrn in ls] == ["learners.registered:min_norm", "learners.registered:first_coordinate"]
    assert [lrn.expected for lrn in ls] == [Verdict.INVARIANT, Verdict.NOT_INVARIANT]
    assert [lrn.reason for lrn in ls] == ["w = X⁺y depends on the data through inner products only",
                                          "reads the first coordinate"]


def test_dotted_module_with_plain_functions_yields_the_three_argument_functions():
    ls = load("learners.plain")
    assert names(ls) == ["mean_predictor", "ridge"]  # not helper(x), not _private
    assert [lrn.target for lrn in ls] == ["learners.plain:mean_predictor", "learners.plain:ridge"]
    assert all(lrn.expected is None and lrn.reason is None and not lrn.randomized for lrn in ls)


def test_module_colon_name():
    (lrn,) = load("learners.registered:min_norm")
    assert lrn.name == "min_norm" and lrn.target == "learners.registered:min_norm"
    assert lrn.expected is Verdict.INVARIANT
    assert np.allclose(lrn(X, Y, XT), XT @ np.linalg.pinv(X) @ Y)


def test_module_colon_plain_function_has_no_declaration():
    (lrn,) = load("learners.registered:unregistered")
    assert lrn.name == "unregistered" and lrn.expected is None


def test_file_colon_name(monkeypatch):
    monkeypatch.chdir(ROOT)
    (lrn,) = load("tests/learners/plain.py:ridge")
    assert lrn.target == "tests/learners/plain.py:ridge" and lrn.name == "ridge"
    np.testing.assert_allclose(lrn(X, Y, XT), XT @ np.linalg.solve(X.T @ X + np.eye(3), X.T @ Y), rtol=1e-12)


def test_absolute_file_path():
    (lrn,) = load(f"{LEARNERS / 'plain.py'}:mean_predictor")
    assert np.allclose(lrn(X, Y, XT), np.full(2, Y.mean()))


def test_file_without_a_name_yields_its_learners(monkeypatch):
    monkeypatch.chdir(ROOT)
    ls = load("tests/learners/plain.py")
    assert names(ls) == ["mean_predictor", "ridge"]
    assert [lrn.target for lrn in ls] == ["tests/learners/plain.py:mean_predictor", "tests/learners/plain.py:ridge"]


def test_file_with_registered_learners(monkeypatch):
    monkeypatch.chdir(ROOT)
    ls = load("tests/learners/registered.py")
    assert [lrn.expected for lrn in ls] == [Verdict.INVARIANT, Verdict.NOT_INVARIANT]


def test_package_is_walked_for_registered_learners():
    ls = load("algorithms")
    # every module of algorithms/ but the private _loop and _torch, in name order, with the declarations
    # of the README's table of built-in learners
    expected = {
        "adagrad_diag": "pm1-invariant", "adagrad_diag_batch": "not-invariant", "adagrad_full": "invariant",
        "adam": "pm1-invariant", "eg_pm": "not-invariant", "egu": "not-invariant", "gd": "invariant",
        "least_squares": "invariant", "logistic_gd": "invariant", "logistic_uv": "not-invariant",
        "mlp": "invariant-in-distribution", "mlp_spindly": "not-invariant",
        "newton": "invariant", "private_lr": "not-invariant", "spindly": "not-invariant",
        "spindly_pm": "not-invariant", "vaw": "invariant",
    }
    assert [lrn.target for lrn in ls] == [f"algorithms.{n}:{n}" for n in expected]
    assert [lrn.expected.value for lrn in ls] == list(expected.values())
    assert [lrn.name for lrn in ls if lrn.randomized] == ["mlp", "mlp_spindly"]


def test_randomised_learner_is_recognised_by_its_rng_keyword():
    def noisy(X_train, y_train, X_test, *, rng):
        return rng.standard_normal(len(X_test))

    from invariance.contract import as_learner

    assert as_learner(noisy, name="noisy", target="t").randomized


def test_load_many_concatenates_in_order():
    ls = load_many(["learners.registered:min_norm", "learners.plain"])
    assert names(ls) == ["min_norm", "mean_predictor", "ridge"]


# ------------------------------------------------------------------------------------ bad inputs

@pytest.mark.parametrize("target, words", BAD)
def test_bad_target_raises_a_one_line_usage_error(monkeypatch, target, words):
    monkeypatch.chdir(ROOT)
    with pytest.raises(UsageError) as info:
        load(target)
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message
    assert info.value.exit_code == 2
