"""Do the checks gain from one BLAS/OpenMP thread? Ratios, measured in one run.

    python benchmarks/bench_threads.py [--rounds 2] [TARGET ...]

1. ``invcheck -j 2 TARGETS --max-examples 30``, alternately with the workers' thread variables set to
   the core count and left to invcheck, which gives each worker one thread (``threads.one_thread_per_worker``).
2. In one process, ``check(PoissonRegressor, max_examples=20)`` alternately as it is and inside
   ``threads.one_thread()`` (threadpoolctl: one BLAS/OpenMP thread), which ``invcheck`` uses at -j 1.
Wall time of each, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

DEFAULT = ["sklearn.linear_model:HuberRegressor", "sklearn.linear_model:BayesianRidge", "algorithms.adagrad_full"]
VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _run(targets: list[str], threads: str | None) -> float:
    env = dict(os.environ)
    for k in VARS:
        env.pop(k, None)
    if threads is not None:  # set by the caller: check_all leaves a user's setting alone
        env.update({k: threads for k in VARS})
    cmd = [sys.executable, "-m", "invariance", "-j", "2", *targets, "--max-examples", "30", "--json"]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("targets", nargs="*", default=DEFAULT)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)
    cores = os.cpu_count()
    many, one = [], []
    for _ in range(args.rounds):
        many.append(_run(args.targets, str(cores)))
        one.append(_run(args.targets, None))
    print(f"-j 2 on {cores} cores, {len(args.targets)} learners: {cores} threads/worker {min(many):.1f} s, "
          f"1 thread/worker (the default) {min(one):.1f} s, ratio {min(many) / min(one):.2f}")
    free, pinned = _in_process(args.rounds)
    print(f"-j 1, PoissonRegressor, --max-examples 20: threads as they are {free:.1f} s, one thread (the default) "
          f"{pinned:.1f} s, ratio {free / pinned:.2f}")
    return 0


def _in_process(rounds: int) -> tuple[float, float]:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from invariance.pipeline import CheckConfig
    from invariance.pipeline import check_learner as check
    from invariance.targets import load
    from invariance.threads import one_thread

    (learner,) = load("sklearn.linear_model:PoissonRegressor")
    config = CheckConfig(seed=0, max_examples=20)
    free, pinned = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        check(learner, config)
        free.append(time.perf_counter() - t0)
        with one_thread():
            t0 = time.perf_counter()
            check(learner, config)
            pinned.append(time.perf_counter() - t0)
    return min(free), min(pinned)


if __name__ == "__main__":
    sys.exit(main())
