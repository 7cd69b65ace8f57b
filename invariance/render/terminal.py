"""Rendering results in a terminal: the result table (or one block per learner on a narrow
terminal), a panel per learner with its counterexample, and a closing summary line (docs/design.md#contracts).

The counterexample text lives in :mod:`invariance.render.text`, the JSON document in
:mod:`invariance.render.json` and number formatting in :mod:`invariance.render.numbers`; the names
imported from them here (``to_json``, ``fmt_dev``, ``_counterexample_text``) keep old imports working.
"""

from __future__ import annotations

from invariance import judge
from invariance.render.breaks import breaks_at_line  # re-exported: its wording lives there
from invariance.render.json import to_json  # re-exported
from invariance.render.numbers import (  # fmt_dev re-exported
    MARKS,
    deviation_cell,
    fmt_dev,
    fmt_num,
    fmt_seconds,
)
from invariance.render.text import (
    counterexample_text as _counterexample_text,  # re-exported
)
from invariance.render.text import shown_text
from invariance.result.model import Result
from invariance.verdict import VERDICT_ORDER

__all__ = ["to_json", "render_rich", "summary_line", "pack_items", "natural_width", "fmt_dev", "fmt_num"]

#: below this console width the result table becomes one block of lines per learner
TABLE_MIN_WIDTH = 100
_VERDICT_ORDER = tuple(v.value for v in VERDICT_ORDER)

_VERDICT_STYLE = {
    "invariant": "bold green",
    "pm1-invariant": "bold yellow",
    "not-invariant": "bold red",
    "invariant-in-distribution": "bold cyan",
}


# ------------------------------------------------------------------------------------------ terminal



def _outcome_word(r) -> str:
    """A result's verdict, else its diagnosis, as its stable string."""
    if r.verdict is not None:
        return r.verdict.value
    return r.diagnosis.value if r.diagnosis is not None else "no verdict"

def _verdict_text(r: Result):
    from rich.text import Text

    if r.verdict is not None:
        return Text(r.verdict.value, style=_VERDICT_STYLE.get(r.verdict.value, ""))
    if r.diagnosis is not None:
        return Text(f"{r.diagnosis.value} (no verdict)", style="bold magenta")
    return Text("skipped", style="dim")


def _declared_text(r: Result, *, compact: bool = False):
    """The table's declared column (``invariant ✓``), or in a compact block ``✓ as declared``,
    ``✗ MISMATCH: declared invariant`` or ``undeclared`` (the verdict stands beside it)."""
    from rich.text import Text

    if r.expected is None:
        return Text("undeclared", style="dim") if compact else Text("—")
    if r.skipped:
        return Text(f"declared {r.expected.value}" if compact else r.expected.value, style="dim")
    if not r.mismatch:
        return Text("✓ as declared" if compact else f"{r.expected.value} ✓", style="green")
    return Text(f"✗ MISMATCH: declared {r.expected.value}" if compact else f"{r.expected.value} ✗ MISMATCH",
                style="bold red")


def _symmetry(r: Result) -> str:
    return "—" if r.symmetry is None else r.symmetry.value


def _table(results: list[Result]):
    from rich.table import Table

    table = Table(title="invcheck: rotation invariance", show_lines=False, header_style="bold")
    outputs = any(r.output_symmetry is not None for r in results)  # the column only where a learner has outputs
    for col, justify in (
        ("learner", "left"), ("verdict", "left"), ("declared", "left"), ("orth. dev", "right"),
        ("±1 dev", "right"), ("symmetry", "left"), *((("output sym.", "left"),) if outputs else ()),
        ("evals", "right"), ("time", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=True)
    for r in results:
        doc = _cells_doc(r)
        table.add_row(
            r.name,
            _verdict_text(r),
            _declared_text(r),
            deviation_cell(doc, "orthogonal", short=True),
            deviation_cell(doc, "pm1", short=True),
            _symmetry(r),
            *((_output_symmetry(r),) if outputs else ()),
            str(r.evaluations),
            fmt_seconds(r.seconds),
        )
    return table


def _output_symmetry(r: Result) -> str:
    return "—" if r.output_symmetry is None else r.output_symmetry.value


def natural_width(console, renderable) -> int:
    """The width ``renderable`` takes when nothing is wrapped (not clamped to the console's width)."""
    return console.measure(renderable, options=console.options.update_width(100_000)).maximum


def pack_items(items: list, width: int, *, indent: int = 0, hang: int | None = None, sep: str = " · ") -> list:
    """Greedily pack rich ``Text`` items into lines at most ``width`` cells wide, never splitting an item.

    The first line starts with ``indent`` spaces, later ones with ``hang`` (default: ``indent``);
    an item wider than a line gets a line to itself.
    """
    from rich.text import Text

    lines: list = []
    cur = None
    for item in items:
        if cur is not None and cur.cell_len + len(sep) + item.cell_len <= width:
            cur.append(sep, style="dim")
            cur.append_text(item)
            continue
        if cur is not None:
            lines.append(cur)
        cur = Text(" " * (indent if not lines or hang is None else hang))
        cur.append_text(item)
    if cur is not None:
        lines.append(cur)
    return lines


def _print_lines(console, lines: list) -> None:
    for line in lines:
        # a line only exceeds the width when one item alone does (a huge name): fold as a last resort
        console.print(line, overflow="fold", highlight=False)


def _compact(results: list[Result], console) -> None:
    """One block per learner: name, verdict and declaration on one line (aligned when they fit);
    then the deviations, symmetry, evaluations and time, indented, wrapped between items only."""
    from rich.text import Text

    width = console.width
    console.print(Text("invcheck: rotation invariance", style="bold"), highlight=False)
    heads = [[Text(r.name, style="bold"), _verdict_text(r), _declared_text(r, compact=True)] for r in results]
    cols = [max(h[i].cell_len for h in heads) for i in range(2)] if heads else [0, 0]
    for r, head in zip(results, heads, strict=True):
        # aligned columns of names and verdicts where the line still fits; else unaligned; else wrapped
        if sum(cols) + 4 + head[2].cell_len <= width:
            for item, w in zip(head[:2], cols, strict=False):
                item.pad_right(w - item.cell_len)
        doc = _cells_doc(r)
        nums = [
            Text(f"{label} {deviation_cell(doc, key, short=True)}")
            for label, key in (("orth. dev", "orthogonal"), ("±1 dev", "pm1"))
            if r.deviation.get(key) is not None
        ]
        if r.symmetry is not None:
            nums.append(Text(f"symmetry {r.symmetry.value}"))
        if r.output_symmetry is not None:
            nums.append(Text(f"output symmetry {r.output_symmetry.value}"))
        nums.append(Text(f"{r.evaluations} eval{'' if r.evaluations == 1 else 's'} in {fmt_seconds(r.seconds)}"))
        _print_lines(console, pack_items(head, width, hang=4, sep="  "))
        _print_lines(console, pack_items(nums, width, indent=4))


def _legend(results: list[Result]) -> str | None:
    """The marks the deviation cells used, explained (None when there are none)."""
    cells = [deviation_cell(_cells_doc(r), k, short=True) for r in results for k in ("orthogonal", "pm1")]
    parts = []
    if any(c.endswith(MARKS["violation"]) for c in cells):
        parts.append(f"{MARKS['violation']} a violation")
    if any(c.endswith(MARKS["excused"]) for c in cells):
        parts.append(f"{MARKS['excused']} above {judge.FLOOR:g} but excused as rounding (the panel says by what)")
    if any(c.startswith("KS ") for c in cells):
        parts.append("KS: largest two-sample KS statistic, p: adjusted p-value (randomised learners)")
    return "deviations: " + "; ".join(parts) if parts else None


def _cells_doc(r: Result) -> dict:
    """What :func:`deviation_cell` reads, without serialising counterexamples."""
    return {"deviation": r.deviation, "distribution": r.distribution,
            "properties": {k: {"passed": v.passed, "excused": v.excused} for k, v in r.properties.items()}}


def summary_line(results: list[Result]) -> str:
    """``15 learners: 5 invariant, …; 15/15 match their declarations`` (mismatches named, diagnoses and skips
    counted)."""
    from collections import Counter

    n = len(results)
    verdicts = Counter(r.verdict.value for r in results if r.verdict is not None)
    diagnoses = Counter(r.diagnosis.value for r in results if r.diagnosis is not None)
    skipped = sum(1 for r in results if r.skipped)
    parts = [f"{verdicts[v]} {v}" for v in _VERDICT_ORDER if verdicts[v]]
    parts += [f"{c} {v}" for v, c in sorted(verdicts.items()) if v not in _VERDICT_ORDER]
    if diagnoses:
        total = sum(diagnoses.values())
        kinds = ", ".join(f"{c} {d}" for d, c in sorted(diagnoses.items()))
        parts.append(f"{total} {'diagnosis' if total == 1 else 'diagnoses'} ({kinds})")
    if skipped:
        parts.append(f"{skipped} skipped")
    text = f"{n} learner{'' if n == 1 else 's'}: {', '.join(parts) or 'nothing checked'}"
    declared = [r for r in results if r.expected is not None and not r.skipped]
    if declared:
        bad = [r for r in declared if r.mismatch]
        text += f"; {len(declared) - len(bad)}/{len(declared)} match their declarations"
        if bad:
            named = ", ".join(
                f"{r.name} ({_outcome_word(r)}, declared {r.expected.value if r.expected is not None else 'nothing'})"
                for r in bad
            )
            text += f"; mismatch: {named}"
    else:
        text += "; no declarations to compare"
    return text


def render_rich(results: list[Result], console, *, verbose: bool = False) -> None:
    """The result table (one block per learner below :data:`TABLE_MIN_WIDTH` columns or when the
    table would not fit), a panel per learner, and a closing summary line."""
    from rich.panel import Panel
    from rich.text import Text

    table = _table(results)
    if console.width >= TABLE_MIN_WIDTH and natural_width(console, table) <= console.width:
        console.print(table)
    else:
        _compact(results, console)
    legend = _legend(results)
    if legend:
        console.print(Text(legend, style="dim"), highlight=False)
    for r in results:
        body = [r.message]
        if r.distribution:
            d = r.distribution
            body.append(f"law test: {d.get('test')}; α = {d.get('alpha')}; "
                        f"a shift worth caring about: KS ≥ {d.get('min_shift')}")
        for w in r.warnings:
            body.append(f"warning: {w}")
        if r.reason:
            body.append(f"declared because: {r.reason}")
        shown = r.shown_counterexample()
        if shown is not None:
            body.append("")
            body.append(shown_text(r, where_minimal="shown below" if verbose else "shown with -v"))
            if r.breaks_at is not None:
                body.append(breaks_at_line(r.breaks_at))
            if verbose and shown is not r.counterexample and r.counterexample is not None:
                body += ["", "minimal counterexample:", _counterexample_text(r.counterexample)]
        if verbose:
            for name, cx in r.counterexamples.items():
                if cx is not r.counterexample and cx is not shown:
                    body += ["", f"also ({name}):", _counterexample_text(cx)]
            if r.detail:
                body += ["", r.detail]
        style = "red" if (r.failed or r.mismatch) else ("yellow" if r.counterexample is not None else "green")
        console.print(Panel("\n".join(body), title=r.target, title_align="left", border_style=style))
    ok = not any(r.failed or r.mismatch for r in results)
    console.print(Text(summary_line(results), style="bold green" if ok else "bold red"), highlight=False)
