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

The styles, ranges, panels and labels are :mod:`invariance.curves.plot_style`; this module draws.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from invariance.curves.experiment import Curves
from invariance.curves.plot_style import (  # re-exported: the styles were defined here
    _COLORS,
    _PARAM,
    _STYLE_WORD,
    BOUND_WIDTH,
    DPI,
    LINE_WIDTH,
    MAX_LINES,
    MIN_TEXT_PT,
    PROBLEM_STYLES,
    VERDICT_GROUPS,
    ProblemStyle,
    _bound,
    _group,
    _label,
    _num,
    _off_runs,
    _panels,
    _y_range,
    problem_style,
)
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



# -------------------------------------------------------------------------------------- the figure


@dataclass
class _Drawing:
    """What every panel of one figure shares: the numbers, the axis range, the verdict styles."""

    curves: Curves
    verdicts: Mapping[str, Any] | None
    quantiles: tuple[float, float]
    style: ProblemStyle = field(init=False)
    ks: np.ndarray = field(init=False)
    mean: np.ndarray = field(init=False)
    banded: bool = field(init=False)
    lo: np.ndarray | None = field(init=False)
    hi: np.ndarray | None = field(init=False)
    bound: np.ndarray | None = field(init=False)
    bottom: float = field(init=False)
    top: float = field(init=False)
    used_styles: set[int] = field(default_factory=set)
    any_off: bool = False

    def __post_init__(self):
        curves = self.curves
        self.style = problem_style(curves.problem)
        self.ks = np.asarray(curves.ks, dtype=float)
        self.mean = np.asarray(curves.mean(), dtype=float)
        self.banded = curves.trials > 1
        with np.errstate(invalid="ignore"):  # quantiles of a curve that overflowed to inf
            self.lo, self.hi = ((np.asarray(b, dtype=float) for b in curves.band(*self.quantiles))
                                if self.banded else (None, None))
        self.bound = _bound(curves)
        self.bottom, self.top = _y_range(self.style, self.mean, self.bound, self.lo)

    def on_scale(self, a: np.ndarray) -> np.ndarray:
        """NaN, inf, ≤ 0 on a log axis: off scale."""
        return np.isfinite(a) & (a >= self.bottom) & (a <= self.top) & ((a > 0) if self.style.log_y else True)


def _draw_learner(fig, ax, dr: _Drawing, i: int, color: str) -> None:
    """Learner i's mean curve (NaN off scale), its ▲ marks where it leaves the axis and its band."""
    from matplotlib.transforms import offset_copy

    curves, target = dr.curves, dr.curves.targets[i]
    g = _group(dr.verdicts.get(target)) if dr.verdicts is not None else 0
    dr.used_styles.add(g)
    linestyle = VERDICT_GROUPS[g][2]
    row = dr.mean[i]
    ok = dr.on_scale(row)
    # off at the top (above it, NaN, inf): ▲ and a note; off at the bottom (≤ 0 on a log axis): skipped
    off_top = ~(np.isfinite(row) & (row <= dr.top))
    runs = _off_runs(curves.ks, off_top)
    ax.plot(dr.ks, np.where(ok, row, np.nan), linestyle=linestyle, color=color, linewidth=LINE_WIDTH,
            zorder=3, label=_label(curves.names[i], dr.style.var, runs), gid=f"learner:{target}")
    starts = [a for a, _ in runs]
    if starts:  # ▲ just under the top edge where the curve leaves the axis
        ax.plot(starts, [dr.top] * len(starts), linestyle="none", marker="^", markersize=8, color=color,
                markeredgecolor="black", markeredgewidth=0.6, clip_on=False, zorder=6,
                transform=offset_copy(ax.transData, fig=fig, y=-4.5, units="points"),
                gid=f"offscale:{target}")
        dr.any_off = True
    # a band that leaves the axis (one trial blowing up, e.g. scikit-learn's ARD on Hadamard
    # rows) would cover the whole plot and hide every other curve: such a learner has none
    lo, hi = dr.lo, dr.hi
    if dr.banded and lo is not None and hi is not None and dr.on_scale(lo[i]).all() and dr.on_scale(hi[i]).all():
        ax.fill_between(dr.ks, lo[i], hi[i], color=color, alpha=0.16, linewidth=0, zorder=1)


def _dress_axes(fig, ax, dr: _Drawing, *, first_column: bool, title: str, members: list[int],
                single: bool) -> None:
    """Scale, limits, labels, grid, panel title and legend of one panel."""
    from matplotlib.transforms import offset_copy

    style = dr.style
    if style.log_y:
        ax.set_yscale("log")
    ax.set_xlim(0, float(dr.ks.max()) if dr.ks.size else float(dr.curves.d))
    ax.set_ylim(dr.bottom, dr.top)
    ax.set_xlabel(style.xlabel, fontsize=10)
    if first_column:
        ax.set_ylabel(style.ylabel, fontsize=10)
    ax.tick_params(labelsize=9)
    ax.grid(alpha=0.3, which="major")
    if title:
        ax.set_title(f"{title} — {len(members)} learner{'s' if len(members) != 1 else ''}", fontsize=10.5)
    handles, labels = ax.get_legend_handles_labels()
    if single:  # right of the axes, top-aligned
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=MIN_TEXT_PT,
                  borderaxespad=0.0, frameon=False, handlelength=3.2)
    else:  # under the panel, clear of its tick labels and x label (a fixed distance in points)
        under = offset_copy(ax.transAxes, fig=fig, y=-40, units="points")
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=under,
                  ncol=2, fontsize=MIN_TEXT_PT, frameon=False, handlelength=3.2, columnspacing=1.5)


def _captions(fig, dr: _Drawing, *, single: bool, verdict_word: str) -> None:
    """The figure's title (problem, d, parameters, trials, bands) and the caption under it (the line
    styles drawn, the ▲ mark)."""
    curves, style, quantiles = dr.curves, dr.style, dr.quantiles
    band = f"; bands: {round(quantiles[0] * 100)}–{round(quantiles[1] * 100)}% over trials" if dr.banded else ""
    given = dict(getattr(curves, "params", None) or {})  # a problem's parameters (σ on noisy), where Curves has them
    params = "".join(f", {_PARAM.get(k, k)} = {_num(v)}" for k, v in given.items())
    what = f"{style.title} problem, d = {curves.d}{params}"
    how = f"mean of {curves.trials} trial{'s' if curves.trials != 1 else ''} (seed {curves.seed}){band}"
    fits = len(what) + len(how) + 3 <= (90 if single else 135)  # about what 11.5-point text fits across
    fig.suptitle(f"{what} — {how}" if fits else f"{what}\n{how}", fontsize=11.5)
    caption = []
    if dr.verdicts is not None and dr.used_styles:  # the style key, once: only the styles drawn
        key = " · ".join(f"{_STYLE_WORD[VERDICT_GROUPS[g][2]]} {VERDICT_GROUPS[g][3]}" for g in sorted(dr.used_styles))
        caption.append(f"line style = {verdict_word}: {key}")
    if dr.any_off:
        caption.append(f"▲ = the curve leaves the axis at that {style.var}")
    if caption:
        one_line = ";   ".join(caption)
        fits = len(one_line) <= (100 if single else 150)  # about what 9-point text fits across the figure
        fig.supxlabel(one_line if fits else "\n".join(caption), fontsize=9, color="0.25")


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

    dr = _Drawing(curves, verdicts, quantiles)
    style, bound = dr.style, dr.bound
    panels = _panels(curves, verdicts)
    ncols = 1 if len(panels) == 1 else 2
    nrows = math.ceil(len(panels) / ncols)
    single = len(panels) == 1
    fig = Figure(figsize=(8.5, 5.0) if single else (12.0, 4.6 * nrows + 0.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.06, h_pad=0.08, hspace=0.04, wspace=0.04)  # type: ignore[union-attr, call-arg]
    first_ax = None
    for p, (title, members) in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, p + 1, sharex=first_ax, sharey=first_ax)
        first_ax = first_ax or ax
        if bound is not None and style.bound_label is not None:
            shown = np.where(dr.on_scale(bound), bound, np.nan)  # NaN where undefined: those points are skipped
            ax.plot(dr.ks, shown, color="black", linewidth=BOUND_WIDTH, solid_capstyle="butt", zorder=2,
                    label=style.bound_label, gid="bound")
        for c, i in enumerate(members):
            _draw_learner(fig, ax, dr, i, _COLORS[c % len(_COLORS)])
        _dress_axes(fig, ax, dr, first_column=p % ncols == 0, title=title, members=members, single=single)
    _captions(fig, dr, single=single, verdict_word=verdict_word)
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
