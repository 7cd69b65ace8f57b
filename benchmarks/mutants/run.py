"""Measured power of invcheck: mutants of invariant and pm1-invariant learners, with true verdicts.

    python benchmarks/mutants/run.py [--seeds 0 1 2] [-j 2] [--only NAME ...] [--max-examples N] [--json]

Checks every original (``originals.py``) and every mutant (``mutants_*.py``) with the default budget
and prints one row per learner: its original, the mutation kind, the true verdict (derived in the
learner's docstring and recorded by ``@truth``), the verdict invcheck gave at each seed, and whether
they agree. Then:

* **kill rate** K/M — mutants that got their true verdict. A mutant whose true verdict differs from
  its original's counts as *killed* when the checker gives that verdict; a mutant whose true verdict
  is its original's (an equivalent mutant: global L2 clipping, ε outside the root, …) counts when the
  checker does *not* move it. Both parts are also shown separately.
* **false alarms** F/O — originals whose verdict was not their true one.

Every disagreement is listed with the counterexample behind it. Exit status 0 always: this measures,
it does not gate (``invcheck benchmarks/mutants/mutants_gd.py -j 1`` gates, since every learner here is
declared with ``@learner``; with ``-j 2`` a whole-file TARGET currently fails to re-import in the workers).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = ["originals", "mutants_gd", "mutants_linear", "mutants_second_order", "mutants_adaptive"]


def catalogue():
    """``[Truth]`` of every learner, originals first, in definition order."""
    sys.path.insert(0, HERE)
    try:
        common = importlib.import_module("_common")
        for m in MODULES:
            importlib.import_module(m)
    finally:
        sys.path.remove(HERE)
    return list(common.CATALOGUE.values())


def target(t) -> str:
    path = os.path.join(HERE, t.module + ".py")
    rel = os.path.relpath(path)
    return f"{rel if not rel.startswith('..') else path}:{t.name}"


def verdict_of(r) -> str:
    if r.verdict is not None:
        return r.verdict.value
    if r.diagnosis is not None:
        return f"[{r.diagnosis.value}]"
    return "[skipped]"


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.1e}"


def describe(r) -> list[str]:
    """What stood behind a verdict: deviations, the counterexample, the noise it was judged against."""
    j = r.to_json()
    dev = j.get("deviation") or {}
    out = [f"deviation: orthogonal {_fmt(dev.get('orthogonal'))}, pm1 {_fmt(dev.get('pm1'))}; "
           f"symmetry {j.get('symmetry')}"]
    for prop, cx in (j.get("counterexamples") or {}).items():
        if not cx:
            continue
        sc = cx.get("scaling") or {}
        notes = cx.get("notes") or {}
        line = (f"{prop} counterexample: d={cx['d']} n={cx['n']} m={cx['m']} {cx.get('data_kind')}, "
                f"U: {cx.get('U_description')}; deviation {_fmt(cx.get('deviation'))} > threshold "
                f"{_fmt(cx.get('threshold'))} (noise {_fmt(cx.get('rounding_noise'))})")
        if sc.get("diagnosis"):
            line += f"; scaling: {sc['diagnosis']}"
        if notes.get("diagnosis"):
            line += f"; twin: {notes['diagnosis']}"
        out.append(line)
    for prop, p in (j.get("properties") or {}).items():
        exc = (p or {}).get("excused") if isinstance(p, dict) else None
        if exc and exc.get("words"):
            out.append(f"{prop}: {exc.get('count', '?')} deviation(s) excused, largest: {exc['words']}")
    for w in j.get("warnings") or []:
        out.append(f"warning: {w}")
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--only", nargs="+", help="check only these learners (names)")
    p.add_argument("--max-examples", type=int, default=None, help="default: the checker's default budget")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout instead of the table")
    args = p.parse_args(argv)

    truths = catalogue()
    if args.only:
        truths = [t for t in truths if t.name in args.only]
    by_name = {t.name: t for t in catalogue()}
    import invariance

    t0 = time.perf_counter()
    got: dict[str, dict[int, object]] = {t.name: {} for t in truths}
    for seed in args.seeds:
        results = invariance.check_many([target(t) for t in truths], jobs=args.jobs, seed=seed,
                                        max_examples=args.max_examples)
        for t, r in zip(truths, results, strict=True):
            got[t.name][seed] = r
    seconds = time.perf_counter() - t0

    rows = []
    for t in truths:
        verdicts = [verdict_of(got[t.name][s]) for s in args.seeds]
        base = by_name[t.original].verdict if t.original else None
        rows.append({
            "name": t.name, "original": t.original, "kind": t.kind, "true": t.verdict,
            "original_true": base, "changes_verdict": (t.verdict != base) if t.original else None,
            "got": dict(zip(args.seeds, verdicts, strict=True)), "ok": all(v == t.verdict for v in verdicts),
            "ok_per_seed": {s: v == t.verdict for s, v in zip(args.seeds, verdicts, strict=True)},
            "results": {s: got[t.name][s].to_json() for s in args.seeds},
        })

    originals = [r for r in rows if r["original"] is None]
    mutants = [r for r in rows if r["original"] is not None]
    changing = [r for r in mutants if r["changes_verdict"]]
    equivalent = [r for r in mutants if not r["changes_verdict"]]
    summary = {
        "kill_rate": [sum(r["ok"] for r in mutants), len(mutants)],
        "killed_verdict_changing": [sum(r["ok"] for r in changing), len(changing)],
        "equivalent_kept": [sum(r["ok"] for r in equivalent), len(equivalent)],
        "false_alarms": [sum(not r["ok"] for r in originals), len(originals)],
        "per_seed_kill_rate": {s: [sum(r["ok_per_seed"][s] for r in mutants), len(mutants)] for s in args.seeds},
        "seeds": args.seeds, "seconds": round(seconds, 1),
    }

    if args.json:
        json.dump({"summary": summary, "rows": rows}, sys.stdout, indent=1, default=str)
        print()
        return 0

    w = max(len(r["name"]) for r in rows)
    wk = max(len(r["kind"] or "—") for r in rows)
    got_w = max(14, 15 * len(args.seeds))
    print(f"{'learner':{w}s}  {'original':13s}  {'mutation':{wk}s}  {'true':14s}  "
          f"{'got (seed ' + ','.join(map(str, args.seeds)) + ')':{got_w}s}  ok")
    for r in rows:
        gots = " ".join(f"{v:14s}" for v in r["got"].values())
        mark = "✓" if r["ok"] else "✗"
        print(f"{r['name']:{w}s}  {r['original'] or '(original)':13s}  {r['kind'] or '—':{wk}s}  {r['true']:14s}  "
              f"{gots:{got_w}s}  {mark}")
    s = summary
    print()
    print(f"kill rate: {s['kill_rate'][0]}/{s['kill_rate'][1]} mutants got their true verdict "
          f"(verdict-changing mutants killed: {s['killed_verdict_changing'][0]}/{s['killed_verdict_changing'][1]}; "
          f"equivalent mutants left at their original's verdict: {s['equivalent_kept'][0]}/{s['equivalent_kept'][1]})"
          + ("; per seed: " + ", ".join(f"{k}: {a}/{b}" for k, (a, b) in s["per_seed_kill_rate"].items())
             if len(args.seeds) > 1 else ""))
    print(f"false alarms: {s['false_alarms'][0]}/{s['false_alarms'][1]} originals flagged")
    print(f"time: {s['seconds']} s for {len(rows)} learners × {len(args.seeds)} seed(s), -j {args.jobs}")
    wrong = [r for r in rows if not r["ok"]]
    if wrong:
        print("\ndisagreements:")
        for r in wrong:
            print(f"* {r['name']}: true {r['true']}, got " + ", ".join(f"{v} (seed {k})" for k, v in r["got"].items()))
            for seed in args.seeds:
                if r["got"][seed] != r["true"]:
                    for line in describe(got[r["name"]][seed]):
                        print(f"    seed {seed}: {line}")
                    break
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a measurement, not a gate: report the failure and still exit 0
        import traceback

        traceback.print_exc()
    sys.exit(0)
