"""``invcheck curves``: the paper's learning-curve experiment for any learners (docs/design.md#learning-curves).

Usage::

    invcheck curves TARGET... [--problem hadamard|pm1|gaussian] [--d D] [--trials T] [--seed S]
                    [--ks SPEC | --k-step S] [--set [NAME.]KEY=VALUE]... [--learner-defaults]
                    [-j N] [--json] [--plot PATH.png] [--quiet]

``--ks`` takes comma-separated ks and inclusive ranges ``A:B`` or ``A:B:STEP`` (``1:16,32,64:128:8``);
``--k-step S`` is ``1, 1+S, …`` and d; both always add d/2 (the default is every k in 1..d).

``--set NAME.KEY=VALUE`` binds a keyword hyperparameter of the learner called NAME (its name, its
target, or the TARGET that loaded it), e.g. ``--set egu.eta=0.5 --set gd.passes=200``;
``--set KEY=VALUE`` binds it for every learner that takes KEY. VALUE is a Python literal (``50``,
``0.1``, ``True``) or else a string. Built-in learners start from :data:`invariance.curves.PAPER_SETTINGS`
(``--set`` overrides it key by key; ``--learner-defaults`` starts from the learners' own defaults);
the settings used are reported under ``"settings"`` in the JSON.

Output: ``--json`` prints one object on stdout (docs/design.md#contracts, plus extra keys); otherwise a rich table
on stdout, and a progress bar on stderr when it is a terminal. Exit codes: 0 done; 1 a learner
declared invariant/pm1-invariant beats 1 − k/d on Hadamard (its declaration is contradicted);
2 a usage error (one line on stderr); 3 a learner failed (raised, NaN, wrong shape).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from typing import Any

from invariance.curves.experiment import (
    PROBLEMS,
    Curves,
    check_experiment,
    configure,
    contradictions,
    k_grid,
    learning_curves,
    paper_settings_for,
    settable,
)
from invariance.errors import UsageError, run_subcommand
from invariance.contract import Learner

__all__ = ["main", "build_parser", "parse_ks", "parse_settings"]


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` (one line) instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see invcheck curves --help)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="invcheck curves",
        description="Learning curves on the sign-flipped Hadamard, random ±1 and Gaussian problems "
        "(Warmuth, Kotłowski & Amid, ALT 2021): average square loss over all d rows after training "
        "on the first k, with the bound 1 − k/d (Hadamard) or (1 − k/d)² (pm1, gaussian).",
        epilog="--set NAME.KEY=VALUE binds a keyword hyperparameter of learner NAME (e.g. --set egu.eta=0.5 "
        "--set gd.passes=20); --set KEY=VALUE binds it for every learner that takes KEY. Built-in learners "
        "start from the paper settings (invariance.curves.PAPER_SETTINGS), reported under \"settings\" in "
        "--json. Exit status: 0 done; 1 a learner declared invariant or pm1-invariant beats 1 − k/d on "
        "Hadamard; 2 usage error; 3 a learner failed.",
    )
    p.add_argument("targets", nargs="+", metavar="TARGET", help="package.module, package.module:NAME or file.py:NAME")
    p.add_argument("--problem", default="hadamard", choices=PROBLEMS, help="default: hadamard")
    p.add_argument("--d", type=int, default=128, help="dimension = number of rows (power of 2 for hadamard); default 128")
    p.add_argument("--trials", type=int, default=5, help="independent draws of the problem; default 5")
    p.add_argument("--seed", type=int, default=0, help="same seed, same curves; default 0")
    ks = p.add_mutually_exclusive_group()
    ks.add_argument("--ks", metavar="SPEC", help="ks to train on: '1:16,32,64:128:8' (d/2 always added)")
    ks.add_argument("--k-step", type=int, metavar="S", help="train on k = 1, 1+S, 1+2S, …, plus d/2 and d")
    p.add_argument(
        "--set", dest="settings", action="append", default=[], metavar="[NAME.]KEY=VALUE",
        help="a learner hyperparameter, e.g. egu.eta=0.5 (repeatable)",
    )
    p.add_argument(
        "--learner-defaults", action="store_true",
        help="do not apply the paper settings table to built-in learners",
    )
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (same numbers as -j 1); default 1")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="PATH.png", help="write the curves, bands and bound to a PNG (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def parse_ks(spec: str, d: int) -> list[int]:
    """``'1:4,8,16:32:8'`` → ``[1, 2, 3, 4, 8, 16, 24, 32]`` (ranges inclusive); :class:`UsageError` if malformed."""
    ks: list[int] = []
    for item in spec.split(","):
        parts = item.strip().split(":")
        try:
            nums = [int(x) for x in parts]
        except ValueError:
            nums = []
        if not nums or len(nums) > 3 or (len(nums) == 3 and nums[2] < 1):
            raise UsageError(f"--ks item {item.strip()!r} is not K, A:B or A:B:STEP (STEP ≥ 1); e.g. --ks 1:16,64:128:8")
        ks.extend(nums if len(nums) == 1 else range(nums[0], nums[1] + 1, nums[2] if len(nums) == 3 else 1))
    if not ks:
        raise UsageError(f"--ks {spec!r} names no k; e.g. --ks 1:16,64:128:8")
    return k_grid(d, ks=ks)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_settings(items: list[str]) -> list[tuple[str | None, str, Any]]:
    """``['egu.eta=0.5', 'passes=9']`` → ``[('egu', 'eta', 0.5), (None, 'passes', 9)]``."""
    out = []
    for item in items:
        lhs, eq, value = item.partition("=")
        name, dot, key = lhs.strip().rpartition(".")
        if not eq or not key.isidentifier() or (dot and not name):
            raise UsageError(f"--set {item!r} is not NAME.KEY=VALUE or KEY=VALUE; e.g. --set egu.eta=0.5")
        out.append((name or None, key, _literal(value.strip())))
    return out


def _load(targets: list[str]) -> list[tuple[str, Learner]]:
    from invariance.targets import load

    seen: set[str] = set()
    out = []
    for target in targets:
        for learner in load(target):
            if learner.target not in seen:
                seen.add(learner.target)
                out.append((target, learner))
    return out


def _settings_for(
    loaded: list[tuple[str, Learner]], user: list[tuple[str | None, str, Any]], paper: bool, d: int
) -> list[dict[str, Any]]:
    chosen = [paper_settings_for(l, d) if paper else {} for _, l in loaded]
    for name, key, value in user:
        if name is None:
            hits = [i for i, (_, l) in enumerate(loaded) if key in settable(l)]
            if not hits:
                raise UsageError(f"--set {key}=…: no learner takes a hyperparameter {key!r}; use --set NAME.KEY=VALUE")
        else:
            hits = [
                i for i, (given, l) in enumerate(loaded)
                if name in (given, l.name, l.target, l.target.rpartition(":")[2])
            ]
            if not hits:
                names = ", ".join(l.name for _, l in loaded)
                raise UsageError(f"--set {name}.{key}=…: no learner called {name!r}; the learners are: {names}")
        for i in hits:
            chosen[i][key] = value
    return chosen


def _pick_ks(ks: tuple[int, ...], d: int) -> list[int]:
    """At most five columns: k near 1, log₂ d, 2 log₂ d, d/2 (always exact) and d."""
    log = max(1, round(math.log2(d)))
    wanted = [1, log, 2 * log, d]
    return sorted({min(ks, key=lambda k: (abs(k - w), k)) for w in wanted} | {d // 2})


def _first_diverged(curves: Curves) -> list[int | None]:
    """For each learner, the first k whose mean loss is non-finite or above ``DIVERGED_ABOVE`` (None if none)."""
    from invariance.render.numbers import is_diverged

    out: list[int | None] = []
    for row in curves.mean():
        hits = [k for k, v in zip(curves.ks, row) if is_diverged(v)]
        out.append(hits[0] if hits else None)
    return out


def _loss_cell(v: float) -> str:
    from invariance.render.numbers import fmt_num, is_diverged

    return "diverged" if is_diverged(v) else fmt_num(v)


def _render_table(curves: Curves, warnings: list[str], console=None) -> None:
    """The mean curves at a few ks (``%.3g`` cells, ``diverged`` for a blown-up loss), split into
    several tables of fewer k columns when one does not fit the terminal; notes below say where a
    learner first diverged."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from invariance.render.numbers import DIVERGED_ABOVE, fmt_num
    from invariance.render.terminal import natural_width

    console = console or Console()
    cols = _pick_ks(curves.ks, curves.d)
    mean = curves.mean()
    title = (
        f"{curves.problem}, d={curves.d}: mean loss on all d rows after k examples, "
        f"{curves.trials} trial{'s' if curves.trials != 1 else ''}, seed {curves.seed}"
    )
    bound = dict(zip(curves.ks, curves.bound))
    first = curves.first_below(0.1)
    rows = [dict(zip(curves.ks, mean[i])) for i in range(len(curves.names))]
    # data columns: (header, bound cell, one cell per learner)
    data = [
        (f"k={k}" + ("\n(d/2)" if k == curves.d // 2 else ""), fmt_num(bound[k]), [_loss_cell(row[k]) for row in rows])
        for k in cols
    ]
    data.append(("first k\nloss<0.1", "", ["—" if f is None else str(f) for f in first]))
    name_w = max([len("learner")] + [len(n) for n in curves.names])

    def table(chunk, fold: bool = False, edge: bool = False) -> Table:
        from rich import box

        # narrow terminals: no edges, no vertical rules, one space between columns (2 cells each)
        t = Table() if edge else Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
        t.add_column("learner", no_wrap=not fold, overflow="fold" if fold else "ellipsis", min_width=None if fold else name_w)
        for header, _, _ in chunk:
            t.add_column(header, justify="right", no_wrap=True)
        t.add_row("bound", *(b for _, b, _ in chunk), style="dim")
        for i, name in enumerate(curves.names):
            t.add_row(name, *(cells[i] for _, _, cells in chunk))
        return t

    tables = [table(data, edge=True)]
    if natural_width(console, tables[0]) > console.width:
        # too wide: compact tables, each with as many columns beside the names as fit
        tables, chunk = [], []
        for column in data:
            if chunk and natural_width(console, table(chunk + [column])) > console.width:
                tables.append(table(chunk))
                chunk = []
            chunk.append(column)
        tables.append(table(chunk))
        if any(natural_width(console, t) > console.width for t in tables):  # a name wider than the terminal
            tables = [table([column], fold=True) for column in data]
    console.print(title, style="bold", highlight=False)
    for t in tables:
        console.print(t)
    for i, (name, k) in enumerate(zip(curves.names, _first_diverged(curves))):
        if k is not None:
            v = mean[i, curves.ks.index(k)]
            why = "non-finite" if not math.isfinite(v) else f"> {fmt_num(DIVERGED_ABOVE)}"
            console.print(
                Text.assemble(("diverged: ", "bold red"), f"{name} first diverged at k={k}: mean loss {fmt_num(v)} ({why})"),
                highlight=False,
            )
    for line in warnings:
        console.print(f"[bold red]contradiction:[/] {line}")


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.plot:
        from invariance.curves.plotting import check_plot_path, require_matplotlib

        require_matplotlib()
        check_plot_path(args.plot)
    check_experiment(problem=args.problem, d=args.d, trials=args.trials, jobs=args.jobs)
    loaded = _load(args.targets)
    settings = _settings_for(loaded, parse_settings(args.settings), paper=not args.learner_defaults, d=args.d)
    learners = [configure(l, s) for (_, l), s in zip(loaded, settings)]
    ks = parse_ks(args.ks, args.d) if args.ks else None
    if args.k_step is not None:
        ks = k_grid(args.d, step=args.k_step)
    kwargs = dict(
        problem=args.problem, d=args.d, trials=args.trials, seed=args.seed, ks=ks, jobs=args.jobs,
        settings={l.target: s for l, s in zip(learners, settings)},
    )
    if args.quiet or not sys.stderr.isatty():
        curves = learning_curves(learners, **kwargs)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("curves"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        ) as bar:
            task = bar.add_task("curves", total=args.trials * len(learners))
            curves = learning_curves(
                learners, progress=lambda done, total: bar.update(task, completed=done), **kwargs
            )
    warnings = contradictions(curves, learners)
    if args.json:
        obj = curves.to_json()
        obj["contradictions"] = warnings
        print(json.dumps(obj, default=str))
    else:
        _render_table(curves, warnings)
    if args.plot:
        from invariance.curves.plotting import plot_curves

        plot_curves(curves, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 1 if warnings else 0


def main(argv: list[str] | None = None) -> int:
    """Run ``invcheck curves`` with ``argv`` (the arguments after ``curves``); returns the exit code."""
    return run_subcommand(_run, argv)


if __name__ == "__main__":
    sys.exit(main())
