"""One local pool (invariance.workers.run_units) for the checks, the tuning and the curves: spawned by
default, the learner objects pickled into the processes (learner files loaded there by path); forked
only where the learners do not pickle (a closure), and never once JAX (or torch with several intra-op
threads) is live in this process: a child forked while one of their threads holds a lock can hang for
ever (JAX warns "os.fork() was called … this will likely lead to a deadlock"). Then the units run in
this process, with one warning. Every way gives the numbers of one process."""

from __future__ import annotations

import os
import sys
import textwrap
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from invariance.contract import as_learner
from invariance.curves.experiment import learning_curves
from invariance.curves.fitting import tune_all
from invariance.workers import InProcessWarning, Workers, fork_hazard, run_units, start_method

ALL = ("fork", "spawn", "forkserver")
ALL_HERE = tuple(__import__("multiprocessing").get_all_start_methods())


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
        ({"jax": types.ModuleType("jax")}, None),
        ({"jax": types.ModuleType("jax"), "torch": _torch_with(1)}, None),
        ({"torch": _torch_with(1)}, "fork"),
        ({"torch": _torch_with(2)}, None),
        ({"torch": types.ModuleType("torch")}, "fork"),  # half-imported: no thread count to read
    ],
)
def test_pools_spawn_and_fork_only_what_does_not_pickle_and_never_after_jax_or_threaded_torch(modules, method):
    assert start_method(modules, methods=ALL) == "spawn"  # what pickles: a fresh interpreter, whatever runs here
    assert start_method(modules, methods=ALL, pickles=False) == method  # None: in this process
    assert (fork_hazard(modules) is None) == (method == "fork")
    assert start_method({}, methods=("spawn",), pickles=False) is None  # no fork on the platform


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
        two = learning_curves([LS, GD], workers=Workers(jobs=2), **kw)
    np.testing.assert_array_equal(two.losses, learning_curves([LS, GD], **kw).losses)


def test_a_closure_after_jax_runs_in_this_process_with_one_warning(no_fork):
    scale = 0.5

    def shrunk(X, y, X_test):
        return scale * least_squares(X, y, X_test)

    closure = as_learner(shrunk, name="shrunk", target="test_pools:shrunk")
    kw = dict(problem="gaussian", d=4, trials=2, seed=3)
    with pytest.warns(InProcessWarning) as caught:
        two = learning_curves([LS, closure], workers=Workers(jobs=2), **kw)
    (w,) = caught
    text = str(w.message)
    assert "\n" not in text and "JAX is loaded" in text and "the curves ran in this process" in text, text
    np.testing.assert_array_equal(two.losses, learning_curves([LS, closure], **kw).losses)


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
        two = learning_curves(learners, workers=Workers(jobs=2), **kw)
    np.testing.assert_array_equal(two.losses, learning_curves(learners, **kw).losses)


def test_tuning_with_jax_loaded_spawns_and_chooses_as_one_process(no_fork):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InProcessWarning)
        two = tune_all([GD, LS], "gaussian", 4, seed=0, workers=Workers(jobs=2))
    assert two == tune_all([GD, LS], "gaussian", 4, seed=0, workers=Workers())


@pytest.fixture
def count_forks(monkeypatch):
    """The os.fork calls made in this process (a spawned pool makes none: it execs a fresh interpreter)."""
    calls = []
    real = os.fork

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(os, "fork", counted)
    return calls


def test_learners_that_pickle_go_to_spawned_processes_even_where_fork_is_safe(count_forks):
    kw = dict(problem="gaussian", d=4, trials=2, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InProcessWarning)
        two = learning_curves([LS, GD], workers=Workers(jobs=2), **kw)
    assert count_forks == []
    np.testing.assert_array_equal(two.losses, learning_curves([LS, GD], **kw).losses)


def test_a_closure_goes_to_forked_processes_where_fork_is_safe(count_forks):
    if fork_hazard() is not None or "fork" not in ALL_HERE:
        pytest.skip(f"fork is unsafe or absent here ({fork_hazard()})")
    scale = 0.5

    def shrunk(X, y, X_test):
        return scale * least_squares(X, y, X_test)

    closure = as_learner(shrunk, name="shrunk", target="test_pools:shrunk")
    kw = dict(problem="gaussian", d=4, trials=2, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InProcessWarning)
        two = learning_curves([LS, closure], workers=Workers(jobs=2), **kw)
    assert count_forks  # the pool's processes
    np.testing.assert_array_equal(two.losses, learning_curves([LS, closure], **kw).losses)


def _warn() -> str:
    warnings.warn("from a unit", UserWarning, stacklevel=1)
    return "not raised"


def test_spawned_processes_start_with_this_process_warning_filters():
    """As forked ones would: the report silences learners' convergence warnings around its pools."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="from a unit"):
            run_units(_warn, [(), ()], Workers(jobs=2))
        warnings.simplefilter("ignore", UserWarning)
        assert run_units(_warn, [(), ()], Workers(jobs=2)) == ["not raised"] * 2


def test_each_sees_every_result_here_and_an_exception_it_raises_stops_the_run():
    seen = []
    out = run_units(pow, [(2, i) for i in range(4)], Workers(jobs=2), each=lambda i, r: seen.append((i, r)))
    assert out == [1, 2, 4, 8] and sorted(seen) == [(i, 2**i) for i in range(4)]

    def stop(i, r):
        raise RuntimeError(f"stop at {i}")

    for workers in (Workers(), Workers(jobs=2)):
        with pytest.raises(RuntimeError, match="stop at"):
            run_units(pow, [(2, i) for i in range(4)], workers, each=stop)


def test_the_real_jax_rules_out_fork():  # last: JAX stays imported for the rest of the session
    pytest.importorskip("jax")
    import jax  # noqa: F401

    assert fork_hazard() is not None and start_method(pickles=False) is None and start_method() == "spawn"


def test_an_unguarded_script_gets_one_clear_error_not_a_broken_pool(tmp_path):
    """Issue 20, item 1: the README's check_many(..., jobs=2) pasted at the top of a script used to end in three
    worker tracebacks and a BrokenProcessPool; it is now one UsageError naming the line and the fix, and the
    same call under the guard runs."""
    import subprocess

    call = 'rs = invariance.check_many(["algorithms.egu", "algorithms.gd"], jobs=2, max_examples=5)\n'
    (tmp_path / "bare.py").write_text("import invariance\n" + call + "print([r.verdict.value for r in rs])\n")
    (tmp_path / "guarded.py").write_text("import invariance\n\nif __name__ == '__main__':\n    " + call +
                                         "    print([r.verdict.value for r in rs])\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # algorithms/ from the repository
    bare = subprocess.run([sys.executable, "bare.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert bare.returncode == 1
    assert "BrokenProcessPool" not in bare.stderr and bare.stderr.count("Traceback") == 1, bare.stderr
    assert bare.stderr.strip().splitlines()[-1] == (
        "invariance.errors.UsageError: the 2 worker processes started from bare.py:2 would re-import that script, "
        'where this call is at the top level, and run it again: put the call under `if __name__ == "__main__":`, '
        "or use jobs=1")
    guarded = subprocess.run([sys.executable, "guarded.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)
    assert guarded.returncode == 0, guarded.stderr
    assert guarded.stdout.strip() == "['not-invariant', 'invariant']"
