"""Wall time of the full invariance report and of the built-ins' learning curves (issue 4, part 4).

    python benchmarks/bench_report.py [-j 2] [--skip-report] [--skip-curves]

1. ``invcheck report --out TMP -j J`` exactly as the committed report is made (another folder):
   wall time, CPU time of all processes, and each section's seconds for checks and for curves (from
   the report's JSON);
2. ``benchmarks/bench_curves.py`` for the NumPy built-ins: Hadamard, d = 128, 5 trials, every k.

Measures only, asserts nothing; on a shared machine the wall time depends on the load (printed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_curves  # noqa: E402


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _invcheck() -> list[str]:
    exe = shutil.which("invcheck")
    return [exe] if exe else [sys.executable, "-m", "invariance"]


def bench_full_report(jobs: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        cmd = _invcheck() + ["report", "--out", out, "-j", str(jobs), "--quiet"]
        cpu0, t0 = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, cwd=os.path.dirname(HERE), capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        if proc.returncode not in (0, 1):
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"invcheck report failed with exit code {proc.returncode}")
        with open(os.path.join(out, "invariance.json")) as fh:
            report = json.load(fh)
    load = os.getloadavg()[0]
    print(f"invcheck report -j {jobs} (cpus={os.cpu_count()}): wall {wall:.0f} s = {wall / 60:.1f} min; "
          f"CPU {cpu:.0f} s in all processes; load average at the end {load:.1f}")
    print(f"  {'section':10s} {'learners':>8s} {'checks (s)':>11s} {'curves (s)':>11s}")
    for s in report["sections"]:
        sec = s.get("seconds", {})
        print(f"  {s['key']:10s} {len(s['rows']):8d} {sec.get('checks', 0):11.0f} {sec.get('curves', 0):11.0f}"
              + (f"   ({s['omitted']})" if s.get("omitted") else ""))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--skip-report", action="store_true")
    p.add_argument("--skip-curves", action="store_true")
    args = p.parse_args(argv)
    if not args.skip_report:
        bench_full_report(args.jobs)
    if not args.skip_curves:
        print("\nbuilt-in learning curves (benchmarks/bench_curves.py):")
        bench_curves.main(["--d", "128", "--trials", "5", "-j", str(args.jobs)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
