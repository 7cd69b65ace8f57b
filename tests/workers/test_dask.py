"""``--dask`` (invariance.workers): the same work units as ``-j N`` on a Dask cluster, the same results.

One real LocalCluster of 2 worker processes (module-scoped) serves the run_units tests; the CLI test
starts its own through ``--dask local:2``. Timing fields removed before comparing JSON: ``seconds``
(each result's wall time, and the same key anywhere else it appears) — nothing else in the document
depends on time (settings: seed, budget, timeout, options, versions; results: verdicts, deviations,
counterexamples, evaluation counts).
"""

from __future__ import annotations

import json
import operator
import time

import pytest

distributed = pytest.importorskip("distributed")

from helpers import run_json, without_seconds  # noqa: E402

from invariance.cli import main  # noqa: E402
from invariance.errors import MissingDependency, UsageError  # noqa: E402
from invariance.workers import Workers, parse_dask, run_units  # noqa: E402

pytestmark = pytest.mark.usefixtures("in_repo_root")


def test_dask_local_2_gives_the_same_json_as_jobs_1(capsys, monkeypatch):
    import invariance.parallel

    sent = []

    def spy(fn, units, workers, **kw):
        sent.append((workers, len(units)))
        return run_units(fn, units, workers, **kw)

    monkeypatch.setattr(invariance.parallel, "run_units", spy)
    argv = ["algorithms.least_squares", "algorithms.adam", "--json", "--max-examples", "15"]
    code1, serial, _ = run_json([*argv, "-j", "1"], capsys)
    assert sent == []  # -j 1: in this process
    code2, dask, _ = run_json([*argv, "--dask", "local:2"], capsys)
    assert sent == [(Workers(dask="local:2"), 2)]  # both checks went to the cluster
    assert code1 == code2 == 0
    assert [r["target"] for r in dask["results"]] == [r["target"] for r in serial["results"]]
    assert without_seconds(dask) == without_seconds(serial)
    assert json.dumps(without_seconds(dask), sort_keys=True) == json.dumps(without_seconds(serial), sort_keys=True)
    verdicts = {r["name"]: r["verdict"] for r in serial["results"]}
    assert verdicts == {"least_squares": "invariant", "adam": "pm1-invariant"}
    assert "jobs" not in dask["settings"] and "dask" not in dask["settings"]  # where it ran is not a setting


@pytest.mark.parametrize("text, want", [
    ("local:2", "local:2"),
    ("local:01", "local:1"),
    (" LOCAL:3 ", "local:3"),
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("scheduler.example.org:8786", "tcp://scheduler.example.org:8786"),
    ("tls://scheduler:8786", "tls://scheduler:8786"),
    ("[::1]:8786", "tcp://[::1]:8786"),
])
def test_parse_dask_accepts_and_normalises(text, want):
    assert parse_dask(text) == want
    assert Workers(dask=text).dask == want


@pytest.mark.parametrize("text, says", [
    ("local:0", "local:N needs a whole number"),
    ("local:-1", "local:N needs a whole number"),
    ("local:two", "local:N needs a whole number"),
    ("local", "is not an address"),
    ("", "is not an address"),
    ("scheduler", "is not an address"),
    ("http://scheduler:8786", "is not an address"),
    ("tcp://scheduler", "is not an address"),
    ("tcp://scheduler:99999", "is not an address"),
    ("host:port", "is not an address"),
])
def test_parse_dask_rejects_with_one_line(text, says):
    with pytest.raises(UsageError) as info:
        parse_dask(text)
    assert says in str(info.value) and "\n" not in str(info.value)
    if "not an address" in says:
        assert "local:N" in str(info.value) and "tcp://HOST:PORT" in str(info.value)


def test_workers_describe_and_refuse_dask_with_jobs():
    assert Workers().describe() == "1 process" and Workers(jobs=4).describe() == "4 processes"
    assert Workers(dask="local:2").describe() == "Dask local:2"
    assert Workers(dask="host:8786").describe() == "Dask tcp://host:8786"
    with pytest.raises(UsageError, match="alternatives"):
        Workers(jobs=2, dask="local:2")
    with pytest.raises(UsageError, match="at least 1"):
        Workers(jobs=0)


def test_cli_bad_address_and_dask_with_jobs_exit_2_with_one_line(capsys):
    assert main(["algorithms.least_squares", "--dask", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--dask 'nowhere' is not an address" in err
    assert main(["algorithms.least_squares", "--dask", "local:2", "-j", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "alternatives" in err


def test_unreachable_scheduler_exits_2_quickly_with_one_line(capsys, monkeypatch):
    monkeypatch.setattr("invariance.workers.CONNECT_TIMEOUT", 1.0)
    start = time.perf_counter()
    code = main(["algorithms.least_squares", "--dask", "tcp://127.0.0.1:1", "--max-examples", "5"])
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("invcheck: error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 (")
    assert "dask scheduler" in err
    assert elapsed < 10


def test_missing_dask_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    with pytest.raises(MissingDependency) as info:
        run_units(operator.add, [(1, 2)], Workers(dask="local:2"))
    assert "pip install 'invcheck[dask]'" in str(info.value)


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster of 2 processes for the run_units tests; run_units connects to it by address."""
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.CRITICAL) as c:
        yield c


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(p["num_threads"] for p in threadpool_info())


def test_run_units_keeps_order_and_reports_progress(cluster):
    seen = []
    units = [(i, 10 * i) for i in range(7)]
    out = run_units(operator.add, units, Workers(dask=cluster.scheduler_address),
                    progress=lambda d, t: seen.append((d, t)))
    assert out == [11 * i for i in range(7)]
    assert seen == [(d, 7) for d in range(1, 8)]


def test_costs_change_only_the_submission_order_on_dask(cluster):
    """Longest first (run_units(cost=…)): the results still come back in unit order, and of two failures the
    first in unit order is raised, though the other was submitted first."""
    units = [(i, 10 * i) for i in range(5)]
    assert run_units(operator.add, units, Workers(dask=cluster.scheduler_address), cost=[0, 1, 2, 3, 4]) == \
        [11 * i for i in range(5)]
    with pytest.raises(ZeroDivisionError):
        run_units(operator.truediv, [(1, 0), (1, 1), ("a", 1)], Workers(dask=cluster.scheduler_address),
                  cost=[0.0, 0.0, 9.0])


def test_a_unit_raising_on_a_worker_raises_in_the_caller(cluster):
    with pytest.raises(ZeroDivisionError):
        run_units(operator.truediv, [(1, 1), (1, 0), (2, 1)], Workers(dask=cluster.scheduler_address))


def test_units_run_with_one_blas_thread_on_dask_workers(cluster):
    import numpy  # noqa: F401  (so that the worker's BLAS is loaded)

    out = run_units(_blas_threads, [(), ()], Workers(dask=cluster.scheduler_address))
    assert out == [1, 1]


def test_meanwhile_runs_here_while_units_run_elsewhere(cluster):
    ran = []
    out = run_units(operator.mul, [(2, 3)], Workers(dask=cluster.scheduler_address), meanwhile=lambda: ran.append(1))
    assert out == [6] and ran == [1]


def test_the_same_units_in_process_and_in_processes():
    units = [(i, i + 1) for i in range(5)]
    assert (run_units(operator.mul, units) == run_units(operator.mul, units, Workers(jobs=2))
            == [i * (i + 1) for i in range(5)])


def _gram_least_squares(X, y, Xt):
    import numpy as np

    return Xt @ (np.linalg.pinv(X) @ y)


def test_learners_that_cannot_travel_stay_here_and_the_rest_go_to_dask(cluster):
    """A learner object without a re-loadable target ("<…>") is checked in this process while the
    others run on the cluster; the results, in input order, equal those of jobs=1."""
    from invariance.api import check_many

    targets = [lambda X, y, Xt: _gram_least_squares(X, y, Xt), "algorithms.least_squares", "algorithms.egu"]
    serial = check_many(targets, max_examples=10)
    dask = check_many(targets, max_examples=10, dask=cluster.scheduler_address)
    assert serial[0].target.startswith("<")
    assert [without_seconds(r.to_json()) for r in dask] == [without_seconds(r.to_json()) for r in serial]
    assert [r.verdict.value for r in dask] == ["invariant", "invariant", "not-invariant"]


# ------------------------------------------------------------------------------ curves and report


def test_curves_dask_local_2_gives_the_same_json_as_jobs_1(capsys, monkeypatch):
    """`invcheck curves --dask local:2`: tuning and (trial, learner) units on a real LocalCluster; the
    JSON equals -j 1's apart from the seconds, and the units did go to the cluster."""
    import invariance.workers

    sent = []
    real = invariance.workers._run_dask

    def spy(fn, units, address, *rest):  # fn re-builds each learner there and runs the unit function, units[j][0]
        sent.append((units[0][0].__name__, address, len(units), rest[-1] is not None))
        return real(fn, units, address, *rest)

    monkeypatch.setattr(invariance.workers, "_run_dask", spy)
    argv = ["curves", "algorithms.least_squares", "algorithms.egu", "algorithms.gd", "--problem", "noisy",
            "--d", "8", "--trials", "3", "--json", "--quiet"]
    code1, serial, _ = run_json([*argv, "-j", "1"], capsys)
    code2, dask, _ = run_json([*argv, "--dask", "local:2"], capsys)
    assert code1 == code2 == 0
    assert without_seconds(dask) == without_seconds(serial)
    assert {name for name, _, _, _ in sent} == {"tune_unit", "curve_unit"}
    assert ("curve_unit", "local:2", 9, True) in sent  # 3 trials × 3 learners, on the cluster the session holds
    assert all(held for _, _, _, held in sent)  # one LocalCluster for the tuning and the curves
    assert dask["tuning"]["algorithms.egu:egu"]["evaluated"] >= 1


def test_report_dask_local_2_gives_the_same_json_as_jobs_1(tmp_path):
    """`invcheck report --dask local:2` on two learners: the same report JSON as -j 1 (timings and the
    command line aside)."""
    from invariance.cli.report import main as report_main

    outs = []
    for extra in (["-j", "1"], ["--dask", "local:2"]):
        out = tmp_path / extra[-1].replace(":", "_")
        code = report_main(["algorithms.least_squares", "algorithms.egu", "--d", "8", "--trials", "2",
                            "--max-examples", "10", "--json-only", "--quiet", "--out", str(out), *extra])
        assert code == 0
        obj = json.loads((out / "invariance.json").read_text())
        for key in ("command", "seconds"):
            obj.pop(key)
        outs.append(without_seconds(obj))
    assert outs[0] == outs[1]


def test_dask_workers_spell_for_the_command_line_too(tmp_path, monkeypatch, capsys):
    """Units run on Dask workers see the caller's surface: the command line's words, as with -j 2."""
    import json

    from helpers import SURFACE_LEARNERS

    from invariance.cli import main

    (tmp_path / "surf.py").write_text(SURFACE_LEARNERS)
    monkeypatch.chdir(tmp_path)
    main(["surf.py", "--dask", "local:2", "--json"])
    messages = [r["message"] for r in json.loads(capsys.readouterr().out)["results"]]
    assert len(messages) == 2 and all("surface=cli" in m for m in messages), messages
