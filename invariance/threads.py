"""One thread per process for the checker's many tiny fits, in one place.

The checks (d ≤ 16, n ≤ 35), the report and the curve workers run thousands of small fits, where
BLAS/OpenMP and torch threads only add start-up and spinning: PoissonRegressor at --max-examples 20
took 26.7 s with the threads as they were and 2.0 s with one, on 2 cores; `-j 2` ran 1.3× faster with
one thread per worker (benchmarks/bench_threads.py). No heavy imports here, so curve workers can use it.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["THREAD_VARS", "one_thread", "one_thread_per_worker"]

#: thread-pool sizes that spawned workers read when they import numpy/scipy/torch
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_thread():
    """BLAS and OpenMP limited to one thread in this process while the block runs (threadpoolctl, when
    installed — scikit-learn brings it; without it nothing changes), and torch's intra-op pool when a
    learner has already imported torch; both restored afterwards. threadpoolctl only reaches libraries
    already loaded, so enter this after loading the learners."""
    import scipy.linalg  # noqa: F401  (loads SciPy's own BLAS, so that it is limited too)

    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            yield
            return
        with threadpool_limits(limits=1):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(torch_threads)


@contextlib.contextmanager
def one_thread_per_worker():
    """Processes spawned while the block runs inherit one BLAS/OpenMP thread each, unless the user set
    these variables: the processes already share out the cores. The environment is restored afterwards."""
    unset = [k for k in THREAD_VARS if k not in os.environ]
    for k in unset:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k in unset:
            os.environ.pop(k, None)
