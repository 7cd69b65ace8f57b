"""Local process pools never fork once JAX (or torch with several intra-op threads) is live in this
process: a child forked while one of their threads holds a lock can hang for ever (JAX warns "os.fork()
was called … this will likely lead to a deadlock"). The curve and tuning pools fork otherwise (closures
travel), spawn then, and run in this process with one warning when the learners cannot travel."""

from __future__ import annotations

import os
import sys
import textwrap
import types
import warnings

import numpy as np
import pytest

from invariance.contract import as_learner
from invariance.curves.experiment import learning_curves
from invariance.curves.fitting import tune_all
from invariance.workers import InProcessWarning, fork_hazard, start_method

ALL = ("fork", "spawn", "forkserver")


def least_squares(X, y, X_test):
    return X_test @ (np.linalg.pinv(X) @ y)


def gd(X, y, X_test, *, eta=0.1, passes=3):
    w = np.zeros(X.shape[1])
    for _ in range(passes):
        w -= eta * X.T @ (X @ w - y) / len(X)
    return X_test @ w


LS = as_learner(least_squares, name="least_squares", target="test_pools:least_squares")
GD = as_learner(gd, name="gd", target="test_pools:gd")


def _torch_with(threads: int) -> types.SimpleNamespace:
    return types.SimpleNamespace(get_num_threads=lambda: threads)


@pytest.mark.parametrize(
    "modules, method",
    [
        ({}, "fork"),
        ({"numpy": np}, "fork"),
        ({"jax": types.ModuleType("jax")}, "spawn"),
        ({"jax": types.ModuleType("jax"), "torch": _torch_with(1)}, "spawn"),
        ({"torch": _torch_with(1)}, "fork"),
        ({"torch": _torch_with(2)}, "spawn"),
        ({"torch": types.ModuleType("torch")}, "fork"),  # half-imported: no thread count to read
    ],
)
def test_start_method_never_forks_after_jax_or_threaded_torch(modules, method):
    assert start_method(modules, methods=ALL) == method
    assert (fork_hazard(modules) is None) == (method == "fork")
    assert start_method({}, methods=("spawn",)) == "spawn"  # no fork on the platform


@pytest.fixture
def no_fork(monkeypatch):
    """JAX stands in as loaded, and any fork fails the test (a forked pool calls os.fork in this process;
    a spawned one execs a fresh interpreter)."""
    monkeypatch.setitem(sys.modules, "jax", sys.modules.get("jax") or types.ModuleType("jax"))

    def refuse(*_a, **_k):
        raise AssertionError("os.fork() after JAX was imported")

    monkeypatch.setattr(os, "fork", refuse)


def test_curves_with_jax_loaded_spawn_and_give_the_numbers_of_one_process(no_fork):
    kw = dict(problem="gaussian", d=4, trials=2, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InProcessWarning)  # these learners travel: a real pool, no warning
        two = learning_curves([LS, GD], jobs=2, **kw)
    np.testing.assert_array_equal(two.losses, learning_curves([LS, GD], jobs=1, **kw).losses)


def test_a_closure_after_jax_runs_in_this_process_with_one_warning(no_fork):
    scale = 0.5

    def shrunk(X, y, X_test):
        return scale * least_squares(X, y, X_test)

    closure = as_learner(shrunk, name="shrunk", target="test_pools:shrunk")
    kw = dict(problem="gaussian", d=4, trials=2, seed=3)
    with pytest.warns(InProcessWarning) as caught:
        two = learning_curves([LS, closure], jobs=2, **kw)
    (w,) = caught
    text = str(w.message)
    assert "\n" not in text and "JAX is loaded" in text and "the curves ran in this process" in text, text
    np.testing.assert_array_equal(two.losses, learning_curves([LS, closure], jobs=1, **kw).losses)


def test_a_learner_file_travels_to_spawned_workers(no_fork, tmp_path):
    from invariance.targets import load

    path = tmp_path / "pool_learners.py"
    path.write_text(textwrap.dedent('''
        import numpy as np

        def ridge(X, y, X_test, *, lam=0.5):
            return X_test @ np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
    '''))
    learners = load(str(path))
    kw = dict(problem="gaussian", d=4, trials=2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InProcessWarning)
        two = learning_curves(learners, jobs=2, **kw)
    np.testing.assert_array_equal(two.losses, learning_curves(learners, jobs=1, **kw).losses)


def test_tuning_with_jax_loaded_spawns_and_chooses_as_one_process(no_fork):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InProcessWarning)
        two = tune_all([GD, LS], "gaussian", 4, seed=0, jobs=2)
    assert two == tune_all([GD, LS], "gaussian", 4, seed=0, jobs=1)


def test_the_real_jax_makes_the_pools_spawn():
    pytest.importorskip("jax")
    import jax  # noqa: F401

    assert fork_hazard() is not None and start_method() == "spawn"
