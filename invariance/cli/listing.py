"""``invcheck list``: registered learners with their declared verdicts and reasons."""

from __future__ import annotations

import sys

from invariance.cli.parser import Parser
from invariance.errors import on_the_command_line

__all__ = ["run"]


@on_the_command_line
def run(argv: list[str]) -> int:
    p = Parser(prog="invcheck list", description="List registered learners with their declared verdicts and reasons.")
    p.add_argument("targets", nargs="*", metavar="TARGET", default=["algorithms"], help="default: algorithms")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from invariance.targets import load_many

    learners = load_many(args.targets)
    if args.json:
        import json

        rows = [
            {"target": lrn.target, "name": lrn.name, "expected": lrn.expected.value if lrn.expected else None,
             "reason": lrn.reason, "randomized": lrn.randomized}
            for lrn in learners
        ]
        sys.stdout.write(json.dumps({"learners": rows}, indent=2) + "\n")
        return 0
    from rich.console import Console

    _render(learners, Console())
    return 0


#: the ``why`` column of the wide table needs at least this many cells to stay readable
_WHY_MIN = 30


def _render(learners, console) -> None:
    """A table when every target fits whole beside a readable ``why`` column (≥ 100 columns);
    otherwise one block per learner: the target on its own line, then verdict and reason wrapped below."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from invariance.render.terminal import _VERDICT_STYLE, TABLE_MIN_WIDTH

    def verdict(lrn) -> Text:
        return Text(lrn.expected.value, style=_VERDICT_STYLE.get(lrn.expected.value, "")) if lrn.expected else Text("—")

    width = console.width
    target_w = max((len(lrn.target) for lrn in learners), default=0)
    verdict_w = max([len("declared verdict")] + [len(lrn.expected.value) for lrn in learners if lrn.expected])
    if width >= TABLE_MIN_WIDTH and target_w + verdict_w + _WHY_MIN + 10 <= width:
        table = Table(title="registered learners", header_style="bold")
        table.add_column("target", no_wrap=True, min_width=target_w)
        table.add_column("declared verdict", no_wrap=True)
        table.add_column("why", min_width=_WHY_MIN)
        for lrn in learners:
            table.add_row(lrn.target, verdict(lrn), lrn.reason or "—")
        console.print(table)
        return
    console.print(Text(f"registered learners ({len(learners)})", style="bold"), highlight=False)
    for lrn in learners:
        # the target alone on its line; folded only if it is wider than the whole terminal
        console.print(Text(lrn.target, style="bold"), overflow="fold", highlight=False)
        body = verdict(lrn)
        if lrn.reason:
            body.append(" — ", style="dim")
            body.append(lrn.reason)
        console.print(Padding(body, (0, 0, 0, 4), expand=False), highlight=False)
