"""Checking many learners, in this process, in ``-j N`` processes or on a Dask cluster (``--dask``),
with the same results every way.

Workers re-load each learner from its target string (learner objects need not pickle); every
check is seeded by the configuration alone, so the order and the process never change a result.
A learner that cannot be re-imported (a lambda, an estimator instance) is checked in this process.
Where the units run is :mod:`invariance.workers`' business.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from invariance.contract import Learner
from invariance.pipeline import check_learner
from invariance.result.model import Result
from invariance.settings import CheckConfig
from invariance.threads import one_thread
from invariance.workers import Workers, run_units

__all__ = ["check_all", "check_unit"]


def check_unit(target: str, name: str, expected, config: CheckConfig) -> Result:
    """One work unit: re-load the learner ``name`` from ``target`` and check it (module-level, so that
    ``-j N`` processes and Dask workers can run it)."""
    from invariance.targets import load

    for learner in load(target, options=config.options):
        if learner.name == name or learner.target == target:
            with one_thread():  # after loading, so that it reaches torch too
                return check_learner(learner.with_expected(expected) if expected is not None else learner, config)
    raise RuntimeError(f"worker could not re-load {target}")


def check_all(learners: list[Learner], config: CheckConfig, *, workers: Workers | None = None,
              show_progress: bool = False, seconds: Mapping[str, float] | None = None) -> list[Result]:
    """Check ``learners`` in order. ``workers`` says where (default: this process): in this process, in
    ``-j N`` processes or on Dask. Learners whose target starts with ``<`` (not re-loadable) are checked
    in this process, while the others run elsewhere. ``seconds`` (target → seconds its check took last
    time) hands the longest checks to the workers first; it changes no result."""
    workers = workers if workers is not None else Workers()
    local = [i for i, lrn in enumerate(learners) if not lrn.reloadable]
    remote = [i for i in range(len(learners)) if i not in local]
    if not remote or (workers.dask is None and (workers.jobs == 1 or len(remote) <= 1)):
        with one_thread():
            return [_with_progress(i, len(learners), lrn, config, show_progress) for i, lrn in enumerate(learners)]
    results: dict[int, Result] = {}

    def check_local() -> None:
        with one_thread():
            for i in local:
                results[i] = check_learner(learners[i], config)

    show = show_progress and len(learners) > 1 and sys.stderr.isatty()
    units = [(learners[i].target, learners[i].name, learners[i].expected, config) for i in remote]
    cost = None if seconds is None else [seconds.get(learners[i].target, float("nan")) for i in remote]
    out = run_units(check_unit, units, workers, progress=_progress_line(workers) if show else None,
                    meanwhile=check_local if local else None, cost=cost)
    if show:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    results.update(zip(remote, out, strict=True))
    return [results[i] for i in range(len(learners))]


def _progress_line(workers: Workers):
    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\rchecked {done}/{total} ({workers.describe()}) …\x1b[K")
        sys.stderr.flush()

    return progress


def _with_progress(i: int, total: int, learner: Learner, config: CheckConfig, show: bool) -> Result:
    if show and total > 1 and sys.stderr.isatty():
        sys.stderr.write(f"\rchecking {i + 1}/{total}: {learner.target} …\x1b[K")
        sys.stderr.flush()
    result = check_learner(learner, config)
    if show and total > 1 and sys.stderr.isatty() and i + 1 == total:
        sys.stderr.write("\r\x1b[K")
    return result
