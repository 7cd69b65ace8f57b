"""Longest-first submission of a report's checks against unit order, in one run (issue 19).

    python benchmarks/bench_schedule.py [--report reports/invariance.json] [--scale 0.01] [-j 2]

Replays the check seconds of every row of a written report, section by section as ``invcheck report``
runs them (each section waits for its last check before its curves), as sleeps of ``seconds × scale``
on a real ``-j N`` pool (:func:`invariance.workers.run_units`): once in unit order (the old path) and
once with ``cost=`` the recorded seconds (the new path: what ``invcheck report`` does when ``--out``
holds an earlier report). Prints each section's wall time on both paths, less that of the same units
sleeping 0 s (the pool's start, which the scale would otherwise inflate), scaled back to seconds, and
the totals. Sleeps stand in for the checks: the schedule is measured, not the checks themselves (their
own time does not depend on the order).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from invariance.report.measure import earlier_seconds
from invariance.workers import Workers, run_units


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", default="reports/invariance.json")
    ap.add_argument("--scale", type=float, default=0.01, help="sleep seconds per recorded second")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()
    sections = earlier_seconds(str(Path(args.report).parent))
    workers = Workers(jobs=args.jobs)
    totals = {"unit order": 0.0, "longest first": 0.0}
    print(f"{'section':28s} {'rows':>4s} {'sum s':>8s} {'unit order s':>13s} {'longest first s':>16s}")
    for key, seconds in sections.items():
        units = [(s * args.scale,) for s in seconds.values()]
        walls = {}
        for label, cost in (("unit order", None), ("longest first", list(seconds.values()))):
            t0 = time.perf_counter()
            run_units(_sleep, [(0.0,)] * len(units), workers, cost=cost)  # the pool's start and hand-outs alone
            t1 = time.perf_counter()
            run_units(_sleep, units, workers, cost=cost)
            t2 = time.perf_counter()
            walls[label] = max(0.0, (t2 - t1) - (t1 - t0)) / args.scale
            totals[label] += walls[label]
        print(f"{key:28s} {len(units):4d} {sum(seconds.values()):8.0f} {walls['unit order']:13.0f} "
              f"{walls['longest first']:16.0f}")
    print(f"{'checks, all sections':28s} {'':4s} {'':8s} {totals['unit order']:13.0f} {totals['longest first']:16.0f}")
    print(f"(-j {args.jobs}; each wall less an empty replay's, scaled by 1/{args.scale:g})")


if __name__ == "__main__":
    main()
