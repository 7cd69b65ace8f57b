"""What a learning-curve figure shows and where (:mod:`invariance.curves.plotting` draws it): each
problem's axis labels and bound, the verdict groups' line styles, the y range, the panels, the legend
labels and their off-scale notes. Plain numbers and strings; matplotlib is not imported here."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from invariance.curves.result import Curves

__all__ = ["ProblemStyle", "PROBLEM_STYLES", "problem_style", "VERDICT_GROUPS", "MAX_LINES", "Y_MAX",
           "BOUND_WIDTH", "LINE_WIDTH", "DPI"]

Y_MAX = 1.5  # the loss axis of the paper's problems stops here at most; the bound lives in [0, 1]
MAX_LINES = 8  # learner lines in one panel; more are split into panels
BOUND_WIDTH = 2.8
LINE_WIDTH = 1.7
DPI = 110
#: the smallest text a plot draws (legends), in points: MIN_TEXT_PT · DPI / 72 ≈ 13 px in the PNG
MIN_TEXT_PT = 8.5


@dataclass(frozen=True)
class ProblemStyle:
    """How one problem's curves are labelled and scaled."""

    title: str
    var: str  # the training-size variable, as the labels write it: "k" or "n"
    xlabel: str
    ylabel: str
    bound_label: str | None  # legend label of Curves.bound; None: the problem has no reference
    log_y: bool = False
    y_floor: float | None = None  # linear axes: the top is at least this…
    y_cap: float | None = None  # …and at most this (curves above it are off scale)


_K = "k = number of training examples"
_N = "n = number of training examples"
_SQUARE = "average square loss over all d rows"

#: every problem's labels and scale, keyed by ``Curves.problem``; :func:`problem_style` falls back to a generic one
PROBLEM_STYLES: dict[str, ProblemStyle] = {
    "hadamard": ProblemStyle("sign-flipped Hadamard", "k", _K, _SQUARE, "bound 1 − k/d", y_floor=1.05, y_cap=Y_MAX),
    "pm1": ProblemStyle("random ±1", "k", _K, _SQUARE, "reference (1 − k/d)²", y_floor=1.05, y_cap=Y_MAX),
    "gaussian": ProblemStyle("Gaussian", "k", _K, _SQUARE, "reference (1 − k/d)²", y_floor=1.05, y_cap=Y_MAX),
    "noisy": ProblemStyle(
        "noisy Gaussian regression", "n", _N, "excess risk", "reference σ²d/(n−d−1)", log_y=True
    ),
    "logistic": ProblemStyle(
        "sparse logistic regression", "n", _N, "excess logistic risk (KL)", "reference (d−1)/n", log_y=True
    ),
}


def problem_style(problem: str) -> ProblemStyle:
    """The style of ``problem``: its entry in :data:`PROBLEM_STYLES`, else a generic linear one."""
    return PROBLEM_STYLES.get(problem) or ProblemStyle(f"{problem}", "n", _N, "loss", "reference")


#: panel groups, in drawing order: (title, verdict strings, line style, what the style means)
VERDICT_GROUPS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("invariant", ("invariant", "invariant-in-distribution"), "-", "invariant"),
    ("±1-invariant", ("pm1-invariant",), "--", "±1-invariant"),
    ("not invariant", ("not-invariant",), ":", "not invariant"),
    ("no verdict", (), "-.", "no verdict"),  # None, unknown strings, diagnoses
)
_PARAM = {"sigma": "σ", "beta": "β"}  # problem parameters as the title writes them
_STYLE_WORD = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot"}
# tab10 without its grey (the bound is black; grey would read as a second bound)
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")
_LABEL_WIDTH = 34  # legend labels wrap here, so that a long target cannot push the legend across the figure


# ------------------------------------------------------------------------------------- the numbers


def _group(verdict: Any) -> int:
    """Index into :data:`VERDICT_GROUPS` of a verdict string (or :class:`Verdict`), None or a diagnosis."""
    text = getattr(verdict, "value", verdict)
    for g, (_, members, _, _) in enumerate(VERDICT_GROUPS):
        if text in members:
            return g
    return len(VERDICT_GROUPS) - 1


def _bound(curves: Curves) -> np.ndarray | None:
    """``curves.bound`` as floats, NaN where undefined; None for a problem without one (or all NaN)."""
    try:
        values = np.asarray(curves.bound, dtype=float).reshape(-1)
    except Exception:  # a problem bound() does not know: draw no reference rather than fail the plot
        return None
    if values.shape != (len(curves.ks),) or not np.isfinite(values).any():
        return None
    return np.where(np.isfinite(values), values, np.nan)


def _y_range(
    style: ProblemStyle, mean: np.ndarray, bound: np.ndarray | None, low: np.ndarray | None
) -> tuple[float, float]:
    """The y range: from the learners that do not run away (a robust top) and the bound.

    A learner whose largest value is more than ``R`` times the typical one (the lower median of the
    learners' largest values, or the bound's largest value when that is bigger) does not set the
    range: it goes off scale instead of flattening every other curve. ``R`` is 10 on a linear axis,
    1000 on a log axis. Linear axes start at 0; the paper's problems keep ``[0, max(1.05, top)]``
    capped at 1.5. Log axes span the positive values kept (means, band bottoms, bound), with headroom.
    """

    def usable(a: np.ndarray) -> np.ndarray:  # the finite values, and only the positive ones on a log axis
        a = np.asarray(a, dtype=float)
        a = a[np.isfinite(a)]
        return a[a > 0] if style.log_y else a

    tops = {i: float(v.max()) for i, row in enumerate(mean) if (v := usable(row)).size}
    b = usable(bound) if bound is not None else np.empty(0)
    ref = sorted(tops.values())[(len(tops) - 1) // 2] if tops else 0.0
    if b.size:
        ref = max(ref, float(b.max()))
    kept = [i for i, t in tops.items() if t <= (1000.0 if style.log_y else 10.0) * ref]
    top = max([tops[i] for i in kept] + ([float(b.max())] if b.size else []), default=0.0)
    if not style.log_y:
        top = top * 1.05 if top > 0 else 1.0
        if style.y_floor is not None:
            top = max(top, style.y_floor)
        if style.y_cap is not None:
            top = min(top, style.y_cap)
        return 0.0, top
    lows = [float(usable(mean[i]).min()) for i in kept] + ([float(b.min())] if b.size else [])
    if low is not None:
        lows += [float(v.min()) for i in kept if (v := usable(low[i])).size]
    if top <= 0 or not lows:
        return 1e-3, 1.0
    bottom = max(min(lows), top * 1e-8)  # a curve reaching 1e-30 must not squash the rest
    top, bottom = top * 1.6, bottom / 1.6
    return (bottom if bottom < top else top / 10), top


def _off_runs(ks: tuple[int, ...], off: np.ndarray) -> list[tuple[int, int | None]]:
    """The runs of off-scale points as (first k, last k or None when the run lasts to the end)."""
    runs, j = [], 0
    while j < len(off):
        if off[j]:
            start = j
            while j < len(off) and off[j]:
                j += 1
            runs.append((ks[start], ks[j - 1] if j < len(off) else None))
        j += 1
    return runs


def _wrap(text: str, width: int = _LABEL_WIDTH) -> str:
    """``text`` in lines of at most ``width`` characters, broken after . : / _ - or a space where it can be."""
    lines, line = [], ""
    for piece in re.findall(r"[^.:/_\- ]*[.:/_\- ]?", text):
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        while len(piece) > width:  # a word longer than a line: cut it
            lines.append(piece[:width])
            piece = piece[width:]
        line += piece
    lines.append(line.rstrip())
    return "\n".join(line for line in lines if line) or text


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _label(name: str, var: str, runs: list[tuple[int, int | None]]) -> str:
    text = _wrap(str(name))
    if text.startswith("_"):  # matplotlib's legend leaves out labels starting with "_"
        text = "\u200b" + text
    if runs:
        parts = [
            f"from {var}={a}" if b is None else (f"at {var}={a}" if a == b else f"{var}={a}–{b}") for a, b in runs
        ]
        if len(parts) > 2:
            parts = parts[:2] + ["…"]
        text += f"\n(off scale {', '.join(parts)})"
    return text


def _panels(curves: Curves, verdicts: Mapping[str, Any] | None) -> list[tuple[str, list[int]]]:
    """The learners of each panel, titled: one panel up to MAX_LINES, else by verdict group."""
    n = len(curves.names)
    if n <= MAX_LINES:
        return [("", list(range(n)))]
    groups: list[list[int]] = [[] for _ in VERDICT_GROUPS]
    for i, target in enumerate(curves.targets):
        groups[_group(verdicts.get(target)) if verdicts is not None else len(VERDICT_GROUPS) - 1].append(i)
    out = []
    for (title, *_), members in zip(VERDICT_GROUPS, groups, strict=False):
        if verdicts is None:
            title = "learners"
        parts, start = math.ceil(len(members) / MAX_LINES), 0
        for p in range(parts):  # near-equal chunks, larger first: 10 learners make 5 + 5, 9 make 5 + 4
            size = len(members) // parts + (p < len(members) % parts)
            out.append((f"{title} ({p + 1}/{parts})" if parts > 1 else title, members[start:start + size]))
            start += size
    return out
