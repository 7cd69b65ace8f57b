"""Checking many learners, sequentially or in ``-j N`` processes, with the same results either way.

Workers re-load each learner from its target string (learner objects need not pickle); every
check is seeded by the configuration alone, so the order and the process never change a result.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from .check import CheckConfig, check
from .registry import Learner
from .result import Result

__all__ = ["check_all"]


def _worker(target: str, name: str, expected, options: dict, config: CheckConfig) -> Result:
    from .targets import load

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
    with _one_thread_each(), ProcessPoolExecutor(max_workers=min(jobs, len(learners)), mp_context=ctx) as pool:
        futures = [
            pool.submit(_worker, l.target, l.name, l.expected, dict(options or {}), config) for l in learners
        ]
        return [f.result() for f in futures]


@contextmanager
def one_thread():
    """Run the checks with one BLAS/OpenMP thread (threadpoolctl, when installed — scikit-learn brings
    it) and one torch intra-op thread (when a learner already imported torch); restored afterwards.
    The checker's problems are tiny (d ≤ 16, n ≤ 35): threads only add start-up and spinning, and
    scikit-learn's OpenMP loss loops suffered most — PoissonRegressor at --max-examples 20 took 26.7 s
    with the threads as they were and 2.0 s with one, on 2 cores (benchmarks/bench_threads.py)."""
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    try:
        if threadpool_limits is None:
            yield
        else:
            with threadpool_limits(limits=1):
                yield
    finally:
        if torch is not None:
            torch.set_num_threads(torch_threads)


#: thread-pool sizes the spawned workers read when they import numpy/scipy/torch
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _one_thread_each():
    """Workers inherit one BLAS/OpenMP thread each, unless the user set these variables: the
    processes already share out the cores, and the checker's matrices (d ≤ 16) gain nothing from
    threads. Restores the parent's environment when the pool is done."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    for k, v in saved.items():
        if v is None:
            os.environ[k] = "1"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def _with_progress(i: int, total: int, learner: Learner, config: CheckConfig, show: bool) -> Result:
    if show and total > 1 and sys.stderr.isatty():
        sys.stderr.write(f"\rchecking {i + 1}/{total}: {learner.target} …\x1b[K")
        sys.stderr.flush()
    result = check(learner, config)
    if show and total > 1 and sys.stderr.isatty() and i + 1 == total:
        sys.stderr.write("\r\x1b[K")
    return result
