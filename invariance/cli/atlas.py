"""``invcheck atlas``: the optimizer atlas of any installed package, as files.

Usage::

    invcheck atlas PACKAGE [PACKAGE...] [--out DIR] [--d D] [--seed S] [-j N | --dask ADDRESS|local:N]
                   [--max-examples N] [--samples N] [--no-curves] [--json-only] [--quiet]

One section per PACKAGE, made by the code that makes the report's atlas sections
(:func:`invariance.report.measure.atlas_sections`): every ``torch.optim.Optimizer`` subclass the package
exports, or every optax-style factory, a row — checked on a linear layer W ∈ R^{3×d} (the input and the
output side), with its exact and computed precision, where it breaks, and its Hadamard curve at d. A class
that cannot run on the protocol is a row with its one-line reason (a required argument, a wrapper that
needs a base optimizer, a model-level optimizer); a wrapper is also tried around torch's SGD, then Adam.
Writes ``invariance.json``, ``invariance.md``, ``invariance.html`` and the plots to DIR.

Exit codes: 0 written; 1 written, with a verdict its Hadamard curve contradicts (said on stderr); 2 a
usage error (one line on stderr: a package that is not installed, or that exports no optimizer). An
optimizer that fails is a row, not an exit code.
"""

from __future__ import annotations

import argparse
import sys

from invariance.cli.parser import Parser
from invariance.errors import UsageError, run_subcommand
from invariance.workers import DASK_HELP

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from invariance.report import atlas

    p = Parser(
        prog="invcheck atlas",
        description="Write the optimizer atlas of installed packages: every torch.optim.Optimizer subclass (or "
        "optax-style factory) a package exports is a row with its verdict, input and output symmetry, exact and "
        "computed precision, where it breaks, and the Hadamard loss at k = d/2; as invariance.md, "
        "invariance.json and a self-contained invariance.html.",
        epilog="Example: invcheck atlas torch_optimizer dadaptation -j 2 --out atlas/. Exit status: 0 written; "
        "1 written, with a verdict its curve contradicts; 2 usage error (a package not installed, or exporting "
        "no optimizer).",
    )
    p.add_argument("packages", nargs="+", metavar="PACKAGE",
                   help="importable module names (torch_optimizer, optax.contrib, …)")
    p.add_argument("--out", default="atlas", metavar="DIR", help="output folder, created if missing (default: atlas)")
    p.add_argument("--d", type=int, default=128, help="curve dimension, a power of 2 (default 128)")
    p.add_argument("--seed", type=int, default=0, help="seed of the checker and of the curves (default 0)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (same numbers as -j 1)")
    p.add_argument("--dask", metavar="ADDRESS|local:N", default=None, help=DASK_HELP)
    p.add_argument("--max-examples", type=int, default=None, metavar="N",
                   help=f"Hypothesis examples per property (default {atlas.MAX_EXAMPLES}, the report's atlas)")
    p.add_argument("--samples", type=int, default=atlas.SAMPLES,
                   help=f"seeds per side for randomised optimizers (default {atlas.SAMPLES})")
    p.add_argument("--no-curves", action="store_true", help="verdict table only (fast): no curves, no plots")
    p.add_argument("--json-only", action="store_true", help="write invariance.json only (no Markdown, HTML or PNG)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from invariance.cli.report import measure_and_write, validate_run, want_plots
    from invariance.curves.experiment import check_experiment
    from invariance.report.atlas import library_for
    from invariance.report.measure import atlas_sections

    if not args.no_curves:
        check_experiment(problem="hadamard", d=args.d, trials=1)
    workers = validate_run(args)
    libraries = list(dict.fromkeys(library_for(p) for p in args.packages))  # UsageError: not installed, no optimizer
    plots = want_plots(args, "atlas")
    specs = atlas_sections(d=args.d, curves=not args.no_curves, libraries=libraries, samples=args.samples)
    for spec in specs:
        if spec.broken is not None:
            raise UsageError(f"{spec.broken}; fix the installation or leave it out")
    return measure_and_write(specs, args, workers, command=" ".join(["invcheck", "atlas", *argv]), plots=plots,
                             name="atlas")


def main(argv: list[str] | None = None) -> int:
    """Run ``invcheck atlas`` with ``argv`` (the arguments after ``atlas``); returns the exit code."""
    return run_subcommand(_run, argv)


if __name__ == "__main__":
    sys.exit(main())
