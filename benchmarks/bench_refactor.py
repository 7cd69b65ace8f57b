"""Before/after speed of one change: the same commands on two source trees, interleaved, in one run.

    git worktree add /tmp/before REV
    python benchmarks/bench_refactor.py /tmp/before . [--repeat 3]

For each tree (first on sys.path, run from its own root, so its own ``invariance`` and ``algorithms``
are imported): a cheap verdict (``invcheck algorithms.least_squares``, default budget) and the whole
gate (``invcheck algorithms``). Runs alternate between the trees so that machine load hits both alike;
medians and the after/before ratio are printed. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "invcheck algorithms.least_squares": ["algorithms.least_squares"],
    "invcheck algorithms.adagrad_diag": ["algorithms.adagrad_diag"],
    "invcheck algorithms (the gate)": ["algorithms"],
}


def _run(tree: str, argv: list[str]) -> float:
    code = f"import sys; sys.path.insert(0, {tree!r}); from invariance.cli import main; sys.exit(main({argv!r}))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=tree, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    trees = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}")
    print(f"{'what':36s} {'before (s)':>10s} {'after (s)':>10s} {'after/before':>13s}")
    for name, argv in COMMANDS.items():
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.repeat if "gate" not in name else 1):
            for which in ("before", "after"):
                times[which].append(_run(trees[which], argv))
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"{name:36s} {b:10.2f} {a:10.2f} {a / b:13.2f}")


if __name__ == "__main__":
    main()
