"""Batched fits against the one-by-one path, in one run on one machine (issue 19).

    python benchmarks/bench_batched.py [--repeats 3] [--baseline OLD/.venv/bin/invcheck [--baseline-batched]]
        [--no-one-by-one] [--row "TARGET [OPTIONS…]"]…

For each row, alternately: ``invcheck TARGET --json`` with ``INVCHECK_BATCH=0`` (one by one) and with
batching (the default); with ``--baseline``, also another checkout's ``invcheck`` (today's path before
this work: a clone at the older commit with its own venv), on its one-by-one path or, with
``--baseline-batched``, on its batched path (a change to the batched path, old against new). Reports the
median wall time of the command (import and load-time probes included), the median of the check's own
``seconds`` (the work), the verdict and evaluation count on each path, and whether the JSON documents
are identical apart from ``seconds`` and ``fits``.
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
    "optax:adam",
]


def _strip(doc):
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in ("seconds", "fits")}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


def _once(row: str, batch: str, baseline: str | None = None, old_batch: str = "0") -> tuple[float, dict]:
    exe = Path(baseline) if batch == "old" and baseline else Path(sys.executable).with_name("invcheck")
    env = dict(os.environ, INVCHECK_BATCH=old_batch if batch == "old" else batch)
    t0 = time.perf_counter()
    p = subprocess.run([str(exe), *row.split(), "--json"], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    return wall, json.loads(p.stdout)["results"][0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", help="another checkout's invcheck executable: the path before this work")
    ap.add_argument("--baseline-batched", action="store_true",
                    help="run the baseline on its batched path (default: one by one, today's path before batching)")
    ap.add_argument("--no-one-by-one", action="store_true", help="leave out this checkout's one-by-one path")
    ap.add_argument("--row", action="append", dest="rows", metavar="'TARGET [OPTIONS…]'",
                    help="a row, quoted, repeatable (default: the built-in list)")
    args = ap.parse_args()
    if args.baseline_batched and not args.baseline:
        ap.error("--baseline-batched needs --baseline")
    if args.no_one_by_one and not args.baseline:
        ap.error("--no-one-by-one needs --baseline (else there is nothing to compare)")
    rows = args.rows or ROWS
    paths = (["old"] if args.baseline else []) + ([] if args.no_one_by_one else ["0"]) + ["1"]
    names = {"old": "before", "0": "one by one", "1": "batched"}
    head = " | ".join(f"{names[p]}: wall / work" for p in paths)
    print(f"| row | {head} | batched/{names[paths[0]]} (wall) | verdict (evaluations), every path | "
          "JSON identical | fits |")
    print("|---" * (len(paths) + 5) + "|")
    for row in rows:
        runs: dict[str, list] = {p: [] for p in paths}
        for _ in range(args.repeats):
            for p in paths:  # interleaved: the machine's load hits every path alike
                runs[p].append(_once(row, p, args.baseline, "1" if args.baseline_batched else "0"))
        med = {p: (statistics.median(w for w, _ in rs), statistics.median(r["seconds"] for _, r in rs))
               for p, rs in runs.items()}
        firsts = [runs[p][0][1] for p in paths]
        same = all(_strip(f) == _strip(firsts[-1]) for f in firsts)
        times = " | ".join(f"{med[p][0]:.1f} s / {med[p][1]:.1f} s" for p in paths)
        verdicts = " · ".join(f"{f['verdict']} ({f['evaluations']})" for f in firsts)
        print(f"| `{row}` | {times} | {med['1'][0] / med[paths[0]][0]:.2f} | {verdicts} | {'yes' if same else 'NO'} | "
              f"{(firsts[-1].get('fits') or '')[:40]} |", flush=True)


if __name__ == "__main__":
    main()
