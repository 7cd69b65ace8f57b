"""``invcheck curves``: the paper's learning-curve experiment for any learners (docs/design.md#learning-curves).

Usage::

    invcheck curves TARGET... [--problem hadamard|pm1|gaussian|noisy|logistic] [--d D] [--trials T]
                    [--seed S] [--sigma S] [--sparsity S] [--beta B]
                    [--ks SPEC | --k-step S] [--set [NAME.]KEY=VALUE]... [--learner-defaults] [--no-tune]
                    [-j N | --dask ADDRESS|local:N] [--json] [--plot PATH.png] [--quiet]

``--ks`` takes comma-separated ks and inclusive ranges ``A:B`` or ``A:B:STEP`` (``1:16,32,64:128:8``);
``--k-step S`` is ``1, 1+S, …`` and the largest k; both always add d/2. The default is every k in 1..d
on the paper's problems and every n in 1..4d on ``noisy`` and ``logistic``.

``--set NAME.KEY=VALUE`` binds a keyword hyperparameter of the learner called NAME (its name, its
target, or the TARGET that loaded it), e.g. ``--set egu.eta=0.5 --set gd.passes=200``;
``--set KEY=VALUE`` binds it for every learner that takes KEY. VALUE is a Python literal (``50``,
``0.1``, ``True``) or else a string. Built-in learners start from
:data:`invariance.curves.hyperparams.PAPER_SETTINGS` (torch.optim from ``TORCH_CURVE_SETTINGS``)
(``--set`` overrides it key by key; ``--learner-defaults`` starts from the learners' own defaults);
the settings used are reported under ``"settings"`` in the JSON.

Fitted curves: unless ``--no-tune``, every learner with a learning rate or passes is tuned first on a
grid around those settings by its *training* loss (:mod:`invariance.curves.fitting`; a key given with
``--set`` stays fixed); the grid, every score and the choice are under ``"tuning"``, the training
curves under ``"train_curves"`` and the fit at k = d/2 under ``"fit"``. The table shows the training
loss at d/2 and says which learners did not fit.

``--problem noisy`` (y = x₁ + σε, n to 4d, excess risk against σ²d/(n − d − 1)) and ``--problem
logistic`` (labels from a logistic model on s features, excess logistic risk) sweep n past d, each n
its own draw; see docs/design.md#learning-curves.

Output: ``--json`` prints one object on stdout (docs/design.md#contracts, plus extra keys); otherwise a rich table
(:mod:`invariance.render.curves_table`) on stdout, and a progress bar on stderr when it is a terminal.
Exit codes: 0 done; 1 a learner declared invariant, pm1-invariant or invariant-in-distribution beats
1 − k/d on Hadamard by more than 0.05 + 3 standard errors of its mean (its declaration is contradicted);
2 a usage error (one line on stderr); 3 a learner failed (raised, NaN, wrong shape).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from typing import Any

from invariance.cli.parser import Parser
from invariance.contract import Learner
from invariance.curves.experiment import (
    PROBLEMS,
    check_experiment,
    configure,
    contradictions,
    k_grid,
    learning_curves,
    problem_of,
    settable,
)
from invariance.curves.hyperparams import curve_settings
from invariance.errors import UsageError, run_subcommand
from invariance.render.curves_table import fit_reasons, render_table
from invariance.workers import DASK_HELP, Workers, session

__all__ = ["main", "build_parser", "parse_ks", "parse_settings"]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="invcheck curves",
        description="Learning curves on the sign-flipped Hadamard, random ±1 and Gaussian problems "
        "(Warmuth, Kotłowski & Amid, ALT 2021): average square loss over all d rows after training "
        "on the first k, with the bound 1 − k/d (Hadamard) or (1 − k/d)² (pm1, gaussian).",
        epilog="--set NAME.KEY=VALUE binds a keyword hyperparameter of learner NAME (e.g. --set egu.eta=0.5 "
        "--set gd.passes=20); --set KEY=VALUE binds it for every learner that takes KEY. Built-in learners "
        "start from the paper settings (invariance.curves.PAPER_SETTINGS), reported under \"settings\" in "
        "--json. Exit status: 0 done; 1 a learner declared invariant, pm1-invariant or "
        "invariant-in-distribution beats 1 − k/d on Hadamard by more than 0.05 + 3 standard errors of its "
        "mean; 2 usage error; 3 a learner failed.",
    )
    p.add_argument("targets", nargs="+", metavar="TARGET", help="package.module, package.module:NAME or file.py:NAME")
    p.add_argument("--problem", default="hadamard", choices=PROBLEMS, help="default: hadamard")
    p.add_argument("--d", type=int, default=128, help="dimension (power of 2 for hadamard); default 128")
    p.add_argument("--sigma", type=float, default=None, help="noise σ of --problem noisy (default 1)")
    p.add_argument("--sparsity", type=int, default=None, metavar="S",
                   help="features of the logistic target (default 4)")
    p.add_argument("--beta", type=float, default=None, help="‖w*‖ of the logistic target (default 2)")
    p.add_argument("--trials", type=int, default=5, help="independent draws of the problem; default 5")
    p.add_argument("--seed", type=int, default=0, help="same seed, same curves; default 0")
    ks = p.add_mutually_exclusive_group()
    ks.add_argument("--ks", metavar="SPEC", help="ks to train on: '1:16,32,64:128:8' (d/2 always added)")
    ks.add_argument("--k-step", type=int, metavar="S",
                    help="train on k = 1, 1+S, 1+2S, …, plus d/2 and the last k (d; 4d on noisy and logistic)")
    p.add_argument(
        "--set", dest="settings", action="append", default=[], metavar="[NAME.]KEY=VALUE",
        help="a learner hyperparameter, e.g. egu.eta=0.5 (repeatable)",
    )
    p.add_argument(
        "--learner-defaults", action="store_true",
        help="do not apply the paper settings table to built-in learners",
    )
    p.add_argument(
        "--no-tune", action="store_true",
        help="do not tune learning rates and passes by training loss: use the settings as given",
    )
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (same numbers as -j 1); default 1")
    p.add_argument("--dask", metavar="ADDRESS|local:N", default=None, help=DASK_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="PATH.png", help="write the curves, bands and bound to a PNG (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def parse_ks(spec: str, d: int, n_max: int | None = None) -> list[int]:
    """``'1:4,8,16:32:8'`` → ``[1, 2, 3, 4, 8, 16, 24, 32]`` (ranges inclusive); :class:`UsageError` if malformed."""
    ks: list[int] = []
    for item in spec.split(","):
        parts = item.strip().split(":")
        try:
            nums = [int(x) for x in parts]
        except ValueError:
            nums = []
        if not nums or len(nums) > 3 or (len(nums) == 3 and nums[2] < 1):
            raise UsageError(f"--ks item {item.strip()!r} is not K, A:B or A:B:STEP (STEP ≥ 1); "
                             "e.g. --ks 1:16,64:128:8")
        ks.extend(nums if len(nums) == 1 else range(nums[0], nums[1] + 1, nums[2] if len(nums) == 3 else 1))
    if not ks:
        raise UsageError(f"--ks {spec!r} names no k; e.g. --ks 1:16,64:128:8")
    return k_grid(d, ks=ks, n_max=n_max)


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


def _names(given: str, learner: Learner) -> tuple[str, ...]:
    """What ``--set NAME.KEY=VALUE`` may call a learner: the TARGET that loaded it, its name, its
    target, or the target's last part."""
    return given, learner.name, learner.target, learner.target.rpartition(":")[2]


def _settings_for(
    loaded: list[tuple[str, Learner]], user: list[tuple[str | None, str, Any]], paper: bool, d: int
) -> list[dict[str, Any]]:
    chosen = [curve_settings(lrn, d) if paper else {} for _, lrn in loaded]
    for name, key, value in user:
        if name is None:
            hits = [i for i, (_, lrn) in enumerate(loaded) if key in settable(lrn)]
            if not hits:
                raise UsageError(f"--set {key}=…: no learner takes a hyperparameter {key!r}; use --set NAME.KEY=VALUE")
        else:
            hits = [i for i, (given, lrn) in enumerate(loaded) if name in _names(given, lrn)]
            if not hits:
                names = ", ".join(lrn.name for _, lrn in loaded)
                raise UsageError(f"--set {name}.{key}=…: no learner called {name!r}; the learners are: {names}")
        for i in hits:
            chosen[i][key] = value
    return chosen


def _workers(args: argparse.Namespace) -> Workers:
    return Workers(jobs=args.jobs, dask=args.dask)  # UsageError: -j < 1, a bad address, or -j N > 1 with --dask


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.plot:
        from invariance.curves.plotting import check_plot_path, require_matplotlib

        require_matplotlib()
        check_plot_path(args.plot)
    for flag, value, owner in (("--sigma", args.sigma, "noisy"), ("--sparsity", args.sparsity, "logistic"),
                               ("--beta", args.beta, "logistic")):
        if value is not None and args.problem != owner:
            raise UsageError(f"{flag} is a parameter of --problem {owner}, not of {args.problem}; "
                             f"drop it or add --problem {owner}")
    problem = problem_of(args.problem, sigma=args.sigma, s=args.sparsity, beta=args.beta)
    check_experiment(problem=problem, d=args.d, trials=args.trials)
    workers = _workers(args)
    with session(workers) as held:
        return _measure_and_show(args, problem, held)


def _measure_and_show(args: argparse.Namespace, problem, workers: Workers) -> int:
    loaded = _load(args.targets)
    user = parse_settings(args.settings)
    settings = _settings_for(loaded, user, paper=not args.learner_defaults, d=args.d)
    learners = [lrn for _, lrn in loaded]
    tuning: dict[str, dict] = {}
    if not args.no_tune:
        from invariance.curves.fitting import tune_all

        fixed = [{key for name, key, _ in user if name is None or name in _names(given, lrn)} for given, lrn in loaded]
        tuned = tune_all(learners, problem, args.d, seed=args.seed, centres=settings, fixed=fixed, workers=workers)
        settings = [s for s, _ in tuned]
        tuning = {lrn.target: record for lrn, (_, record) in zip(learners, tuned, strict=True)}
    learners = [configure(lrn, s) for lrn, s in zip(learners, settings, strict=True)]
    ks = parse_ks(args.ks, args.d, problem.n_max(args.d)) if args.ks else None
    if args.k_step is not None:
        ks = k_grid(args.d, step=args.k_step, n_max=problem.n_max(args.d))
    kwargs = dict(
        problem=problem, d=args.d, trials=args.trials, seed=args.seed, ks=ks, workers=workers,
        settings={lrn.target: s for lrn, s in zip(learners, settings, strict=True)}, tuning=tuning,
    )
    if args.quiet or not sys.stderr.isatty():
        curves = learning_curves(learners, **kwargs)
    else:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(
            TextColumn("curves"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        ) as bar:
            task = bar.add_task("curves", total=args.trials * len(learners))
            curves = learning_curves(
                learners, progress=lambda done, total: bar.update(task, completed=done), **kwargs
            )
    warnings = contradictions(curves, learners)
    reasons = fit_reasons(curves, learners)
    if args.json:
        obj = curves.to_json()
        for lrn, why in zip(learners, reasons, strict=True):
            if why is not None and lrn.target in obj.get("fit", {}):
                obj["fit"][lrn.target]["reason"] = why
        obj["contradictions"] = warnings
        print(json.dumps(obj, default=str))
    else:
        render_table(curves, warnings, reasons=reasons)
    if args.plot:
        from invariance.curves.plotting import plot_curves

        verdicts = {lrn.target: (lrn.expected.value if lrn.expected else None) for lrn in learners}
        plot_curves(curves, args.plot, verdicts=verdicts, verdict_word="declared verdict")
        print(f"wrote {args.plot}", file=sys.stderr)
    return 1 if warnings else 0


def main(argv: list[str] | None = None) -> int:
    """Run ``invcheck curves`` with ``argv`` (the arguments after ``curves``); returns the exit code."""
    return run_subcommand(_run, argv)


if __name__ == "__main__":
    sys.exit(main())
