"""Wall time of the paper's learning curves for the NumPy built-ins (target: d = 128 Hadamard, 5 trials,
every k, under 2 minutes on 2 cores with ``-j 2``).

    python benchmarks/bench_curves.py [--d 128] [--trials 5] [-j 2] [--problem hadamard ...] [--ks SPEC]

Prints, for each problem, the wall time, the CPU time of all processes (on a shared machine the
wall time depends on the load; CPU / jobs is what idle cores would take) and the load average, then
each learner's seconds (wall inside the workers, summed over trials), its mean loss at k = d/2 and
the first k whose mean loss is below 0.1. Measures only: no pass/fail; the numbers go into reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from invariance.cli.curves import parse_ks  # noqa: E402
from invariance.curves.experiment import configure, learning_curves, paper_settings_for  # noqa: E402
from invariance.targets import load  # noqa: E402

#: The NumPy built-ins (none imports torch); those not present in algorithms/ are skipped.
BUILTINS = (
    "least_squares", "gd", "newton", "vaw", "adagrad_full", "adagrad_diag", "adagrad_diag_batch",
    "adam", "egu", "eg_pm", "spindly", "spindly_pm", "private_lr",
)


def builtin_learners(d: int) -> list:
    import importlib.util

    out = []
    for name in BUILTINS:
        if importlib.util.find_spec(f"algorithms.{name}") is None:
            print(f"(skipping algorithms.{name}: not present)", file=sys.stderr)
            continue
        for learner in load(f"algorithms.{name}:{name}"):
            out.append(configure(learner, paper_settings_for(learner, d)))
    return out


def _cpu() -> float:
    """CPU seconds used by this process and its reaped children (the pool's workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--problem", action="append", choices=("hadamard", "pm1", "gaussian"))
    p.add_argument("--ks", help="as invcheck curves --ks (default: every k)")
    p.add_argument("--only", action="append", help="run only these built-ins (repeatable)")
    args = p.parse_args(argv)
    learners = builtin_learners(args.d)
    if args.only:
        learners = [lrn for lrn in learners if lrn.name in args.only]
    ks = parse_ks(args.ks, args.d) if args.ks else None
    for problem in args.problem or ["hadamard"]:
        before = _cpu()
        start = time.perf_counter()
        curves = learning_curves(
            learners, problem=problem, d=args.d, trials=args.trials, seed=args.seed, ks=ks, jobs=args.jobs
        )
        wall = time.perf_counter() - start
        cpu = _cpu() - before
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"\n{problem}, d={args.d}, {args.trials} trials, {len(curves.ks)} ks, -j {args.jobs}, "
            f"cpus={os.cpu_count()}: wall {wall:.1f} s; CPU {cpu:.1f} s in all "
            f"(≈ {cpu / min(args.jobs, os.cpu_count() or 1):.1f} s of wall on idle cores); load average {load:.1f}"
        )
        half = curves.at(args.d // 2)
        first = curves.first_below(0.1)
        print(f"  {'learner':20s} {'secs':>7s} {'loss@d/2':>9s} {'first k<0.1':>12s}")
        print(f"  {'bound':20s} {'':>7s} {curves.bound[curves.ks.index(args.d // 2)]:9.4f}")
        for i, name in enumerate(curves.names):
            fk = "—" if first[i] is None else str(first[i])
            print(f"  {name:20s} {curves.seconds[i]:7.1f} {half[i]:9.4f} {fk:>12s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
