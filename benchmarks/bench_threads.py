"""Does ``invcheck -j N`` gain from one BLAS thread per worker? A ratio, measured in one run.

    python benchmarks/bench_threads.py [--rounds 2] [TARGET ...]

Runs ``invcheck -j 2 TARGETS --max-examples 30`` alternately with the workers' thread variables
left alone (each worker's OpenBLAS then starts one thread per core) and with them pinned to 1, which
is what :func:`invariance.parallel.check_all` now does. Wall time of each, and the ratio.
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
