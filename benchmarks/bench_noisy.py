"""Least squares against σ²·d/(n − d − 1) on ``--problem noisy``, at a dimension larger than the tests'.

    python benchmarks/bench_noisy.py [--d 128] [--trials 50] [--sigma 1] [--step 4]

Runs ``invcheck curves algorithms.least_squares --problem noisy`` (the CLI, JSON) for n = 1.5d … 4d
in steps of ``--step`` and prints the mean of measured ÷ formula over those n, the largest single-n
deviation and where it is, and the wall time. The test (tests/curves/test_fitting.py) asks, at d = 16,
for a mean within 5 % and every n within 25 %; this is the same claim at d = 128.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--trials", type=int, default=50)
    p.add_argument("--sigma", type=float, default=1.0)
    p.add_argument("--step", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    lo = (3 * args.d + 1) // 2
    ks = f"{lo}:{4 * args.d}:{args.step}"
    cmd = [sys.executable, "-m", "invariance", "curves", "algorithms.least_squares", "--problem", "noisy",
           "--d", str(args.d), "--trials", str(args.trials), "--sigma", str(args.sigma), "--ks", ks,
           "--seed", str(args.seed), "--json", "--quiet"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t0
    obj = json.loads(out)
    ks_ = np.array(obj["ks"])
    curve = np.array(obj["curves"]["algorithms.least_squares:least_squares"])
    bound = np.array([np.nan if b is None else b for b in obj["bound"]])
    keep = ks_ >= 1.5 * args.d
    r = curve[keep] / bound[keep]
    worst = int(np.argmax(np.abs(r - 1)))
    print(f"d={args.d}, sigma={args.sigma}, {args.trials} trials, n = {ks_[keep][0]}…{ks_[keep][-1]} "
          f"({keep.sum()} values), seed {args.seed}")
    print(f"mean ratio measured/formula: {r.mean():.4f}; largest deviation {abs(r[worst] - 1):.3f} "
          f"at n={ks_[keep][worst]}; wall {wall:.1f} s")


if __name__ == "__main__":
    main()
