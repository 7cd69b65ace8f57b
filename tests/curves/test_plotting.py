"""Tests of invariance.curves.plotting: the figures read back as matplotlib objects, not as pixels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.text import Text  # noqa: E402

from invariance.curves.experiment import Curves  # noqa: E402
from invariance.curves.plotting import MAX_LINES, build_figure, plot_curves  # noqa: E402
from invariance.errors import UsageError  # noqa: E402
from invariance.verdict import Verdict  # noqa: E402


def make_curves(n: int = 3, *, problem: str = "hadamard", d: int = 16, ks=None, trials: int = 2, cls=Curves,
                rows: dict[int, np.ndarray] | None = None) -> Curves:
    """``n`` learners a little above 1 − k/d (learner i by 0.01·i), with ``rows[i]`` replacing learner i's curve."""
    ks = tuple(ks or range(1, d + 1))
    k = np.asarray(ks, dtype=float)
    rng = np.random.default_rng(0)
    losses = np.empty((trials, n, len(ks)))
    for i in range(n):
        base = np.clip(1 - k / d, 0, None) + 0.01 * i
        if rows and i in rows:
            base = np.asarray(rows[i], dtype=float)
        for t in range(trials):
            losses[t, i] = base * (1 + 0.01 * rng.standard_normal(len(ks))) if np.isfinite(base).all() else base
    names = tuple(f"learner{i}" for i in range(n))
    return cls(problem=problem, d=d, ks=ks, seed=0, targets=tuple(f"t:{name}" for name in names), names=names,
               losses=losses, seconds=(0.0,) * n)


class NoisyCurves(Curves):
    """A "noisy" problem's curves with its reference σ²d/(n−d−1) (σ² = 1): NaN where n ≤ d + 1."""

    @property
    def bound(self) -> np.ndarray:
        n = np.asarray(self.ks, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > self.d + 1, self.d / (n - self.d - 1), np.nan)


class NoBoundCurves(Curves):
    """A problem whose reference is undefined everywhere."""

    @property
    def bound(self) -> np.ndarray:
        return np.full(len(self.ks), np.nan)


class HalfBoundCurves(Curves):
    """A linear problem whose reference is undefined (NaN) for the first half of the ks."""

    @property
    def bound(self) -> np.ndarray:
        k = np.asarray(self.ks, dtype=float)
        return np.where(k > self.d / 2, 1 - k / self.d, np.nan)


def learner_lines(ax) -> dict[str, object]:
    return {line.get_gid().split(":", 1)[1]: line for line in ax.lines if (line.get_gid() or "").startswith("learner:")}


def lines_with_gid(fig, prefix: str) -> list:
    return [line for ax in fig.axes for line in ax.lines if (line.get_gid() or "").startswith(prefix)]


def all_text(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


# ------------------------------------------------------------------------------------------ styles


def test_line_style_says_the_verdict():
    curves = make_curves(7)
    kinds = ["invariant", "invariant-in-distribution", "pm1-invariant", "not-invariant", None, "error",
             Verdict.PM1_INVARIANT]
    verdicts = dict(zip(curves.targets, kinds, strict=True))
    fig = build_figure(curves, verdicts=verdicts)
    lines = learner_lines(fig.axes[0])
    styles = [lines[t].get_linestyle() for t in curves.targets]
    assert styles == ["-", "-", "--", ":", "-.", "-.", "--"]
    text = all_text(fig)  # the style key, once
    for word in ("solid invariant", "dashed ±1-invariant", "dotted not invariant", "dash-dot no verdict"):
        assert text.count(word) == 1, word


def test_the_key_names_only_the_styles_drawn_and_no_verdicts_means_solid():
    curves = make_curves(2)
    fig = build_figure(curves, verdicts={curves.targets[0]: "invariant", curves.targets[1]: "invariant"})
    text = all_text(fig)
    assert "solid invariant" in text and "dashed" not in text and "dotted" not in text
    fig = build_figure(curves)
    assert {line.get_linestyle() for line in learner_lines(fig.axes[0]).values()} == {"-"}
    assert "line style" not in all_text(fig)


def test_bound_is_heavier_black_and_labelled():
    fig = build_figure(make_curves(4))
    ax = fig.axes[0]
    (bound,) = lines_with_gid(fig, "bound")
    widths = [line.get_linewidth() for line in learner_lines(ax).values()]
    assert bound.get_linewidth() >= 2.5 and bound.get_linewidth() > max(widths) + 0.5
    assert bound.get_color() in ("black", "k", "#000000")
    assert bound.get_label() == "bound 1 − k/d"
    assert "bound 1 − k/d" in ax.get_legend_handles_labels()[1]


# ------------------------------------------------------------------------------------------ panels


def test_eight_learners_share_one_panel():
    fig = build_figure(make_curves(MAX_LINES), verdicts={})
    assert len(fig.axes) == 1 and len(learner_lines(fig.axes[0])) == MAX_LINES
    assert tuple(fig.get_size_inches()) == pytest.approx((8.5, 5.0)) and 110 <= fig.dpi <= 120


def test_twelve_learners_split_by_verdict_into_panels_of_at_most_eight():
    curves = make_curves(12)
    kinds = ["invariant"] * 5 + ["not-invariant"] * 4 + [None] * 3
    fig = build_figure(curves, verdicts=dict(zip(curves.targets, kinds, strict=True)))
    assert len(fig.axes) >= 2
    seen = []
    for ax in fig.axes:
        lines = learner_lines(ax)
        assert 1 <= len(lines) <= MAX_LINES
        assert len([line for line in ax.lines if line.get_gid() == "bound"]) == 1  # every panel has the bound
        assert len({lines[t].get_linestyle() for t in lines}) == 1  # one verdict group a panel
        assert ax.get_xlim() == fig.axes[0].get_xlim() and ax.get_ylim() == fig.axes[0].get_ylim()
        seen += list(lines)
    assert sorted(seen) == sorted(curves.targets)  # each learner exactly once
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.startswith("invariant") for t in titles) and any(t.startswith("not invariant") for t in titles)
    assert any(t.startswith("no verdict") for t in titles)
    assert fig.get_size_inches()[0] == pytest.approx(12.0)


def test_a_large_group_is_split_into_several_panels():
    curves = make_curves(20)
    fig = build_figure(curves, verdicts=dict.fromkeys(curves.targets, "invariant"))
    counts = [len(learner_lines(ax)) for ax in fig.axes]
    assert len(counts) == 3 and max(counts) <= MAX_LINES and sum(counts) == 20
    titles = [ax.get_title().split(" — ")[0] for ax in fig.axes]
    assert titles == ["invariant (1/3)", "invariant (2/3)", "invariant (3/3)"]
    fig = build_figure(make_curves(9))  # no verdicts at all: still ≤ 8 a panel
    assert [len(learner_lines(ax)) for ax in fig.axes] == [5, 4]


@pytest.mark.parametrize("n", [3, 12])
def test_legend_lies_outside_every_data_area(n):
    curves = make_curves(n)
    kinds = ["invariant", "not-invariant", "pm1-invariant"] * 4  # 12 verdicts: more than n = 3 learners need
    fig = build_figure(curves, verdicts=dict(zip(curves.targets, kinds, strict=False)))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    assert len(legends) == len(fig.axes)
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            area = ax.get_window_extent(renderer)
            apart = box.x0 >= area.x1 or box.x1 <= area.x0 or box.y0 >= area.y1 or box.y1 <= area.y0
            assert apart, (box, area)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 + 1 and fig.bbox.y0 - 1 <= box.y0  # and on the figure


# ------------------------------------------------------------------------------------------ off scale


def test_a_diverging_curve_stops_at_the_top_with_a_marker_and_says_so():
    d = 16
    k = np.arange(1, d + 1)
    rows = {1: np.where(k >= 6, 1e6, 1 - k / d), 2: np.where(k >= 10, np.inf, 1 - k / d)}
    curves = make_curves(4, d=d, rows=rows)
    fig = build_figure(curves)
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    assert 1.05 <= top <= 1.5
    assert top == pytest.approx(1.05)  # the runaway learners do not set the range
    for line in ax.lines:  # no point of any line beyond the axis: nothing is clipped into a spike
        y = np.asarray(line.get_ydata(), dtype=float)
        assert (y[np.isfinite(y)] <= top + 1e-12).all() and (y[np.isfinite(y)] >= bottom).all()
    lines = learner_lines(ax)
    for i, first_off in ((1, 6), (2, 10)):
        line = lines[curves.targets[i]]
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.isfinite(y[: first_off - 1]).all() and np.isnan(y[first_off - 1:]).all()
        assert f"off scale from k={first_off}" in line.get_label()
        (marker,) = [artist for artist in ax.lines if artist.get_gid() == f"offscale:{curves.targets[i]}"]
        assert list(marker.get_xdata()) == [first_off] and list(marker.get_ydata()) == [top]
        assert marker.get_marker() == "^"
        fig.canvas.draw()  # the ▲ hangs from the top edge, inside the axes
        box, area = marker.get_window_extent(fig.canvas.get_renderer()), ax.get_window_extent()
        assert area.y1 - 20 < box.y0 and box.y1 <= area.y1 + 0.5
    assert "off scale" not in lines[curves.targets[0]].get_label()
    # the bands of the runaway learners are dropped, the others kept
    assert len(ax.collections) == 2


def test_a_curve_that_comes_back_is_drawn_again_and_the_run_is_named():
    d = 16
    k = np.arange(1, d + 1)
    curves = make_curves(3, d=d, rows={0: np.where((k >= 5) & (k <= 7), 50.0, 1 - k / d)})
    fig = build_figure(curves)
    ax = fig.axes[0]
    line = learner_lines(ax)[curves.targets[0]]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(y[4:7]).all() and np.isfinite(y[7:]).all()
    assert "off scale k=5–7" in line.get_label()


# ------------------------------------------------------------------------------------------ problems


def test_nan_bound_points_are_skipped_and_noisy_is_log_scale_up_to_4d():
    d = 8
    ks = tuple(range(2, 4 * d + 1))
    n = np.asarray(ks, dtype=float)
    excess = np.where(n > d + 1, d / np.maximum(n - d - 1, 1), 1.0)
    curves = make_curves(3, problem="noisy", d=d, ks=ks, cls=NoisyCurves, rows={0: excess, 1: 0.5 * d / (n + d)})
    fig = build_figure(curves)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlim()[1] == 4 * d  # from the ks, not from d
    assert ax.get_xlabel().startswith("n = ") and ax.get_ylabel() == "excess risk"
    (bound,) = lines_with_gid(fig, "bound")
    y = np.asarray(bound.get_ydata(), dtype=float)
    assert np.isnan(y[n <= d + 1]).all() and np.isfinite(y[n > d + 1]).all()
    assert "σ²d/(n−d−1)" in bound.get_label()
    low, high = ax.get_ylim()
    assert 0 < low <= np.nanmin(y) and np.nanmax(y) <= high


def test_nan_bound_points_are_skipped_on_a_linear_axis_too():
    curves = make_curves(2, cls=HalfBoundCurves)
    (bound,) = lines_with_gid(build_figure(curves), "bound")
    k = np.asarray(curves.ks)
    y = np.asarray(bound.get_ydata(), dtype=float)
    assert np.isnan(y[k <= 8]).all() and np.allclose(y[k > 8], 1 - k[k > 8] / 16)


def test_log_scale_skips_non_positive_values():
    d = 8
    ks = tuple(range(2, 4 * d + 1))
    n = np.asarray(ks, dtype=float)
    curve = np.where(n > 20, 0.0, 1.0 / n)
    curves = make_curves(2, problem="noisy", d=d, ks=ks, cls=NoisyCurves, rows={0: curve})
    fig = build_figure(curves)
    ax = fig.axes[0]
    line = learner_lines(ax)[curves.targets[0]]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(y[n > 20]).all() and np.isfinite(y[n <= 20]).all()
    assert (y[np.isfinite(y)] >= ax.get_ylim()[0]).all()
    assert not lines_with_gid(fig, "offscale:")  # off at the bottom is skipped, not marked


def test_no_bound_draws_none_and_unknown_problems_fall_back():
    fig = build_figure(make_curves(3, cls=NoBoundCurves))
    assert not lines_with_gid(fig, "bound") and len(learner_lines(fig.axes[0])) == 3
    fig = build_figure(make_curves(3, problem="mystery", cls=NoBoundCurves))
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "loss" and ax.get_ylim()[0] == 0
    assert "mystery" in all_text(fig)


def test_existing_problems_keep_their_axes():
    for problem in ("hadamard", "pm1", "gaussian"):
        ax = build_figure(make_curves(2, problem=problem)).axes[0]
        assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0 and ax.get_xlim() == (0, 16)
        assert ax.get_xlabel() == "k = number of training examples"
        assert ax.get_ylabel() == "average square loss over all d rows"


# ------------------------------------------------------------------------------------------ the file


def test_plot_curves_writes_a_png_and_checks_the_path(tmp_path):
    curves = make_curves(3)
    path = str(tmp_path / "c.png")
    assert plot_curves(curves, path, verdicts={curves.targets[0]: "invariant"}) == path
    with open(path, "rb") as fh:
        data = fh.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    with pytest.raises(UsageError, match="ending in .png"):
        plot_curves(curves, str(tmp_path / "c.txt"))
    with pytest.raises(UsageError, match="does not exist"):
        plot_curves(curves, str(tmp_path / "nowhere" / "c.png"))


def test_caption_names_what_the_styles_show():
    """invcheck curves styles lines by *declared* verdicts and must say so; the report by measured ones."""
    c = make_curves(2)
    verdicts = {c.targets[0]: "invariant", c.targets[1]: "not-invariant"}
    declared = build_figure(c, verdicts=verdicts, verdict_word="declared verdict")
    measured = build_figure(c, verdicts=verdicts)
    assert declared._supxlabel.get_text().startswith("line style = declared verdict:")
    assert measured._supxlabel.get_text().startswith("line style = verdict:")
