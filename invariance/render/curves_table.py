"""The ``invcheck curves`` table (docs/design.md#learning-curves): the mean curves at a few ks, the
bound row, the first k below 0.1 and the training loss at d/2, with notes below it for a learner that
diverged or did not fit, and the contradictions. :mod:`invariance.cli.curves` handles the arguments
and calls :func:`render_table`; every word of the table is here."""

from __future__ import annotations

import math
from typing import Any

from invariance.contract import Learner
from invariance.curves.result import Curves

__all__ = ["render_table", "fit_reasons", "pick_ks"]

#: one data column of the table: (header, bound cell, one cell per learner)
Column = tuple[str, str, list[str]]


def pick_ks(ks: tuple[int, ...], d: int) -> list[int]:
    """At most five columns: k near 1, log₂ d, 2 log₂ d, d/2 (always exact) and d; past d (the
    follow-up problems): d/2, d, 1.5d, 2d and 4d."""
    if max(ks) > d:
        wanted = [d, 3 * d // 2, 2 * d, max(ks)]
    else:
        log = max(1, round(math.log2(d)))
        wanted = [1, log, 2 * log, d]
    return sorted({min(ks, key=lambda k: (abs(k - w), k)) for w in wanted} | {d // 2})


def _first_diverged(curves: Curves) -> list[int | None]:
    """For each learner, the first k whose mean loss is non-finite or above ``DIVERGED_ABOVE`` (None if none)."""
    from invariance.render.numbers import is_diverged

    out: list[int | None] = []
    for row in curves.mean():
        hits = [k for k, v in zip(curves.ks, row, strict=False) if is_diverged(v)]
        out.append(hits[0] if hits else None)
    return out


def _loss_cell(v: float) -> str:
    from invariance.render.numbers import fmt_num, is_diverged

    return "diverged" if is_diverged(v) else fmt_num(v)


def fit_reasons(curves: Curves, learners: list[Learner]) -> list[str | None]:
    """Per learner, why it did not fit at k = d/2 (None when it fits): :func:`invariance.render.flags.fit_reason`."""
    from invariance.curves.hyperparams import no_fit_reason
    from invariance.render.flags import fit_reason

    out: list[str | None] = []
    for f, lrn in zip(curves.fit_at(curves.d // 2), learners, strict=True):
        if not f or f["fits"]:
            out.append(None)
        else:
            out.append(fit_reason(curves.tuning.get(lrn.target), no_fit_reason(lrn), f["train_loss"]))
    return out


def _title(curves: Curves) -> str:
    params = "".join(f", {k}={v:g}" for k, v in curves.params.items())
    return (
        f"{curves.problem}, d={curves.d}{params}: {curves.spec.metric} after k examples, "
        f"{curves.trials} trial{'s' if curves.trials != 1 else ''}, seed {curves.seed}"
    )


def _columns(curves: Curves, fit: list[dict[str, Any]]) -> list[Column]:
    """The data columns: the picked ks, then the first k below 0.1 (paper problems) and the training
    loss at d/2 (when measured)."""
    from invariance.render.numbers import fmt_num

    mean = curves.mean()
    bound = {k: (fmt_num(b) if math.isfinite(b) else "—") for k, b in zip(curves.ks, curves.bound, strict=False)}
    first = curves.first_below(0.1)
    rows = [dict(zip(curves.ks, mean[i], strict=True)) for i in range(len(curves.names))]
    data = [
        (f"k={k}" + ("\n(d/2)" if k == curves.d // 2 else ""), bound[k], [_loss_cell(row[k]) for row in rows])
        for k in pick_ks(curves.ks, curves.d)
    ]
    if curves.spec.nested:
        data.append(("first k\nloss<0.1", "", ["—" if f is None else str(f) for f in first]))
    if fit and fit[0]:
        data.append((
            "train\nk=d/2", fmt_num(fit[0]["target_loss"]),
            ["—" if f["train_loss"] is None else fmt_num(f["train_loss"]) + ("" if f["fits"] else " ✗") for f in fit],
        ))
    return data


def _table(names: tuple[str, ...], chunk: list[Column], fold: bool = False, edge: bool = False):
    """One rich table of the learners' names beside the columns ``chunk``; narrow terminals (not
    ``edge``): no edges, no vertical rules, one space between columns (2 cells each)."""
    from rich import box
    from rich.table import Table

    name_w = max([len("learner")] + [len(n) for n in names])
    t = Table() if edge else Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    t.add_column("learner", no_wrap=not fold, overflow="fold" if fold else "ellipsis",
                 min_width=None if fold else name_w)
    for header, _, _ in chunk:
        t.add_column(header, justify="right", no_wrap=True)
    t.add_row("bound", *(b for _, b, _ in chunk), style="dim")
    for i, name in enumerate(names):
        t.add_row(name, *(cells[i] for _, _, cells in chunk))
    return t


def _tables(console, names: tuple[str, ...], data: list[Column]) -> list:
    """One table when it fits the terminal; else compact tables, each with as many columns beside the
    names as fit; else (a name wider than the terminal) one folded table per column."""
    from invariance.render.terminal import natural_width

    tables = [_table(names, data, edge=True)]
    if natural_width(console, tables[0]) <= console.width:
        return tables
    tables, chunk = [], list[Any]()
    for column in data:
        if chunk and natural_width(console, _table(names, chunk + [column])) > console.width:
            tables.append(_table(names, chunk))
            chunk = []
        chunk.append(column)
    tables.append(_table(names, chunk))
    if any(natural_width(console, t) > console.width for t in tables):
        tables = [_table(names, [column], fold=True) for column in data]
    return tables


def _diverged_notes(console, curves: Curves) -> None:
    from rich.text import Text

    from invariance.render.numbers import DIVERGED_ABOVE, fmt_num

    mean = curves.mean()
    for i, (name, k) in enumerate(zip(curves.names, _first_diverged(curves), strict=False)):
        if k is not None:
            v = mean[i, curves.ks.index(k)]
            why: str | None = "non-finite" if not math.isfinite(v) else f"> {fmt_num(DIVERGED_ABOVE)}"
            console.print(
                Text.assemble(("diverged: ", "bold red"),
                              f"{name} first diverged at k={k}: mean loss {fmt_num(v)} ({why})"),
                highlight=False,
            )


def _fit_notes(console, curves: Curves, fit: list[dict[str, Any]], reasons: list[str | None] | None) -> None:
    from rich.text import Text

    from invariance.render.numbers import fmt_num

    for name, f, why in zip(curves.names, fit, reasons or [None] * len(fit), strict=False):
        if not f["fits"]:
            figure = fmt_num(f["train_loss"]) if f["train_loss"] is not None else "non-finite"
            console.print(Text.assemble(
                ("did not fit: ", "bold yellow"),
                f"{name}: training loss {figure} at k={f['k']} (the target's {fmt_num(f['target_loss'])}, "
                f"tolerance {f['tolerance']:g}): {why}",
            ), highlight=False)
    console.print(
        "train k=d/2: mean training loss on the first d/2 examples (bound row: the true parameter's); "
        "✗ = more than 1e-2 above it",
        style="dim", highlight=False,
    )


def render_table(curves: Curves, warnings: list[str], console=None, reasons: list[str | None] | None = None) -> None:
    """The mean curves at a few ks (``%.3g`` cells, ``diverged`` for a blown-up loss), split into
    several tables of fewer k columns when one does not fit the terminal; notes below say where a
    learner first diverged, which did not fit (``reasons``: :func:`fit_reasons`) and the
    contradictions (``warnings``)."""
    from rich.console import Console

    console = console or Console()
    fit = curves.fit_at(curves.d // 2)
    tables = _tables(console, curves.names, _columns(curves, fit))
    console.print(_title(curves), style="bold", highlight=False)
    for t in tables:
        console.print(t)
    _diverged_notes(console, curves)
    if fit and fit[0]:
        _fit_notes(console, curves, fit, reasons)
    for line in warnings:
        console.print(f"[bold red]contradiction:[/] {line}")
