"""Seed stability of the documented verdict tables: which learners change verdict with ``--seed``.

    python benchmarks/bench_seeds.py                      # seeds 0–4, 2 processes
    python benchmarks/bench_seeds.py --seeds 0-9 -j 4     # or --seeds 0,3,7
    python benchmarks/bench_seeds.py --only k_neighbors --only pls --out seeds.json
    python benchmarks/bench_seeds.py --extra mine.py:knn2 # add a TARGET to the tables

Checks, once per seed, every learner of the documented verdict tables — the sections of the invariance
report (``invcheck report``): the built-in learners (``algorithms``, each with its declared verdict), the
``torch.optim`` optimizers and the scikit-learn zoo (``invariance.report.zoo_sklearn``) — at the default
budget, and lists every learner whose verdict or diagnosis is not the same at every seed (a *flip*),
with its per-seed outcome: verdict, both deviations, which property failed and, for the failing
property, the counterexample's shape, data kind, deviation, threshold and measured rounding noise.
The last line is ``N learners × S seeds: F flips``. Exit status 0 whatever it finds (a measurement,
not a gate); ``--out FILE`` keeps every ``Result.to_json()`` for a closer look.

Each (learner, seed) check runs in its own task of a pool of ``-j`` spawned processes, one BLAS thread
each (as ``invcheck -j``); the slowest learners of the committed report are started first. A section
whose optional dependency (torch, scikit-learn) is missing is skipped with a note on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the committed report: documented verdicts of the torch and scikit-learn rows, and their run times
REPORT_JSON = ROOT / "reports" / "invariance.json"


# ------------------------------------------------------------------------------------------- targets


def documented_learners(extra: list[str], only: list[str]) -> list[tuple[str, str, str | None]]:
    """(section, target, declared verdict) for every learner of the report's sections (those whose target
    contains one of ``only``, when given), then every learner of ``extra``."""
    from invariance.report.measure import default_sections, load_section
    from invariance.targets import load

    out: list[tuple[str, str, str | None]] = []
    for spec in default_sections(curves=False):
        if spec.requires and importlib.util.find_spec(spec.requires) is None:
            print(f"note: section {spec.key} skipped: {spec.requires} is not installed ({spec.install})",
                  file=sys.stderr)
            continue
        for learner in load_section(spec):
            if only and not any(text in learner.target for text in only):
                continue
            declared = learner.expected.value if learner.expected is not None else None
            out.append((spec.key, learner.target, declared))
    seen = {t for _, t, _ in out}
    for target in extra:
        for learner in load(target):
            if learner.target not in seen:
                seen.add(learner.target)
                out.append(("extra", learner.target, learner.expected.value if learner.expected is not None else None))
    return out


def committed_report() -> tuple[dict[str, str | None], dict[str, float]]:
    """Documented verdict (or diagnosis) and seconds per target in the committed report, if readable."""
    try:
        data = json.loads(REPORT_JSON.read_text())
    except (OSError, ValueError):
        return {}, {}
    verdicts: dict[str, str | None] = {}
    seconds: dict[str, float] = {}

    def walk(o) -> None:
        if isinstance(o, dict):
            if "target" in o and "verdict" in o and "seconds" in o:
                verdicts[o["target"]] = o["verdict"] or o.get("diagnosis")
                seconds[o["target"]] = float(o["seconds"] or 0.0)
                return
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(data)
    return verdicts, seconds


def parse_seeds(text: str) -> list[int]:
    """``"0-4"``, ``"0,2,5"`` or a mix (``"0-2,7"``)."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            a, b = part.split("-", 1)
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return list(dict.fromkeys(seeds))


# ------------------------------------------------------------------------------------------- running


def _check_one(target: str, seed: int, options: dict) -> dict:
    """One check in a worker: the full ``Result.to_json()``, or a stand-in when the checker itself raised."""
    t0 = time.perf_counter()
    try:
        import invariance

        return invariance.check(target, seed=seed, **options).to_json()
    except Exception as exc:  # the bench reports it as a diagnosis of its own and goes on
        return {
            "target": target, "verdict": None, "diagnosis": f"bench-error: {type(exc).__name__}: {exc}",
            "deviation": {"orthogonal": None, "pm1": None}, "properties": {}, "counterexamples": {},
            "seconds": time.perf_counter() - t0,
        }


def run_all(
    learners, seeds, jobs: int, options: dict, cost: dict[str, float], progress: bool
) -> dict[tuple[str, int], dict]:
    tasks = [(t, s) for _, t, _ in learners for s in seeds]
    tasks.sort(key=lambda ts: -cost.get(ts[0], 5.0))  # longest first: less idle time at the end
    results: dict[tuple[str, int], dict] = {}
    t0 = time.perf_counter()
    added = [k for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k not in os.environ]
    for k in added:  # one BLAS thread per worker, as invcheck -j does: the processes share out the cores
        os.environ[k] = "1"
    try:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx) as pool:
            futures = {pool.submit(_check_one, t, s, options): (t, s) for t, s in tasks}
            for i, fut in enumerate(as_completed(futures), 1):
                t, s = futures[fut]
                results[(t, s)] = r = fut.result()
                if progress:
                    print(f"[{i:4d}/{len(tasks)} {time.perf_counter() - t0:7.1f}s] seed {s} {t}: "
                          f"{outcome(r)} ({r.get('seconds', 0):.1f}s)", file=sys.stderr, flush=True)
    finally:
        for k in added:
            os.environ.pop(k, None)
    return results


# ------------------------------------------------------------------------------------------- reading


def outcome(r: dict) -> str:
    """The verdict, or the diagnosis when there is none."""
    return r.get("verdict") or (f"diagnosis {r['diagnosis']}" if r.get("diagnosis") else "skipped")


def _num(x) -> str:
    if x is None:
        return "∞"
    if isinstance(x, (int, float)) and math.isfinite(x):
        return f"{x:.1e}"
    return str(x)


def failed_properties(r: dict) -> list[str]:
    return [p for p, v in (r.get("properties") or {}).items() if v.get("passed") is False]


def describe(r: dict, seed: int) -> list[str]:
    """Lines for one seed of a flipping learner: outcome, deviations, the failing properties' numbers."""
    dev = r.get("deviation") or {}
    failed = failed_properties(r)
    lines = [f"  seed {seed}: {outcome(r):26s} orth dev {_num(dev.get('orthogonal')):>8s}   "
             f"±1 dev {_num(dev.get('pm1')):>8s}   failed: {', '.join(failed) or '—'}"]
    dist = r.get("distribution")
    if dist:
        for p in ("orthogonal", "pm1"):
            q = dist.get(p) or {}
            if q:
                lines.append(f"      {p}: two-sample p_adj {_num(q.get('p_value'))} (α {dist.get('alpha')}), "
                             f"max KS {_num(q.get('max_ks_statistic'))}, rejected {q.get('rejected')}")
    for p, c in (r.get("counterexamples") or {}).items():
        if p not in failed:
            continue
        how = "shrunk" if c.get("shrunk") else "not shrunk"
        lines.append(
            f"      {p}: d={c.get('d')} n={c.get('n')} m={c.get('m')} {c.get('data_kind')}/{c.get('family')} ({how}); "
            f"deviation {_num(c.get('deviation'))} vs threshold {_num(c.get('threshold'))}, "
            f"rounding noise {_num(c.get('rounding_noise'))}"
        )
        if c.get("error"):
            lines.append(f"        {c['error']}")
        scaling = c.get("scaling") or {}
        if scaling.get("diagnosis"):
            lines.append(f"        angle scaling: {scaling['diagnosis']}")
        notes = c.get("notes") or {}
        if notes.get("diagnosis"):
            lines.append(f"        twin: {notes['diagnosis']}")
    if r.get("diagnosis") and not r.get("verdict"):
        lines.append(f"      {r.get('message', r['diagnosis'])[:300]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"), help="seeds: 0-4 (default), 0,2,5 or 0-2,7")
    p.add_argument("-j", "--jobs", type=int, default=2, help="processes (default 2)")
    p.add_argument("--only", action="append", default=[], metavar="TEXT",
                   help="only documented learners whose target contains TEXT (repeatable; --extra targets always run)")
    p.add_argument("--extra", action="append", default=[], metavar="TARGET", help="also check TARGET (repeatable)")
    p.add_argument("--max-examples", type=int, default=None, help="Hypothesis examples per property (default budget)")
    p.add_argument("--timeout", type=float, default=None, help="per learner call, seconds (default 10)")
    p.add_argument("--out", type=Path, default=None, help="write every Result.to_json() here, keyed by target and seed")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-check progress on stderr")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("-j must be at least 1")

    sys.path.insert(0, str(ROOT))  # `algorithms` and `invariance` from this checkout, whatever the cwd
    os.chdir(ROOT)
    learners = documented_learners(args.extra, args.only)
    documented, cost = committed_report()
    options = {k: v for k, v in (("max_examples", args.max_examples), ("timeout", args.timeout)) if v is not None}
    seeds = args.seeds
    print(f"checking {len(learners)} learners × {len(seeds)} seeds (seeds {', '.join(map(str, seeds))}), "
          f"-j {args.jobs}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    results = run_all(learners, seeds, args.jobs, options, cost, progress=not args.quiet)
    wall = time.perf_counter() - t0

    flips = []
    print(f"{'section':8s} {'learner':48s} {'documented':16s} per seed ({', '.join(map(str, seeds))})")
    for section, target, declared in learners:
        per_seed = [results[(target, s)] for s in seeds]
        keys = [(r.get("verdict"), r.get("diagnosis")) for r in per_seed]
        doc = declared or documented.get(target) or "—"
        flip = len(set(keys)) > 1
        mark = "FLIP " if flip else "     "
        print(f"{section:8s} {target:48s} {doc:16s} {mark}{' | '.join(outcome(r) for r in per_seed)}")
        if flip:
            flips.append((target, doc, per_seed))

    if flips:
        print("\nflips:")
        for target, doc, per_seed in flips:
            print(f"{target} (documented: {doc})")
            for s, r in zip(seeds, per_seed, strict=True):
                print("\n".join(describe(r, s)))
    if args.out:
        args.out.write_text(json.dumps({
            "seeds": seeds, "options": options, "seconds": round(wall, 1),
            "results": {t: {str(s): results[(t, s)] for s in seeds} for _, t, _ in learners},
        }, indent=1))
        print(f"\nresults written to {args.out}", file=sys.stderr)
    print(f"\n{len(learners)} learners × {len(seeds)} seeds: {len(flips)} flips ({wall:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
