"""Number formatting shared by every table invcheck prints (terminal, curves, report).

* :func:`fmt_num` — a measured quantity in ``%.3g`` style: ``0.5``, ``0.0119``, ``1.72e+05``;
* :func:`fmt_dev` — a deviation, always in scientific notation with two digits: ``1.2e-05``;
* :func:`fmt_seconds` — a duration: ``0.11s``, ``2.7s``, ``154s``.

None prints as ``—``; non-finite values print as ``∞``, ``-∞`` or ``nan`` (never ``inf``), so no cell
is ever a 30-digit integer or an ellipsis.
"""

from __future__ import annotations

import math

__all__ = ["fmt_num", "fmt_dev", "fmt_seconds", "is_diverged", "DIVERGED_ABOVE"]

#: a loss above this (or a non-finite one) is reported as ``diverged`` rather than as a number
DIVERGED_ABOVE = 1e6


def _nonfinite(x: float) -> str:
    if math.isnan(x):
        return "nan"
    return "∞" if x > 0 else "-∞"


def fmt_num(x: float | None, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits (``%.3g``): ``'0.5'``, ``'0.0119'``, ``'1.72e+05'``."""
    if x is None:
        return "—"
    x = float(x)
    if not math.isfinite(x):
        return _nonfinite(x)
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def fmt_dev(x: float | None) -> str:
    """A deviation in scientific notation with two significant digits: ``'1.2e-05'``; ``∞`` if non-finite."""
    if x is None:
        return "—"
    x = float(x)
    if not math.isfinite(x):
        return "∞"
    return f"{x:.1e}"


def fmt_seconds(s: float | None) -> str:
    """A duration: two decimals below 10 s (``'0.11s'``), three significant digits up to 1000 s, whole seconds above."""
    if s is None:
        return "—"
    s = float(s)
    if not math.isfinite(s):
        return _nonfinite(s)
    if s < 10:
        return f"{s:.2f}s"
    if s < 1000:
        return f"{s:.3g}s"
    return f"{s:.0f}s"


def is_diverged(x: float | None, above: float = DIVERGED_ABOVE) -> bool:
    """True for a non-finite value or one larger than ``above`` in magnitude (a diverging loss)."""
    if x is None:
        return False
    x = float(x)
    return not math.isfinite(x) or abs(x) > above
