"""``invcheck TARGET...``: check learners and print verdicts (docs/design.md#contracts).

    invcheck TARGET... [--json] [--expect VERDICT] [--seed S] [--max-examples N] [-j N | --dask ADDRESS] [--save DIR]

Exit codes: 0 every verdict matches its declaration (or none was declared); 1 a mismatch;
2 a usage or import error (one line on stderr); 3 a learner failed (diagnosis instead of verdict).
"""

from __future__ import annotations

import argparse
import sys

from invariance.verdict import PRECISIONS, VERDICT_ORDER
from invariance.workers import DASK_HELP

__all__ = ["run"]

VERDICTS = tuple(v.value for v in VERDICT_ORDER)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"invcheck: error: {message} (see invcheck --help)\n")


def _check_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="invcheck",
        description=(
            "Is a learner rotation invariant? Checks ŷ(Ux | XUᵀ, y) = ŷ(x | X, y) by property-based search "
            "(Hypothesis), on generic data and on ±1 Gram twins, and prints a verdict with its numbers and a "
            "shrunk counterexample. Subcommands: invcheck list | curves | report | replay (each has --help)."
        ),
        epilog=(
            "TARGET: package.module | package.module:NAME | path/to/file.py:NAME. "
            "Exit codes: 0 all verdicts match their declarations; 1 a mismatch; 2 usage/import error; "
            "3 a learner failed."
        ),
    )
    p.add_argument("targets", nargs="+", metavar="TARGET", help="learners to check")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout (schema: docs/design.md#json-schema)")
    p.add_argument("--expect", choices=VERDICTS, help="declare the verdict for the targets on the command line")
    p.add_argument("--seed", type=int, default=0, help="search seed (default 0; same seed, same result)")
    p.add_argument("--max-examples", type=int, default=None, metavar="N",
                   help="examples per property: the seeded sample, and Hypothesis' budget once it finds something "
                   "(default 150)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="per-call time limit in seconds (default 10)")
    p.add_argument("--database", default=None, metavar="DIR",
                   help="Hypothesis example database (replays earlier failures first)")
    p.add_argument("--samples", type=int, default=200, help="seeds per side for randomised learners (default 200)")
    p.add_argument("--alpha", type=float, default=0.01,
                   help="level of the two-sample test for randomised learners (default 0.01)")
    p.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="the precision the verdict must hold at: the tolerance becomes its calibrated rounding "
                        "(default: declared or detected, else float64)")
    p.add_argument("--max-d", type=int, default=None, metavar="D",
                   help="ask only about inputs with at most D columns (D ≥ 4; default: d up to 16, twins up to 24)")
    p.add_argument("--min-n", type=int, default=None, metavar="N",
                   help="ask only about training sets of at least N rows (a learner that needs N samples)")
    p.add_argument("--n-above-d", action="store_true", default=None,
                   help="ask only about training sets with more rows than columns (RANSAC and the like)")
    p.add_argument("--save", default=None, metavar="DIR",
                   help="write each counterexample to DIR as .npz + .json (invcheck replay FILE re-runs it)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="check learners in N parallel processes")
    p.add_argument("--dask", default=None, metavar="ADDRESS|local:N", help=DASK_HELP)
    p.add_argument("-v", "--verbose", action="store_true", help="every counterexample and full tracebacks")
    torch = p.add_argument_group("torch.optim optimizers and models (targets such as torch.optim:Adam)")
    torch.add_argument("--passes", type=int, default=None, help="passes over the training set (default 3)")
    torch.add_argument("--lr", type=float, default=None,
                       help="learning rate (default: the optimizer's own default lr, 0.05 where it has none)")
    torch.add_argument("--batch-size", type=int, default=None,
                       help="examples per step (default 1: the paper's online protocol)")
    torch.add_argument("--model", choices=("linear", "layer", "mlp"), default=None,
                       help="linear neuron (default), a linear layer with --outputs H outputs (also asks the output "
                            "side: Y ↦ YVᵀ must give Ŷ ↦ ŶVᵀ), or an MLP with a fully connected input layer")
    torch.add_argument("--outputs", type=int, default=None, metavar="H",
                       help="outputs of --model layer (default 3); for a plain learner: it takes n×H targets")
    torch.add_argument("--hidden", type=int, default=None, help="MLP hidden width (default 16)")
    torch.add_argument("--activation", default=None, help="MLP activation: tanh (default), relu, identity")
    torch.add_argument("--init", default=None,
                       help="MLP first-layer init: gaussian (default), uniform (torch's default), orthogonal")
    torch.add_argument("--opt", action="append", default=[], metavar="KEY=VALUE",
                       help="extra optimizer keyword argument (repeatable)")
    torch.add_argument("--device", default=None, help="torch device (default cpu)")
    torch.add_argument(
        "--create-graph", action="store_true", default=None,
        help="gradients by autograd with backward(create_graph=True), for optimizers that take Hessian-vector "
        "products (default: detected — an optimizer that fails on plain gradients and trains with a graph gets one)",
    )
    return p


def _options(args: argparse.Namespace) -> dict:
    """The keyword options of :func:`invariance.check` that the flags set."""
    import json

    opts = {k: getattr(args, k) for k in ("seed", "max_examples", "timeout", "database", "samples", "alpha", "verbose",
                                          "precision", "max_d", "min_n", "n_above_d",
                                          "passes", "lr", "batch_size", "model", "hidden", "activation", "init",
                                          "device", "create_graph", "outputs")}
    opts = {k: v for k, v in opts.items() if v is not None}
    kwargs = {}
    for item in args.opt:
        if "=" not in item:
            raise _usage(f"--opt {item!r} is not KEY=VALUE; e.g. --opt betas=[0.9,0.999]")
        key, _, raw = item.partition("=")
        try:
            kwargs[key] = json.loads(raw)
        except ValueError:
            kwargs[key] = raw
    if kwargs:
        opts["opt"] = kwargs
    return opts


def run(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    if args.max_examples is not None and args.max_examples < 1:
        raise _usage(f"--max-examples must be at least 1, got {args.max_examples}")
    if args.timeout <= 0:
        raise _usage(f"--timeout must be positive, got {args.timeout}")
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


def _usage(msg: str):
    from invariance.errors import UsageError

    return UsageError(msg)


