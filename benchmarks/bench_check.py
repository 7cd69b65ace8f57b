"""Speed of the core verifier (issue 2, part 8). Prints a table; asserts nothing.

    python benchmarks/bench_check.py [--repeat 3]

Measures, as a user would see them (wall time of the console script, median of --repeat runs):
  * ``invcheck --help`` start-up;
  * a verdict with the default budget for ``algorithms.least_squares`` and ``algorithms.adagrad_diag``;
  * the whole gate ``invcheck algorithms``;
and checks that checking a NumPy learner imports no torch. Compare ratios within one run: the
machines here are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def _invcheck() -> list[str]:
    exe = shutil.which("invcheck")
    return [exe] if exe else [sys.executable, "-m", "invariance"]


def wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-gate", action="store_true")
    args = p.parse_args()
    inv = _invcheck()
    rows = [
        ("invcheck --help", wall(inv + ["--help"], args.repeat)),
        ("python -c 'import numpy' (floor)", wall([sys.executable, "-c", "import numpy"], args.repeat)),
        ("invcheck algorithms.least_squares", wall(inv + ["algorithms.least_squares"], args.repeat)),
        ("invcheck algorithms.adagrad_diag", wall(inv + ["algorithms.adagrad_diag"], args.repeat)),
    ]
    if not args.skip_gate:
        rows.append(("invcheck algorithms (the CI gate)", wall(inv + ["algorithms"], 1)))
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from invariance.cli import main; "
         "main(['algorithms.least_squares', '--json', '--max-examples', '20']); print('torch' in sys.modules)"],
        capture_output=True, text=True,
    )
    torch_imported = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else "?"
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"{'what':45s} {'wall (s)':>9s}")
    for name, t in rows:
        print(f"{name:45s} {t:9.2f}")
    print(f"{'torch imported while checking a NumPy learner':45s} {torch_imported:>9s}")


if __name__ == "__main__":
    main()
