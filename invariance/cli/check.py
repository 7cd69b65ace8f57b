"""``invcheck TARGET...``: check learners and print verdicts (docs/design.md#contracts).

    invcheck TARGET... [--json] [--expect VERDICT] [--seed S] [--max-examples N] [-j N | --dask ADDRESS] [--save DIR]

Exit codes: 0 every verdict matches its declaration (or none was declared); 1 a mismatch;
2 a usage or import error (one line on stderr); 3 a learner failed or the evidence is inconclusive
(a diagnosis instead of a verdict).
"""

from __future__ import annotations

import argparse
import sys

from invariance.cli.parser import Parser
from invariance.errors import on_the_command_line
from invariance.options import CHECK, OPTIONS, SHOWN, TORCH, in_section
from invariance.verdict import VERDICT_ORDER
from invariance.workers import DASK_HELP

__all__ = ["run"]

VERDICTS = tuple(v.value for v in VERDICT_ORDER)


def _check_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="invcheck",
        description=(
            "Is a learner rotation invariant? Checks ŷ(Ux | XUᵀ, y) = ŷ(x | X, y) by property-based search "
            "(Hypothesis), on generic data and on ±1 Gram twins, and prints a verdict with its numbers and a "
            "shrunk counterexample. Subcommands: invcheck list | curves | report | replay | atlas (each has --help)."
        ),
        epilog=(
            "TARGET: package.module | package.module:NAME | path/to/file.py:NAME. "
            "Exit codes: 0 all verdicts match their declarations; 1 a mismatch; 2 usage/import error; "
            "3 a learner failed or the evidence is inconclusive (a diagnosis instead of a verdict)."
        ),
    )
    p.add_argument("targets", nargs="+", metavar="TARGET", help="learners to check")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout (schema: docs/design.md#json-schema)")
    p.add_argument("--expect", choices=VERDICTS, help="declare the verdict for the targets on the command line")
    _add(p, CHECK)
    p.add_argument("--save", default=None, metavar="DIR",
                   help="write each counterexample to DIR as .npz + .json (invcheck replay FILE re-runs it)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="check learners in N parallel processes")
    p.add_argument("--dask", default=None, metavar="ADDRESS|local:N", help=DASK_HELP)
    _add(p, SHOWN)
    _add(p.add_argument_group("torch.optim optimizers and models (targets such as torch.optim:Adam)"), TORCH)
    return p


def _add(group, section: str) -> None:
    """The flags of the options ``--help`` lists in ``section`` (invariance/options.py)."""
    for option in in_section(section):
        group.add_argument(*option.flags, **option.argparse_kwargs())


def _options(args: argparse.Namespace) -> dict:
    """The keyword options of :func:`invariance.check` that the flags set."""
    values = {option.name: option.from_flag(getattr(args, option.name)) for option in OPTIONS}
    return {option.name: values[option.name] for option in OPTIONS if option.given(values[option.name])}


@on_the_command_line
def run(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    for option in OPTIONS:
        option.check_flag(getattr(args, option.name))
    from invariance.workers import Workers

    workers = Workers(jobs=args.jobs, dask=args.dask)  # UsageError: -j < 1, a bad address, or -j N > 1 with --dask
    from invariance.api import check_many, config_from

    config = config_from(**_options(args))
    results = check_many(args.targets, workers=workers, expect=args.expect, config=config,
                         progress=not args.json)
    saved: list[str] = []
    if args.save:
        from invariance.result.replay import save

        for r in results:
            saved += save(r, args.save, config.to_json())
    if args.json:
        from invariance.render.json import to_json

        sys.stdout.write(to_json(results, config) + "\n")
    else:
        from rich.console import Console

        from invariance.render.terminal import render_rich

        render_rich(results, Console(), verbose=args.verbose)
    for path in saved:
        sys.stderr.write(f"saved: {path} (replay: invcheck replay {path})\n")
    if any(r.failed for r in results):
        return 3
    if any(r.mismatch for r in results):
        return 1
    return 0
