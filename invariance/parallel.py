"""Checking many learners, sequentially or in ``-j N`` processes, with the same results either way.

Workers re-load each learner from its target string (learner objects need not pickle); every
check is seeded by the configuration alone, so the order and the process never change a result.
"""

from __future__ import annotations

import sys

from invariance.pipeline import CheckConfig, check
from invariance.learner import Learner
from invariance.result.model import Result
from invariance.threads import one_thread, one_thread_per_worker

__all__ = ["check_all"]


def _worker(target: str, name: str, expected, options: dict, config: CheckConfig) -> Result:
    from invariance.targets import load

    for learner in load(target, options=options):
        if learner.name == name or learner.target == target:
            return check(learner.with_expected(expected) if expected is not None else learner, config)
    raise RuntimeError(f"worker could not re-load {target}")


def check_all(
    learners: list[Learner], config: CheckConfig, *, jobs: int = 1, options: dict | None = None, show_progress: bool = False
) -> list[Result]:
    if jobs <= 1 or len(learners) <= 1:
        with one_thread():
            return [_with_progress(i, len(learners), l, config, show_progress) for i, l in enumerate(learners)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with one_thread_per_worker(), ProcessPoolExecutor(max_workers=min(jobs, len(learners)), mp_context=ctx) as pool:
        futures = [
            pool.submit(_worker, l.target, l.name, l.expected, dict(options or {}), config) for l in learners
        ]
        return [f.result() for f in futures]


def _with_progress(i: int, total: int, learner: Learner, config: CheckConfig, show: bool) -> Result:
    if show and total > 1 and sys.stderr.isatty():
        sys.stderr.write(f"\rchecking {i + 1}/{total}: {learner.target} …\x1b[K")
        sys.stderr.flush()
    result = check(learner, config)
    if show and total > 1 and sys.stderr.isatty() and i + 1 == total:
        sys.stderr.write("\r\x1b[K")
    return result
