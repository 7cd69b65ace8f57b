"""Draw measured learning curves (:class:`invariance.curves.Curves`) to a PNG.

Rendering only: the numbers come from :func:`invariance.curves.learning_curves`. matplotlib is an
optional dependency, imported here and only here, through its object API and the Agg canvas (no
``pyplot``, so no global figure state and no display needed).
"""

from __future__ import annotations

import importlib.util
import os

from .curves import Curves
from .errors import MissingDependency, UsageError

__all__ = ["require_matplotlib", "check_plot_path", "plot_curves"]

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
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ks = list(curves.ks)
    mean = curves.mean()
    lo, hi = curves.band(*quantiles)
    for i, name in enumerate(curves.names):
        (line,) = ax.plot(ks, mean[i], label=name, linewidth=1.6)
        if curves.trials > 1:
            ax.fill_between(ks, lo[i], hi[i], color=line.get_color(), alpha=0.18, linewidth=0)
    ax.plot(ks, curves.bound, "k--", linewidth=1.4, label=f"bound {_BOUND_LABEL[curves.problem]}")
    ax.set_xlabel("k = number of training examples")
    ax.set_ylabel("average square loss over all d rows")
    band = f", band {round(quantiles[0] * 100)}–{round(quantiles[1] * 100)}% over trials" if curves.trials > 1 else ""
    ax.set_title(
        f"{_PROBLEM_TITLE[curves.problem]} problem, d = {curves.d} "
        f"({curves.trials} trial{'s' if curves.trials != 1 else ''}, seed {curves.seed}{band})",
        fontsize=10,
    )
    ax.set_xlim(0, curves.d)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2 if len(curves.names) > 6 else 1, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path
