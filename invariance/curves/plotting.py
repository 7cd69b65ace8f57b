"""Draw measured learning curves (:class:`invariance.curves.Curves`) to a PNG.

Rendering only: the numbers come from :func:`invariance.curves.learning_curves`. matplotlib is an
optional dependency, imported here and only here, through its object API and the Agg canvas (no
``pyplot``, so no global figure state and no display needed).
"""

from __future__ import annotations

import importlib.util
import os

from invariance.curves.experiment import Curves
from invariance.errors import MissingDependency, UsageError

__all__ = ["require_matplotlib", "check_plot_path", "plot_curves"]

Y_MAX = 1.5  # the loss axis stops here; the bound and the interesting curves live in [0, 1]

_BOUND_LABEL = {"hadamard": "1 − k/d", "pm1": "(1 − k/d)²", "gaussian": "(1 − k/d)²"}
_PROBLEM_TITLE = {
    "hadamard": "sign-flipped Hadamard",
    "pm1": "random ±1",
    "gaussian": "Gaussian",
}


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


def plot_curves(curves: Curves, path: str, *, quantiles: tuple[float, float] = (0.1, 0.9)) -> str:
    """Write each learner's mean curve, its ``quantiles`` band over trials and the bound to ``path``.

    Returns ``path``. Raises :class:`MissingDependency` without matplotlib.
    """
    require_matplotlib()
    check_plot_path(path)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ks = list(curves.ks)
    mean = curves.mean()
    lo, hi = curves.band(*quantiles)
    # the bound first, wide and grey, so that learners lying on it stay visible on top of it
    ax.plot(ks, curves.bound, color="0.55", linewidth=4, alpha=0.6, label=f"bound {_BOUND_LABEL[curves.problem]}")
    colors = matplotlib.colormaps["tab20"].colors
    styles = ("-", "--", "-.", ":")
    for i, name in enumerate(curves.names):
        color, style = colors[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20], styles[(i // 10) % 4]
        ax.plot(ks, mean[i], style, color=color, label=name, linewidth=1.6)
        # a band that leaves the axis (one trial blowing up, e.g. scikit-learn's ARD on Hadamard rows)
        # would cover the whole plot and hide every other curve: such a learner is drawn without it
        if curves.trials > 1 and float(hi[i].max()) <= Y_MAX:
            ax.fill_between(ks, lo[i], hi[i], color=color, alpha=0.18, linewidth=0)
    ax.set_xlabel("k = number of training examples")
    ax.set_ylabel("average square loss over all d rows")
    band = f", band {round(quantiles[0] * 100)}–{round(quantiles[1] * 100)}% over trials" if curves.trials > 1 else ""
    ax.set_title(
        f"{_PROBLEM_TITLE[curves.problem]} problem, d = {curves.d} "
        f"({curves.trials} trial{'s' if curves.trials != 1 else ''}, seed {curves.seed}{band})",
        fontsize=10,
    )
    ax.set_xlim(0, curves.d)
    # a learner far above the bound (diagonal AdaGrad on batches reaches loss ≫ 1) would flatten the
    # rest: clip the axis at Y_MAX and say so in the axis label
    top = float(mean.max()) * 1.05 if mean.size else 1.0
    clipped = top > Y_MAX
    ax.set_ylim(0, min(max(top, 1.05), Y_MAX))
    if clipped:
        ax.set_ylabel(f"average square loss over all d rows (clipped at {Y_MAX:g})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2 if len(curves.names) > 6 else 1, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path
