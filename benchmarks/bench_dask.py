"""Does ``--dask local:2`` pay for its cluster? Wall times of one gate, run three ways in one session.

    python benchmarks/bench_dask.py [--rounds 2] [--max-examples 150] [TARGET ...]
    python benchmarks/bench_dask.py --report [--rounds 1] [TARGET ...]

``--report`` times a report subset instead: ``invcheck report TARGETS --d 64 --trials 3 --json-only``
(verdicts, tuning and curves of the targets) the same three ways, comparing invariance.json apart from
``seconds`` and the command line.

Runs ``invcheck TARGETS --json --max-examples M`` as a subprocess (what a user sees: imports, the
LocalCluster's start-up and shut-down included) with ``-j 1``, ``-j 2`` and ``--dask local:2``,
alternating, ``--rounds`` times; prints the best wall time of each and the ratios to ``-j 1``, and
checks that the three JSON documents agree apart from the ``seconds`` fields. Compare ratios within
one run: the machines here are shared and noisy. Needs ``pip install 'invcheck[dask]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

#: eight built-in NumPy learners, one of each kind of verdict among them
DEFAULT = [
    "algorithms.least_squares", "algorithms.gd", "algorithms.newton", "algorithms.vaw",
    "algorithms.adagrad_full", "algorithms.adagrad_diag", "algorithms.adam", "algorithms.egu",
]
MODES = {"-j 1": ["-j", "1"], "-j 2": ["-j", "2"], "--dask local:2": ["--dask", "local:2"]}


def _without_seconds(obj):
    if isinstance(obj, dict):
        return {k: _without_seconds(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_without_seconds(v) for v in obj]
    return obj


def _run(targets: list[str], mode: list[str], max_examples: int) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "invariance", *targets, "--json", "--max-examples", str(max_examples), *mode]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1, 3):
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")
    return seconds, json.loads(done.stdout)


def _run_report(targets: list[str], mode: list[str], max_examples: int) -> tuple[float, dict]:
    import tempfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "invariance", "report", *targets, "--d", "64", "--trials", "3", "--json-only",
               "--quiet", "--max-examples", str(max_examples), "--out", out, *mode]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - t0
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")
        with open(os.path.join(out, "invariance.json"), encoding="utf-8") as fh:
            doc = json.load(fh)
    doc.pop("command", None)
    return seconds, doc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("targets", nargs="*", default=DEFAULT)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--max-examples", type=int, default=150)
    p.add_argument("--report", action="store_true", help="time a report subset (verdicts, tuning, curves)")
    args = p.parse_args(argv)
    run = _run_report if args.report else _run
    times: dict[str, list[float]] = {m: [] for m in MODES}
    docs: dict[str, dict] = {}
    for _ in range(args.rounds):
        for name, mode in MODES.items():
            seconds, doc = run(args.targets, mode, args.max_examples)
            times[name].append(seconds)
            docs[name] = _without_seconds(doc)
    same = docs["-j 2"] == docs["-j 1"] == docs["--dask local:2"]
    base = min(times["-j 1"])
    what = "report subset (d = 64, 3 trials)" if args.report else "checks"
    print(f"{what}: {len(args.targets)} learners, --max-examples {args.max_examples}, {os.cpu_count()} cores, "
          f"best of {args.rounds}:")
    for name in MODES:
        best = min(times[name])
        print(f"  {name:<16} {best:6.2f} s   ratio to -j 1: {best / base:.2f}   "
              f"(all: {', '.join(f'{t:.2f}' for t in times[name])})")
    print(f"JSON identical apart from seconds: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
