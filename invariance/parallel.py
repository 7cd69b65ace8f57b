"""Checking many learners, sequentially or in ``-j N`` processes, with the same results either way.

Workers re-load each learner from its target string (learner objects need not pickle); every
check is seeded by the configuration alone, so the order and the process never change a result.
A learner that cannot be re-imported (a lambda, an estimator instance) is checked in this process.
"""

from __future__ import annotations

import sys

from invariance.contract import Learner
from invariance.pipeline import check_learner
from invariance.result.model import Result
from invariance.settings import CheckConfig
from invariance.threads import one_thread, one_thread_per_worker

__all__ = ["check_all"]


def _worker(target: str, name: str, expected, config: CheckConfig) -> Result:
    from invariance.targets import load

    for learner in load(target, options=config.options):
        if learner.name == name or learner.target == target:
            with one_thread():  # after loading, so that it reaches torch too
                return check_learner(learner.with_expected(expected) if expected is not None else learner, config)
    raise RuntimeError(f"worker could not re-load {target}")


def check_all(learners: list[Learner], config: CheckConfig, *, jobs: int = 1, show_progress: bool = False) -> list[Result]:
    local = [i for i, l in enumerate(learners) if l.target.startswith("<")]
    if jobs <= 1 or len(learners) - len(local) <= 1:
        with one_thread():
            return [_with_progress(i, len(learners), l, config, show_progress) for i, l in enumerate(learners)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    remote = [i for i in range(len(learners)) if i not in local]
    results: dict[int, Result] = {}
    with one_thread_per_worker(), ProcessPoolExecutor(max_workers=min(jobs, len(remote)), mp_context=ctx) as pool:
        futures = {i: pool.submit(_worker, learners[i].target, learners[i].name, learners[i].expected, config) for i in remote}
        if local:
            with one_thread():
                for i in local:
                    results[i] = check_learner(learners[i], config)
        for i, f in futures.items():
            results[i] = f.result()
    return [results[i] for i in range(len(learners))]


def _with_progress(i: int, total: int, learner: Learner, config: CheckConfig, show: bool) -> Result:
    if show and total > 1 and sys.stderr.isatty():
        sys.stderr.write(f"\rchecking {i + 1}/{total}: {learner.target} …\x1b[K")
        sys.stderr.flush()
    result = check_learner(learner, config)
    if show and total > 1 and sys.stderr.isatty() and i + 1 == total:
        sys.stderr.write("\r\x1b[K")
    return result
