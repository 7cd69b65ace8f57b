"""``-j N`` changes the wall time and nothing else: the JSON of ``invcheck … -j 2`` equals that of
``-j 1`` apart from the ``seconds`` fields (invariance.parallel: workers re-load every learner from
its target string and each check is seeded by the configuration alone).

The targets mix the forms a worker has to rebuild: registered NumPy learners (invariant,
pm1-invariant, not-invariant with a shrunk counterexample), a randomised torch learner (the
two-sample test), a torch optimizer whose ``--opt`` keyword must reach the worker, and a
scikit-learn class.
"""

from __future__ import annotations

import json

import pytest
from helpers import run_json, without_seconds

from invariance.cli import main

TARGETS = ["algorithms.least_squares:least_squares", "algorithms.adagrad_diag:adagrad_diag", "algorithms.egu:egu"]
BUDGET = ["--max-examples", "15", "--samples", "30"]


def _targets() -> list[str]:
    targets = list(TARGETS)
    try:
        import torch  # noqa: F401

        targets += ["algorithms.mlp_spindly:mlp_spindly", "torch.optim:Adam"]
    except ImportError:
        pass
    try:
        import sklearn  # noqa: F401

        targets += ["sklearn.linear_model:Ridge"]
    except ImportError:
        pass
    return targets


def test_jobs_2_gives_the_same_json_as_jobs_1(capsys):
    targets = _targets()
    argv = ([*targets, "--json", *BUDGET, "--opt", "amsgrad=true"] if "torch.optim:Adam" in targets
            else [*targets, "--json", *BUDGET])
    code1, serial, _ = run_json([*argv, "-j", "1"], capsys)
    code2, parallel, _ = run_json([*argv, "-j", "2"], capsys)
    assert code1 == code2 == 0
    assert [r["target"] for r in parallel["results"]] == targets  # input order, whichever worker finished first
    assert without_seconds(parallel) == without_seconds(serial)
    verdicts = {r["name"]: r["verdict"] for r in serial["results"]}
    assert verdicts["least_squares"] == "invariant" and verdicts["adagrad_diag"] == "pm1-invariant"
    assert verdicts["egu"] == "not-invariant"
    if "torch.optim:Adam" in targets:
        assert verdicts["Adam"] == "pm1-invariant" and verdicts["mlp_spindly"] == "not-invariant"
        adam = next(r for r in serial["results"] if r["name"] == "Adam")
        assert adam["counterexample"]["d"] == 2  # the worker saw the same shrunk example


def test_jobs_2_keeps_exit_codes_and_declarations(capsys):
    """A declared mismatch (exit 1) and the per-target ``expected`` survive the trip to the workers."""
    argv = [TARGETS[0], TARGETS[1], "--json", *BUDGET, "--expect", "invariant"]
    code1, serial, _ = run_json([*argv, "-j", "1"], capsys)
    code2, parallel, _ = run_json([*argv, "-j", "2"], capsys)
    assert code1 == code2 == 1
    assert without_seconds(parallel) == without_seconds(serial)
    assert [r["expected"] for r in parallel["results"]] == ["invariant", "invariant"]


@pytest.mark.parametrize("jobs", ["0", "-2"])
def test_jobs_must_be_positive(jobs, capsys):
    assert main([TARGETS[0], "-j", jobs]) == 2
    assert "-j must be at least 1" in capsys.readouterr().err


def test_workers_get_one_blas_thread_unless_the_user_chose(monkeypatch):
    """-j N: the spawned workers inherit one BLAS/OpenMP thread each (benchmarks/bench_threads.py:
    1.3× faster at -j 2 on two cores); a value the user set is kept, and the parent's environment is
    restored afterwards."""
    import os

    from invariance.threads import one_thread_per_worker

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with one_thread_per_worker():
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "3"
    assert "OPENBLAS_NUM_THREADS" not in os.environ and os.environ["OMP_NUM_THREADS"] == "3"


def test_checks_run_with_one_thread_and_restore_the_pools():
    """-j 1: the checks run inside one_thread() — one BLAS/OpenMP thread (PoissonRegressor 13.5× faster
    on two cores, benchmarks/bench_threads.py) and one torch thread — and the caller's pools come back."""
    import torch
    from threadpoolctl import threadpool_info

    from invariance.threads import one_thread

    original = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        before = [p["num_threads"] for p in threadpool_info()]
        assert before  # numpy's BLAS at least: the check below is not over an empty list
        with one_thread():
            assert torch.get_num_threads() == 1
            inside = [p["num_threads"] for p in threadpool_info()]
            assert len(inside) >= len(before) and set(inside) == {1}
        assert torch.get_num_threads() == 2 and [p["num_threads"] for p in threadpool_info()] == before
    finally:
        torch.set_num_threads(original)


def test_a_file_of_registered_learners_checks_in_workers_by_its_path(tmp_path, monkeypatch, capsys):
    """`invcheck file.py -j 2`: workers re-load each learner from its target, so the target must be the
    file's path (it was the loader's private module name, which no worker can import: exit 2)."""
    (tmp_path / "two.py").write_text(
        "import numpy as np\n"
        "from invariance import learner\n\n"
        "@learner('invariant', reason='least squares')\n"
        "def ls(X, y, Xt):\n"
        "    return Xt @ (np.linalg.pinv(X) @ y)\n\n"
        "@learner('invariant', reason='least squares again')\n"
        "def ls2(X, y, Xt):\n"
        "    return Xt @ (np.linalg.pinv(X) @ y)\n"
    )
    monkeypatch.chdir(tmp_path)
    code = main(["two.py", "-j", "2", "--max-examples", "10", "--json"])
    results = json.loads(capsys.readouterr().out)["results"]
    assert code == 0
    assert [(r["target"], r["verdict"]) for r in results] == [("two.py:ls", "invariant"), ("two.py:ls2", "invariant")]
