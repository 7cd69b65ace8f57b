"""The longest units go to the workers first (``run_units(cost=…)``, fed by an earlier report's seconds):
only the order of submission changes, never a result or the order of the results."""

from __future__ import annotations

import json
import operator
from concurrent.futures import Future

import pytest

import invariance.workers
from invariance.parallel import check_all
from invariance.pool import run_processes
from invariance.report.measure import earlier_seconds
from invariance.settings import CheckConfig
from invariance.targets import load
from invariance.workers import Workers, submission_order


def test_submission_order_is_longest_first_with_unknown_costs_first_and_ties_in_unit_order():
    assert submission_order(None, 4) == [0, 1, 2, 3]
    assert submission_order([1.0, 5.0, 3.0, 5.0], 4) == [1, 3, 2, 0]
    assert submission_order([1.0, float("nan"), 9.0], 3) == [1, 2, 0]  # never measured: ranked first
    assert submission_order([1.0, None, 9.0], 3) == [1, 2, 0]
    with pytest.raises(ValueError, match="2 costs for 3 units"):
        submission_order([1.0, 2.0], 3)


class _Pool:
    """A stand-in pool that records what was submitted, in order, and answers at once."""

    def __init__(self):
        self.submitted = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        self.submitted.append(args)
        f = Future()
        try:
            f.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - a unit's failure travels in its future, as in a pool
            f.set_exception(exc)
        return f


def test_a_pool_receives_the_units_in_the_given_order_and_the_results_come_back_in_unit_order():
    units = [(1, 1), (2, 2), (3, 3)]
    pool = _Pool()
    out = run_processes(pool, operator.add, units, False, lambda i, r: None, None, [2, 0, 1])
    assert pool.submitted == [(3, 3), (1, 1), (2, 2)]
    assert out == [2, 4, 6]
    control = _Pool()
    run_processes(control, operator.add, units, False, lambda i, r: None, None)
    assert control.submitted == units


def _fails(i):
    raise ValueError(f"unit {i}")


def test_under_any_order_the_first_failure_in_unit_order_is_raised_and_a_bad_order_refused():
    units = [(0,), (1,), (2,)]
    with pytest.raises(ValueError, match="unit 0"):
        run_processes(_Pool(), _fails, units, False, lambda i, r: None, None, [2, 1, 0])
    with pytest.raises(ValueError, match="not one of the 3 units each"):
        run_processes(_Pool(), operator.neg, [(1,), (2,), (3,)], False, lambda i, r: None, None, [0, 0, 2])


def test_check_all_hands_the_longest_check_out_first(monkeypatch):
    seen = {}

    def spy(pool, fn, units, with_shared, done, meanwhile, order=None):
        seen["order"] = [units[i][0] for i in order]
        return [None] * len(units)

    monkeypatch.setattr(invariance.workers, "run_processes", spy)
    monkeypatch.setattr(invariance.workers, "local_pool", lambda *a, **k: _Pool())  # no executor left behind
    learners = [load(t)[0] for t in ("algorithms.gd:gd", "algorithms.egu:egu", "algorithms.adam:adam")]
    targets = [lrn.target for lrn in learners]
    check_all(learners, CheckConfig(), workers=Workers(jobs=2), seconds={targets[1]: 9.0, targets[2]: 0.5})
    assert seen["order"] == [targets[0], targets[1], targets[2]]  # gd not measured before: first
    check_all(learners, CheckConfig(), workers=Workers(jobs=2), seconds=dict(zip(targets, (1, 9, 5), strict=True)))
    assert seen["order"] == [targets[1], targets[2], targets[0]]
    check_all(learners, CheckConfig(), workers=Workers(jobs=2))
    assert seen["order"] == targets


def test_earlier_seconds_reads_a_report_by_section_and_ignores_what_is_not_one(tmp_path):
    report = {"sections": [{"key": "a", "rows": [{"target": "x"}, {"target": "y"}]},
                           {"key": "b", "rows": [{"target": "x"}]}],
              "results": [{"target": "x", "seconds": 1.5}, {"target": "y", "seconds": 7},
                          {"target": "x", "seconds": 2.0}]}
    (tmp_path / "invariance.json").write_text(json.dumps(report))
    assert earlier_seconds(str(tmp_path)) == {"a": {"x": 1.5, "y": 7.0}, "b": {"x": 2.0}}
    assert earlier_seconds(str(tmp_path / "none")) == {}
    # a time that is no finite number of seconds is left out; a section whose rows and results do not line up
    # target for target is left out whole
    report["results"][0]["seconds"], report["results"][1]["seconds"] = True, float("nan")
    report["results"][2]["target"] = "z"
    (tmp_path / "invariance.json").write_text(json.dumps(report))
    assert earlier_seconds(str(tmp_path)) == {"a": {}}
    report["results"][0]["seconds"] = 10**400  # json reads it; float() overflows
    (tmp_path / "invariance.json").write_text(json.dumps(report))
    assert earlier_seconds(str(tmp_path)) == {}
    (tmp_path / "invariance.json").write_text("[1, 2]")
    assert earlier_seconds(str(tmp_path)) == {}
    (tmp_path / "invariance.json").write_text("{not json")
    assert earlier_seconds(str(tmp_path)) == {}


def test_the_checkers_own_errors_survive_a_trip_through_a_worker_process():
    """What a -j N or Dask worker raises comes back pickled: each of invcheck's errors with arguments of its own
    is rebuilt whole (before, LearnerFailure, MissingDependency and CallError could not be unpickled)."""
    import pickle

    from invariance.errors import LearnerFailure, MissingDependency, UsageError
    from invariance.probe.call import CallError
    from invariance.verdict import Diagnosis

    errors = [LearnerFailure("non-finite", "it returned NaN at k=3"),
              MissingDependency("torch", "torch", "--model mlp"),
              CallError(Diagnosis.NON_FINITE, "NaN on one side", "ValueError", "Traceback …"),
              UsageError("no such file")]
    errors[1].surface = "cli"  # raised on the command line's surface, in a worker: it keeps its words
    for err in errors:
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and str(back) == str(err)
        assert vars(back) == vars(err)


def test_a_submit_that_raises_cancels_what_was_submitted_before_it():
    """pool.submit_in_order, the submit loop of both a -j N pool and a Dask cluster: futures in unit order,
    and a failed submit cancels the futures already submitted before it raises."""
    from invariance.pool import submit_in_order

    class Future:
        def __init__(self, unit):
            self.unit, self.cancelled = unit, False

        def cancel(self):
            self.cancelled = True

    made: list[Future] = []

    def submit(unit):
        if unit == "boom":
            raise RuntimeError("scheduler gone")
        made.append(Future(unit))
        return made[-1]

    assert [f.unit for f in submit_in_order(submit, ["a", "b", "c"], [2, 0, 1])] == ["a", "b", "c"]
    assert [f.unit for f in made] == ["c", "a", "b"] and not any(f.cancelled for f in made)
    made.clear()
    with pytest.raises(RuntimeError, match="scheduler gone"):
        submit_in_order(submit, ["a", "boom", "c"], [2, 0, 1])
    assert [f.unit for f in made] == ["c", "a"] and all(f.cancelled for f in made)
