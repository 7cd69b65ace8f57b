"""Wall time of the one local pool (invariance.workers.run_units) on the learning curves: in this
process, in N spawned processes (the learners pickled into them) and in N forked processes (the
learners wrapped in closures, which do not pickle), with the numbers of each checked equal to those
of one process.

    python benchmarks/bench_pools.py [--d 32] [--trials 4] [-j 2] [--problem gaussian]

Prints one line per way: wall seconds and whether the losses equal in-process ones. Spawned processes
pay an interpreter start and the imports once per pool; that is the price of never forking a process
whose threads may hold locks. Measures only: no pass/fail; the numbers go into reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from invariance.contract import as_learner  # noqa: E402
from invariance.curves.experiment import learning_curves  # noqa: E402
from invariance.targets import load  # noqa: E402
from invariance.workers import Workers, fork_hazard  # noqa: E402

TARGETS = ("algorithms.least_squares:least_squares", "algorithms.gd:gd", "algorithms.egu:egu")


def _closures(learners: list) -> list:
    """The same learners as closures: they cannot pickle, so a pool must fork to carry them."""
    out = []
    for lrn in learners:
        def fn(X, y, X_test, _inner=lrn.fn):
            return _inner(X, y, X_test)

        out.append(as_learner(fn, name=lrn.name, target=f"closure:{lrn.name}"))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--d", type=int, default=32)
    p.add_argument("--trials", type=int, default=4)
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--problem", default="gaussian")
    args = p.parse_args(argv)
    learners = [lrn for t in TARGETS for lrn in load(t)]
    kw = dict(problem=args.problem, d=args.d, trials=args.trials, seed=0)
    start = time.perf_counter()
    base = learning_curves(learners, **kw).losses
    print(f"in process: {time.perf_counter() - start:.2f} s ({args.problem}, d={args.d}, {args.trials} trials, "
          f"{len(learners)} learners; load average {os.getloadavg()[0]:.1f})")
    ways = [("spawned", learners)]
    ways.append(("forked", _closures(learners)) if fork_hazard() is None and hasattr(os, "fork")
                else ("forked (skipped: fork unsafe or absent)", []))
    for way, these in ways:
        if not these:
            print(way)
            continue
        start = time.perf_counter()
        losses = learning_curves(these, workers=Workers(jobs=args.jobs), **kw).losses
        same = np.array_equal(losses, base)
        print(f"-j {args.jobs} {way}: {time.perf_counter() - start:.2f} s; same numbers as in process: {same}")


if __name__ == "__main__":
    main()
