"""``invcheck report``: the rotation-invariance report (verdicts and learning curves) as files.

Usage::

    invcheck report [TARGET...] [--out DIR] [--d D] [--trials T] [--k-step S] [--seed S] [-j N | --dask ADDRESS|local:N]
                    [--max-examples N] [--no-curves] [--no-atlas] [--json-only] [--quiet]

Without TARGETs: every built-in learner (``algorithms``), every dense ``torch.optim`` optimizer
(and SparseAdam with its diagnosis), the scikit-learn regressors of :mod:`invariance.report.zoo_sklearn`, the
follow-up problems and the optimizer atlas (:mod:`invariance.report.atlas`; ``--no-atlas`` leaves it out);
a section whose package is not installed is omitted with a note. Writes ``invariance.json``,
``invariance.md``, ``invariance.html`` (self-contained) and the plots ``SECTION-PROBLEM.png`` to DIR.

The committed report is ``invcheck report --out reports/ -j 2``: built-ins with every k, torch and
scikit-learn at k = 8, 16, …, 128 (every d/16-th), d = 128, 5 trials, seed 0, the checker's default budget.

Exit codes: 0 report written; 1 written, but a declared verdict is not matched or a verdict
contradicts its curve; 2 a usage error (one line on stderr). A learner that fails (a diagnosis
instead of a verdict) is a row of the report, not an exit code.

BLAS runs one thread per process (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
``MKL_NUM_THREADS`` default to 1 for the worker processes; :func:`invariance.threads.one_thread`
limits this one): the report is thousands of tiny fits, where BLAS threads only contend.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from invariance.cli.parser import Parser
from invariance.errors import InvarianceError, UsageError, run_subcommand
from invariance.threads import one_thread_per_worker
from invariance.workers import DASK_HELP, Workers

__all__ = ["main", "build_parser", "measure_and_write", "validate_run", "want_plots"]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="invcheck report",
        description="Write the rotation-invariance report: one row per learner (verdict, declared verdict, "
        "deviations, symmetry group, a compact counterexample, the Hadamard loss at k = d/2 against 1 − k/d, "
        "flags where a verdict and its curve disagree) and the learning-curve plots, as invariance.md, "
        "invariance.json and a self-contained invariance.html.",
        epilog="Without TARGETs: the built-in learners, every dense torch.optim optimizer and a dozen "
        "scikit-learn regressors (invariance.report.zoo_sklearn). Exit status: 0 written; 1 written, with a "
        "declared verdict not matched or a verdict contradicted by its curve; 2 usage error.",
    )
    p.add_argument("targets", nargs="*", metavar="TARGET",
                   help="learners to report on (default: the built-in sections)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="output folder, created if missing (default: reports)")
    p.add_argument("--d", type=int, default=128, help="curve dimension, a power of 2 (default 128)")
    p.add_argument("--trials", type=int, default=5, help="curve trials (default 5)")
    p.add_argument("--k-step", type=int, default=None, metavar="S",
                   help="curves at k = S, 2S, …, d (plus d/2) in the sections of the paper's problems (default: 1 for "
                   "built-ins and TARGETs, d/16 for torch and scikit-learn); the noisy and logistic sections step "
                   "by d/32")
    p.add_argument("--seed", type=int, default=0, help="seed of the checker and of the curves (default 0)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (same numbers as -j 1)")
    p.add_argument("--dask", metavar="ADDRESS|local:N", default=None, help=DASK_HELP)
    p.add_argument("--max-examples", type=int, default=None, metavar="N",
                   help="Hypothesis examples per property (default 150)")
    p.add_argument("--samples", type=int, default=200, help="seeds per side for randomised learners (default 200)")
    p.add_argument("--no-curves", action="store_true", help="verdict table only (fast): no curves, no plots")
    p.add_argument("--no-atlas", action="store_true",
                   help="leave out the optimizer atlas (one section per optimizer library, 200+ rows: about 9 of the "
                        "17 minutes on two cores)")
    p.add_argument("--json-only", action="store_true", help="write invariance.json only (no Markdown, HTML or PNG)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def _validate(args: argparse.Namespace) -> Workers:
    """Raise a one-line :class:`UsageError` for a bad option; the :class:`Workers` that ``-j`` / ``--dask`` ask for."""
    from invariance.curves.experiment import check_experiment

    if not args.no_curves:
        check_experiment(problem="hadamard", d=args.d, trials=args.trials)
        from invariance.report.measure import MIN_REPORT_D

        if not args.targets and args.d < MIN_REPORT_D:
            raise UsageError(
                f"--d {args.d} is too small for the default sections (the logistic section runs at d/4 ≥ 4 "
                f"features): use --d {MIN_REPORT_D} or more, or name TARGETs"
            )
    if args.k_step is not None and args.k_step < 1:
        raise UsageError(f"--k-step must be an integer ≥ 1, got {args.k_step}")
    return validate_run(args)


def validate_run(args: argparse.Namespace) -> Workers:
    """The checks ``invcheck report`` and ``invcheck atlas`` share (--max-examples, --samples, --out, -j,
    --dask): a one-line :class:`UsageError`, or the :class:`Workers` that ``-j`` / ``--dask`` ask for."""
    if args.max_examples is not None and args.max_examples < 1:
        raise UsageError(f"--max-examples must be at least 1, got {args.max_examples}")
    if args.samples < 10:
        raise UsageError(f"--samples must be at least 10, got {args.samples}")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UsageError(f"--out {args.out!r} is a file; give a folder")
    return Workers(jobs=args.jobs, dask=args.dask)  # UsageError: -j < 1, a bad address, or -j N > 1 with --dask


def want_plots(args: argparse.Namespace, name: str) -> bool:
    """Whether to draw plots: not with --json-only or --no-curves, nor without matplotlib (said once)."""
    if args.json_only or args.no_curves:
        return False
    from invariance.curves.plotting import require_matplotlib

    try:
        require_matplotlib()
    except InvarianceError as exc:
        print(f"invcheck {name}: no plots: {exc}", file=sys.stderr)  # the tables are still worth having
        return False
    return True


def _command(argv: list[str]) -> str:
    return " ".join(["invcheck", "report", *argv])


def environment() -> dict:
    """Versions of what produced the numbers (a package not installed is left out)."""
    from invariance.settings import versions

    return versions(installed=True)


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    workers = _validate(args)
    from invariance.report.measure import default_sections, target_section

    plots = want_plots(args, "report")
    curves = not args.no_curves
    if args.targets:
        from invariance.targets import load_many

        load_many(args.targets)  # a bad TARGET is a usage error before anything runs
        specs = [target_section(args.targets, d=args.d, trials=args.trials, k_step=args.k_step, curves=curves)]
    else:
        specs = default_sections(d=args.d, trials=args.trials, k_step=args.k_step, curves=curves,
                                 atlas=not args.no_atlas)
    return measure_and_write(specs, args, workers, command=_command(argv), plots=plots, name="report")


def measure_and_write(specs: list, args: argparse.Namespace, workers: Workers, *, command: str, plots: bool,
                      name: str) -> int:
    """Measure ``specs`` (sections) and write invariance.json, .md, .html and the plots to ``args.out``: the
    one path of ``invcheck report`` and ``invcheck atlas``. Returns the exit code: 1 where a declared
    verdict is not matched or a verdict contradicts its curve (each said on stderr, even with --quiet)."""
    from invariance.pipeline import CheckConfig
    from invariance.report.build import build_report, report_json
    from invariance.report.measure import earlier_seconds, measure_section

    curves = not args.no_curves
    config = CheckConfig(seed=args.seed, max_examples=args.max_examples, samples=args.samples)
    say = (lambda msg: None) if args.quiet else (
        lambda msg: print(f"invcheck {name}: {msg}", file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    from invariance.workers import session

    # the checks' seconds in the report this run replaces, if any: the longest are handed out first
    before = earlier_seconds(args.out)

    # and measure_section limits this process (threads.one_thread)
    with one_thread_per_worker(), session(workers) as workers:
        measured = [measure_section(s, config, seed=args.seed, workers=workers, progress=say,
                                    hint_seconds=before.get(s.key))
                    for s in specs]
    report = build_report(
        measured,
        command=command,
        config={"seed": args.seed, "max_examples": args.max_examples, "samples": args.samples,
                "alpha": config.alpha, "timeout": config.timeout, "curves": curves},
        environment=environment(),
        seconds=time.perf_counter() - t0,
    )
    os.makedirs(args.out, exist_ok=True)
    written = [_write(args.out, "invariance.json", report_json(report))]
    if not args.json_only:
        written += _write_rendered(report, args.out, plots)
    say("wrote " + ", ".join(written))
    # why the exit is 1, on stderr even with --quiet: the reasons are otherwise only inside the report
    for _, row, flag in report.flags("contradiction"):
        print(f"invcheck {name}: contradiction: {row.name}: {flag.text}", file=sys.stderr)
    mismatched = [r for r in report.rows if r.match is False]
    for r in mismatched:
        print(f"invcheck {name}: declared verdict not matched: {r.name} is declared {r.declared} but is "
              f"{r.verdict or r.diagnosis}", file=sys.stderr)
    return 1 if mismatched or report.flags("contradiction") else 0


def _write(folder: str, name: str, text: str) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def _write_rendered(report, folder: str, plots: bool) -> list[str]:
    from dataclasses import replace

    from invariance.report.render import render_html, render_markdown

    written, images = [], {}
    if plots:
        from invariance.curves.plotting import plot_curves

        for s in report.sections:
            verdicts = {r.target: r.verdict for r in s.rows}
            for problem, name in s.plots.items():
                path = plot_curves(s.curves[problem], os.path.join(folder, name), verdicts=verdicts)
                with open(path, "rb") as fh:
                    images[name] = fh.read()
                written.append(path)
    else:  # no matplotlib, or --no-curves: render without figures
        report = replace(report, sections=tuple(replace(s, plots={}) for s in report.sections))
    written.append(_write(folder, "invariance.md", render_markdown(report)))
    written.append(_write(folder, "invariance.html", render_html(report, images)))
    return written


def main(argv: list[str] | None = None) -> int:
    """Run ``invcheck report`` with ``argv`` (the arguments after ``report``); returns the exit code."""
    return run_subcommand(_run, argv)


if __name__ == "__main__":
    sys.exit(main())
