"""Number formatting shared by every table invcheck prints (terminal, curves, report).

* :func:`fmt_num` — a measured quantity in ``%.3g`` style: ``0.5``, ``0.0119``, ``1.72e+05``;
* :func:`fmt_dev` — a deviation, always in scientific notation with two digits: ``1.2e-05``;
* :func:`fmt_p` — a p-value: ``0.24``, ``0.0031``, ``< 1e-12``;
* :func:`fmt_seconds` — a duration: ``0.11s``, ``2.7s``, ``154s``.

None prints as ``—``; non-finite values print as ``∞``, ``-∞`` or ``nan`` (never ``inf``), so no cell
is ever a 30-digit integer or an ellipsis.
"""

from __future__ import annotations

import math

from invariance.judge import FLOOR

__all__ = ["fmt_num", "fmt_dev", "fmt_p", "deviation_cell", "MARKS", "fmt_seconds", "is_diverged", "DIVERGED_ABOVE"]

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


def fmt_p(p: float | None) -> str:
    """A p-value: two significant digits (``'0.24'``, ``'0.0031'``), ``'< 1e-12'`` below 1e-12, ``'1'`` at 1."""
    if p is None:
        return "—"
    p = float(p)
    if not math.isfinite(p):
        return _nonfinite(p)
    if p < 1e-12:
        return "< 1e-12"
    if p >= 1.0:
        return "1"
    return f"{p:.2g}"


#: the short marks of :func:`deviation_cell` (terminal tables), explained under the table
MARKS = {"violation": "✗", "excused": "≈"}


def deviation_cell(doc: dict, key: str, *, short: bool = False) -> str:
    """A result's deviation on one property (``key``: "orthogonal" or "pm1") as a table cell that says
    what the number is: ``4.1e-01 violation``, ``8.6e-03 excused`` (a deviation above the floor judged
    rounding; the message says by what), ``2.0e-15``; for a randomised learner ``KS 0.08, p 0.93``.
    ``doc`` is :meth:`Result.to_json` (or a report row holding its keys)."""
    dist = doc.get("distribution")
    if dist:
        side = dist.get(key) or {}
        return f"KS {fmt_num(side.get('max_ks_statistic'))}{'' if short else ','} p {fmt_p(side.get('p_value'))}"
    value = (doc.get("deviation") or {}).get(key)
    prop = (doc.get("properties") or {}).get(key) or {}
    word = lambda w: f" {MARKS[w]}" if short else f" {w}"  # noqa: E731
    if value is None and prop.get("passed") is False:
        return "∞" + word("violation")  # one side failed (JSON has no inf)
    text = fmt_dev(value)
    if prop.get("passed") is False:
        return text + word("violation")
    if prop.get("excused") and value is not None and value > FLOOR:
        return text + word("excused")
    return text


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
