"""Batched fits against the one-by-one path, in one run on one machine (issue 19).

    python benchmarks/bench_batched.py [--repeats 3] [TARGET [OPTIONS…] ,]…

For each row, alternately: ``invcheck TARGET --json`` with ``INVCHECK_BATCH=0`` (one by one) and with
batching (the default). Reports the median wall time of the command (import and load-time probes
included), the median of the check's own ``seconds`` (the work), the verdict and evaluation count on
each path, and whether the two JSON documents are identical apart from ``seconds`` and ``fits``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROWS = [
    "torch.optim:Adam",
    "torch.optim:Adam --model layer --outputs 3",
    "torch.optim:SGD",
    "torch.optim:SGD --model mlp",
    "pytorch_optimizer:Lion",
    "pytorch_optimizer:AdaBelief --model layer --outputs 3",
]


def _strip(doc):
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in ("seconds", "fits")}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


def _once(row: str, batch: str) -> tuple[float, dict]:
    exe = Path(sys.executable).with_name("invcheck")
    env = dict(os.environ, INVCHECK_BATCH=batch)
    t0 = time.perf_counter()
    p = subprocess.run([str(exe), *row.split(), "--json"], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    return wall, json.loads(p.stdout)["results"][0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("rows", nargs="*", help="rows separated by ',' (default: the built-in list)")
    args = ap.parse_args()
    rows = [r.strip() for r in " ".join(args.rows).split(",") if r.strip()] if args.rows else ROWS
    print("| row | one by one: wall / work | batched: wall / work | batched/one | verdict (evals) one · batched | "
          "JSON identical | fits |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        runs: dict[str, list] = {"0": [], "1": []}
        for _ in range(args.repeats):
            for batch in ("0", "1"):  # interleaved: the machine's load hits both paths alike
                runs[batch].append(_once(row, batch))
        med = {b: (statistics.median(w for w, _ in rs), statistics.median(r["seconds"] for _, r in rs))
               for b, rs in runs.items()}
        one, bat = runs["0"][0][1], runs["1"][0][1]
        same = _strip(one) == _strip(bat)
        print(f"| `{row}` | {med['0'][0]:.1f} s / {med['0'][1]:.1f} s | {med['1'][0]:.1f} s / {med['1'][1]:.1f} s | "
              f"{med['1'][0] / med['0'][0]:.2f} | {one['verdict']} ({one['evaluations']}) · {bat['verdict']} "
              f"({bat['evaluations']}) | {'yes' if same else 'NO'} | {(bat.get('fits') or '')[:40]} |", flush=True)


if __name__ == "__main__":
    main()
