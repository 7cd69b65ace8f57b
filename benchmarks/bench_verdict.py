"""How long a verdict takes, and where the time goes (issue 9, part 7). Prints a table; asserts nothing.

    python benchmarks/bench_verdict.py [--repeat 3] [--before PATH] [--skip-gate]

For each learner, with the default budget at seed 0, in this process:

* ``check``: wall time of ``invariance.check`` (median of ``--repeat``);
* ``learner``: the time spent inside the learner's own function (every call timed), and the ratio
  check ÷ learner — the machinery's overhead (goal: ≤ 1.2 for a learner costing ≥ 3 ms a call);
* ``pairs``: example pairs compared (the properties' examples), ``calls``: learner calls;

and, as a user sees it, the wall time of the console script (``invcheck TARGET``, median) and of the
gate ``invcheck algorithms -j 1``. ``--before PATH`` runs the same in another checkout (a ``git
worktree`` of an older commit) in the same run, so that the two compare as ratios on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: cheap NumPy learners (the goal: ≤ 1 s a verdict) and one costing ≥ 3 ms a call
LEARNERS = ["algorithms.least_squares", "algorithms.vaw", "algorithms.adagrad_diag",
            "benchmarks/bench_verdict.py:slow_least_squares"]

_SNIPPET = textwrap.dedent(
    """
    import json, statistics, sys, time
    sys.path.insert(0, {root!r})
    import invariance
    from invariance.targets import load
    out = {{}}
    for target in {targets!r}:
        (learner,) = load(target)
        spent = [0.0, 0]
        fn = learner.fn
        def timed(*a, _fn=fn, **k):
            t = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                spent[0] += time.perf_counter() - t
                spent[1] += 1
        timed.__name__ = fn.__name__
        from dataclasses import replace
        walls, inside, calls = [], [], []
        for _ in range({repeat}):
            spent[0], spent[1] = 0.0, 0
            t0 = time.perf_counter()
            r = invariance.check(replace(learner, fn=timed))
            walls.append(time.perf_counter() - t0)
            inside.append(spent[0])
            calls.append(spent[1])
        pairs = sum(p.examples for p in r.properties.values())
        out[target] = dict(verdict=None if r.verdict is None else r.verdict.value, check=statistics.median(walls),
                           learner=statistics.median(inside), calls=calls[0], pairs=pairs)
    print(json.dumps(out))
    """
)


def slow_least_squares(X_train, y_train, X_test):
    """Least squares that also spends ~3–4 ms on a fixed 260×260 SVD (a stand-in for a costly learner)."""
    import numpy as np

    M = np.random.default_rng(0).standard_normal((260, 260))
    np.linalg.svd(M, compute_uv=False)
    return X_test @ (np.linalg.pinv(X_train) @ y_train)


def in_process(root: str, targets: list[str], repeat: int) -> dict:
    code = _SNIPPET.format(root=root, targets=targets, repeat=repeat)
    env = {**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env=env)
    if res.returncode != 0:
        raise SystemExit(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def cli_wall(root: str, args: list[str], repeat: int) -> float:
    exe = [sys.executable, "-m", "invariance"] if not shutil.which("invcheck") else [shutil.which("invcheck")]
    env = {**os.environ, "PYTHONPATH": root}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(exe + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root, env=env, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--before", default=None, help="another checkout to measure in the same run")
    p.add_argument("--skip-gate", action="store_true")
    args = p.parse_args()
    trees = [("after", ROOT)] + ([("before", os.path.abspath(args.before))] if args.before else [])
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}")
    print(f"{'tree':7s} {'learner':45s} {'verdict':14s} {'pairs':>6s} {'calls':>6s} {'check s':>8s} {'learner s':>9s} "
          f"{'ratio':>6s} {'ms/call':>8s} {'CLI s':>6s}")
    for label, root in trees:
        targets = [t for t in LEARNERS if label == "after" or not t.startswith("benchmarks/")]
        got = in_process(root, targets, args.repeat)
        for t in targets:
            g = got[t]
            cli = cli_wall(root, [t], args.repeat)
            print(f"{label:7s} {t:45s} {str(g['verdict']):14s} {g['pairs']:6d} {g['calls']:6d} {g['check']:8.3f} "
                  f"{g['learner']:9.3f} {g['check'] / max(g['learner'], 1e-9):6.2f} "
                  f"{1e3 * g['learner'] / max(g['calls'], 1):8.3f} {cli:6.2f}")
    if not args.skip_gate:
        for label, root in trees:
            print(f"{label:7s} invcheck algorithms -j 1 (the gate): "
                  f"{cli_wall(root, ['algorithms', '-j', '1'], 1):.1f} s")


if __name__ == "__main__":
    main()
