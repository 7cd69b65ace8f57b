"""Draw measured learning curves (:class:`invariance.curves.Curves`) to a PNG that people can read.

Rendering only: the numbers come from :func:`invariance.curves.learning_curves`. matplotlib is an
optional dependency, imported here and only here, through its object API and the Agg canvas (no
``pyplot``, so no global figure state and no display needed).

What a figure shows (:func:`build_figure`):

* each learner's mean curve over trials, its line style saying its verdict (solid: invariant,
  dashed: ±1-invariant, dotted: not invariant, dash-dot: no verdict), and its quantile band over
  trials where that band stays on the axis;
* the problem's bound or reference curve, black and heavier than any learner, skipped where it is
  undefined (NaN) and absent when the problem has none;
* at most :data:`MAX_LINES` learners a panel: more are split into panels by verdict group, a large
  group into several panels, all in one grid sharing both axes' ranges, each panel with the bound;
* the legend outside the data area (right of a single panel, under each panel of a grid);
* no clipping spikes: a curve leaving the y range stops at its last point on the axis, a ▲ on the
  top edge marks where it left, and its legend label says "(off scale from k=…)".
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from invariance.curves.experiment import Curves
from invariance.errors import MissingDependency, UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "require_matplotlib",
    "check_plot_path",
    "build_figure",
    "plot_curves",
    "ProblemStyle",
    "PROBLEM_STYLES",
    "problem_style",
    "VERDICT_GROUPS",
    "MAX_LINES",
]

Y_MAX = 1.5  # the loss axis of the paper's problems stops here at most; the bound lives in [0, 1]
MAX_LINES = 8  # learner lines in one panel; more are split into panels
BOUND_WIDTH = 2.8
LINE_WIDTH = 1.7
DPI = 110


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


def require_matplotlib() -> None:
    """Raise :class:`MissingDependency` now, before a long run, when matplotlib is absent."""
    if importlib.util.find_spec("matplotlib") is None:
        raise MissingDependency("matplotlib", "plot", "plotting learning curves")


def check_plot_path(path: str) -> None:
    """Raise :class:`UsageError` when ``path`` cannot be a PNG we can write."""
    if not str(path).lower().endswith(".png"):
        raise UsageError(f"--plot writes a PNG; give a path ending in .png, got {path!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"--plot {path!r}: folder {folder!r} does not exist; create it first")


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


# -------------------------------------------------------------------------------------- the figure


def build_figure(
    curves: Curves,
    *,
    verdicts: Mapping[str, Any] | None = None,
    quantiles: tuple[float, float] = (0.1, 0.9),
    verdict_word: str = "verdict",
) -> Figure:
    """A :class:`matplotlib.figure.Figure` (Agg canvas attached) of ``curves``; see the module docstring.

    ``verdicts`` maps a target (an entry of ``curves.targets``) to its verdict string ("invariant",
    "invariant-in-distribution", "pm1-invariant", "not-invariant"), a :class:`~invariance.verdict.Verdict`,
    or None / a diagnosis (no verdict). Without ``verdicts`` every line is solid and no style is explained.
    ``verdict_word`` names what the styles show in the caption ("declared verdict" when ``verdicts`` are
    the learners' declarations rather than measured).
    Artists carry gids for tests and tools: "bound", "learner:TARGET", "offscale:TARGET".
    Raises :class:`MissingDependency` without matplotlib.
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import offset_copy

    style = problem_style(curves.problem)
    ks = np.asarray(curves.ks, dtype=float)
    mean = np.asarray(curves.mean(), dtype=float)
    banded = curves.trials > 1
    with np.errstate(invalid="ignore"):  # quantiles of a curve that overflowed to inf
        lo, hi = (np.asarray(b, dtype=float) for b in curves.band(*quantiles)) if banded else (None, None)
    bound = _bound(curves)
    bottom, top = _y_range(style, mean, bound, lo)

    def on_scale(a: np.ndarray) -> np.ndarray:  # NaN, inf, ≤ 0 on a log axis: off scale
        return np.isfinite(a) & (a >= bottom) & (a <= top) & ((a > 0) if style.log_y else True)

    panels = _panels(curves, verdicts)
    ncols = 1 if len(panels) == 1 else 2
    nrows = math.ceil(len(panels) / ncols)
    single = len(panels) == 1
    fig = Figure(figsize=(8.5, 5.0) if single else (12.0, 4.6 * nrows + 0.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.06, h_pad=0.08, hspace=0.04, wspace=0.04)  # type: ignore[union-attr, call-arg]
    xmax = float(ks.max()) if ks.size else float(curves.d)
    used_styles: set[int] = set()
    any_off = False
    first_ax = None
    for p, (title, members) in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, p + 1, sharex=first_ax, sharey=first_ax)
        first_ax = first_ax or ax
        if bound is not None and style.bound_label is not None:
            shown = np.where(on_scale(bound), bound, np.nan)  # NaN where undefined: those points are skipped
            ax.plot(ks, shown, color="black", linewidth=BOUND_WIDTH, solid_capstyle="butt", zorder=2,
                    label=style.bound_label, gid="bound")
        for c, i in enumerate(members):
            color, target = _COLORS[c % len(_COLORS)], curves.targets[i]
            g = _group(verdicts.get(target)) if verdicts is not None else 0
            used_styles.add(g)
            linestyle = VERDICT_GROUPS[g][2]
            row = mean[i]
            ok = on_scale(row)
            # off at the top (above it, NaN, inf): ▲ and a note; off at the bottom (≤ 0 on a log axis): skipped
            off_top = ~(np.isfinite(row) & (row <= top))
            runs = _off_runs(curves.ks, off_top)
            ax.plot(ks, np.where(ok, row, np.nan), linestyle=linestyle, color=color, linewidth=LINE_WIDTH,
                    zorder=3, label=_label(curves.names[i], style.var, runs), gid=f"learner:{target}")
            starts = [a for a, _ in runs]
            if starts:  # ▲ just under the top edge where the curve leaves the axis
                ax.plot(starts, [top] * len(starts), linestyle="none", marker="^", markersize=8, color=color,
                        markeredgecolor="black", markeredgewidth=0.6, clip_on=False, zorder=6,
                        transform=offset_copy(ax.transData, fig=fig, y=-4.5, units="points"),
                        gid=f"offscale:{target}")
                any_off = True
            # a band that leaves the axis (one trial blowing up, e.g. scikit-learn's ARD on Hadamard
            # rows) would cover the whole plot and hide every other curve: such a learner has none
            if banded and lo is not None and hi is not None and on_scale(lo[i]).all() and on_scale(hi[i]).all():
                ax.fill_between(ks, lo[i], hi[i], color=color, alpha=0.16, linewidth=0, zorder=1)
        if style.log_y:
            ax.set_yscale("log")
        ax.set_xlim(0, xmax)
        ax.set_ylim(bottom, top)
        ax.set_xlabel(style.xlabel, fontsize=10)
        if p % ncols == 0:
            ax.set_ylabel(style.ylabel, fontsize=10)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3, which="major")
        if title:
            ax.set_title(f"{title} — {len(members)} learner{'s' if len(members) != 1 else ''}", fontsize=10.5)
        handles, labels = ax.get_legend_handles_labels()
        if single:  # right of the axes, top-aligned
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8.5,
                      borderaxespad=0.0, frameon=False, handlelength=3.2)
        else:  # under the panel, clear of its tick labels and x label (a fixed distance in points)
            under = offset_copy(ax.transAxes, fig=fig, y=-40, units="points")
            ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=under,
                      ncol=2, fontsize=8.5, frameon=False, handlelength=3.2, columnspacing=1.5)
    band = f"; bands: {round(quantiles[0] * 100)}–{round(quantiles[1] * 100)}% over trials" if banded else ""
    given = dict(getattr(curves, "params", None) or {})  # a problem's parameters (σ on noisy), where Curves has them
    params = "".join(f", {_PARAM.get(k, k)} = {_num(v)}" for k, v in given.items())
    what = f"{style.title} problem, d = {curves.d}{params}"
    how = f"mean of {curves.trials} trial{'s' if curves.trials != 1 else ''} (seed {curves.seed}){band}"
    fits = len(what) + len(how) + 3 <= (90 if single else 135)  # about what 11.5-point text fits across
    fig.suptitle(f"{what} — {how}" if fits else f"{what}\n{how}", fontsize=11.5)
    caption = []
    if verdicts is not None and used_styles:  # the style key, once: only the styles drawn
        key = " · ".join(f"{_STYLE_WORD[VERDICT_GROUPS[g][2]]} {VERDICT_GROUPS[g][3]}" for g in sorted(used_styles))
        caption.append(f"line style = {verdict_word}: {key}")
    if any_off:
        caption.append(f"▲ = the curve leaves the axis at that {style.var}")
    if caption:
        one_line = ";   ".join(caption)
        fits = len(one_line) <= (100 if single else 150)  # about what 9-point text fits across the figure
        fig.supxlabel(one_line if fits else "\n".join(caption), fontsize=9, color="0.25")
    return fig


def plot_curves(
    curves: Curves,
    path: str,
    *,
    verdicts: Mapping[str, Any] | None = None,
    quantiles: tuple[float, float] = (0.1, 0.9),
    verdict_word: str = "verdict",
) -> str:
    """Write :func:`build_figure`'s figure of ``curves`` to the PNG ``path``; returns ``path``.

    Raises :class:`MissingDependency` without matplotlib, :class:`UsageError` for a bad path.
    """
    require_matplotlib()
    check_plot_path(path)
    fig = build_figure(curves, verdicts=verdicts, quantiles=quantiles, verdict_word=verdict_word)
    fig.savefig(path, format="png")
    return path
