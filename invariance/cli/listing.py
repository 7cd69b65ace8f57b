"""``invcheck list``: registered learners with their declared verdicts and reasons."""

from __future__ import annotations

import sys

from invariance.cli.check import _Parser

__all__ = ["run"]


def run(argv: list[str]) -> int:
    p = _Parser(prog="invcheck list", description="List registered learners with their declared verdicts and reasons.")
    p.add_argument("targets", nargs="*", metavar="TARGET", default=["algorithms"], help="default: algorithms")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from invariance.targets import load_many

    learners = load_many(args.targets)
    if args.json:
        import json

        rows = [
            {"target": l.target, "name": l.name, "expected": l.expected.value if l.expected else None, "reason": l.reason, "randomized": l.randomized}
            for l in learners
        ]
        sys.stdout.write(json.dumps({"learners": rows}, indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="registered learners", header_style="bold")
    for c in ("target", "declared verdict", "why"):
        table.add_column(c)
    for l in learners:
        table.add_row(l.target, l.expected.value if l.expected else "—", l.reason or "—")
    Console().print(table)
    return 0
