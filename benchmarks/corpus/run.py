"""Run the labelled corpus through the checker and score it.

    python -m benchmarks.corpus.run [--seeds 0 1 2] [--only SUBSTR] [--fast] [-j N]
                                    [--max-examples N] [--json out.json]

For every entry of :mod:`benchmarks.corpus.labels` and every seed: ``invariance.check(target,
seed=s, **options)``; the outcome is the verdict's value, else the diagnosis' value (``non-finite``,
``does-not-learn``, ``error``, ``inconclusive``, …), compared with the entry's ``expected`` label
(and with its ``output_symmetry`` where labelled). An exception out of ``check`` (a UsageError, a
crash) is a miss whose message is the exception. Prints per-seed and overall accuracy, the time, and
every miss as one line ``id seed expected → got: message``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

__all__ = ["outcome", "run_one", "main"]


def outcome(result) -> str:
    """The label a Result gives: the verdict, else the diagnosis, else 'skipped'/'none'."""
    if result.verdict is not None:
        return result.verdict.value
    if result.diagnosis is not None:
        return result.diagnosis.value
    return "skipped" if getattr(result, "skipped", False) else "none"


def _value(x):
    return None if x is None else getattr(x, "value", str(x))


def run_one(entry_id: str, seed: int, max_examples: int | None = None) -> dict:
    """Check one entry at one seed; a plain dict (it crosses process boundaries)."""
    import invariance
    from benchmarks.corpus.labels import BY_ID

    e = BY_ID[entry_id]
    opts = dict(e.options)
    if max_examples is not None:
        opts["max_examples"] = max_examples
    t0 = time.perf_counter()
    rec = {"id": e.id, "seed": seed, "group": e.group, "expected": e.expected,
           "expected_output_symmetry": e.output_symmetry}
    try:
        r = invariance.check(e.target, seed=seed, **opts)
        rec.update(got=outcome(r), output_symmetry=_value(getattr(r, "output_symmetry", None)),
                   symmetry=_value(r.symmetry), precision=getattr(r, "precision", None),
                   message=" ".join(str(r.message).split()),
                   shrink={name: p.shrink for name, p in r.properties.items() if p.shrink is not None},
                   evaluations=r.evaluations)
    except Exception as exc:  # a UsageError or a crash of the checker: a miss, with its message
        rec.update(got="exception", output_symmetry=None, symmetry=None, precision=None,
                   message=f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    rec["seconds"] = round(time.perf_counter() - t0, 2)
    rec["ok"] = rec["got"] == e.expected and (e.output_symmetry is None or rec["output_symmetry"] == e.output_symmetry)
    return rec


def _init_worker() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import torch

        torch.set_num_threads(1)
    except Exception:
        pass


def _line(rec: dict) -> str:
    exp, got = rec["expected"], rec["got"]
    if rec["expected_output_symmetry"] is not None:
        exp += f" (outputs {rec['expected_output_symmetry']})"
        got += f" (outputs {rec['output_symmetry']})"
    return f"{rec['id']} {rec['seed']} {exp} → {got}: {rec['message'][:200]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.corpus.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", action="append", default=None, help="keep entries whose id contains SUBSTR (repeatable)")
    ap.add_argument("--fast", action="store_true", help="only the entries marked fast")
    ap.add_argument("-j", "--jobs", type=int, default=1)
    ap.add_argument("--max-examples", type=int, default=None)
    ap.add_argument("--json", default=None, help="write every record and the summary to this file")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-check progress lines")
    args = ap.parse_args(argv)
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())

    from benchmarks.corpus.labels import ENTRIES

    entries = [e for e in ENTRIES if (not args.fast or e.fast)
               and (not args.only or any(s in e.id for s in args.only))]
    tasks = [(e.id, s) for s in args.seeds for e in entries]
    if not tasks:
        print("no entries selected", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    records: list[dict] = []

    def report(rec: dict) -> None:
        records.append(rec)
        if not args.quiet:
            mark = "ok  " if rec["ok"] else "MISS"
            print(f"[{len(records)}/{len(tasks)}] {mark} {rec['id']} seed {rec['seed']}: {rec['got']}"
                  f"{'' if rec['output_symmetry'] is None else ' / ' + str(rec['output_symmetry'])} "
                  f"({rec['seconds']:.1f} s)",
                  file=sys.stderr, flush=True)

    if args.jobs <= 1:
        _init_worker()
        for i, s in tasks:
            report(run_one(i, s, args.max_examples))
    else:
        with ProcessPoolExecutor(
            max_workers=args.jobs, mp_context=get_context("spawn"), initializer=_init_worker
        ) as pool:
            futures = [pool.submit(run_one, i, s, args.max_examples) for i, s in tasks]
            for f in as_completed(futures):
                report(f.result())
    elapsed = time.perf_counter() - t0
    order = {(i, s): k for k, (i, s) in enumerate(tasks)}
    records.sort(key=lambda r: order[(r["id"], r["seed"])])

    print(f"\n{len(entries)} entries × {len(args.seeds)} seed(s) = {len(records)} checks in {elapsed:.0f} s"
          f" (-j {args.jobs}, max_examples {args.max_examples or 'default'})")
    for s in args.seeds:
        rs = [r for r in records if r["seed"] == s]
        print(f"seed {s}: {sum(r['ok'] for r in rs)}/{len(rs)} = {100 * sum(r['ok'] for r in rs) / len(rs):.1f} %")
    ok = sum(r["ok"] for r in records)
    print(f"overall: {ok}/{len(records)} = {100 * ok / len(records):.1f} %")
    by_label: dict[str, list[int]] = {}
    for r in records:
        by_label.setdefault(r["expected"], [0, 0])
        by_label[r["expected"]][0] += r["ok"]
        by_label[r["expected"]][1] += 1
    print("by label: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(by_label.items())))
    misses = [r for r in records if not r["ok"]]
    if misses:
        print(f"\n{len(misses)} miss(es):")
        for r in misses:
            print(_line(r))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"seeds": args.seeds, "max_examples": args.max_examples, "jobs": args.jobs,
                       "seconds": round(elapsed, 1), "accuracy": ok / len(records), "records": records},
                      fh, indent=1, ensure_ascii=False)
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
